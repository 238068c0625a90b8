"""Prompt-cache accounting for the fake Messages API: what Claude would bill as cache reads, writes and input.

The model follows Anthropic's documented rules: the prefix is tools, then system, then messages; a breakpoint
(`cache_control` on a block, or the top-level marker on the last block) writes the prefix up to it when that
prefix reaches the model's minimum cacheable length; a later request reads the longest written prefix that ends
at most 20 blocks before one of its breakpoints and is still alive (5 minutes or 1 hour, refreshed on each hit).
`cache_control` markers are not part of the prefix, so moving a breakpoint does not invalidate the cache.

Tokens are estimated from characters (about 4 per token, on the compact JSON of each block), plus the tool-use
system prompt the API adds when tools are present. The estimate is stated wherever its numbers are reported.
"""

import hashlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import cast

from ..llm import caching

__all__ = ["CacheAccounting", "DEFAULT_MIN_CACHE_TOKENS", "estimate_tokens"]

JSONObject = dict[str, object]

CHARS_PER_TOKEN = 4
TOOL_SYSTEM_PROMPT_TOKENS = caching.TOOL_SYSTEM_PROMPT_TOKENS
LOOKBACK_BLOCKS = 20
DEFAULT_MIN_CACHE_TOKENS: dict[str, int] = {
    "claude-sonnet-4-6": 2048,
    "claude-sonnet-4-5": 1024,
    "claude-opus-4-6": 4096,
    "claude-haiku-4-5": 4096,
}
_TTL_SECONDS = {"5m": 300.0, "1h": 3600.0}


def estimate_tokens(value: object) -> int:
    """Estimated tokens of a JSON value, at least 1 (the same rule the orchestrator places breakpoints by)."""
    return max(1, caching.estimate_tokens(value))


@dataclass(frozen=True)
class _Block:
    key: str
    tokens: int
    ttl: str | None
    """The breakpoint's TTL when this block carries `cache_control`."""


@dataclass
class _Entry:
    expires: float
    ttl: str


def _without_marker(block: JSONObject) -> JSONObject:
    return {k: v for k, v in block.items() if k != "cache_control"}


def _ttl_of(block: JSONObject) -> str | None:
    marker = block.get("cache_control")
    if not isinstance(marker, dict):
        return None
    return str(cast(JSONObject, marker).get("ttl", "5m"))


def _prefix_blocks(body: JSONObject) -> list[_Block]:
    blocks: list[_Block] = []
    tools = cast(list[JSONObject], body.get("tools") or [])
    for tool in tools:
        blocks.append(_Block(json.dumps(["tool", _without_marker(tool)], sort_keys=True), 0, _ttl_of(tool)))
    system = body.get("system")
    system_blocks = [{"type": "text", "text": system}] if isinstance(system, str) else system or []
    for block in cast(list[JSONObject], system_blocks):
        blocks.append(_Block(json.dumps(["system", _without_marker(block)], sort_keys=True), 0, _ttl_of(block)))
    for message in cast(list[JSONObject], body.get("messages") or []):
        content = message.get("content")
        items = [{"type": "text", "text": content}] if isinstance(content, str) else content
        for index, block in enumerate(cast(list[JSONObject], items or [])):
            tag = [str(message.get("role")), index == 0]  # a message boundary is part of the prefix
            blocks.append(_Block(json.dumps([tag, _without_marker(block)], sort_keys=True), 0, _ttl_of(block)))
    top = body.get("cache_control")
    if isinstance(top, dict) and blocks:
        last = blocks[-1]
        blocks[-1] = _Block(last.key, 0, str(cast(JSONObject, top).get("ttl", "5m")))
    sized = [_Block(b.key, estimate_tokens(b.key), b.ttl) for b in blocks]
    if tools and sized:
        first = sized[0]
        sized[0] = _Block(first.key, first.tokens + TOOL_SYSTEM_PROMPT_TOKENS, first.ttl)
    return sized


@dataclass
class CacheAccounting:
    """Per-model prompt cache with Claude's billing rules; `usage(body)` is what one request would report.

    Attributes:
        min_tokens: The minimum cacheable prefix per model id (unknown models: 1024).
        clock: Seconds, monotonic; tests and benchmarks pass their own to let entries expire.
    """

    min_tokens: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_MIN_CACHE_TOKENS))
    clock: Callable[[], float] = time.monotonic
    _entries: dict[tuple[str, str], _Entry] = field(default_factory=dict[tuple[str, str], _Entry])

    def clear(self) -> None:
        """Forget every cache entry (a cold cache)."""
        self._entries.clear()

    def input_tokens(self, body: JSONObject) -> int:
        """All input tokens of a request, cached or not (what `count_tokens` answers)."""
        return sum(b.tokens for b in _prefix_blocks(body))

    def usage(self, body: JSONObject) -> JSONObject:
        """Read and write the cache for one request and return its input usage fields.

        Returns:
            `input_tokens` (uncached), `cache_read_input_tokens`, `cache_creation_input_tokens` and the
            `cache_creation` split by TTL, as the API reports them.
        """
        model = str(body.get("model"))
        blocks = _prefix_blocks(body)
        now = self.clock()
        hashes: list[str] = []
        totals: list[int] = []
        digest, running = hashlib.sha256(), 0
        for block in blocks:
            digest.update(block.key.encode())
            hashes.append(digest.copy().hexdigest())
            running += block.tokens
            totals.append(running)
        breakpoints = [i for i, b in enumerate(blocks) if b.ttl is not None]
        read_at = -1
        for i in range(len(blocks) - 1, -1, -1):
            entry = self._entries.get((model, hashes[i]))
            reachable = any(0 <= p - i < LOOKBACK_BLOCKS for p in breakpoints)
            if entry is not None and entry.expires > now and reachable:
                read_at = i
                entry.expires = now + _TTL_SECONDS[entry.ttl]
                break
        read = totals[read_at] if read_at >= 0 else 0
        minimum = self.min_tokens.get(model, 1024)
        created = {"5m": 0, "1h": 0}
        written_to = read_at
        for p in breakpoints:
            ttl = str(blocks[p].ttl)
            if totals[p] < minimum:
                continue
            if p > written_to:
                created[ttl] += totals[p] - (totals[written_to] if written_to >= 0 else 0)
                written_to = p
            self._entries[(model, hashes[p])] = _Entry(now + _TTL_SECONDS[ttl], ttl)
        creation = created["5m"] + created["1h"]
        total = totals[-1] if totals else 0
        return {
            "input_tokens": total - read - creation,
            "cache_read_input_tokens": read,
            "cache_creation_input_tokens": creation,
            "cache_creation": {
                "ephemeral_5m_input_tokens": created["5m"],
                "ephemeral_1h_input_tokens": created["1h"],
            },
        }
