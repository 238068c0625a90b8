"""Run every policy benchmark and print one table; also write it to docs/policy-benchmarks.md.

    .venv/bin/python benchmarks/policy.py                    # every check; writes docs/policy-benchmarks.md
    .venv/bin/python benchmarks/policy.py --only pii,topic   # some checks (the file says it is a partial run)
    .venv/bin/python benchmarks/policy.py --no-write         # print only
    .venv/bin/python benchmarks/policy.py --data PATH        # datasets elsewhere (default: ../shared/data)

Each check is a module `benchmarks/policy_<check>.py` exposing `run(data_dir: Path) -> list[Row]`, where a row is
a dict {"check", "data", "metric", "value", "goal", "met": bool | None, "notes"}; a module reports "absent" rows
when its dataset folder is missing. The runner imports the known checks and any other `policy_*.py` it finds, in
that order. A module that is missing, fails to import or raises still gets a row saying so, and the others run.
Progress and tracebacks go to stderr, the table to stdout. Exit status: 1 if any module failed, else 0.
"""

import argparse
import importlib
import os
import platform
import re
import sys
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypedDict, cast

__all__ = [
    "ABSENT",
    "CHECKS",
    "COLUMNS",
    "KEEP_MARK",
    "Report",
    "Row",
    "available_checks",
    "collect",
    "document",
    "kept_notes",
    "main",
    "render",
]

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
PACKAGE = "benchmarks"
DEFAULT_DATA = ROOT.parent / "shared" / "data"
DEFAULT_OUTPUT = ROOT / "docs" / "policy-benchmarks.md"
CHECKS = ("pii", "topic", "sentiment", "injection", "abuse", "faq")
"""The checks of issue 4, in table order; any other `policy_<name>.py` found runs after them."""
COLUMNS = ("check", "data", "metric", "value", "goal", "met", "notes")
ABSENT = "absent"
MISSING = "not run"
ERROR = "error"
_NAME = re.compile(r"^[a-z0-9_]+$")
_NOTE_MAX = 300
KEEP_MARK = "<!-- hand-written below: benchmarks/policy.py keeps this part when it rewrites the file -->"


class Row(TypedDict):
    """One line of the table."""

    check: str
    data: str
    metric: str
    value: str
    goal: str
    met: bool | None
    notes: str


@dataclass(frozen=True)
class Report:
    """What a run produced: the rows, the data folder, which checks ran and whether any module failed."""

    rows: list[Row]
    data_dir: Path
    checks: tuple[str, ...]
    partial: bool
    failed: tuple[str, ...]
    seconds: float


def _problem(check: str, value: str, notes: str) -> Row:
    return {"check": check, "data": "-", "metric": "-", "value": value, "goal": "-", "met": None, "notes": notes}


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _NOTE_MAX else text[: _NOTE_MAX - 1] + "…"


def _normalise(check: str, raw: object) -> Row:
    """A well-formed row from whatever a module returned; what was wrong with it is said in `notes`."""
    if not isinstance(raw, Mapping):
        return _problem(check, ERROR, f"run() returned a {type(raw).__name__} instead of a row dict")
    fields = cast(Mapping[str, object], raw)
    wrong: list[str] = [key for key in COLUMNS if key not in fields]
    met = fields.get("met")
    if not isinstance(met, bool) and met is not None:
        wrong.append("met (not a bool or None)")
        met = None
    row: Row = {
        "check": str(fields.get("check", check)),
        "data": str(fields.get("data", "")),
        "metric": str(fields.get("metric", "")),
        "value": str(fields.get("value", "")),
        "goal": str(fields.get("goal", "")),
        "met": met,
        "notes": str(fields.get("notes", "")),
    }
    if wrong:
        row["notes"] = _short(f"{row['notes']} [row from policy_{check} is missing or has a bad: {', '.join(wrong)}]")
    return row


def _load(check: str, package: str) -> tuple[Callable[[Path], object] | None, Row | None]:
    module_name = f"{package}.policy_{check}"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name in (module_name, package):
            return None, _problem(check, MISSING, f"no module {package}/policy_{check}.py")
        traceback.print_exc()
        return None, _problem(check, ERROR, _short(f"import failed: {type(exc).__name__}: {exc}"))
    except Exception as exc:  # a broken benchmark must not hide the others
        traceback.print_exc()
        return None, _problem(check, ERROR, _short(f"import failed: {type(exc).__name__}: {exc}"))
    run = getattr(module, "run", None)
    if not callable(run):
        return None, _problem(check, ERROR, f"{package}/policy_{check}.py has no run(data_dir) function")
    return cast(Callable[[Path], object], run), None


def collect(checks: Sequence[str], data_dir: Path, *, package: str = PACKAGE) -> tuple[list[Row], tuple[str, ...]]:
    """Run `<package>.policy_<check>.run(data_dir)` for each check; return all rows and the checks that failed.

    A missing module gives a "not run" row; a module that fails to import, lacks `run` or raises gives an
    "error" row (traceback on stderr) and counts as failed. The other checks run regardless.
    """
    rows: list[Row] = []
    failed: list[str] = []
    for check in checks:
        started = time.perf_counter()
        print(f"[{check}] running ...", file=sys.stderr, flush=True)
        run, problem = _load(check, package)
        produced: list[Row] = []
        if run is None:
            produced.append(problem or _problem(check, ERROR, "could not load"))
        else:
            try:
                result = run(data_dir)
            except Exception as exc:  # a broken benchmark must not hide the others
                traceback.print_exc()
                produced.append(_problem(check, ERROR, _short(f"run() raised {type(exc).__name__}: {exc}")))
            else:
                if isinstance(result, list | tuple):
                    items = cast(Sequence[object], result)
                    produced += [_normalise(check, item) for item in items]
                    if not items:
                        produced.append(_problem(check, ERROR, "run() returned no rows"))
                else:
                    produced.append(_problem(check, ERROR, f"run() returned a {type(result).__name__}, not a list"))
        if any(r["value"] == ERROR for r in produced):
            failed.append(check)
        rows += produced
        print(f"[{check}] {len(produced)} rows in {time.perf_counter() - started:.1f}s", file=sys.stderr, flush=True)
    return rows, tuple(failed)


def available_checks(directory: Path = HERE) -> list[str]:
    """The known checks, then any other `policy_<name>.py` in `directory`, sorted."""
    found = sorted(p.stem.removeprefix("policy_") for p in directory.glob("policy_*.py"))
    return [*CHECKS, *(name for name in found if name not in CHECKS and _NAME.match(name))]


def _cell(value: object) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "**no**"
    if value is None:
        return "-"
    return " ".join(str(value).split()).replace("|", "\\|")


def render(rows: Sequence[Row]) -> str:
    """The rows as one Markdown table (columns: check | data | metric | value | goal | met | notes)."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join("---" for _ in COLUMNS) + "|"]
    lines += ["| " + " | ".join(_cell(row[c]) for c in COLUMNS) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path, ROOT)
    except ValueError:  # another drive on Windows
        return str(path)


def _absent_notice(report: Report) -> list[str]:
    data = report.data_dir
    if not data.is_dir():
        return [f"**Datasets absent: `{_shown(data)}` does not exist, so every check reports `absent`.**"]
    if not any(data.iterdir()):
        return [f"**Datasets absent: `{_shown(data)}` is empty, so every check reports `absent`.**"]
    absent = sorted({r["check"] for r in report.rows if r["value"] == ABSENT})
    if absent:
        return [f"**Some datasets are absent** under `{_shown(data)}`; rows reporting `absent`: {', '.join(absent)}."]
    return []


def _nproc() -> int:
    affinity = getattr(os, "sched_getaffinity", None)
    if callable(affinity):
        return len(cast(set[int], affinity(0)))
    return os.cpu_count() or 1


def document(report: Report, *, now: datetime | None = None) -> str:
    """The Markdown file: header (date, machine, how to reproduce, the tuning rule), notices, then the table."""
    now = now or datetime.now(UTC)
    ran = ", ".join(report.checks)
    scope = f"partial run (`--only {','.join(report.checks)}`)" if report.partial else f"checks: {ran}"
    lines = [
        "# Policy benchmarks",
        "",
        f"Generated {now:%Y-%m-%d %H:%M} UTC by `benchmarks/policy.py` in {report.seconds:.0f} s · machine: "
        f"{platform.system()} {platform.machine()}, nproc {_nproc()}, Python {platform.python_version()} · "
        f"data: `{_shown(report.data_dir)}` · {scope}.",
        "",
        "Reproduce from the repository root: `.venv/bin/python benchmarks/policy.py` (options: `--only pii,topic`, "
        "`--no-write`, `--data PATH`). Each row comes from `benchmarks/policy_<check>.py`.",
        "",
        "Tuning (thresholds, weights, trained models, article construction) used the train and validation splits "
        "only (a fixed-seed split of train where a dataset ships none); every number below is measured on a test "
        "split. `met` is `-` where a row has no goal, did not run, or is a prototype that is not shipped.",
        "",
    ]
    notices = _absent_notice(report)
    if report.failed:
        notices.append(f"**Failed modules:** {', '.join(report.failed)} (see the `error` rows and stderr).")
    if notices:
        lines += [*notices, ""]
    return "\n".join(lines) + "\n" + render(report.rows)


def kept_notes(output: Path) -> str:
    """The hand-written part of an existing output file (from the `KEEP_MARK` line on), kept across regenerations."""
    if not output.is_file():
        return ""
    text = output.read_text(encoding="utf-8")
    at = text.find(KEEP_MARK)
    return "" if at < 0 else "\n" + text[at:]


def _checks(value: str) -> list[str]:
    names = list(dict.fromkeys(n.strip() for n in value.split(",") if n.strip()))
    if not names or any(not _NAME.match(n) for n in names):
        raise argparse.ArgumentTypeError("expected a comma-separated list of check names, e.g. pii,topic")
    return names


def main(argv: Sequence[str] | None = None, *, package: str = PACKAGE, directory: Path = HERE) -> int:
    """Parse arguments, run the checks, print the table and (unless `--no-write`) write the Markdown file."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="datasets folder (default ../shared/data)")
    parser.add_argument("--only", type=_checks, help="comma-separated checks to run, e.g. pii,topic")
    parser.add_argument("--no-write", action="store_true", help=f"do not write {_shown(DEFAULT_OUTPUT)}")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where to write the Markdown table")
    args = parser.parse_args(argv)
    if str(ROOT) not in sys.path:  # run as a script: make `benchmarks.policy_<check>` importable
        sys.path.insert(0, str(ROOT))
    checks: list[str] = args.only or available_checks(directory)
    data_dir = cast(Path, args.data).resolve()
    started = time.perf_counter()
    rows, failed = collect(checks, data_dir, package=package)
    report = Report(
        rows=rows,
        data_dir=data_dir,
        checks=tuple(checks),
        partial=args.only is not None,
        failed=failed,
        seconds=time.perf_counter() - started,
    )
    for line in _absent_notice(report):
        print(line)
    print(render(rows), end="")
    if not args.no_write:
        output = cast(Path, args.output)
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(document(report) + kept_notes(output), encoding="utf-8")
        print(f"wrote {_shown(output)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
