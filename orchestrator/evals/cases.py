"""What an eval task is and what a trial of it produced: plain frozen values shared by the eval modules."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Action", "RowChange", "RowUpdate", "Task", "ToolExpectation", "TrialResult"]


@dataclass(frozen=True)
class Action:
    """One tool call of a ground-truth action list (τ-bench `actions`)."""

    name: str
    arguments: Mapping[str, object]


@dataclass(frozen=True)
class ToolExpectation:
    """A tool call the assistant must make: this name, with at least these arguments."""

    name: str
    arguments: Mapping[str, object] = field(default_factory=dict[str, object])
    error: bool = False
    """Expect the call to fail (an `is_error` result, e.g. a refused lookup); by default it must succeed."""


@dataclass(frozen=True)
class RowChange:
    """A change the conversation must leave in a domain table, found by the values the row holds."""

    table: str
    op: Literal["insert", "update", "delete"]
    where: Mapping[str, object] = field(default_factory=dict[str, object])
    """Column values the changed row has (after the change; before it for deletes)."""
    count: int = 1


@dataclass(frozen=True)
class RowUpdate:
    """A fixture applied to the fresh copy before the conversation (e.g. planting text in an order's notes)."""

    table: str
    where: Mapping[str, object]
    values: Mapping[str, object]


@dataclass(frozen=True)
class Task:
    """One eval task: who the customer is, what they say or want, and what a pass requires."""

    id: str
    title: str = ""
    lines: tuple[str, ...] = ()
    """Scripted customer messages, sent in order (the scripted customer)."""
    instruction: str | None = None
    """The customer's situation and goal, for a simulated customer."""
    required: tuple[str, ...] = ()
    """Strings that must appear in the replies (case-insensitive, commas ignored, as in τ-bench)."""
    must: tuple[str, ...] = ()
    """Phrases that must appear in at least one reply (case-insensitive)."""
    must_not: tuple[str, ...] = ()
    """Phrases no reply may contain (case-insensitive)."""
    tools: tuple[ToolExpectation, ...] = ()
    """Tool calls that must happen, in any order."""
    tools_not: tuple[str, ...] = ()
    """Tools that must not be called successfully."""
    changes: tuple[RowChange, ...] | None = None
    """Scenario suites: the domain-table changes expected (empty: nothing may change)."""
    setup: tuple[RowUpdate, ...] = ()
    actions: tuple[Action, ...] = ()
    """τ-bench: the ground-truth actions; the expected state is their replay on a fresh copy."""


@dataclass
class TrialResult:
    """One trial of one task."""

    task_id: str
    trial: int
    passed: bool
    failures: list[str] = field(default_factory=list[str])
    """Why it failed, most important first (empty on a pass)."""
    turns: int = 0
    """Customer messages sent."""
    cost_usd: float = 0.0
    """Assistant plus simulated-customer model spend."""
    replies: list[str] = field(default_factory=list[str])
    error: str | None = None
    """The run itself broke (an exception, not a failed expectation)."""
