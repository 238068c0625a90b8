"""The data manifest and the provenance stamped into every weight file the trainers write.

`data_manifest.toml` lists, per dataset folder under `shared/data/`: where it came from, the upstream revision,
its licence and the SHA-256 of every file the trainers read. A trainer calls `stamp(weight_file, trainer,
datasets, data_dir)` after saving: the data files are checked against the manifest (a changed file stops the run
before anything is written), and the weight file gets a `provenance` entry (JSON) holding the trainer, the
datasets with their digests, one digest over all of them, the code commit and the library versions.
`tests/training/test_provenance.py` checks each shipped weight file against the manifest.

    .venv/bin/python -m training.provenance --check [--data ../shared/data]   # verify the data files
    .venv/bin/python -m training.provenance --show orchestrator/policy/models/abuse.npz
"""

import argparse
import hashlib
import json
import subprocess
import sys
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, cast

import numpy as np

__all__ = [
    "LIBRARIES",
    "MANIFEST",
    "Dataset",
    "code_state",
    "data_digest",
    "load_manifest",
    "provenance",
    "read_provenance",
    "stamp",
    "verify_data",
]

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = Path(__file__).resolve().parent / "data_manifest.toml"
DEFAULT_DATA = ROOT.parent / "shared" / "data"
LIBRARIES = ("numpy", "scipy", "scikit-learn", "vaderSentiment", "wordsegment")
"""Libraries whose versions can change what a trainer writes."""
KEY = "provenance"


@dataclass(frozen=True)
class Dataset:
    """One manifest entry: a dataset folder and the checksums of its files."""

    name: str
    source: str
    revision: str
    licence: str
    files: Mapping[str, str]
    """File name (inside the folder) -> SHA-256 hex digest."""

    def digest(self) -> str:
        """One SHA-256 over the sorted (file, checksum) pairs."""
        lines = "".join(f"{name} {sha}\n" for name, sha in sorted(self.files.items()))
        return hashlib.sha256(lines.encode()).hexdigest()


def load_manifest(path: Path = MANIFEST) -> dict[str, Dataset]:
    """The datasets listed in the manifest, by folder name."""
    raw = cast(dict[str, dict[str, dict[str, Any]]], tomllib.loads(path.read_text(encoding="utf-8")))
    return {
        name: Dataset(name, str(e["source"]), str(e["revision"]), str(e["licence"]), dict(e["files"]))
        for name, e in raw["datasets"].items()
    }


def data_digest(datasets: Iterable[Dataset]) -> str:
    """One SHA-256 over the datasets' own digests, in name order."""
    lines = "".join(f"{d.name} {d.digest()}\n" for d in sorted(datasets, key=lambda d: d.name))
    return hashlib.sha256(lines.encode()).hexdigest()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def verify_data(data_dir: Path, datasets: Iterable[Dataset]) -> None:
    """Raise `ValueError` naming every data file that is missing or differs from the manifest."""
    problems: list[str] = []
    for dataset in datasets:
        for name, sha in sorted(dataset.files.items()):
            path = data_dir / dataset.name / name
            if not path.is_file():
                problems.append(f"{dataset.name}/{name}: missing")
            elif _sha256(path) != sha:
                problems.append(f"{dataset.name}/{name}: checksum differs from training/data_manifest.toml")
    if problems:
        raise ValueError("training data does not match the manifest:\n  " + "\n  ".join(problems))


def code_state(root: Path = ROOT, *, exclude: Path | None = None) -> tuple[str, bool]:
    """HEAD and whether tracked files differ from it, `exclude` aside.

    The weight file being stamped was just written by its trainer: counting it made every fresh file 'dirty'.
    """

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout.strip()

    inside = exclude is not None and exclude.resolve().is_relative_to(root.resolve())
    spec = [f":(exclude){exclude.resolve().relative_to(root.resolve())}"] if exclude is not None and inside else []
    return git("rev-parse", "HEAD"), bool(git("status", "--porcelain", "--untracked-files=no", "--", ".", *spec))


def _versions() -> dict[str, str]:
    return {name: metadata.version(name) for name in LIBRARIES} | {"python": sys.version.split()[0]}


def provenance(
    trainer: str, names: Iterable[str], data_dir: Path, manifest: Path = MANIFEST, *, weights: Path | None = None
) -> dict[str, Any]:
    """Verify the data and describe how a weight file was made (trainer is the script's repository path).

    `weights`, the file the record is for, does not count towards `code_dirty`.
    """
    listed = load_manifest(manifest)
    unknown = sorted(set(names) - listed.keys())
    if unknown:
        raise ValueError(f"datasets not in training/data_manifest.toml: {', '.join(unknown)}")
    used = [listed[name] for name in sorted(set(names))]
    verify_data(data_dir, used)
    commit, dirty = code_state(exclude=weights)
    return {
        "trainer": trainer,
        "datasets": {d.name: {"revision": d.revision, "digest": d.digest()} for d in used},
        "data_digest": data_digest(used),
        "code_commit": commit,
        "code_dirty": dirty,
        "libraries": _versions(),
    }


def stamp(
    weights: Path, trainer: str, names: Iterable[str], data_dir: Path, *, manifest: Path = MANIFEST
) -> dict[str, Any]:
    """Add the provenance entry to an existing `.npz` weight file (rewritten in place); returns the entry."""
    record = provenance(trainer, names, data_dir, manifest, weights=weights)
    with np.load(weights) as data:
        arrays = {key: data[key] for key in data.files if key != KEY}
    arrays[KEY] = np.array([json.dumps(record, sort_keys=True)])
    with weights.open("wb") as out:
        np.savez_compressed(out, **arrays)
    return record


def read_provenance(weights: Path) -> dict[str, Any] | None:
    """The provenance entry of a weight file, or None if it has none."""
    with np.load(weights) as data:
        if KEY not in data.files:
            return None
        return cast(dict[str, Any], json.loads(str(data[KEY][0])))


def main(argv: list[str] | None = None) -> int:
    """Check the data files against the manifest, or show a weight file's provenance."""
    parser = argparse.ArgumentParser(description="Check the training data or show a weight file's provenance.")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--check", action="store_true", help="verify every manifest file under --data")
    group.add_argument("--show", type=Path, help="print a weight file's provenance")
    args = parser.parse_args(argv)
    if args.show is not None:
        print(json.dumps(read_provenance(args.show), indent=2))
        return 0
    try:
        verify_data(args.data, load_manifest().values())
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"every file in training/data_manifest.toml matches under {args.data}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
