"""The offline model: an honest, deterministic, rule-based `ModelClient` (not AI) for running without an API key."""

from .model import OfflineModel

__all__ = ["OfflineModel"]
