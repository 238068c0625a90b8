"""`switchboard eval`: suites of conversations scored on the database, repeated for pass^k."""

from .command import eval_command
from .passk import pass_hat
from .runner import RunOptions, run_suite
from .suite import load_suite

__all__ = ["RunOptions", "eval_command", "load_suite", "pass_hat", "run_suite"]
