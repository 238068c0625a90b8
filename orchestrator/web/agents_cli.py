"""`switchboard agents`: issue, list and revoke the human agents' personal console tokens."""

from collections.abc import Generator
from contextlib import contextmanager

import click

from mcp_servers._common.storage import Database

from ..cli.context import context_settings
from .agents import AgentDirectory

__all__ = ["agents_command"]


@contextmanager
def _directory(ctx: click.Context) -> Generator[AgentDirectory]:
    db = Database(context_settings(ctx).database_url)
    try:
        directory = AgentDirectory(db)
        directory.prepare()
        yield directory
    finally:
        db.dispose()


@click.group("agents")
def agents_command() -> None:
    """Personal tokens for the agent console (stored as hashes in the Switchboard database)."""


@agents_command.command("add")
@click.argument("name")
@click.pass_context
def add(ctx: click.Context, name: str) -> None:
    """Create agent NAME (or re-issue a revoked one) and print the token once."""
    with _directory(ctx) as directory:
        try:
            token = directory.add(name)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"Agent {name} added. Token (shown once; give it to {name} privately):", err=True)
    click.echo(token)


@agents_command.command("list")
@click.pass_context
def list_agents(ctx: click.Context) -> None:
    """Agents and whether their token is active (tokens are never shown)."""
    with _directory(ctx) as directory:
        accounts = directory.accounts()
    if not accounts:
        click.echo("No agents yet: add one with `switchboard agents add NAME`.", err=True)
    for account in accounts:
        state = "active" if account.active else f"revoked {account.revoked_at:%Y-%m-%d %H:%M}"
        click.echo(f"{account.name:<32} {state:<24} created {account.created_at:%Y-%m-%d %H:%M}")


@agents_command.command("revoke")
@click.argument("name")
@click.pass_context
def revoke(ctx: click.Context, name: str) -> None:
    """Stop accepting agent NAME's token (immediately, on every serve process)."""
    with _directory(ctx) as directory:
        revoked = directory.revoke(name)
    if not revoked:
        raise click.ClickException(f"no active agent {name!r}")
    click.echo(f"Agent {name}'s token is revoked.")
