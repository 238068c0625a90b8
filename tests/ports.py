"""Loopback ports for the servers that tests start as real processes."""

import socket

__all__ = ["free_port"]

_handed_out: set[int] = set()


def free_port() -> int:
    """A 127.0.0.1 port nothing listens on right now, never one this test process has handed out before.

    The OS picks it; the process that gets it binds it soon after. Two calls in a row (a mesh's orders and refunds
    servers) could get the same port from the OS: the second server then failed to bind, and the first one answered
    on both URLs (a fault test killed a process nobody was talking to).
    """
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port not in _handed_out:
            _handed_out.add(port)
            return port
