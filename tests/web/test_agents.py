"""Personal agent tokens: the directory on both databases, the console API with them, and `switchboard agents`."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from mcp_servers._common.storage import Database
from orchestrator.cli.commands import cli
from orchestrator.web.agents import AgentDirectory
from tests.web.support import Customer, serve, targets_for, web_settings
from tests.web.test_console_api import HUMAN

FLAGSHIP_OPENING = "Hi, my headphones from order ORD-78432 don't work."


@pytest.fixture
def directory(database_url: str) -> Iterator[AgentDirectory]:
    agents = AgentDirectory(Database(database_url))
    agents.prepare()
    try:
        yield agents
    finally:
        agents.db.dispose()


def test_tokens_are_personal_hashed_and_revocable(directory: AgentDirectory) -> None:
    sam = directory.add("sam.rivera")
    kim = directory.add("kim.o")
    assert sam != kim and sam.startswith("sbagent_") and len(sam) > 40
    assert directory.find(sam) == "sam.rivera" and directory.find(kim) == "kim.o"
    assert directory.find(sam + "x") is None and directory.find("sam.rivera") is None
    with directory.db.read() as conn:
        stored = " ".join(str(v) for row in conn.execute(text("SELECT * FROM web_agents")) for v in row)
    assert sam not in stored and kim not in stored

    assert directory.revoke("sam.rivera") is True
    assert directory.revoke("sam.rivera") is False
    assert directory.find(sam) is None
    again = directory.add("sam.rivera")
    assert directory.find(again) == "sam.rivera" and directory.find(sam) is None
    assert [(a.name, a.active) for a in directory.accounts()] == [("kim.o", True), ("sam.rivera", True)]


def test_bad_names_and_duplicates_change_nothing(directory: AgentDirectory) -> None:
    directory.add("sam.rivera")
    with pytest.raises(ValueError, match="already has an active token"):
        directory.add("sam.rivera")
    for bad in ("", "sam rivera", "x" * 65, "<script>"):
        with pytest.raises(ValueError, match="agent names"):
            directory.add(bad)
    assert [a.name for a in directory.accounts()] == ["sam.rivera"]


@pytest.mark.anyio
async def test_the_console_takes_the_agent_from_a_personal_token(tmp_path: Path) -> None:
    async with serve(web_settings(tmp_path, token=None), targets_for(tmp_path)) as served:
        client = served.client
        agents = AgentDirectory(served.orchestrator.store.db)
        before = await client.get("/api/agent/queue", headers={"Authorization": "Bearer sbagent_nobody"})
        token = agents.add("kim.o")
        mine = {"Authorization": f"Bearer {token}"}
        customer = Customer(client)
        await customer.start()
        await customer.say(FLAGSHIP_OPENING)
        await customer.say("jordan.lee@example.com")
        await customer.say(HUMAN)
        hid = (await client.get("/api/agent/queue", headers=mine)).json()["queued"][0]["handoff_id"]
        posing = await client.post(
            f"/api/agent/handoffs/{hid}/claim", json={}, headers={**mine, "X-Agent-Name": "sam.rivera"}
        )
        claimed = await client.post(f"/api/agent/handoffs/{hid}/claim", json={}, headers=mine)
        agents.add("sam.rivera")
        agents.revoke("kim.o")
        revoked = await client.get("/api/agent/queue", headers=mine)
        agents.revoke("sam.rivera")
        nobody_left = await client.get("/api/agent/queue", headers=mine)

    assert before.status_code == 503 and before.json()["error"]["code"] == "console_disabled"
    assert posing.status_code == 403 and posing.json()["error"]["code"] == "forbidden"
    assert "kim.o" in posing.json()["error"]["message"]
    assert claimed.status_code == 200 and claimed.json()["claimed_by"] == "kim.o"
    assert revoked.status_code == 401 and revoked.json()["error"]["code"] == "unauthorized"
    assert nobody_left.status_code == 503  # no team token and no active agent: the console is off


@pytest.mark.anyio
async def test_team_and_personal_tokens_work_side_by_side(tmp_path: Path) -> None:
    async with serve(web_settings(tmp_path), targets_for(tmp_path)) as served:
        token = AgentDirectory(served.orchestrator.store.db).add("kim.o")
        personal = await served.client.get("/api/dashboard", headers={"Authorization": f"Bearer {token}"})
        team = await served.client.get("/api/dashboard", headers={"Authorization": "Bearer agent-token-for-tests"})
        team_write = await served.client.post(
            "/api/agent/handoffs/HO-000001/claim",
            json={},
            headers={"Authorization": "Bearer agent-token-for-tests"},
        )
    assert personal.status_code == 200 and team.status_code == 200
    assert team_write.status_code == 422  # the team token needs X-Agent-Name to act
    assert "X-Agent-Name" in team_write.json()["error"]["message"]


def test_the_agents_command_issues_lists_and_revokes(tmp_path: Path) -> None:
    env = {"SWITCHBOARD_DATABASE_URL": f"sqlite:///{tmp_path / 'switchboard.db'}"}
    runner = CliRunner()
    added = runner.invoke(cli, ["agents", "add", "sam.rivera"], env=env, catch_exceptions=False)
    token = added.stdout.strip()
    twice = runner.invoke(cli, ["agents", "add", "sam.rivera"], env=env)
    listed = runner.invoke(cli, ["agents", "list"], env=env, catch_exceptions=False)
    revoked = runner.invoke(cli, ["agents", "revoke", "sam.rivera"], env=env, catch_exceptions=False)
    unknown = runner.invoke(cli, ["agents", "revoke", "nobody"], env=env)
    after = runner.invoke(cli, ["agents", "list"], env=env, catch_exceptions=False)

    assert added.exit_code == 0 and token.startswith("sbagent_") and "\n" not in token
    assert twice.exit_code == 1 and "already has an active token" in twice.output
    assert "sam.rivera" in listed.stdout and "active" in listed.stdout and token not in listed.stdout
    assert revoked.exit_code == 0
    assert unknown.exit_code == 1 and "no active agent 'nobody'" in unknown.output
    assert "revoked" in after.stdout
    directory = AgentDirectory(Database(env["SWITCHBOARD_DATABASE_URL"]))
    try:
        assert directory.find(token) is None
    finally:
        directory.db.dispose()
