"""Which database a component uses: `SWITCHBOARD_DATABASE_URL`, else a per-user SQLite file.

Kept apart from `storage` so that reading the configuration (e.g. `switchboard servers`, which opens no
database) does not import SQLAlchemy.
"""

import os
from collections.abc import Mapping
from pathlib import Path

__all__ = ["DATABASE_URL_ENV", "default_database_url"]

DATABASE_URL_ENV = "SWITCHBOARD_DATABASE_URL"


def default_database_url(environ: Mapping[str, str] = os.environ) -> str:
    """Return `SWITCHBOARD_DATABASE_URL`, or a SQLite file in the per-user data directory.

    The data directory follows XDG: `$XDG_DATA_HOME/switchboard`, else `~/.local/share/switchboard`.
    """
    if url := environ.get(DATABASE_URL_ENV):
        return url
    base = environ.get("XDG_DATA_HOME") or str(Path(environ.get("HOME", str(Path.home()))) / ".local" / "share")
    return f"sqlite:///{Path(base) / 'switchboard' / 'switchboard.db'}"
