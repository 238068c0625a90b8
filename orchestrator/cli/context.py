"""Settings for a `switchboard` subcommand, from the options its group put in the click context."""

import os
from collections.abc import Mapping
from typing import Any

import click

from ..errors import ConfigError
from ..settings import Settings, load_settings

__all__ = ["context_settings"]


def context_settings(ctx: click.Context, environ: Mapping[str, str] | None = None) -> Settings:
    """Load the config named by `--config` (with `--offline`) and the environment; a bad config is a usage error.

    Raises:
        click.ClickException: the config is missing or invalid.
    """
    obj: dict[str, Any] = ctx.find_root().obj
    try:
        return load_settings(obj["config"], environ if environ is not None else os.environ, offline=obj["offline"])
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
