"""A refund approved in the console reaches a CLI customer: `switchboard chat --conversation ID` shows it."""

import uuid
from datetime import timedelta
from pathlib import Path

import anyio
import pytest
from click.testing import CliRunner

from orchestrator import Orchestrator
from orchestrator.cli.commands import cli
from orchestrator.policy.approvals import ApprovalStore
from orchestrator.settings import load_settings
from orchestrator.web.approvals import ApprovalDesk
from orchestrator.web.desk import HelpDesk
from orchestrator.web.hub import Hub
from orchestrator.web.store import TurnOwner, WebStore
from switchboard_common.storage import Database
from tests.orchestrator.test_cli import cli_config, cli_env

pytestmark = pytest.mark.e2e

MORGAN = (
    "Hi, I'd like a refund for order ORD-93514, I changed my mind about the espresso machine.",
    "morgan.moreau@example.com",
    "Yes, please go ahead.",
)


async def _request_and_approve(config: Path, env: dict[str, str]) -> tuple[str, str, dict[str, object]]:
    """A CLI-channel conversation asks for the refund; then an agent approves it through the console's desk."""
    settings = load_settings(config, env)
    with anyio.fail_after(120):
        async with Orchestrator.open(settings, policies=True) as orchestrator:
            cid = orchestrator.start(channel="cli")
            replies = [(await orchestrator.respond(cid, line)).text for line in MORGAN]
            db: Database = orchestrator.store.db
            web, followed = WebStore(db), ApprovalStore(db)
            web.prepare()
            followed.prepare()
            owner = TurnOwner(uuid.uuid4().hex, timedelta(seconds=20))
            approvals = ApprovalDesk(HelpDesk(orchestrator, web, Hub(), owner), followed)
            [pending] = (await approvals.pending())["items"]
            return cid, replies[-1], await approvals.decide(pending["refund_id"], "sam.rivera", approve=True)


def test_a_cli_customer_coming_back_sees_the_decision_on_their_refund(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = cli_config(tmp_path, ["orders", "refunds", "escalation"])
    env = cli_env(tmp_path)
    for key, value in env.items():  # the console's servers are spawned with this process's environment
        monkeypatch.setenv(key, value)

    cid, told, decision = anyio.run(_request_and_approve, config, env)
    resumed = CliRunner().invoke(
        cli, ["--config", str(config), "chat", "--conversation", cid], env=env, input="", catch_exceptions=False
    )

    assert "to our team for approval" in told and "No money has moved yet" in told
    assert (decision["decision"], decision["posted"], decision["conversation_id"]) == ("approved", True, cid)
    assert resumed.exit_code == 0, resumed.output
    earlier = resumed.output.split("earlier in this conversation:\n", 1)[1]
    assert earlier.splitlines()[-2].startswith("  Alex: Good news: your refund of $732.97 for order ORD-93514")
