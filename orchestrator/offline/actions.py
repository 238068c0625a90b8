"""What the offline model can do next (call a tool, or answer), and the tools a request offers."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from .conversation import base_name

__all__ = ["LOAD_TOOLS", "Action", "Call", "Say", "Toolbox"]


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


LOAD_TOOLS = "load_tools"
"""The orchestrator's tool that offers a deferred tool from the next step on (its description lists them)."""


class Toolbox:
    """The tools offered in this request, found by their base name, and the deferred ones it can load."""

    def __init__(self, names: Iterable[str], loadable: Iterable[str] = ()) -> None:
        """Index the offered names; an exact name wins over a namespaced one (`orders__lookup_order`).

        `loadable` names deferred tools that a `load_tools` call would offer (those not loaded yet in this turn).
        """
        self._names: dict[str, str] = {}
        for name in names:
            base = base_name(name)
            if base not in self._names or name == base:
                self._names[base] = name
        self._loadable: dict[str, str] = {}
        if LOAD_TOOLS in self._names:
            for name in loadable:
                self._loadable.setdefault(base_name(name), name)

    def has(self, base: str) -> bool:
        """Whether a tool with this base name is offered, or can be loaded first."""
        return base in self._names or base in self._loadable

    def call(self, base: str, **args: object) -> Call:
        """A call of an offered tool (None-valued arguments are left out), or `load_tools` for a deferred one."""
        if base not in self._names:
            return Call(self._names[LOAD_TOOLS], {"names": [self._loadable[base]]})
        return Call(self._names[base], {k: v for k, v in args.items() if v is not None})
