"""The web surface of `switchboard serve`: customer chat, human-agent console, KPI dashboard and their API."""

from .app import build_app

__all__ = ["build_app"]
