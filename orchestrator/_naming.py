"""Claude-facing tool names: unique, `^[a-zA-Z0-9_-]{1,64}$`, unchanged when a server's own name already fits."""

import hashlib
import re
from collections import Counter
from collections.abc import Sequence

__all__ = ["CLAUDE_SAFE", "UNSAFE_CHARS", "claude_names"]

CLAUDE_SAFE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
UNSAFE_CHARS = re.compile(r"[^a-zA-Z0-9_-]")
_MAX_NAME = 64


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
    bases = {key: key[1] if counts[key[1]] == 1 else f"{key[0]}__{key[1]}" for key in keys}
    names: dict[tuple[str, str], str] = {}
    taken: set[str] = set()
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
