"""The `switchboard` command line: chat, demo, serve, servers, desktop-config, conversations, metrics, eval."""

from __future__ import annotations

import gc
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import click

from ..errors import InvalidInputError, ModelError, OrchestratorError, log_unexpected
from ..events import Event, TextDelta, ToolCallFinished, ToolCallStarted
from ..policy.pii import install_log_masking
from ..redaction import mask_message
from .context import context_settings
from .lazy import LazyGroup

if TYPE_CHECKING:
    from ..service import Orchestrator

__all__ = ["FLAGSHIP_SCRIPT", "Printer", "cli", "main", "say"]

logger = logging.getLogger(__name__)

FLAGSHIP_SCRIPT = (
    "Hi, I ordered a pair of headphones 2 weeks ago and they don't work. My order is ORD-78432.",
    "jordan.lee@example.com",
    "The Bluetooth won't connect to anything at all. I've tried with 3 different devices.",
    "Yes I've tried everything!! Nothing works. I want a refund.",
    "Yes, please go ahead.",
)


def _banner(orchestrator: Orchestrator, *, connecting: bool = False) -> str:
    model = orchestrator.model
    if model.offline:
        what = f"{model.label}; deterministic templates, no network. Set ANTHROPIC_API_KEY to talk to Claude."
    else:
        what = f"Claude ({model.label})"
    health = orchestrator.registry.health()
    if connecting and any(h.state != "connected" for h in health):
        servers = "connecting " + ", ".join(h.name for h in health if h.state != "connected")
        if ready := [h.name for h in health if h.state == "connected"]:
            servers += f" (connected: {', '.join(ready)})"
    else:
        servers = ", ".join(f"{h.name}{'' if h.state == 'connected' else ' (' + h.state + ')'}" for h in health)
    return f"Switchboard · ShopExpress support · model: {what}\nservers: {servers}"


async def _report_unavailable(orchestrator: Orchestrator) -> None:
    """Before the first turn: wait for the servers' first attempts and say which did not connect."""
    await orchestrator.registry.settled()
    down = [h.name for h in orchestrator.registry.health() if h.state == "failed"]
    if down:
        click.secho(f"(unavailable for now, retried in the background: {', '.join(down)})", fg="yellow")


class Printer:
    """Renders streamed events on the terminal."""

    def __init__(self, show_tools: bool = True) -> None:
        self.show_tools = show_tools
        self.started_text = False

    async def __call__(self, event: Event) -> None:
        """Print streamed reply text, and each tool call and its outcome."""
        if isinstance(event, TextDelta):
            if not self.started_text:
                click.echo("Alex: ", nl=False)
                self.started_text = True
            click.echo(event.text, nl=False)
        elif isinstance(event, ToolCallStarted) and self.show_tools:
            self._break()
            args = json.dumps(event.arguments, ensure_ascii=False)
            click.secho(f"  → {event.name}({args}) [{event.server or '?'}]", fg="cyan", err=False)
        elif isinstance(event, ToolCallFinished) and self.show_tools:
            self._break()
            mark = "refused" if event.refused else ("error" if event.is_error else "ok")
            click.secho(
                f"  ← {event.name}: {mark} ({event.duration_s * 1000:.0f} ms)", fg="red" if event.is_error else "green"
            )

    def _break(self) -> None:
        if self.started_text:
            click.echo()
            self.started_text = False

    def end_turn(self) -> None:
        """End the turn's line of reply text."""
        self._break()


def _run(fn: Callable[[], Awaitable[None]]) -> None:
    try:
        anyio.run(fn)
    except OrchestratorError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group(
    cls=LazyGroup,
    lazy_subcommands={
        "agents": "orchestrator.cli.agents:agents_command",
        "eval": "orchestrator.evals:eval_command",
        "metrics": "orchestrator.cli.kpi_report:metrics_command",
        "serve": "orchestrator.cli.serve:serve_command",
    },
)
@click.option(
    "--config",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Config file (default: $SWITCHBOARD_CONFIG or config/switchboard.toml).",
)
@click.option("--offline", is_flag=True, help="Use the offline rule-based model even if ANTHROPIC_API_KEY is set.")
@click.option("-v", "--verbose", count=True, help="Log more (-v info, -vv debug) to stderr.")
@click.pass_context
def cli(ctx: click.Context, config: Path | None, offline: bool, verbose: int) -> None:
    """Switchboard: the ShopExpress support assistant over MCP servers."""
    level = (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(stream=sys.stderr, level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    install_log_masking()  # no PII in any log line
    ctx.obj = {"config": config, "offline": offline}


@cli.command()
@click.option("--conversation", "conversation_id", default=None, help="Resume this conversation id.")
@click.pass_context
def chat(ctx: click.Context, conversation_id: str | None) -> None:
    """Chat as a customer. Reads stdin line by line when it is not a terminal."""
    settings = context_settings(ctx)
    interactive = sys.stdin.isatty()

    async def session() -> None:
        started = time.perf_counter()
        from ..service import Orchestrator

        async with Orchestrator.open(settings, policies=True, connect_in_background=True) as orchestrator:
            cid = conversation_id or orchestrator.start(channel="cli")
            if orchestrator.store.get(cid) is None:
                raise click.ClickException(f"no conversation {cid!r}")
            click.echo(_banner(orchestrator, connecting=True))
            click.echo(
                f"conversation: {cid} (ready in {time.perf_counter() - started:.1f} s; "
                "/rate 1-5 to rate and end, Ctrl-D to quit)"
            )
            if conversation_id:
                _print_recent(orchestrator, cid)
            printer = Printer()
            reported = False
            while True:
                line = await anyio.to_thread.run_sync(_read_line, interactive)
                if line is None:
                    break
                if not line.strip():
                    continue
                if not interactive:
                    click.echo(f"You: {line}")
                if line.strip().startswith("/rate"):
                    await _rate(orchestrator, cid, line)
                    break
                if not reported:
                    await _report_unavailable(orchestrator)
                    reported = True
                await say(orchestrator, cid, line, printer)
            click.echo(f"conversation saved: {cid}")

    _run(session)


async def say(orchestrator: Orchestrator, cid: str, line: str, printer: Printer) -> None:
    """One chat line: a refused message says why; an internal failure is logged without PII and the chat goes on."""
    try:
        await orchestrator.respond(cid, line, emit=printer)
    except InvalidInputError as exc:
        click.secho(f"(not sent: {exc})", fg="yellow")
    except ModelError as exc:
        if not _passing(exc):
            raise  # a rejected key, an unknown model, a refused request: ends the session with its message
        click.secho(f"({exc}; your message was not answered, send it again)", fg="yellow")
    except OrchestratorError:
        raise  # a server failure ends the session with its message (see `_run`)
    except Exception as exc:  # the top of one turn: a bug in it must not pass for bad input, nor end the chat
        log_unexpected(logger, "chat turn failed", exc)
        click.secho("(something went wrong on our side; your message was not answered, please try again)", fg="red")
    printer.end_turn()


def _passing(error: ModelError) -> bool:
    """A failure worth another try (overloaded, rate-limited, a server error or the network), not a setup error."""
    status = error.status_code
    return status is None or status in (408, 409, 429) or status >= 500


async def _rate(orchestrator: Orchestrator, cid: str, line: str) -> None:
    """`/rate N`: the customer's 1-5 satisfaction rating; it ends the conversation."""
    value = line.strip().removeprefix("/rate").strip()
    csat = int(value) if value.isascii() and value.isdigit() else 0  # 0: refused by `end`, like any out-of-range
    try:
        outcome = await orchestrator.end(cid, csat=csat)
    except InvalidInputError:
        click.secho("(a rating is a whole number from 1 to 5, e.g. /rate 5)", fg="yellow")
        return
    click.echo(f"Thanks for your rating! Conversation closed ({outcome.replace('_', ' ')}).")


def _read_line(interactive: bool) -> str | None:
    try:
        line = input("You: ") if interactive else sys.stdin.readline()
    except EOFError:
        return None
    if not interactive and line == "":
        return None
    return line.rstrip("\n")


@cli.command()
@click.option("--keep-db", is_flag=True, help="Use the configured database instead of a fresh temporary one.")
@click.pass_context
def demo(ctx: click.Context, keep_db: bool) -> None:
    """Run the flagship conversation (ORD-78432 → Bluetooth help → refund) and print the transcript and ledger."""
    with tempfile.TemporaryDirectory(prefix="switchboard-demo-") as tmp:
        environ = dict(os.environ)
        environ["SWITCHBOARD_DEMO"] = "1"  # servers that pass it on seed the demo store (the shipped config does)
        if not keep_db:
            environ["SWITCHBOARD_DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'demo.db'}"
        settings = context_settings(ctx, environ)

        async def session() -> None:
            from ..service import Orchestrator

            async with Orchestrator.open(settings, environ=environ, policies=True) as orchestrator:
                click.echo(_banner(orchestrator))
                cid = orchestrator.start(channel="demo")
                printer = Printer()
                for line in FLAGSHIP_SCRIPT:
                    click.secho(f"\nYou: {line}", bold=True)
                    await orchestrator.respond(cid, line, emit=printer)
                    printer.end_turn()
                await orchestrator.end(cid, csat=5, confirmed=True)
                _print_ledger(orchestrator, cid)

        _run(session)


def _print_ledger(orchestrator: Orchestrator, cid: str) -> None:
    entries = orchestrator.store.ledger(cid)
    click.echo("\nUsage ledger")
    click.echo(
        f"{'turn':>4} {'purpose':<8} {'model':<22} {'in':>6} {'out':>6} {'cache r':>7} {'cache w':>7} {'USD':>9}"
    )
    for e in entries:
        click.echo(
            f"{e.turn:>4} {e.purpose:<8} {e.model:<22} {e.usage.input_tokens:>6} {e.usage.output_tokens:>6} "
            f"{e.usage.cache_read_input_tokens:>7} {e.usage.cache_creation_input_tokens:>7} {e.cost_usd:>9.5f}"
        )
    total = sum(e.cost_usd for e in entries)
    click.echo(
        f"total: {len(entries)} model calls, ${total:.5f}"
        + (" (offline model: no API cost)" if orchestrator.model.offline else "")
    )


@cli.command()
@click.option("--fingerprints", is_flag=True, help="Print tool fingerprints (to pin them as trusted_tools).")
@click.pass_context
def servers(ctx: click.Context, fingerprints: bool) -> None:
    """Connect every configured server and show health and tools."""
    settings = context_settings(ctx)

    async def session() -> None:
        from ..registry.registry import ServerRegistry  # no conversation store, model or policies: just the mesh

        async with ServerRegistry(settings.enabled_servers) as registry:
            prints = registry.fingerprints()
            for health in registry.health():
                colour = "green" if health.state == "connected" else "red"
                click.secho(f"{health.name} [{health.transport}] {health.state}", fg=colour, bold=True)
                if health.last_error:
                    click.echo(f"  last error: {health.last_error}")
                if health.withheld:
                    click.secho(f"  withheld (definition changed): {', '.join(health.withheld)}", fg="yellow")
                for tool in (r for r in (registry.route(t["name"]) for t in registry.tools()) if r):
                    if tool.server != health.name:
                        continue
                    kind = "read-only" if tool.read_only else "write"
                    line = f"  {tool.claude_name} ({kind})"
                    if fingerprints:
                        line += f" sha256:{prints.get(health.name, {}).get(tool.tool, '?')}"
                    click.echo(line)

    _run(session)


@cli.command("desktop-config")
@click.pass_context
def desktop_config(ctx: click.Context) -> None:
    """Print a Claude Desktop `mcpServers` block for the configured stdio servers."""
    settings = context_settings(ctx)
    block: dict[str, Any] = {}
    for server in settings.enabled_servers:
        if server.command is None:
            click.echo(
                f"# {server.name}: HTTP server at {server.url}; add it in Claude Desktop as a connector", err=True
            )
            continue
        entry: dict[str, Any] = {"command": server.command, "args": list(server.args)}
        if server.env:
            entry["env"] = dict(server.env)
        block[f"shopexpress-{server.name}"] = entry
    click.echo(json.dumps({"mcpServers": block}, indent=2))


@cli.group()
def conversations() -> None:
    """List and show stored conversations."""


@conversations.command("list")
@click.option("--limit", default=20, show_default=True)
@click.pass_context
def conversations_list(ctx: click.Context, limit: int) -> None:
    """Most recent conversations."""
    store = _store(ctx)
    for c in store.recent(limit=limit):
        who = "verified" if c.customer_email else "anonymous"
        click.echo(f"{c.id}  {c.updated_at:%Y-%m-%d %H:%M}  {c.status:<9} {c.channel:<5} {who:<9} {c.model}")


@conversations.command("show")
@click.argument("conversation_id")
@click.pass_context
def conversations_show(ctx: click.Context, conversation_id: str) -> None:
    """Print a transcript with tool calls and the usage ledger."""
    store = _store(ctx)
    conversation = store.get(conversation_id)
    if conversation is None:
        raise click.ClickException(f"no conversation {conversation_id!r}")
    click.echo(f"{conversation.id} · {conversation.status} · model {conversation.model}")
    if conversation.summary:
        click.echo(f"summary of condensed turns:\n{conversation.summary}\n")
    for message in store.messages(conversation_id):
        for line in _render(mask_message(message.param)):  # a person reads it: every PII kind masked
            click.echo(line)
    entries = store.ledger(conversation_id)
    click.echo(f"\n{len(entries)} model calls, ${sum(e.cost_usd for e in entries):.5f}")


RESUME_LINES = 8
"""How many earlier lines `chat --conversation ID` shows (a decision on a refund arrives as the last one)."""


def _print_recent(orchestrator: Orchestrator, cid: str) -> None:
    """The end of the conversation so far, text only, so a returning customer sees what happened meanwhile."""
    lines = [
        line
        for message in orchestrator.store.messages(cid)
        for line in _render(message.param)
        if not line.startswith("  ") and not line.startswith("You: [Verified customer")
    ]
    if lines:
        click.echo("earlier in this conversation:")
        for line in lines[-RESUME_LINES:]:
            click.echo(f"  {line}")


def _render(param: Any) -> list[str]:
    content = param["content"]
    who = "You" if param["role"] == "user" else "Alex"
    if isinstance(content, str):
        return [f"{who}: {content}"]
    lines: list[str] = []
    for block in content:
        if block.get("type") == "text" and block.get("text"):
            lines.append(f"{who}: {block['text']}")
        elif block.get("type") == "tool_use":
            lines.append(f"  → {block['name']}({json.dumps(block.get('input'), ensure_ascii=False)})")
        elif block.get("type") == "tool_result":
            lines.append(f"  ← {'error' if block.get('is_error') else 'ok'}")
    return lines


def _store(ctx: click.Context) -> Any:
    from switchboard_common.storage import Database

    from ..storage.store import ConversationStore

    settings = context_settings(ctx)
    store = ConversationStore(Database(settings.database_url))
    store.prepare()
    return store


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `switchboard` command."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="switchboard", standalone_mode=True)
    except SystemExit as exc:
        return int(exc.code or 0)
    finally:
        # The command is done and the process exits: nothing it built needs collecting first. Frozen objects
        # are left out of the interpreter's final collection (about 0.1 s of CPU after `switchboard servers`).
        gc.freeze()
    return 0
