"""Every shipped weight file says how it was made, and what it says matches the data manifest."""

import hashlib
import importlib
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from orchestrator.policy.weights import MODELS_DIR, WEIGHT_NAMES
from training.provenance import (
    MANIFEST,
    Dataset,
    code_state,
    data_digest,
    load_manifest,
    read_provenance,
    stamp,
    verify_data,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", WEIGHT_NAMES)
def test_each_shipped_weight_file_carries_provenance_matching_the_manifest(name: str) -> None:
    record = read_provenance(MODELS_DIR / f"{name}.npz")
    assert record is not None, f"{name}.npz has no provenance: retrain it with training/train_{name}.py"
    assert record["trainer"] == f"training/train_{name}.py"
    assert (ROOT / record["trainer"]).is_file()
    manifest = load_manifest()
    trainer = importlib.import_module(f"training.train_{name}")
    assert sorted(record["datasets"]) == sorted(trainer.DATASETS)
    used = [manifest[d] for d in record["datasets"]]
    for dataset in used:
        assert record["datasets"][dataset.name] == {"revision": dataset.revision, "digest": dataset.digest()}
    assert record["data_digest"] == data_digest(used)
    assert re.fullmatch(r"[0-9a-f]{40}", record["code_commit"])
    assert isinstance(record["code_dirty"], bool)
    assert {"numpy", "scipy", "scikit-learn", "python"} <= set(record["libraries"])


def test_the_manifest_names_source_revision_licence_and_checksums() -> None:
    manifest = load_manifest(MANIFEST)
    assert manifest
    for dataset in manifest.values():
        assert dataset.source and dataset.revision and dataset.licence
        assert dataset.files and all(re.fullmatch(r"[0-9a-f]{64}", sha) for sha in dataset.files.values())


def _dataset(folder: Path, content: bytes) -> Dataset:
    (folder / "toy").mkdir(exist_ok=True)
    (folder / "toy" / "rows.txt").write_bytes(content)
    return Dataset("toy", "made here", "1", "CC0-1.0", {"rows.txt": hashlib.sha256(content).hexdigest()})


def test_verify_data_names_a_changed_or_missing_file(tmp_path: Path) -> None:
    dataset = _dataset(tmp_path, b"a,b\n")
    verify_data(tmp_path, [dataset])
    (tmp_path / "toy" / "rows.txt").write_bytes(b"a,c\n")
    with pytest.raises(ValueError, match=r"toy/rows\.txt: checksum differs"):
        verify_data(tmp_path, [dataset])
    (tmp_path / "toy" / "rows.txt").unlink()
    with pytest.raises(ValueError, match=r"toy/rows\.txt: missing"):
        verify_data(tmp_path, [dataset])


def test_stamp_adds_provenance_and_keeps_the_weights(tmp_path: Path) -> None:
    content = b"hello\n"
    dataset = _dataset(tmp_path, content)
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(
        '[datasets.toy]\nsource = "made here"\nrevision = "1"\nlicence = "CC0-1.0"\n'
        f'[datasets.toy.files]\n"rows.txt" = "{hashlib.sha256(content).hexdigest()}"\n'
    )
    weights = tmp_path / "toy.npz"
    np.savez_compressed(weights, coef=np.arange(4, dtype=np.float16))
    record = stamp(weights, "training/train_toy.py", ["toy"], tmp_path, manifest=manifest)
    assert read_provenance(weights) == record
    assert record["data_digest"] == data_digest([dataset])
    with np.load(weights) as data:
        assert data["coef"].tolist() == [0.0, 1.0, 2.0, 3.0]
    with pytest.raises(ValueError, match="not in training/data_manifest.toml"):
        stamp(weights, "training/train_toy.py", ["other"], tmp_path, manifest=manifest)


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@example.org", "-c", "user.name=t", *args], cwd=root, check=True, capture_output=True
    )


def test_code_state_ignores_the_weight_file_being_stamped_but_not_code(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    (tmp_path / "model.npz").write_bytes(b"old")
    (tmp_path / "train.py").write_text("C = 1\n")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "init")
    (tmp_path / "model.npz").write_bytes(b"new weights")
    head, dirty = code_state(tmp_path, exclude=tmp_path / "model.npz")
    assert re.fullmatch(r"[0-9a-f]{40}", head) and not dirty
    assert code_state(tmp_path)[1]  # without the exclusion the fresh weights count
    (tmp_path / "train.py").write_text("C = 2\n")
    assert code_state(tmp_path, exclude=tmp_path / "model.npz")[1]
    assert code_state(tmp_path, exclude=Path("/elsewhere/model.npz"))[1]
