"""FAQ retrieval on BANKING77: one article per intent from the train split, searched with the real faq server.

    .venv/bin/python benchmarks/policy_faq.py            # test split (what the policy runner reports)
    .venv/bin/python benchmarks/policy_faq.py --tune     # the validation split the choices were made on

Each of the 77 intents becomes one Markdown article in a temp knowledge-base folder: the title is the intent
name in words, every distinct training utterance of the intent is an example question in the `questions:`
front matter list (the format the server documents in `mcp_servers.faq.store`), and the body is one sentence.
The folder is indexed by `mcp_servers.faq.__main__.build` on a temp SQLite database (the server's own code, which
fits its example-question classifier there), and every test utterance goes through `search_faq` over an
in-memory MCP `Client` with the default limit of 3.

A second, clearly labelled COMPARISON row measures BM25 alone, i.e. the server on articles without `questions:`
(the utterances as a list in the body instead), which is how the server ranked before example questions.
The BM25 weight of the blend (`mcp_servers.faq._index.BM25_WEIGHT`) was chosen on a validation split of train
(`--tune`); the test split is only reported.
"""

import argparse
import csv
import logging
import random
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# mcp and the faq server are imported where they are used: importing this module stays cheap.

__all__ = ["Row", "main", "run", "tune"]

Row = dict[str, str | bool | None]

DATASET = "banking77"
CHECK = "FAQ retrieval"
BM25_CHECK = "FAQ retrieval (COMPARISON: BM25 only, articles without questions)"
CATEGORY = "account"
"""BANKING77 is about a bank account and its cards; the category only matters for filtered searches."""
GOAL_TOP1 = 0.90
GOAL_RECALL3 = 0.97
SERVER_LIMIT = 3
"""The `search_faq` default: what the model gets unless it asks for more."""
TUNE_WEIGHTS = (0.0, 0.25, 0.5, 1.0)
VALIDATION_FRACTION = 0.2
SEED = 0

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Example:
    """One labelled utterance."""

    text: str
    intent: str


@dataclass(frozen=True)
class Scores:
    """Ranking quality of one retriever over a query set."""

    top1: float
    recall3: float
    mrr3: float
    empty: int
    """Queries for which the retriever returned nothing."""


def _load(path: Path) -> list[Example]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [Example(row["text"].strip(), row["category"].strip()) for row in csv.DictReader(handle)]


def slug(intent: str) -> str:
    """The article slug of an intent: `Refund_not_showing_up` -> `refund-not-showing-up`."""
    words = "".join(ch if ch.isalnum() else " " for ch in intent.lower()).split()
    return "-".join(words)


def title(intent: str) -> str:
    """The article title of an intent: `card_not_working` -> `Card not working`."""
    return " ".join(slug(intent).split("-")).capitalize()


def _distinct(questions: Sequence[str]) -> list[str]:
    return [q for q in dict.fromkeys(" ".join(q.split()) for q in questions) if any(ch.isalnum() for ch in q)]


def article(intent: str, questions: Sequence[str]) -> str:
    """A knowledge-base file for one intent without example questions: the customers' questions as a body list.

    The BM25-only comparison (how the server ranked before `questions:`).
    """
    lines = [f"---\ntitle: {title(intent)}\ncategory: {CATEGORY}\n---", "Customers ask about this in words like:", ""]
    lines += [f"- {q}" for q in _distinct(questions)]
    return "\n".join(lines) + "\n"


def article_with_questions(intent: str, questions: Sequence[str]) -> str:
    """A knowledge-base file for one intent: the customers' questions as the `questions:` front matter list.

    What is measured: the body is one sentence; each question is wrapped in double quotes (the parser strips
    the outer pair and keeps the rest verbatim, inner quotes included).
    """
    listed = "\n".join(f'  - "{q}"' for q in _distinct(questions))
    front = f"---\ntitle: {title(intent)}\ncategory: {CATEGORY}\nquestions:\n{listed}\n---"
    return f"{front}\nHelp with: {title(intent).lower()}.\n"


def _by_intent(examples: Sequence[Example]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for example in examples:
        grouped[example.intent].append(example.text)
    return dict(sorted(grouped.items()))


def write_knowledge_base(folder: Path, train: Sequence[Example], *, as_questions: bool = True) -> dict[str, str]:
    """Write one `<slug>.md` article per intent of `train` into `folder`; return slug -> intent."""
    slugs: dict[str, str] = {}
    for intent, questions in _by_intent(train).items():
        name = slug(intent)
        if name in slugs:
            raise ValueError(f"intents {slugs[name]!r} and {intent!r} map to the same slug {name!r}")
        slugs[name] = intent
        text = (article_with_questions if as_questions else article)(intent, questions)
        (folder / f"{name}.md").write_text(text, encoding="utf-8")
    return slugs


@dataclass(frozen=True)
class _Searched:
    ranked: list[list[str]]
    index_seconds: float
    """`build`: migrating, syncing the folder and indexing (fitting the question classifier included)."""
    search_seconds: float


async def _search_all(knowledge_base: Path, database: Path, queries: Sequence[str]) -> _Searched:
    """The slugs `search_faq` (default limit) returns per query, and how long indexing and searching took."""
    from mcp import Client

    from mcp_servers.faq.__main__ import build
    from mcp_servers.faq.models import SearchResults
    from switchboard_common.storage import Database

    db = Database(f"sqlite:///{database}")
    try:
        args = argparse.Namespace(knowledge_base=str(knowledge_base), reindex_interval=3600.0)
        started = time.perf_counter()
        server = build(db, args)
        ranked: list[list[str]] = []
        async with Client(server) as client:
            await client.call_tool("search_faq", {"query": "index"})  # the first search builds the index
            indexed = time.perf_counter() - started
            started = time.perf_counter()
            for query in queries:
                result = await client.call_tool("search_faq", {"query": query, "limit": SERVER_LIMIT})
                if result.is_error or result.structured_content is None:
                    ranked.append([])
                    continue
                found = SearchResults.model_validate(result.structured_content)
                ranked.append([m.slug for m in found.results])
            elapsed = time.perf_counter() - started
        return _Searched(ranked, indexed, elapsed)
    finally:
        db.dispose()


def score(ranked: Sequence[Sequence[str]], gold: Sequence[str]) -> Scores:
    """Top-1 accuracy, recall@3 and MRR@3 of ranked slug lists against the gold slugs."""
    if not gold:
        return Scores(0.0, 0.0, 0.0, 0)
    top1 = recall3 = mrr = 0.0
    for results, expected in zip(ranked, gold, strict=True):
        top3 = list(results[:3])
        if top3 and top3[0] == expected:
            top1 += 1
        if expected in top3:
            recall3 += 1
            mrr += 1 / (top3.index(expected) + 1)
    n = len(gold)
    return Scores(top1 / n, recall3 / n, mrr / n, sum(1 for r in ranked if not r))


def _row(check: str, metric: str, value: str, goal: str, met: bool | None, notes: str) -> Row:
    data = "BANKING77 test (3,080 utterances, 77 intents); articles from train"
    return {"check": check, "data": data, "metric": metric, "value": value, "goal": goal, "met": met, "notes": notes}


def _absent(folder: Path) -> list[Row]:
    notes = f"dataset folder {folder} absent (needs train.csv and test.csv)"
    return [
        _row(CHECK, "top-1 accuracy", "absent", f">= {GOAL_TOP1:.2f}", None, notes),
        _row(CHECK, "recall@3", "absent", f">= {GOAL_RECALL3:.2f}", None, notes),
    ]


@dataclass(frozen=True)
class _Measured:
    scores: Scores
    seconds_per_query: float
    index_seconds: float
    articles: int
    queries: int


def _measure(
    train: Sequence[Example], evaluation: Sequence[Example], *, as_questions: bool = True, weight: float | None = None
) -> _Measured:
    """Index `train` as articles with the faq server and search every `evaluation` utterance.

    `weight` overrides the server's BM25 weight (`--tune` only).
    """
    import anyio

    from mcp_servers.faq import _index

    queries = [e.text for e in evaluation]
    shipped_weight = _index.BM25_WEIGHT
    if weight is not None:
        _index.BM25_WEIGHT = weight
    try:
        with tempfile.TemporaryDirectory(prefix="policy-faq-") as tmp:
            folder = Path(tmp) / "kb"
            folder.mkdir()
            slugs = write_knowledge_base(folder, train, as_questions=as_questions)
            searched = anyio.run(_search_all, folder, Path(tmp) / "faq.db", queries)
    finally:
        _index.BM25_WEIGHT = shipped_weight
    gold = [slug(e.intent) for e in evaluation]
    return _Measured(
        scores=score(searched.ranked, gold),
        seconds_per_query=searched.search_seconds / max(1, len(queries)),
        index_seconds=searched.index_seconds,
        articles=len(slugs),
        queries=len(queries),
    )


def run(data_dir: Path) -> list[Row]:
    """Index one article per BANKING77 intent (train) with the faq server and search every test utterance."""
    from mcp_servers.faq._index import BM25_WEIGHT

    folder = data_dir / DATASET
    if not (folder / "train.csv").is_file() or not (folder / "test.csv").is_file():
        return _absent(folder)
    train, test = _load(folder / "train.csv"), _load(folder / "test.csv")
    m = _measure(train, test)
    b = _measure(train, test, as_questions=False)
    s = m.scores
    how = (
        f"faq server via search_faq (limit 3) over {m.articles} articles, train utterances as `questions:`: "
        f"LinearSVC margin + {BM25_WEIGHT} x BM25/max; MRR@3 {s.mrr3:.3f}; {s.empty} queries without a result; "
        f"{m.seconds_per_query * 1000:.1f} ms/search; index + fit {m.index_seconds:.1f} s"
    )
    bm = (
        f"same server, utterances as a body list (no questions: BM25 only); MRR@3 {b.scores.mrr3:.3f}; "
        f"{b.seconds_per_query * 1000:.1f} ms/search; index {b.index_seconds:.1f} s"
    )
    return [
        _row(CHECK, "top-1 accuracy", f"{s.top1:.3f}", f">= {GOAL_TOP1:.2f}", s.top1 >= GOAL_TOP1, how),
        _row(CHECK, "recall@3", f"{s.recall3:.3f}", f">= {GOAL_RECALL3:.2f}", s.recall3 >= GOAL_RECALL3, how),
        _row(BM25_CHECK, "top-1 accuracy", f"{b.scores.top1:.3f}", f">= {GOAL_TOP1:.2f}", None, bm),
        _row(BM25_CHECK, "recall@3", f"{b.scores.recall3:.3f}", f">= {GOAL_RECALL3:.2f}", None, bm),
    ]


def split(
    train: Sequence[Example], *, fraction: float = VALIDATION_FRACTION, seed: int = SEED
) -> tuple[list[Example], list[Example]]:
    """A deterministic per-intent split of train into (fit, validation); BANKING77 ships no validation split."""
    rng = random.Random(seed)
    fit: list[Example] = []
    validation: list[Example] = []
    for intent, texts in _by_intent(train).items():
        shuffled = list(texts)
        rng.shuffle(shuffled)
        held = int(len(shuffled) * fraction)
        validation += [Example(t, intent) for t in shuffled[:held]]
        fit += [Example(t, intent) for t in shuffled[held:]]
    return fit, validation


def tune(data_dir: Path) -> list[str]:
    """The validation numbers behind the choices: BM25 alone, and the shipped blend per BM25 weight."""
    from mcp_servers.faq._index import BM25_WEIGHT

    folder = data_dir / DATASET
    if not (folder / "train.csv").is_file():
        return [f"{folder} absent"]
    fit, validation = split(_load(folder / "train.csv"))
    bm25 = _measure(fit, validation, as_questions=False)
    lines = [
        f"validation: {bm25.queries} utterances ({VALIDATION_FRACTION:.0%} of train per intent, seed {SEED}); "
        f"articles from the other {len(fit)}",
        f"BM25 only (no questions:)       top-1 {bm25.scores.top1:.4f}  recall@3 {bm25.scores.recall3:.4f}",
    ]
    for weight in TUNE_WEIGHTS:
        s = _measure(fit, validation, weight=weight).scores
        shipped = " (shipped)" if weight == BM25_WEIGHT else ""
        lines.append(f"questions, BM25 weight {weight:<4}{shipped:10} top-1 {s.top1:.4f}  recall@3 {s.recall3:.4f}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Print the test rows, or with `--tune` the validation numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    root = Path(__file__).resolve().parents[1]
    parser.add_argument("--data", type=Path, default=root.parent / "shared" / "data", help="datasets folder")
    parser.add_argument("--tune", action="store_true", help="report on the validation split of train instead")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.tune:
        for line in tune(args.data):
            print(line)
        return 0
    for row in run(args.data):
        print(" | ".join(str(v) for v in row.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
