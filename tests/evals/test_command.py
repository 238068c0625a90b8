"""`switchboard eval`: pass^k, the report and its exit codes, the Claude path, PostgreSQL scratch schemas."""

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import anyio
import httpx2
import pytest
from anthropic import AsyncAnthropic
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from orchestrator.cli.commands import cli
from orchestrator.evals import RunOptions, load_suite, pass_hat, run_suite
from orchestrator.evals.command import parse_only
from orchestrator.evals.customer import STOP
from orchestrator.evals.database import EvalSetupError
from orchestrator.evals.suite import EVALS_DIR, SuiteError
from orchestrator.llm.anthropic_model import AnthropicModel
from orchestrator.llm.model import ModelRequest, TextCallback
from orchestrator.settings import load_settings
from orchestrator.testing.fake_api import FakeMessagesAPI, JSONObject, Step, text_message, tool_use_message
from orchestrator.testing.scripted import text_reply, tool_use
from orchestrator.wire import Message

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "config" / "switchboard.toml"


def test_pass_hat_is_the_mean_of_c_of_c_k_over_c_of_n_k() -> None:
    results = {"a": [True, True, False, False], "b": [True, True, True, True], "c": [False] * 4}
    assert pass_hat(results, 1) == pytest.approx((0.5 + 1 + 0) / 3)
    assert pass_hat(results, 2) == pytest.approx((1 / 6 + 1 + 0) / 3)
    assert pass_hat(results, 4) == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="needs at least 5 trials"):
        pass_hat(results, 5)
    assert pass_hat({}, 1) == 0.0


def test_only_accepts_ids_and_ranges() -> None:
    assert parse_only("3-5, flagship-refund,7") == {"3", "4", "5", "7", "flagship-refund"}


def _suite(tmp_path: Path, scenario: str) -> Path:
    folder = tmp_path / "mini"
    (folder / "scenarios").mkdir(parents=True)
    (folder / "suite.toml").write_text(f'kind = "scenarios"\nconfig = "{CONFIG}"\n')
    (folder / "scenarios" / "one.toml").write_text(scenario)
    return folder


def test_cli_prints_the_table_and_writes_the_json_report(tmp_path: Path) -> None:
    report_path = tmp_path / "report.json"
    args = ["eval", "shopexpress", "--model", "offline", "--trials", "2", "--only", "flagship-refund,topic-medical"]
    result = CliRunner().invoke(cli, [*args, "--json", str(report_path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "pass^2 = 1.000" in result.output
    report = json.loads(report_path.read_text())
    assert list(report) == ["suite", "model", "trials", "tasks", "pass_hat", "cost_usd"]
    assert (report["suite"], report["model"], report["trials"]) == ("shopexpress", "offline", 2)
    assert report["tasks"] == [
        {"id": "flagship-refund", "passes": [True, True], "cost_usd": 0.0, "turns": 5.0, "failure": None},
        {"id": "topic-medical", "passes": [True, True], "cost_usd": 0.0, "turns": 1.0, "failure": None},
    ]
    assert report["pass_hat"] == {"1": 1.0, "2": 1.0}
    assert all(isinstance(t["turns"], float) and isinstance(t["cost_usd"], float) for t in report["tasks"])


def test_a_failed_expectation_is_reported_and_min_pass_sets_the_exit_code(tmp_path: Path) -> None:
    folder = _suite(
        tmp_path,
        """
[[scenario]]
id = "refund-without-yes"
policy = "flagship"
customer = ["I want a refund for ORD-78432, the headphones are defective.", "jordan.lee@example.com"]
must = ["has been refunded"]
tools = [{ name = "process_refund" }]
changes = [{ table = "refunds_refunds", op = "insert", where = { order_id = "ORD-78432" } }]
""",
    )
    runner = CliRunner()
    plain = runner.invoke(cli, ["eval", str(folder), "--model", "offline"], catch_exceptions=False)
    assert plain.exit_code == 0, plain.output
    assert "database: expected insert in refunds_refunds" in plain.output
    assert "pass^1 = 0.000" in plain.output
    strict = runner.invoke(cli, ["eval", str(folder), "--model", "offline", "--min-pass", "0.5"])
    assert strict.exit_code == 3
    unknown = runner.invoke(cli, ["eval", str(folder), "--only", "nope"])
    assert unknown.exit_code == 1 and "no task nope" in unknown.output


def test_unusable_options_are_refused_before_any_trial_runs(tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["eval", "shopexpress", "--model", "offline", "--only", "topic-medical"]
    missing = runner.invoke(cli, [*base, "--json", str(tmp_path / "no-such-folder" / "r.json")])
    assert missing.exit_code == 2 and "folder" in missing.output and "pass^" not in missing.output
    simulated = runner.invoke(cli, [*base, "--customer", "simulated"])
    assert simulated.exit_code == 2 and "played by Claude" in simulated.output and "pass^" not in simulated.output
    no_key = runner.invoke(cli, ["eval", "shopexpress", "--model", "claude", "--only", "topic-medical"])
    assert no_key.exit_code == 1 and "needs ANTHROPIC_API_KEY" in no_key.output and "trials" not in no_key.output
    for url, reason in [
        ("postgresql://eval:s3cret@127.0.0.1:1/none", "cannot open postgresql://eval:***@127.0.0.1:1/none"),
        ("not a url", "not a database URL"),
        (f"sqlite:///{tmp_path / 'x.db'}", "is not a PostgreSQL URL"),
    ]:
        result = runner.invoke(cli, [*base, "--postgres", url])
        assert isinstance(result.exception, SystemExit), result.exception  # a message, not a traceback
        assert result.exit_code == 1 and reason in result.output and "s3cret" not in result.output


def test_a_report_that_cannot_be_written_is_an_error_not_a_traceback() -> None:
    full = "/dev/full"  # Linux: every write fails with "No space left on device"
    args = ["eval", "shopexpress", "--model", "offline", "--only", "topic-medical", "--json", full]
    result = CliRunner().invoke(cli, args)
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1 and "cannot write the report" in result.output and "pass^1 = 1.000" in result.output


@pytest.mark.anyio
async def test_fixtures_unexpected_changes_and_phrases_are_all_checked(tmp_path: Path) -> None:
    folder = _suite(
        tmp_path,
        """
[[scenario]]
id = "ticket-nobody-expected"
policy = "flagship"
setup = [{ table = "orders_orders", where = { order_id = "ORD-23937" }, set = { notes = "Back door." } }]
customer = ["Where is my order ORD-23937? My email is jordan.lee@example.com", "Please open a ticket about it."]
must = ["Back door"]
must_not = ["TRK612103401806"]
tools = [{ name = "lookup_order", args = { order_id = "ORD-23937" } }, { name = "process_refund" }]
tools_not = ["create_ticket"]
changes = []
""",
    )
    suite = load_suite(str(folder))
    settings = load_settings(suite.config, {}, offline=True)
    [result] = await run_suite(suite, settings, RunOptions(model="offline"))
    assert [f.split(" (")[0] for f in result.failures] == [
        "database: unexpected insert in tickets_events",
        "database: unexpected insert in tickets_tickets",
        "no reply says 'Back door'",
        "a reply says 'TRK612103401806'",
        "expected call process_refund()",
        "create_ticket was called",
    ]
    bad = _suite(
        tmp_path / "bad",
        '[[scenario]]\nid = "x"\npolicy = "x"\ncustomer = ["hi"]\n'
        'setup = [{ table = "orders_orders", where = { order_id = "ORD-00000" }, set = { notes = "n" } }]\n',
    )
    [broken] = await run_suite(load_suite(str(bad)), settings, RunOptions(model="offline"))
    assert broken.error is not None and "no row of orders_orders matches" in broken.error


def test_suite_and_scenario_errors_name_the_problem(tmp_path: Path) -> None:
    with pytest.raises(SuiteError, match="no suite 'nope'"):
        load_suite("nope")
    folder = _suite(tmp_path, '[[scenario]]\nid = "Bad Id"\npolicy = "x"\ncustomer = []\n')
    with pytest.raises(SuiteError, match=r"one.toml: scenario\.0\.id"):
        load_suite(str(folder))
    with pytest.raises(SuiteError, match="data folder"):
        load_suite("tau-retail", data=tmp_path / "missing")
    assert (EVALS_DIR / "tau-retail" / "switchboard.toml").is_file()


def _tasks_without_data(folder: Path) -> Path:
    suite = load_suite("tau-retail")
    first = (cast(Path, suite.data) / "tasks_test.jsonl").read_text().splitlines()[0]
    (folder / "tasks_test.jsonl").write_text(first + "\n")
    (folder / "retail_policy_wiki.txt").write_text("policy")
    return folder


def test_the_cli_reports_a_server_that_cannot_start(tmp_path: Path) -> None:
    folder = _tasks_without_data(tmp_path)
    result = CliRunner().invoke(cli, ["eval", "tau-retail", "--data", str(folder), "--model", "oracle"])
    assert result.exit_code == 1 and "did not start" in result.output


@pytest.mark.anyio
async def test_a_server_that_cannot_start_or_an_oracle_without_actions_stops_the_run(tmp_path: Path) -> None:
    no_data = load_suite("tau-retail", data=_tasks_without_data(tmp_path))
    settings = load_settings(no_data.config, {}, offline=True)
    with pytest.raises(EvalSetupError, match="server 'retail' did not start: retail: .*users.json not found"):
        await run_suite(no_data, settings, RunOptions(model="oracle"))
    shop = load_suite("shopexpress")
    with pytest.raises(EvalSetupError, match="has none"):
        await run_suite(shop, load_settings(shop.config, {}, offline=True), RunOptions(model="oracle"))


@pytest.mark.anyio
async def test_a_stdio_server_replays_and_runs_on_scratch_copies_never_on_the_configured_database(
    tmp_path: Path,
) -> None:
    tau = load_suite("tau-retail")
    config = (tau.folder / "switchboard.toml").read_text()
    # `-X utf8 -m ...` is not the in-process form: the harness must start this server over stdio.
    config = config.replace('args = ["-m", "mcp_servers.retail"]', 'args = ["-X", "utf8", "-m", "mcp_servers.retail"]')
    config = config.replace('cwd = "../.."', f'cwd = "{ROOT}"').replace("../../../shared", str(ROOT.parent / "shared"))
    folder = tmp_path / "stdio-retail"
    folder.mkdir()
    (folder / "switchboard.toml").write_text(config)
    (folder / "suite.toml").write_text((tau.folder / "suite.toml").read_text())
    configured = tmp_path / "configured.db"
    environ = {**os.environ, "SWITCHBOARD_DATABASE_URL": f"sqlite:///{configured}"}
    suite = load_suite(str(folder), data=tau.data)
    settings = load_settings(suite.config, environ, offline=True)
    assert settings.servers[0].args[:2] == ["-X", "utf8"]
    only = frozenset({"5"})  # a task that cancels an order
    [result] = await run_suite(suite, settings, RunOptions(model="oracle", only=only), environ=environ)
    assert (result.passed, result.error) == (True, None), result.failures
    assert not configured.exists()


# -- the Claude path, against the fake Messages API ------------------------------------------------------------


def _claude_side(actions: list[Mapping[str, Any]], answer: str) -> Step:
    """Plays the customer, the agent (following the task's actions) and the sentiment scorer, by request."""

    def reply(body: JSONObject) -> JSONObject:
        tools = [cast(dict[str, Any], t)["name"] for t in cast(list[object], body.get("tools", []))]
        messages = cast(list[dict[str, Any]], body["messages"])
        system = json.dumps(body.get("system", ""))
        if "report_sentiment" in tools:
            return tool_use_message(("report_sentiment", {"score": 0.1, "escalation_trigger": False, "reason": "none"}))
        if "playing a customer" in system:
            said = "Hi, I'm Yusuf Rossi, zip 19122. I want to exchange items of my order #W2378156."
            return text_message(said if len(messages) == 1 else STOP, input_tokens=200, output_tokens=20)
        done = sum(
            1
            for m in messages
            if isinstance(m["content"], list)
            for b in cast(list[dict[str, Any]], m["content"])
            if b.get("type") == "tool_result"
        )
        if done < len(actions):
            step = actions[done]
            return tool_use_message((step["name"], step["kwargs"]), input_tokens=1000, output_tokens=50)
        return text_message(answer, input_tokens=1000, output_tokens=40)

    return reply


@pytest.mark.anyio
async def test_claude_with_a_simulated_customer_runs_tau_retail_trials(tmp_path: Path) -> None:
    suite = load_suite("tau-retail")
    task = json.loads((cast(Path, suite.data) / "tasks_test.jsonl").read_text().splitlines()[0])
    fake = FakeMessagesAPI(*[_claude_side(task["actions"], "All set: your exchange is requested.")] * 60)
    settings = load_settings(suite.config, {"ANTHROPIC_API_KEY": "sk-test"})
    client = AsyncAnthropic(
        api_key="sk-test",
        base_url="http://fake-api",
        max_retries=0,
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(fake.handle)),
    )
    claude = AnthropicModel(settings.model, client=client)
    options = RunOptions(model="claude", trials=2, concurrency=1, only=frozenset({"0"}))
    results = await run_suite(suite, settings, options, claude=claude)
    assert [(r.passed, r.failures, r.turns) for r in results] == [(True, [], 1), (True, [], 1)]
    assert all(r.cost_usd > 0 for r in results)
    systems = [json.dumps(body.get("system", "")) for _h, body in fake.requests]
    assert sum("playing a customer" in s for s in systems) == 4  # opening + STOP, per trial
    assert any("Retail agent policy" in s for s in systems)  # the policy text is the system prompt
    agent = [b for _h, b in fake.requests if "Retail agent policy" in json.dumps(b.get("system", ""))]
    assert len(agent) == 2 * (len(task["actions"]) + 1)


class _Gate:
    """A Claude stand-in whose answers wait until `width` conversations are waiting for one at the same time."""

    label = "gate"
    offline = False

    def __init__(self, width: int) -> None:
        self.width = width
        self.waiting = 0
        self.most = 0
        self.full = anyio.Event()

    async def create(self, request: ModelRequest, *, on_text: TextCallback | None = None) -> Message:
        if any(t["name"] == "report_sentiment" for t in request.tools):
            return tool_use(("report_sentiment", {"score": 0.0, "escalation_trigger": False, "reason": "none"}))
        self.waiting += 1
        self.most = max(self.most, self.waiting)
        if self.waiting >= self.width:
            self.full.set()
        with anyio.fail_after(5):  # trials run one after the other: the first one never gets its answer
            await self.full.wait()
        self.waiting -= 1
        return text_reply("Could you tell me more?")


@pytest.mark.anyio
async def test_trials_run_at_once_up_to_the_concurrency_each_on_its_own_copy() -> None:
    suite = load_suite("shopexpress")
    settings = load_settings(suite.config, {"ANTHROPIC_API_KEY": "sk-test"})
    gate = _Gate(width=3)
    only = frozenset({"flagship-refund", "faq-gift-cards", "status-shipped-order"})
    options = RunOptions(model="claude", trials=2, concurrency=3, customer="scripted", only=only)
    results = await run_suite(suite, settings, options, claude=gate)
    assert [r.error for r in results] == [None] * 6
    assert gate.most == 3  # three trials were waiting for an answer at the same time


# -- PostgreSQL --------------------------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.postgres
async def test_trials_run_in_scratch_postgres_schemas_that_are_dropped(postgres_url: str) -> None:
    suite = load_suite("shopexpress")
    settings = load_settings(suite.config, {}, offline=True)
    only = frozenset({"flagship-refund", "abuse-ladder"})
    options = RunOptions(model="offline", concurrency=2, only=only, postgres=postgres_url)
    results = await run_suite(suite, settings, options)
    assert [(r.task_id, r.passed, r.failures) for r in results] == [
        ("flagship-refund", True, []),
        ("abuse-ladder", True, []),
    ]
    engine = create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        left = conn.execute(text("SELECT count(*) FROM information_schema.schemata WHERE schema_name LIKE 'eval_%'"))
        assert left.scalar_one() == 0
    engine.dispose()
