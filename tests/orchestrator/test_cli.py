"""The `switchboard` command: the flagship demo end to end over stdio, scripted chat, and clear errors."""

import gc
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from orchestrator import Orchestrator
from orchestrator.cli.commands import Printer, cli, main, say
from orchestrator.errors import ModelError
from orchestrator.testing.scripted import ScriptedModel, text_reply

from .support import settings_for

ROOT = Path(__file__).resolve().parents[2]


def cli_config(tmp_path: Path, servers: list[str], extra: str = "") -> Path:
    shipped = (ROOT / "config" / "switchboard.toml").read_text().replace('cwd = ".."', f'cwd = "{ROOT}"')
    head, _, blocks = shipped.partition("[[servers]]")
    kept = [b for b in blocks.split("[[servers]]") if any(f'name = "{s}"' in b for s in servers)]
    (tmp_path / "prompts").mkdir(exist_ok=True)
    (tmp_path / "prompts" / "system.md").write_text((ROOT / "config" / "prompts" / "system.md").read_text())
    path = tmp_path / "switchboard.toml"
    path.write_text(head + "".join("[[servers]]" + b for b in kept) + extra)
    return path


def cli_env(tmp_path: Path) -> dict[str, str]:
    return {"SWITCHBOARD_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "HOME": str(tmp_path)}


@pytest.mark.e2e
def test_demo_runs_the_flagship_conversation_over_stdio_with_the_offline_model() -> None:
    result = CliRunner().invoke(cli, ["demo"], env={"ANTHROPIC_API_KEY": ""}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "offline rule-based model (not AI)" in out
    tools = re.findall(r"→ (\w+)\(", out)
    assert tools == ["lookup_order", "search_faq", "get_faq_article", "check_refund_eligibility", "process_refund"]
    assert "could you give me the email address used for order ORD-78432" in out
    assert "14 days ago), so you're still within the 30-day return window" in out
    assert "hold the power button for 10 seconds" in out and "LED blinks blue" in out
    assert "Shall I go ahead with the refund?" in out
    assert "Done: $89.99 has been refunded to your Visa ending 4242; it will appear within 5-7 business days." in out
    assert re.search(r"total: 10 model calls, \$0\.00000 \(offline model: no API cost\)", out)
    assert "← process_refund: ok" in out


@pytest.mark.e2e
def test_chat_reads_stdin_line_by_line_and_a_conversation_resumes(tmp_path: Path) -> None:
    config = str(cli_config(tmp_path, ["orders"]))
    runner = CliRunner()
    first = runner.invoke(
        cli,
        ["--config", config, "chat"],
        env=cli_env(tmp_path),
        input="Where is my order ORD-78432?\njordan.lee@example.com\n",
        catch_exceptions=False,
    )
    assert first.exit_code == 0, first.output
    assert "You: jordan.lee@example.com" in first.output
    assert "→ lookup_order(" in first.output
    assert "ORD-78432" in first.output and "delivered on" in first.output
    cid = re.search(r"conversation saved: (\S+)", first.output)
    assert cid is not None
    listing = runner.invoke(cli, ["--config", config, "conversations", "list"], env=cli_env(tmp_path))
    assert cid.group(1) in listing.output and "verified" in listing.output
    resumed = runner.invoke(
        cli,
        ["--config", config, "chat", "--conversation", cid.group(1)],
        env=cli_env(tmp_path),
        input="thanks, that's all\n",
        catch_exceptions=False,
    )
    assert resumed.exit_code == 0, resumed.output
    shown = runner.invoke(cli, ["--config", config, "conversations", "show", cid.group(1)], env=cli_env(tmp_path))
    assert "You: Where is my order ORD-78432?" in shown.output
    assert "You: thanks, that's all" in shown.output
    assert "→ lookup_order(" in shown.output


def test_desktop_config_prints_an_mcp_servers_block() -> None:
    result = CliRunner().invoke(cli, ["desktop-config"])
    assert result.exit_code == 0
    block = json.loads(result.output)["mcpServers"]
    assert sorted(block) == [f"shopexpress-{n}" for n in sorted(["orders", "tickets", "faq", "refunds", "escalation"])]
    assert block["shopexpress-orders"]["args"] == ["-m", "mcp_servers.orders", "--demo"]


def test_a_bad_config_is_a_clear_error(tmp_path: Path) -> None:
    config = cli_config(tmp_path, ["orders"], extra="\n[[servers]]\nname = 'Bad Name!'\ncommand = 'x'\n")
    result = CliRunner().invoke(cli, ["--config", str(config), "servers"])
    assert result.exit_code == 1
    assert "Error:" in result.output and "servers.1.name" in result.output


@pytest.mark.e2e
def test_a_server_that_will_not_start_is_reported_and_the_rest_work(tmp_path: Path) -> None:
    broken = '\n[[servers]]\nname = "broken"\ncommand = "{python}"\nargs = ["-c", "raise SystemExit(3)"]\n'
    config = cli_config(tmp_path, ["orders"], extra=broken)
    result = CliRunner().invoke(cli, ["--config", str(config), "servers"], env=cli_env(tmp_path))
    assert result.exit_code == 0, result.output
    assert "orders [stdio] connected" in result.output
    assert "broken [stdio] failed" in result.output
    assert "last error:" in result.output
    assert "lookup_order (read-only)" in result.output


def test_unknown_conversation_is_a_clear_error(tmp_path: Path) -> None:
    config = cli_config(tmp_path, ["orders"])
    result = CliRunner().invoke(cli, ["--config", str(config), "conversations", "show", "nope"], env=cli_env(tmp_path))
    assert result.exit_code == 1
    assert "no conversation 'nope'" in result.output


@pytest.mark.anyio
async def test_a_bug_inside_a_chat_turn_is_an_internal_error_not_a_refused_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    model = ScriptedModel([ValueError("could not read jordan.lee@example.com"), text_reply("Hello again.")])
    async with Orchestrator.open(settings_for(tmp_path, []), model=model) as orch:
        cid = orch.start()
        await say(orch, cid, "hi", Printer())
        await say(orch, cid, "   ", Printer())
        await say(orch, cid, "are you there?", Printer())
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "(something went wrong on our side; your message was not answered, please try again)",
        "(not sent: the message is empty)",
        "Alex: Hello again.",
    ]
    (logged,) = [r.getMessage() for r in caplog.records if r.getMessage().startswith("chat turn failed")]
    assert logged.startswith("chat turn failed: ValueError (message withheld)\n")
    assert "jordan.lee" not in caplog.text
    model.assert_complete()


@pytest.mark.anyio
async def test_an_overloaded_model_lets_the_chat_go_on_and_a_rejected_key_ends_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    overloaded = ModelError("the Anthropic API is overloaded (529) mid-response: try again shortly", status_code=529)
    rejected = ModelError("the Anthropic API key was rejected (401): check ANTHROPIC_API_KEY", status_code=401)
    model = ScriptedModel([overloaded, text_reply("Hello again."), rejected])
    async with Orchestrator.open(settings_for(tmp_path, []), model=model) as orch:
        cid = orch.start()
        await say(orch, cid, "hi", Printer())
        await say(orch, cid, "hi again", Printer())
        with pytest.raises(ModelError, match="401"):  # `_run` prints it and ends the session
            await say(orch, cid, "still there?", Printer())
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "(the Anthropic API is overloaded (529) mid-response: try again shortly; your message was not answered, "
        "send it again)",
        "Alex: Hello again.",
    ]
    model.assert_complete()


def test_the_switchboard_command_freezes_its_heap_as_it_exits() -> None:
    """Nothing a finished command built needs collecting: the interpreter's final collection skips it."""
    gc.unfreeze()
    try:
        assert main(["--help"]) == 0
        assert gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()
