"""`switchboard serve --workers N`: N pre-forked processes serving one port.

The parent binds the socket, forks the workers before any thread or event loop exists, and then only waits:
each worker opens its own orchestrator (MCP servers, model, storage connections) and serves the port (`serve`
gives each worker its own SO_REUSEPORT socket), so the kernel spreads connections over them. Conversations are
safe across workers for the same reason they are across replicas: a turn holds its conversation's slot in the
database. SIGTERM or SIGINT to the parent is passed to every worker and, once they have all exited, the parent
ends by that signal too (as one `serve` process does); when a worker exits on its own, the others are stopped (a
supervisor restarts the whole group) and the parent returns that worker's status.
"""

import os
import signal
import sys
from collections.abc import Callable
from types import FrameType

__all__ = ["run_workers"]

_FORWARDED = (signal.SIGTERM, signal.SIGINT)


def run_workers(count: int, work: Callable[[int], int]) -> int:
    """Fork `count` workers running `work(index)` (its return value is the worker's exit status); wait for them.

    Returns the exit status of the first worker to exit (128 + signal number when a signal ended it).
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    sys.stdout.flush()
    sys.stderr.flush()
    pids: list[int] = []
    for index in range(count):
        pid = os.fork()
        if pid == 0:
            os._exit(_child(work, index))
        pids.append(pid)
    return _supervise(pids)


def _child(work: Callable[[int], int], index: int) -> int:
    for sig in _FORWARDED:
        signal.signal(sig, signal.SIG_DFL)
    try:
        status = work(index)
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        import traceback

        traceback.print_exc()
        status = 1
    sys.stdout.flush()
    sys.stderr.flush()
    return status


def _supervise(pids: list[int]) -> int:
    alive = set(pids)
    received: list[int] = []

    def forward(sig: int, _frame: FrameType | None) -> None:
        received.append(sig)
        _signal_all(alive, sig)

    previous = {sig: signal.signal(sig, forward) for sig in _FORWARDED}
    first: int | None = None
    try:
        while alive:
            try:
                pid, wait_status = os.wait()
            except ChildProcessError:
                break
            if pid not in alive:
                continue
            alive.discard(pid)
            if first is None:
                first = _exit_status(wait_status)
                _signal_all(alive, signal.SIGTERM)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if received:
        signal.raise_signal(received[0])
    return first if first is not None else 0


def _signal_all(pids: set[int], sig: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def _exit_status(wait_status: int) -> int:
    if os.WIFSIGNALED(wait_status):
        return 128 + os.WTERMSIG(wait_status)
    return os.WEXITSTATUS(wait_status)
