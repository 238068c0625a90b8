"""What the customer-facing model is offered each call: the compact catalog, deferred tools and filled arguments.

Rarely needed tools (`ServerConfig.deferred_tools`) are not sent until the model asks for them through the
built-in `load_tools` tool, whose description names each one in a line; once loaded they stay offered for the
rest of the conversation (the list is kept in the conversation's state). Arguments the orchestrator knows
(`ServerConfig.fill`) never appear in a schema and are set at call time, whatever the model sent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Literal, cast

from ..hooks import TurnContext
from ..settings import ServerConfig
from ._catalog import LOAD_TOOLS
from .catalog import offered_tools
from .registry import ServerRegistry

if TYPE_CHECKING:
    from anthropic.types import ToolParam

__all__ = ["LOAD_TOOLS", "Fact", "Facts", "ToolOffer", "basic_facts"]

LOADED_KEY = "loaded_tools"
"""`TurnContext.flags` key listing the deferred tools the model has loaded in this conversation."""

Fact = Literal["conversation_id", "sentiment_trend", "customer_email"]
Facts = Callable[[TurnContext], Mapping[Fact, str]]


def basic_facts(ctx: TurnContext) -> dict[Fact, str]:
    """What any conversation knows: its id and, once verified, the customer's email."""
    facts: dict[Fact, str] = {"conversation_id": ctx.conversation_id}
    if ctx.customer_email:
        facts["customer_email"] = ctx.customer_email
    return facts


def _summary(description: str) -> str:
    """The first clause of a description's first line: enough to know when to load the tool."""
    first = description.strip().splitlines()[0] if description.strip() else ""
    return re.split(r",\s|;\s|\s\(|\.\s|\.$", first, maxsplit=1)[0]


class ToolOffer:
    """Builds the tools array for one conversation from the registry's catalog and the server configs."""

    def __init__(
        self, registry: ServerRegistry, servers: Sequence[ServerConfig], *, facts: Facts = basic_facts
    ) -> None:
        """Offer `registry`'s tools as `servers` configure them, filling arguments from `facts`."""
        self.registry = registry
        self.configs = {s.name: s for s in servers}
        self.facts = facts
        self._cache: tuple[tuple[object, ...], list[ToolParam]] | None = None

    def _server_of(self, name: str) -> ServerConfig | None:
        route = self.registry.route(name)
        return self.configs.get(route.server) if route is not None else None

    def _filled_names(self, tool: ToolParam) -> list[str]:
        config = self._server_of(tool["name"])
        properties = cast(dict[str, object], tool["input_schema"].get("properties") or {})
        return [arg for arg in (config.fill if config else {}) if arg in properties]

    def _fingerprint(self, name: str) -> str:
        route = self.registry.route(name)
        return route.fingerprint if route is not None else ""

    def _deferred(self, name: str) -> bool:
        config = self._server_of(name)
        route = self.registry.route(name)
        return bool(config and route and route.tool in config.deferred_tools)

    def definitions(self, ctx: TurnContext) -> list[ToolParam]:
        """The tools to send now: compacted, deferred ones only once loaded, `load_tools` while any wait."""
        loaded = set(cast(list[str], ctx.flags.get(LOADED_KEY) or []))
        tools = self.registry.tools()
        # The catalog changes only when a definition does: its route's fingerprint names it (cheap per call).
        key = (tuple((t["name"], self._fingerprint(t["name"])) for t in tools), tuple(sorted(loaded)))
        if self._cache is not None and self._cache[0] == key:
            return list(self._cache[1])
        waiting = [t for t in tools if self._deferred(t["name"]) and t["name"] not in loaded]
        offered = [t for t in tools if t not in waiting]
        result = offered_tools(offered, filled={t["name"]: self._filled_names(t) for t in offered})
        if waiting:
            result.append(self._loader(waiting))
        self._cache = (key, result)
        return list(result)

    def _loader(self, waiting: Sequence[ToolParam]) -> ToolParam:
        lines = "\n".join(f"- {t['name']}: {_summary(str(t.get('description', '')))}" for t in waiting)
        return {
            "name": LOAD_TOOLS,
            "description": f"Load more tools (usable from your next step on):\n{lines}",
            "input_schema": {
                "type": "object",
                "properties": {"names": {"type": "array", "items": {"type": "string"}}},
                "required": ["names"],
                "additionalProperties": False,
            },
            "strict": True,
        }

    def load(self, names: object, ctx: TurnContext) -> tuple[str, bool]:
        """Run `load_tools`: record the requested deferred tools as loaded; (result text, is_error)."""
        requested = [n for n in cast(list[object], names) if isinstance(n, str)] if isinstance(names, list) else []
        known = [n for n in requested if self._deferred(n)]
        if not known:
            return "No such tool to load. Check the names listed in the load_tools description.", True
        loaded = list(dict.fromkeys([*cast(list[str], ctx.flags.get(LOADED_KEY) or []), *known]))
        ctx.flags[LOADED_KEY] = loaded
        return f"Loaded: {', '.join(known)}. They are available from your next step.", False

    def fill(self, name: str, arguments: dict[str, object], ctx: TurnContext) -> dict[str, object]:
        """`arguments` with the orchestrator's facts set for this server's `fill` arguments."""
        config = self._server_of(name)
        if config is None or not config.fill:
            return arguments
        facts = self.facts(ctx)
        filled = dict(arguments)
        route = self.registry.route(name)
        properties: Mapping[str, object] = route.definition.input_schema.get("properties") or {} if route else {}
        for arg, fact in config.fill.items():
            if arg not in properties:
                continue
            if fact in facts:
                filled[arg] = facts[fact]
            else:
                filled.pop(arg, None)  # unknown here: never let the model supply what only we may know
        return filled
