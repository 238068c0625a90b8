"""The policy benchmark runner's assembly, with fake benchmark modules in a temporary package."""

import importlib
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from benchmarks import policy
from benchmarks.policy import Report, Row

FAKE = "fake_policy_benchmarks"

GOOD = """
from pathlib import Path

def run(data_dir: Path) -> list[dict[str, object]]:
    folder = data_dir / "fakeset"
    value, met = ("absent", None) if not folder.is_dir() else ("0.950", True)
    return [{"check": "good check", "data": "fakeset test", "metric": "recall", "value": value,
             "goal": ">= 0.90", "met": met, "notes": "measured | on test"}]
"""

WriteModule = Callable[[str, str], None]


@pytest.fixture
def fake_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[WriteModule]:
    """A package `fake_policy_benchmarks` on sys.path; the test writes its `policy_<check>.py` modules."""
    root = tmp_path / "pkgroot"
    package = root / FAKE
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    monkeypatch.setattr(sys, "path", [str(root), *sys.path])

    def write(check: str, source: str) -> None:
        (package / f"policy_{check}.py").write_text(textwrap.dedent(source))
        importlib.invalidate_caches()

    yield write
    for name in [m for m in sys.modules if m == FAKE or m.startswith(f"{FAKE}.")]:
        del sys.modules[name]


def row(**changes: object) -> Row:
    base: Row = {
        "check": "PII",
        "data": "presidio test",
        "metric": "recall",
        "value": "0.990",
        "goal": ">= 0.98",
        "met": True,
        "notes": "",
    }
    return Row(**{**base, **changes})  # pyright: ignore[reportArgumentType] - the changes are Row fields


@dataclass(frozen=True)
class RenderCase:
    id: str
    row: Row
    expected: str


RENDER_CASES = [
    RenderCase("met", row(), "| PII | presidio test | recall | 0.990 | >= 0.98 | yes |  |"),
    RenderCase("missed goal is bold", row(met=False), "| PII | presidio test | recall | 0.990 | >= 0.98 | **no** |  |"),
    RenderCase("no goal", row(met=None, goal=""), "| PII | presidio test | recall | 0.990 |  | - |  |"),
    RenderCase(
        "pipe escaped", row(notes="a | b"), "| PII | presidio test | recall | 0.990 | >= 0.98 | yes | a \\| b |"
    ),
    RenderCase(
        "newlines joined", row(notes="one\ntwo"), "| PII | presidio test | recall | 0.990 | >= 0.98 | yes | one two |"
    ),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in RENDER_CASES])
def test_render_writes_each_row_as_a_markdown_table_line(case: RenderCase) -> None:
    lines = policy.render([case.row]).splitlines()

    assert lines[0] == "| check | data | metric | value | goal | met | notes |"
    assert lines[1] == "|---|---|---|---|---|---|---|"
    assert lines[2:] == [case.expected]


def test_render_of_no_rows_is_the_header_only() -> None:
    assert policy.render([]).splitlines() == [
        "| check | data | metric | value | goal | met | notes |",
        "|---|---|---|---|---|---|---|",
    ]


@dataclass(frozen=True)
class BrokenCase:
    id: str
    source: str | None
    """The module's text; None: no module at all."""
    value: str
    notes: str
    failed: bool


BROKEN_CASES = [
    BrokenCase("missing module", None, "not run", f"no module {FAKE}/policy_x.py", failed=False),
    BrokenCase(
        "run raises",
        "def run(data_dir):\n    raise RuntimeError('dataset is corrupt')\n",
        "error",
        "run() raised RuntimeError: dataset is corrupt",
        failed=True,
    ),
    BrokenCase(
        "import fails", "raise ValueError('bad constant')\n", "error", "import failed: ValueError: bad constant", True
    ),
    BrokenCase(
        "dependency missing",
        "import no_such_dependency_for_policy_tests\n",
        "error",
        "import failed: ModuleNotFoundError",
        failed=True,
    ),
    BrokenCase("no run function", "RUN = 1\n", "error", "has no run(data_dir) function", failed=True),
    BrokenCase(
        "returns a string", "def run(data_dir):\n    return 'ok'\n", "error", "returned a str, not a list", True
    ),
    BrokenCase("returns no rows", "def run(data_dir):\n    return []\n", "error", "run() returned no rows", True),
    BrokenCase("row is not a dict", "def run(data_dir):\n    return [1]\n", "error", "returned a int instead", True),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in BROKEN_CASES])
def test_collect_reports_a_broken_module_in_its_row_and_still_runs_the_others(
    case: BrokenCase, fake_package: WriteModule, tmp_path: Path
) -> None:
    fake_package("good", GOOD)
    if case.source is not None:
        fake_package("x", case.source)

    rows, failed = policy.collect(["x", "good"], tmp_path, package=FAKE)

    assert [(r["check"], r["value"], r["met"]) for r in rows] == [
        ("x", case.value, None),
        ("good check", "absent", None),
    ]
    assert case.notes in rows[0]["notes"]
    assert failed == (("x",) if case.failed else ())


def test_collect_fills_in_and_flags_a_row_with_missing_keys_or_a_bad_met(
    fake_package: WriteModule, tmp_path: Path
) -> None:
    fake_package("partial", "def run(data_dir):\n    return [{'check': 'c', 'value': '1', 'met': 'yes'}]\n")

    rows, failed = policy.collect(["partial"], tmp_path, package=FAKE)

    assert rows == [
        {
            "check": "c",
            "data": "",
            "metric": "",
            "value": "1",
            "goal": "",
            "met": None,
            "notes": "[row from policy_partial is missing or has a bad: "
            "data, metric, goal, notes, met (not a bool or None)]",
        }
    ]
    assert failed == ()


def test_main_with_an_empty_data_dir_reports_absent_at_the_top_and_in_the_rows(
    fake_package: WriteModule, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_package("good", GOOD)
    empty = tmp_path / "data"
    empty.mkdir()
    output = tmp_path / "out" / "policy-benchmarks.md"

    code = policy.main(["--data", str(empty), "--only", "good", "--output", str(output)], package=FAKE)

    printed = capsys.readouterr().out
    assert code == 0
    assert printed.splitlines()[0].startswith("**Datasets absent: ")
    assert "is empty, so every check reports `absent`" in printed.splitlines()[0]
    assert "| good check | fakeset test | recall | absent | >= 0.90 | - | measured \\| on test |" in printed
    written = output.read_text()
    assert "**Datasets absent: " in written
    assert "partial run (`--only good`)" in written


def test_main_with_a_missing_data_dir_says_it_does_not_exist(
    fake_package: WriteModule, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_package("good", GOOD)

    policy.main(["--data", str(tmp_path / "nowhere"), "--only", "good", "--no-write"], package=FAKE)

    assert "does not exist, so every check reports `absent`" in capsys.readouterr().out


def test_main_with_data_present_prints_the_measured_rows_and_no_absent_notice(
    fake_package: WriteModule, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_package("good", GOOD)
    (tmp_path / "data" / "fakeset").mkdir(parents=True)

    code = policy.main(["--data", str(tmp_path / "data"), "--only", "good", "--no-write"], package=FAKE)

    printed = capsys.readouterr().out
    assert code == 0
    assert "absent" not in printed
    assert "| good check | fakeset test | recall | 0.950 | >= 0.90 | yes | measured \\| on test |" in printed


def test_main_exits_1_when_a_module_fails_and_no_write_leaves_no_file(
    fake_package: WriteModule, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_package("boom", "def run(data_dir):\n    raise KeyError('x')\n")
    monkeypatch.chdir(tmp_path)
    output = tmp_path / "out.md"

    code = policy.main(["--only", "boom", "--no-write", "--output", str(output), "--data", str(tmp_path)], package=FAKE)

    assert code == 1
    assert not output.exists()


@pytest.mark.parametrize("value", [pytest.param("", id="empty"), pytest.param("pii,../x", id="path")])
def test_only_rejects_names_that_are_not_check_names(value: str) -> None:
    with pytest.raises(SystemExit):
        policy.main(["--only", value, "--no-write"])


def test_available_checks_lists_the_known_checks_then_other_policy_modules(tmp_path: Path) -> None:
    for name in ("policy_faq.py", "policy_zeta.py", "policy_escalation.py", "policy.py", "train_pii.py"):
        (tmp_path / name).write_text("")

    assert policy.available_checks(tmp_path) == [*policy.CHECKS, "escalation", "zeta"]


def test_document_header_gives_date_machine_reproduction_and_the_tuning_rule(tmp_path: Path) -> None:
    report = Report(
        rows=[row(), row(check="topic", value="error")],
        data_dir=tmp_path,
        checks=("pii", "topic"),
        partial=False,
        failed=("topic",),
        seconds=12.0,
    )

    text = policy.document(report, now=datetime(2025, 1, 2, 3, 4, tzinfo=UTC))

    header = text.split("| check |")[0]
    assert header.startswith("# Policy benchmarks\n")
    assert "Generated 2025-01-02 03:04 UTC" in header
    assert "nproc " in header and "Python 3." in header
    assert "`.venv/bin/python benchmarks/policy.py`" in header
    assert "train and validation splits only" in header and "test split" in header
    assert "checks: pii, topic" in header
    assert "**Failed modules:** topic" in header
    assert text.endswith("\n\n" + policy.render(report.rows))


def test_faq_benchmark_reports_absent_rows_without_its_dataset(tmp_path: Path) -> None:
    from benchmarks import policy_faq

    rows = policy_faq.run(tmp_path)

    assert [(r["metric"], r["value"], r["met"]) for r in rows] == [
        ("top-1 accuracy", "absent", None),
        ("recall@3", "absent", None),
    ]
    assert all("banking77" in str(r["notes"]) for r in rows)


def test_faq_article_is_a_front_matter_file_the_faq_server_accepts() -> None:
    from benchmarks import policy_faq
    from mcp_servers.faq.store import parse_article

    text = policy_faq.article("Refund_not_showing_up", ["Where is my refund?", "Where  is my refund?", "Refund?"])

    assert policy_faq.slug("reverted_card_payment?") == "reverted-card-payment"
    assert parse_article(text) == (
        "Refund not showing up",
        "account",
        (),
        "Customers ask about this in words like:\n\n- Where is my refund?\n- Refund?",
    )


def test_the_hand_written_part_of_the_document_survives_a_rewrite(tmp_path: Path) -> None:
    output = tmp_path / "policy.md"
    assert policy.kept_notes(output) == ""
    output.write_text(f"# old table\n| a |\n\n{policy.KEEP_MARK}\n## Method\nnotes\n", encoding="utf-8")
    assert policy.kept_notes(output) == f"\n{policy.KEEP_MARK}\n## Method\nnotes\n"
    output.write_text("# a table without notes\n", encoding="utf-8")
    assert policy.kept_notes(output) == ""
