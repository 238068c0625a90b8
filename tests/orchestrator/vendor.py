"""Drive `third_party_server.py` from tests: its config block, and a loopback rendezvous for calls in progress."""

import os
import signal
import socket
import sys
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager, suppress
from pathlib import Path

import anyio

from orchestrator.settings import ServerConfig

THIRD_PARTY = str(Path(__file__).with_name("third_party_server.py"))


def vendor_stdio(name: str = "vendor", **kwargs: object) -> ServerConfig:
    """A stdio block running the third-party stand-in (no pass_env: the default a platform team gets)."""
    return ServerConfig(name=name, command=sys.executable, args=[THIRD_PARTY], **kwargs)  # pyright: ignore[reportArgumentType]


class Rendezvous:
    """A loopback listener the `hold_*` tools connect to: the test learns a call is in progress, then releases it."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.setblocking(False)
        self.port: int = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []

    async def arrived(self) -> int:
        """Wait for a `hold_*` call to reach the server; returns the server's pid (callers bound the wait)."""
        await anyio.wait_readable(self.sock)
        conn, _ = self.sock.accept()
        conn.setblocking(False)
        self.held.append(conn)
        data = b""
        while not data.endswith(b"\n"):
            await anyio.wait_readable(conn)
            chunk = conn.recv(64)
            if not chunk:
                raise ConnectionError("the server hung up before naming its pid")
            data += chunk
        return int(data)

    def release(self) -> None:
        """Let every held call finish."""
        for conn in self.held:
            with suppress(OSError):
                conn.sendall(b"x")
            conn.close()
        self.held.clear()

    def close(self) -> None:
        """Release everything and stop listening."""
        self.release()
        self.sock.close()


@asynccontextmanager
async def rendezvous() -> AsyncGenerator[Rendezvous]:
    """A `Rendezvous`, closed on exit."""
    spot = Rendezvous()
    try:
        yield spot
    finally:
        spot.close()


def signal_quietly(pid: int, sig: signal.Signals) -> None:
    """Send `sig` to `pid`, ignoring a process that is already gone."""
    with suppress(ProcessLookupError):
        os.kill(pid, sig)
