"""Packaging: every imported package is declared in the right group, and a built wheel works outside the checkout."""

import ast
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import venv
from collections.abc import Iterable, Sequence
from importlib.metadata import distribution, packages_distributions
from pathlib import Path

import pytest

from orchestrator._launch import OPTIONAL_AT_START, REQUIRED, missing_modules

ROOT = Path(__file__).resolve().parents[1]
OURS = {"mcp_servers", "orchestrator", "switchboard_common", "switchboard_config"}
SOURCES = ("pyproject.toml", "setup.py", "README.md", "mcp_servers", "orchestrator", "switchboard_common", "config")
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def _declared(*groups: str) -> set[str]:
    names = {_name(r) for r in PROJECT["dependencies"]}
    for group in groups:
        names |= {_name(r) for r in PROJECT["optional-dependencies"][group]}
    return names


def _third_party(package: str) -> dict[str, str]:
    """Top-level third-party modules imported anywhere under `package`, each with one importing file."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            modules = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module]
                if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
                else []
            )
            for module in modules:
                top = module.split(".")[0]
                if top not in OURS and top not in sys.stdlib_module_names:
                    found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def _undeclared(package: str, declared: set[str]) -> list[str]:
    distributions = packages_distributions()
    problems: list[str] = []
    for module, where in sorted(_third_party(package).items()):
        dists = {_name(d) for d in distributions.get(module, [])}
        if not dists:
            problems.append(f"{module} ({where}): not installed")
        elif not dists & declared:
            problems.append(f"{module} ({where}): from {sorted(dists)}, not declared")
    return problems


def test_servers_and_shared_plumbing_need_only_the_base_dependencies() -> None:
    base = _declared()
    assert _undeclared("mcp_servers", base) == []
    assert _undeclared("switchboard_common", base) == []
    assert "anthropic" not in base and "matplotlib" not in base and "opentelemetry-sdk" not in base


def test_the_orchestrator_imports_only_declared_packages() -> None:
    assert _undeclared("orchestrator", _declared("orchestrator", "bench")) == []


def test_the_scan_finds_an_undeclared_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text("import anthropic\nimport json\nfrom . import sibling\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert _third_party("pkg") == {"anthropic": "pkg/mod.py"}
    assert _undeclared("pkg", _declared()) == ["anthropic (pkg/mod.py): from ['anthropic'], not declared"]


def test_the_launcher_names_what_an_install_without_the_extra_lacks() -> None:
    assert missing_modules(REQUIRED) == []
    assert missing_modules(("json", "no_such_module_here", "no_such_parent.child")) == [
        "no_such_module_here",
        "no_such_parent.child",
    ]


def _holds(dist: str, module: str) -> bool:
    """Whether the installed distribution `dist` has the files of `module` (a dotted name inside a namespace package
    such as opentelemetry, which several distributions share)."""
    path = module.replace(".", "/")
    return any(str(f) == f"{path}.py" or str(f).startswith(f"{path}/") for f in distribution(dist).files or [])


def _start_problems(extra: Iterable[str], required: Sequence[str], optional: Iterable[str]) -> list[str]:
    """What ties the launcher to the extra's requirements: each distribution either provides a module of `required`
    or is in `optional`, every module of `required` comes from the extra, and `optional` names only the extra's."""
    tops: dict[str, set[str]] = {}  # normalised distribution name -> its top-level import names
    originals: dict[str, str] = {}
    for top, dists in packages_distributions().items():
        for dist in dists:
            tops.setdefault(_name(dist), set()).add(top)
            originals[_name(dist)] = dist
    in_extra = {_name(r) for r in extra}
    optional = {_name(d) for d in optional}
    problems: list[str] = []
    provided: set[str] = set()
    for dist in sorted(in_extra):
        if dist not in tops:
            problems.append(f"{dist}: not installed")
            continue
        provides = [
            m for m in required if m.split(".")[0] in tops[dist] and ("." not in m or _holds(originals[dist], m))
        ]
        provided.update(provides)
        if provides:
            if dist in optional:
                problems.append(f"{dist}: in OPTIONAL_AT_START but provides {provides} of REQUIRED")
        elif dist not in optional:
            problems.append(f"{dist} (imports {sorted(tops[dist])}): in neither REQUIRED nor OPTIONAL_AT_START")
    problems += [f"REQUIRED {m}: from no distribution of the extra" for m in required if m not in provided]
    problems += [f"OPTIONAL_AT_START {d}: not in the extra" for d in sorted(optional - in_extra)]
    return problems


def test_the_launcher_accounts_for_every_distribution_of_the_orchestrator_extra() -> None:
    extra: list[str] = PROJECT["optional-dependencies"]["orchestrator"]
    assert _start_problems(extra, REQUIRED, OPTIONAL_AT_START) == []


def test_the_launcher_check_finds_an_unlisted_distribution_and_a_stale_entry() -> None:
    extra: list[str] = PROJECT["optional-dependencies"]["orchestrator"]
    assert _start_problems([*extra, "PyYAML>=6", "no-such-dist-here"], REQUIRED, OPTIONAL_AT_START) == [
        "no-such-dist-here: not installed",
        "pyyaml (imports ['_yaml', 'yaml']): in neither REQUIRED nor OPTIONAL_AT_START",
    ]
    without_mmh3 = [m for m in REQUIRED if m != "mmh3"]
    assert _start_problems(extra, [*without_mmh3, "yaml"], {*OPTIONAL_AT_START, "tomli-w"}) == [
        "mmh3 (imports ['mmh3']): in neither REQUIRED nor OPTIONAL_AT_START",
        "REQUIRED yaml: from no distribution of the extra",
        "OPTIONAL_AT_START tomli-w: not in the extra",
    ]
    # opentelemetry is one namespace: the SDK's module does not cover the API's distribution, nor the reverse.
    otel = ["opentelemetry-api>=1", "opentelemetry-sdk>=1"]
    assert _start_problems(otel, ["opentelemetry.sdk"], ()) == [
        "opentelemetry-api (imports ['opentelemetry']): in neither REQUIRED nor OPTIONAL_AT_START"
    ]
    assert _start_problems(otel, ["opentelemetry.trace"], ()) == [
        "opentelemetry-sdk (imports ['opentelemetry']): in neither REQUIRED nor OPTIONAL_AT_START"
    ]


def _run(argv: list[str], cwd: Path, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, f"{argv} exited {done.returncode}: {done.stdout[-2000:]} {done.stderr[-2000:]}"
    return done


@pytest.mark.e2e
def test_a_non_editable_wheel_runs_the_servers_and_the_cli_from_another_directory(tmp_path: Path) -> None:
    """Build the wheel offline and install it (--no-deps) into a scratch venv that borrows the main venv's
    third-party packages through a .pth line (a path, so the editable finder's own .pth is not run); then, from a
    directory with no checkout, `switchboard servers` starts every shipped server from the installed packages."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SWITCHBOARD_", "ANTHROPIC_", "PYTHON"))}
    env |= {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"), "PIP_NO_INDEX": "1"}
    source = tmp_path / "source"  # what deploy/Containerfile copies: the build writes nothing into the checkout
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, source / name)
    wheels = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    _run([*pip, "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(source)], tmp_path, env, 240)
    (wheel,) = wheels.glob("switchboard-*.whl")
    scratch = tmp_path / "venv"
    venv.create(scratch, with_pip=False)
    # --ignore-installed: without it pip would first uninstall the editable install of the venv running the tests.
    _run(
        [*pip, "install", "-q", "--no-deps", "--ignore-installed", "--prefix", str(scratch), str(wheel)], tmp_path, env
    )
    python = str(scratch / "bin" / "python")
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], tmp_path, env).stdout)
    site = Path(str(site).strip())
    (site / "borrowed.pth").write_text(sysconfig.get_path("purelib") + "\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    probe = (
        "import orchestrator, mcp_servers, switchboard_common.shipped as s, orchestrator.settings as o\n"
        "print(orchestrator.__file__, mcp_servers.__file__, s.shipped_path('knowledge_base'),"
        " o.default_config_path({}))"
    )
    paths = _run([python, "-c", probe], elsewhere, env).stdout.split()
    assert len(paths) == 4 and all(p.startswith(str(site)) for p in paths), (site, paths)
    shipped = sorted(str(p.relative_to(paths[2])) for p in Path(paths[2]).rglob("*.md"))
    source = sorted(
        str(p.relative_to(ROOT / "config" / "knowledge_base"))
        for p in (ROOT / "config" / "knowledge_base").rglob("*.md")
    )
    assert shipped == source  # every article ships, the French ones included

    shown = _run([python, "-m", "orchestrator", "servers"], elsewhere, env, 180).stdout
    for name in ("orders", "tickets", "faq", "refunds", "escalation"):
        assert re.search(rf"^{name}\b.*connected", shown, re.MULTILINE), shown
    assert "search_faq" in shown, shown
