"""Configuration: loading, clear errors, environment, and adding a server by config alone."""

import json
import sys
from pathlib import Path

import anyio
import pytest

from orchestrator import Orchestrator, load_settings
from orchestrator.errors import ConfigError
from orchestrator.settings import default_config_path
from orchestrator.testing.scripted import ScriptedModel, text_reply, tool_use

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def _write(tmp_path: Path, body: str) -> Path:
    (tmp_path / "prompts").mkdir(exist_ok=True)
    (tmp_path / "prompts" / "system.md").write_text("You are Alex.")
    path = tmp_path / "switchboard.toml"
    path.write_text(body)
    return path


def test_the_shipped_config_loads_with_the_five_servers_and_seed_budget() -> None:
    settings = load_settings(default_config_path({}), {})
    assert [s.name for s in settings.servers] == ["orders", "tickets", "faq", "refunds", "escalation"]
    assert (settings.conversation.max_turns, settings.conversation.max_tokens) == (20, 8000)
    assert settings.servers[0].command == sys.executable
    assert "Alex" in settings.system_prompt
    assert settings.uses_claude is False
    assert "resolve_handoff" in settings.servers[-1].hidden_tools
    assert settings.servers[3].hidden_tools == ["list_pending_refunds", "get_refund", "approve_refund", "reject_refund"]
    assert settings.model.prices["claude-sonnet-4-6"].output == 15.0


def test_environment_selects_claude_base_url_and_database(tmp_path: Path) -> None:
    environ = {
        "ANTHROPIC_API_KEY": "sk-test-123",
        "ANTHROPIC_BASE_URL": "http://127.0.0.1:9/",
        "SWITCHBOARD_DATABASE_URL": "postgresql://db/x",
        "SWITCHBOARD_CONFIG": str(ROOT / "config" / "switchboard.toml"),
    }
    settings = load_settings(None, environ)
    assert settings.uses_claude
    assert settings.base_url == "http://127.0.0.1:9/"
    assert settings.database_url == "postgresql://db/x"
    assert "sk-test-123" not in repr(settings)
    assert load_settings(None, environ, offline=True).uses_claude is False


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[[servers]]\nname = 'x'\n", "needs exactly one of `command`"),
        ("[[servers]]\nname = 'x'\ncommand = 'a'\nurl = 'http://h'\n", "needs exactly one of `command`"),
        ("[[servers]]\nname = 'x'\ncommand = 'a'\n[[servers]]\nname = 'x'\ncommand = 'b'\n", "repeated: x"),
        ("servers = []\n[model]\nmax_tokens = 'lots'\n", "model.max_tokens"),
        ("servers = []\n[modle]\nmain = 'x'\n", "modle"),
        ("servers = [\n", "invalid TOML"),
        ("servers = []\nsystem_prompt_file = 'missing.md'\n", "missing.md"),
        ("servers = []\n[web.rate_limits]\nmessages = 'lots'\n", "web.rate_limits.messages.*20/minute"),
    ],
    ids=["no-transport", "two-transports", "duplicate", "bad-type", "typo", "toml", "prompt", "rate-limit"],
)
def test_bad_config_gives_a_clear_error_naming_the_key(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("`", ".").replace("(", ".")):
        load_settings(_write(tmp_path, body), {})


def test_missing_config_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.toml", {})


async def test_a_sixth_server_is_added_by_a_config_block_alone(tmp_path: Path) -> None:
    shipped = (ROOT / "config" / "switchboard.toml").read_text().replace('cwd = ".."', f'cwd = "{ROOT}"')
    block = f'\n[[servers]]\nname = "loyalty"\ncommand = "{{python}}"\nargs = ["{HERE / "loyalty_server.py"}"]\n'
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "system.md").write_text((ROOT / "config" / "prompts" / "system.md").read_text())
    path = tmp_path / "switchboard.toml"
    path.write_text(shipped + block)
    environ = {"SWITCHBOARD_DATABASE_URL": f"sqlite:///{tmp_path / 'six.db'}", "HOME": str(tmp_path)}
    settings = load_settings(path, environ)
    model = ScriptedModel(
        [
            tool_use(("get_loyalty_points", {"customer_email": "jordan.lee@example.com"})),
            text_reply("You have 1250 points."),
        ]
    )
    with anyio.fail_after(60):
        async with Orchestrator.open(settings, model=model, environ=environ) as orch:
            health = {h.name: h.state for h in orch.registry.health()}
            reply = await orch.respond(orch.start(), "How many points do I have?")
    assert health == dict.fromkeys(["orders", "tickets", "faq", "refunds", "escalation", "loyalty"], "connected")
    offered = [t["name"] for t in model.calls[0].tools]
    assert "get_loyalty_points" in offered and "lookup_order" in offered
    assert "claim_handoff" not in offered  # hidden by config
    result = model.calls[1].messages[-1]["content"][0]  # pyright: ignore[reportIndexIssue, reportUnknownVariableType]
    assert json.loads(result["content"])["points"] == 1250  # pyright: ignore[reportUnknownArgumentType, reportArgumentType]
    assert reply.text == "You have 1250 points."
