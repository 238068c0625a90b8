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


def test_the_classifiers_run_without_them_and_only_training_features_load_them() -> None:
    # Inference hashes its n-grams itself (policy/hashing.py): scikit-learn's vectorizer brought about 600 scikit-learn
    # and scipy modules into every serve process.
    warm = "from orchestrator.policy import warmup\nwarmup._load_classifiers()"
    assert _loaded_after(warm, ("scipy", "sklearn", "orchestrator.policy.sentiment")) == [
        "orchestrator.policy.sentiment"
    ]
    training = "from orchestrator.policy.textclf import featurize\nfeaturize(['where is my parcel'])"
    assert _loaded_after(training, ("scipy", "sklearn")) == ["scipy", "sklearn"]


def test_the_cli_imports_its_heavier_commands_only_when_they_run() -> None:
    """`switchboard servers` pays for the mesh only: no web app, eval harness, policies, numpy or SDK."""
    heavy = ("orchestrator.service", "orchestrator.evals.runner", "orchestrator.web.app", "numpy", "anthropic")
    assert _loaded_after("import orchestrator.cli.commands", heavy) == []
    listed = (
        "import contextlib, io\nfrom orchestrator.cli.commands import cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n    cli.main(['--help'], standalone_mode=False)"
    )
    assert _loaded_after(listed, ("orchestrator.evals.runner", "orchestrator.web.app")) == [
        "orchestrator.evals.runner",
        "orchestrator.web.app",
    ]


def test_the_servers_command_path_leaves_sqlalchemy_out() -> None:
    """`switchboard servers` reads the config and connects the mesh: it opens no database (about 0.1 s of CPU)."""
    code = (
        "from orchestrator.cli.commands import cli\n"
        "from orchestrator.settings import load_settings\n"
        "import orchestrator.registry.registry\n"
        "assert load_settings(None, {'SWITCHBOARD_DATABASE_URL': 'sqlite:////tmp/x.db'}, offline=True).servers"
    )
    assert _loaded_after(code, ("sqlalchemy",)) == []


def test_importing_the_cli_and_web_leaves_the_anthropic_sdk_out() -> None:
    code = "import orchestrator.cli.commands, orchestrator.cli.serve, orchestrator.web.app, orchestrator.evals.runner"
    assert _loaded_after(code, ("anthropic",)) == []


OFFLINE_CONVERSATION = """
import tempfile
from pathlib import Path
import anyio
from orchestrator import Orchestrator
from orchestrator.service.wiring import build_model
from tests.orchestrator.support import SERVERS, in_memory, real_targets, settings_for

async def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    settings = settings_for(tmp, [in_memory(name) for name in SERVERS])
    assert not settings.uses_claude
    async with Orchestrator.open(settings, model=build_model(settings), targets=real_targets(tmp), policies=True) as o:
        conversation = o.start()
        first = await o.respond(conversation, "Where is my order ORD-78432? My email is jordan.lee@example.com")
        assert "ORD-78432" in first.text, first
        reply = await o.respond(conversation, "Can I return it?")
        assert reply.text, reply

anyio.run(main)
"""


def test_an_offline_conversation_never_loads_the_anthropic_sdk() -> None:
    """No key: the offline model answers, and the SDK (about 2 s of CPU to import) is never imported."""
    assert _loaded_after(OFFLINE_CONVERSATION, ("anthropic",)) == []


def test_a_configured_key_loads_it_for_claude() -> None:
    code = (
        "from pathlib import Path\n"
        "from pydantic import SecretStr\n"
        "from orchestrator.service.wiring import build_model\n"
        "from tests.orchestrator.support import settings_for\n"
        "settings = settings_for(Path('.'), []).model_copy(update={'api_key': SecretStr('sk-ant-test')})\n"
        "assert not build_model(settings).offline"
    )
    assert _loaded_after(code, ("anthropic",)) == ["anthropic"]
