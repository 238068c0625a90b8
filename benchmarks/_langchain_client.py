"""langchain-mcp-adapters side of `benchmarks/orchestration.py`; runs in its own venv (`benchmarks/.lc-venv`).

langchain-mcp-adapters pins mcp < 2, so this file never imports Switchboard: it reads a JSON job on stdin
(connections, the call mix, counts), calls our servers the way a LangChain app would, and prints one JSON line
of per-call timings (milliseconds) on stdout.

Modes:
- `session`: `async with client.session(name) as session: tools = await load_mcp_tools(session)`, one session
  per server held open, then `tool.ainvoke(args)` (comparable to a long-lived `mcp.Client`); plain mcp 1.x
  `session.call_tool` on the same sessions is timed too, in alternating blocks, to separate langchain's own cost.
- `default`: `tools = await client.get_tools()` then `tool.ainvoke(args)`; every call opens a new session
  (for stdio: spawns a new server process).
"""

import asyncio
import json
import sys
import time
from contextlib import AsyncExitStack
from importlib.metadata import version
from typing import Any

from langchain_mcp_adapters.client import MultiServerMCPClient
from langchain_mcp_adapters.tools import load_mcp_tools
from mcp import ClientSession


def _mix(calls: list[list[Any]], count: int) -> list[list[Any]]:
    return [calls[i % len(calls)] for i in range(count)]


async def _timed(tools: dict[str, Any], plan: list[list[Any]], out: list[float] | None = None) -> list[float]:
    timings: list[float] = [] if out is None else out
    for _server, tool, args in plan:
        started = time.perf_counter()
        await tools[tool].ainvoke(args)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


async def _timed_raw(sessions: dict[str, ClientSession], plan: list[list[Any]], out: list[float]) -> None:
    for server, tool, args in plan:
        started = time.perf_counter()
        result = await sessions[server].call_tool(tool, args)
        out.append((time.perf_counter() - started) * 1000)
        if result.isError:
            raise RuntimeError(f"{tool} failed: {result.content}")


async def session_mode(
    client: MultiServerMCPClient, calls: list[list[Any]], warmup: int, count: int, rounds: int
) -> tuple[list[float], list[float]]:
    """langchain tools and plain mcp 1.x `ClientSession.call_tool` on the same sessions, in alternating blocks."""
    tools: dict[str, Any] = {}
    sessions: dict[str, ClientSession] = {}
    lc: list[float] = []
    raw: list[float] = []
    async with AsyncExitStack() as stack:
        for name in sorted({server for server, _, _ in calls}):
            sessions[name] = await stack.enter_async_context(client.session(name))
            for tool in await load_mcp_tools(sessions[name], handle_tool_errors=False):
                tools[tool.name] = tool
        await _timed(tools, _mix(calls, warmup))
        await _timed_raw(sessions, _mix(calls, warmup), [])
        block, done = max(1, count // max(1, rounds)), 0
        for index in range(rounds):
            size = block if index < rounds - 1 else count - done
            done += size
            if index % 2 == 0:
                await _timed(tools, _mix(calls, size), lc)
                await _timed_raw(sessions, _mix(calls, size), raw)
            else:
                await _timed_raw(sessions, _mix(calls, size), raw)
                await _timed(tools, _mix(calls, size), lc)
    return lc, raw


async def default_mode(client: MultiServerMCPClient, calls: list[list[Any]], warmup: int, count: int) -> list[float]:
    tools = {tool.name: tool for tool in await client.get_tools()}
    await _timed(tools, _mix(calls, warmup))
    return await _timed(tools, _mix(calls, count))


async def main() -> None:
    job = json.load(sys.stdin)
    client = MultiServerMCPClient(job["connections"], handle_tool_errors=False)
    session, raw = await session_mode(client, job["calls"], job["warmup"], job["session_calls"], job["rounds"])
    result: dict[str, Any] = {
        "versions": {pkg: version(pkg) for pkg in ("langchain-mcp-adapters", "langchain-core", "mcp")},
        "session": session,
        "raw_session": raw,
        "default": await default_mode(client, job["calls"], min(job["warmup"], 1), job["default_calls"]),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main())
