"""Where the shipped configuration lives: `config/` of a checkout, or the installed package `switchboard_config`."""

from importlib.resources import files
from pathlib import Path

__all__ = ["shipped_path"]


def shipped_path(*parts: str) -> Path:
    """A file or folder of the shipped configuration, e.g. `shipped_path("knowledge_base")`.

    Wheels install unzipped, so the package is a folder on disk and its resources are plain paths (the
    servers and the orchestrator hand these paths to code that reads folders and resolves relative paths).
    """
    return Path(str(files("switchboard_config"))).joinpath(*parts)
