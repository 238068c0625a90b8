"""The tool catalog: Claude-facing names (unique, `^[a-zA-Z0-9_-]{1,64}$`, kept when they fit) and the routing table."""

import hashlib
import logging
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mcp.types import Tool

from ..settings import ServerConfig

__all__ = ["BUILT_IN_TOOLS", "CLAUDE_SAFE", "LOAD_TOOLS", "UNSAFE_CHARS", "Catalog", "ToolRoute", "claude_names"]

LOAD_TOOLS = "load_tools"
"""The orchestrator's own tool that loads deferred tools (`registry.offer`)."""
BUILT_IN_TOOLS = frozenset({LOAD_TOOLS})
"""Names the orchestrator offers itself: a server's tool of the same name is offered as `<server>__<name>`."""

CLAUDE_SAFE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
UNSAFE_CHARS = re.compile(r"[^a-zA-Z0-9_-]")
_MAX_NAME = 64

logger = logging.getLogger("orchestrator.registry")  # operators filter on the registry's logger


@dataclass(frozen=True)
class ToolRoute:
    """Where a Claude-facing tool name leads."""

    claude_name: str
    """The name the model sees and calls."""
    server: str
    tool: str
    """The tool's own name on its server."""
    read_only: bool
    """The server annotates the tool `read_only_hint=True`, so a call may be retried after a reconnect."""
    fingerprint: str
    definition: Tool
    verifies_identity: bool = False
    """The tool is listed in its own server's `identity_tools`: a success binds the customer."""
    receives_customer: bool = False
    """Calls carry the verified customer in `_meta`: the server's block says `receives_customer` or it verifies."""


def _hashed_name(stem: str, key: tuple[str, str], taken: set[str]) -> str:
    for salt in range(1000):
        digest = hashlib.sha256(f"{key[0]}\0{key[1]}\0{salt}".encode()).hexdigest()[:8]
        prefix = stem[: _MAX_NAME - len(digest) - 1]
        name = f"{prefix}_{digest}" if prefix else digest
        if name not in taken:
            return name
    raise AssertionError("unreachable: 1000 sha256 prefixes collided")


def claude_names(keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Give every (server, tool) a unique Claude-safe name; names that are safe and unique stay as they are."""
    counts = Counter(tool for _, tool in keys)
    bases = {
        key: key[1] if counts[key[1]] == 1 and key[1] not in BUILT_IN_TOOLS else f"{key[0]}__{key[1]}" for key in keys
    }
    names: dict[tuple[str, str], str] = {}
    taken: set[str] = set(BUILT_IN_TOOLS)
    for key, base in bases.items():  # first pass: names that need no change win
        if CLAUDE_SAFE.fullmatch(base) and base not in taken:
            names[key] = base
            taken.add(base)
    for key, base in bases.items():
        if key in names:
            continue
        cleaned = UNSAFE_CHARS.sub("_", base)
        name = cleaned if cleaned and len(cleaned) <= _MAX_NAME and cleaned not in taken else None
        names[key] = name or _hashed_name(cleaned, key, taken)
        taken.add(names[key])
    return {key: names[key] for key in keys}


class Catalog:
    """The tools offered to the model, routed by Claude-facing name, rebuilt after every discovery."""

    def __init__(self) -> None:
        self.routes: dict[str, ToolRoute] = {}
        self._warned: set[tuple[str, ...]] = set()

    def rebuild(self, servers: Sequence[tuple[ServerConfig, Sequence[tuple[Tool, str]]]]) -> None:
        """Route every accepted tool: `servers` is (server's block, [(tool, fingerprint)]) in config order."""
        entries = [
            (config.name, tool, fp, tool.name in config.identity_tools)
            for config, accepted in servers
            for tool, fp in accepted
        ]
        receives = {config.name for config, _ in servers if config.receives_customer or config.identity_tools}
        keys = [(server, tool.name) for server, tool, _, _ in entries]
        names = claude_names(keys)
        self._warn_collisions(keys, names)
        routes: dict[str, ToolRoute] = {}
        for server, tool, fp, identity in entries:
            claude_name = names[(server, tool.name)]
            read_only = bool(tool.annotations and tool.annotations.read_only_hint)
            routes[claude_name] = ToolRoute(
                claude_name, server, tool.name, read_only, fp, tool, identity, receives_customer=server in receives
            )
        self.routes = routes

    def of(self, server: str) -> list[ToolRoute]:
        """The routes of one server."""
        return [route for route in self.routes.values() if route.server == server]

    def withheld_match(self, claude_name: str, withheld: Mapping[str, Sequence[str]]) -> tuple[str, str] | None:
        """The (server, tool) a name would have led to if that tool were not withheld."""
        for server, tools in withheld.items():
            for tool in tools:
                if claude_name in (tool, f"{server}__{tool}", UNSAFE_CHARS.sub("_", tool)):
                    return server, tool
        return None

    def _warn_collisions(self, keys: Sequence[tuple[str, str]], names: Mapping[tuple[str, str], str]) -> None:
        owners: dict[str, list[str]] = {}
        for server, tool in keys:
            owners.setdefault(tool, []).append(server)
        for tool, servers in owners.items():
            signature = (tool, *servers)
            if len(servers) > 1 and signature not in self._warned:
                self._warned.add(signature)
                logger.warning(
                    "tool name %r is offered by MCP servers %s; they are offered as %s",
                    tool,
                    " and ".join(repr(s) for s in servers),
                    ", ".join(names[(s, tool)] for s in servers),
                )
