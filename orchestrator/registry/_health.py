"""Each configured server's health, as operators and health endpoints see it."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from ..settings import ServerConfig
from ._breaker import BreakerState, CircuitBreaker
from ._catalog import Catalog
from ._connection import Connection
from ._targets import TransportKind

__all__ = ["ServerHealth", "health_report"]


@dataclass(frozen=True)
class ServerHealth:
    """One server's state, for operators and health endpoints."""

    name: str
    transport: TransportKind
    state: Literal["connected", "failed", "stopped"]
    tools: int
    """Tools offered to the model (hidden and withheld ones excluded)."""
    withheld: tuple[str, ...]
    """Tools refused because their definition differs from the accepted one."""
    last_error: str | None
    reconnects: int
    circuit: BreakerState = "closed"
    """The server's circuit breaker (`open`: calls fail fast after consecutive timeouts)."""


def health_report(
    configs: Sequence[ServerConfig],
    connections: Mapping[str, Connection],
    breakers: Mapping[str, CircuitBreaker],
    catalog: Catalog,
    now: float,
) -> list[ServerHealth]:
    """The state of every server in `configs`, in order; a server with no connection (disabled) reads as stopped."""
    report: list[ServerHealth] = []
    for config in configs:
        conn = connections.get(config.name)
        if conn is None:
            kind: TransportKind = "stdio" if config.command is not None else "http"
            report.append(ServerHealth(config.name, kind, "stopped", 0, (), None, 0))
            continue
        report.append(
            ServerHealth(
                name=config.name,
                transport=conn.transport,
                state=conn.state,
                tools=len(catalog.of(conn.name)),
                withheld=conn.withheld,
                last_error=conn.last_error,
                reconnects=conn.reconnects,
                circuit=breakers[config.name].state(now),
            )
        )
    return report
