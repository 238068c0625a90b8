"""Heavy libraries stay out of a process until it needs them: the CLI imports without scipy or scikit-learn."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _loaded_after(code: str, modules: tuple[str, ...]) -> list[str]:
    probe = f"import sys\n{code}\nprint(' '.join(m for m in {modules!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.split()


def test_importing_the_cli_leaves_scipy_and_sklearn_out() -> None:
    assert _loaded_after("import orchestrator.cli.commands, orchestrator.cli.serve", ("scipy", "sklearn")) == []


def test_a_classification_loads_them() -> None:
    code = "from orchestrator.policy.abuse import classify_abuse\nclassify_abuse('where is my parcel')"
    assert _loaded_after(code, ("scipy", "sklearn")) == ["scipy", "sklearn"]
