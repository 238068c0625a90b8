"""What the offline model can do next (call a tool, or answer), and the tools a request offers."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from .conversation import base_name

__all__ = ["Action", "Call", "Say", "Toolbox"]


@dataclass(frozen=True)
class Call:
    """Ask the orchestrator to run one tool."""

    name: str
    """The tool's name exactly as offered."""
    args: dict[str, object] = field(default_factory=dict[str, object])


@dataclass(frozen=True)
class Say:
    """Answer the customer and end the turn."""

    text: str


Action = Call | Say


class Toolbox:
    """The tools offered in this request, found by their base name."""

    def __init__(self, names: Iterable[str]) -> None:
        """Index the offered names; an exact name wins over a namespaced one (`orders__lookup_order`)."""
        self._names: dict[str, str] = {}
        for name in names:
            base = base_name(name)
            if base not in self._names or name == base:
                self._names[base] = name

    def has(self, base: str) -> bool:
        """Whether a tool with this base name is offered."""
        return base in self._names

    def call(self, base: str, **args: object) -> Call:
        """A call of an offered tool; None-valued arguments are left out."""
        return Call(self._names[base], {k: v for k, v in args.items() if v is not None})
