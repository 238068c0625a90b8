"""A conversation case for the offline model run end to end: real orchestrator, real servers in memory, policies on."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio

from orchestrator import Orchestrator
from orchestrator.offline import OfflineModel

from .support import SERVERS, in_memory, real_targets, settings_for


@dataclass(frozen=True)
class Case:
    """What the customer writes, and what a good support agent must and must not say and do."""

    lines: tuple[str, ...]
    must: tuple[str, ...] = ()
    """Phrases the last reply contains (case-insensitive)."""
    must_not: tuple[str, ...] = ()
    """Phrases no reply contains (case-insensitive)."""
    last_must_not: tuple[str, ...] = ()
    """Phrases the last reply does not contain (case-insensitive)."""
    first_must: tuple[str, ...] = ()
    """Phrases the first reply contains (case-insensitive)."""
    calls: tuple[tuple[str, Mapping[str, object]], ...] = ()
    """Tool calls made, each with a subset of its arguments (emails are masked in the record, so not compared)."""
    no_calls: tuple[str, ...] = ()
    """Tools never called."""
    counts: Mapping[str, int] = field(default_factory=dict[str, int])
    """Exact number of calls of some tools."""


@dataclass(frozen=True)
class Outcome:
    """The replies and the tool calls of one conversation."""

    replies: list[str]
    calls: list[tuple[str, dict[str, Any]]]


async def converse(tmp_path: Path, lines: tuple[str, ...]) -> Outcome:
    """Run the customer's lines through the orchestrator with the offline model, the real servers and policies."""
    settings = settings_for(tmp_path, [in_memory(name) for name in SERVERS])
    with anyio.fail_after(60):
        async with Orchestrator.open(
            settings, model=OfflineModel(), targets=real_targets(tmp_path), policies=True
        ) as orch:
            cid = orch.start()
            replies = [(await orch.respond(cid, line)).text for line in lines]
            calls = [(str(c["name"]), dict(c["arguments"])) for c in orch.store.tool_calls(cid)]
    return Outcome(replies, calls)


def check(case: Case, outcome: Outcome) -> None:
    """Assert every expectation of `case` on `outcome`, with the transcript in the failure message."""
    transcript = "\n".join(f"> {q}\n< {a}" for q, a in zip(case.lines, outcome.replies, strict=True))
    last, everything = outcome.replies[-1].lower(), [r.lower() for r in outcome.replies]
    for phrase in case.must:
        assert phrase.lower() in last, f"missing {phrase!r}\n{transcript}"
    for phrase in case.last_must_not:
        assert phrase.lower() not in last, f"last reply says {phrase!r}\n{transcript}"
    for phrase in case.first_must:
        assert phrase.lower() in everything[0], f"first reply misses {phrase!r}\n{transcript}"
    for phrase in case.must_not:
        assert all(phrase.lower() not in r for r in everything), f"says {phrase!r}\n{transcript}"
    names = [name for name, _ in outcome.calls]
    for name, args in case.calls:
        made = [a for n, a in outcome.calls if n == name]
        assert any(all(a.get(k) == v for k, v in args.items()) for a in made), (
            f"no call {name}({dict(args)}) in {outcome.calls}\n{transcript}"
        )
    for name in case.no_calls:
        assert name not in names, f"unexpected {name} in {outcome.calls}\n{transcript}"
    for name, count in case.counts.items():
        assert names.count(name) == count, f"{name} called {names.count(name)} times\n{transcript}"
