"""Contract tests of the FAQ server through the in-memory client, plus re-indexing tests (sync: test_faq_sync)."""
# pyright: reportPrivateUsage=false

import logging
import subprocess
import sys
from pathlib import Path

import anyio
import pytest
from mcp import Client, MCPError, StdioServerParameters
from mcp.types import INVALID_PARAMS, CallToolResult, RequestParamsMeta, TextContent, TextResourceContents

import mcp_servers.faq.store as store_module
from mcp_servers.faq import create_server
from mcp_servers.faq.__main__ import main
from mcp_servers.faq.models import Article, SearchResults
from mcp_servers.faq.store import FaqStore, FrontMatterError, parse_article
from switchboard_common.shipped import shipped_path
from switchboard_common.storage import Database
from tests.mcp_servers.faq_kb import COPIED, KNOWLEDGE_BASE, ROOT, article, rows

pytestmark = pytest.mark.anyio

CATEGORIES = ["shipping", "returns", "products", "account", "payment"]
BOUND: RequestParamsMeta = {"switchboard/customer": "jordan.lee@example.com"}


@pytest.fixture
def store(database: Database) -> FaqStore:
    """The shipped knowledge base, checked for changes on every call."""
    faq = FaqStore(database, KNOWLEDGE_BASE, reindex_interval=0)
    faq.prepare()
    return faq


async def search(client: Client, query: str, **kwargs: object) -> SearchResults:
    result = await client.call_tool("search_faq", {"query": query, **kwargs})
    assert not result.is_error, result.content
    return SearchResults.model_validate(result.structured_content)


def slugs(found: SearchResults) -> list[str]:
    return [r.slug for r in found.results]


def error_text(result: CallToolResult) -> str:
    block = result.content[0]
    assert isinstance(block, TextContent)
    return block.text


# --- the contract the model sees --------------------------------------------------------------------


async def test_tools_list_exposes_search_and_article_tools_read_only(store: FaqStore) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    assert sorted(tools) == ["get_faq_article", "search_faq"]
    search_tool, article_tool = tools["search_faq"], tools["get_faq_article"]
    assert search_tool.input_schema["required"] == ["query"]
    props = search_tool.input_schema["properties"]
    assert sorted(props) == ["category", "language", "limit", "query"]
    assert props["language"]["enum"] == ["en", "fr"] and props["language"]["default"] == "en"
    assert props["query"]["minLength"] == 1 and props["query"]["maxLength"] == 500
    assert props["category"]["anyOf"] == [{"enum": CATEGORIES, "type": "string"}, {"type": "null"}]
    assert (props["limit"]["minimum"], props["limit"]["maximum"], props["limit"]["default"]) == (1, 10, 3)
    assert article_tool.input_schema["required"] == ["slug"]
    assert article_tool.input_schema["properties"]["slug"]["pattern"] == "^[a-z0-9]+(?:-[a-z0-9]+)*$"
    for tool in tools.values():
        assert tool.annotations is not None
        assert (tool.annotations.read_only_hint, tool.annotations.idempotent_hint) == (True, True)
        assert tool.annotations.destructive_hint is None
        assert tool.output_schema is not None
        assert tool.description and "Args:" in tool.description


# --- ranking ------------------------------------------------------------------------------------------


async def test_bluetooth_question_ranks_promax_reset_first_with_the_reset_steps_as_snippet(store: FaqStore) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        found = await search(client, "bluetooth won't connect headphones")
    top, second = found.results[0], found.results[1]
    assert top.slug == "promax-headphones-bluetooth-reset"
    assert top.title == "ProMax Audio Headphones won't connect over Bluetooth: reset and re-pair"
    assert top.category == "products"
    assert top.uri == "faq://articles/promax-headphones-bluetooth-reset"
    assert "10 seconds" in top.snippet and "blinks blue" in top.snippet
    assert len(top.snippet) <= 400
    assert top.score > second.score > 0


async def test_tools_list_answers_before_the_index_is_built_and_the_first_search_builds_it(store: FaqStore) -> None:
    async with Client(create_server(store)) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        article_read = await client.call_tool("get_faq_article", {"slug": "refund-timing"})
        assert store._current().indexes is None  # listing and reading an article need no index
        found = await search(client, "how long does a refund take")
    assert names == {"search_faq", "get_faq_article"} and not article_read.is_error
    assert slugs(found)[0] == "refund-timing"
    assert store._current().indexes is not None


async def test_concurrent_first_searches_build_the_index_once_and_all_answer(
    store: FaqStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[int] = []
    real_index = store_module._index

    def counted(records: tuple[store_module.ArticleRecord, ...], previous: object) -> object:
        built.append(len(records))
        return real_index(records, None)

    monkeypatch.setattr(store_module, "_index", counted)
    answers: list[str] = []

    async def ask() -> None:
        hits = await anyio.to_thread.run_sync(lambda: store.search("how long does a refund take"))
        answers.append(hits[0].article.slug)

    with anyio.fail_after(30):
        async with anyio.create_task_group() as tg:
            for _ in range(6):
                tg.start_soon(ask)
    assert answers == ["refund-timing"] * 6
    assert len(built) == 1


def test_a_server_start_leaves_the_search_libraries_out_until_the_first_search(tmp_path: Path) -> None:
    """numpy, bm25s and the stemmers cost the faq server about 0.3 s of CPU at start; `tools/list` needs none."""
    probe = f"""
import sys
import anyio
from mcp import Client
from mcp_servers.faq.__main__ import open_in_process
HEAVY = ("numpy", "bm25s", "Stemmer", "scipy", "sklearn")

async def main() -> None:
    with open_in_process([], {{"SWITCHBOARD_DATABASE_URL": "sqlite:///{tmp_path / "faq.db"}"}}) as server:
        async with Client(server) as client:
            await client.list_tools()
            print(" ".join(m for m in HEAVY if m in sys.modules) or "-")
            result = await client.call_tool("search_faq", {{"query": "how long does a refund take"}})
            print(result.structured_content["results"][0]["slug"])
            print(" ".join(m for m in HEAVY if m in sys.modules))

anyio.run(main)
"""
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    before, first, after = done.stdout.splitlines()
    assert before == "-"
    assert first == "refund-timing"
    assert {"numpy", "bm25s", "Stemmer"} <= set(after.split())


async def test_refund_time_question_ranks_refund_timing_article_first(store: FaqStore) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        found = await search(client, "how long does a refund take")
    assert slugs(found)[0] == "refund-timing"
    assert "5-7 business days" in found.results[0].snippet


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("forgot my password", "reset-password"),
        ("descale the coffee machine", "brewline-espresso-descaling"),
        ("nova watch not syncing steps", "nova-watch-sync"),
        ("earbuds case not charging", "promax-earbuds-charging-case"),
        ("can I pay with apple pay", "payment-methods"),
        ("cancel my order", "cancel-order"),
        ("talk to a real person", "contact-support"),
        ("scooter battery winter storage", "trek-scooter-battery-care"),
    ],
)
async def test_common_questions_rank_the_matching_article_first(store: FaqStore, query: str, expected: str) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        found = await search(client, query)
    assert slugs(found)[0] == expected


async def test_category_filter_ranks_only_that_category(store: FaqStore) -> None:
    everything = store.search("refund card", limit=len(store.articles()))
    async with Client(create_server(store), mode="legacy") as client:
        payment = await search(client, "refund card", category="payment", limit=10)
    assert {h.article.category for h in everything[:5]} > {"payment"}
    assert payment.category == "payment"
    assert payment.results and {r.category for r in payment.results} == {"payment"}
    in_payment = [(h.article.slug, h.score) for h in everything if h.article.category == "payment"]
    assert [(r.slug, r.score) for r in payment.results] == in_payment[:10]


async def test_limit_caps_the_results_and_defaults_to_three(store: FaqStore) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        default = await search(client, "order")
        one = await search(client, "order", limit=1)
        ten = await search(client, "order", limit=10)
    assert len(slugs(default)) == 3
    assert slugs(one) == slugs(default)[:1]
    assert len(slugs(ten)) == 10 and slugs(ten)[:3] == slugs(default)
    scores = [r.score for r in ten.results]
    assert scores == sorted(scores, reverse=True)


async def test_every_snippet_is_at_most_400_characters(store: FaqStore) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        found = await search(client, "shipping return refund order account payment battery", limit=10)
    assert len(slugs(found)) == 10
    assert all(0 < len(r.snippet) <= 400 for r in found.results)


@pytest.mark.parametrize("query", ["xqzvw blorptang", "the and of", "what is it"])
async def test_query_matching_nothing_returns_no_results_and_a_hint(store: FaqStore, query: str) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        found = await search(client, query)
    assert found.results == []
    assert found.hint is not None and found.hint.startswith("No FAQ article matched. Rephrase")


async def test_no_match_in_a_category_hints_to_drop_the_filter(store: FaqStore) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        found = await search(client, "espresso descaling", category="account")
    assert found.results == []
    assert found.hint is not None and "without the category filter" in found.hint


async def test_query_without_any_word_is_a_tool_error_asking_to_rephrase(store: FaqStore) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        result = await client.call_tool("search_faq", {"query": "   ?! "})
    assert result.is_error
    assert "no words to search for" in error_text(result)


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("search_faq", {}),
        ("search_faq", {"query": ""}),
        ("search_faq", {"query": "x" * 501}),
        ("search_faq", {"query": "refund", "category": "orders"}),
        ("search_faq", {"query": "refund", "limit": 0}),
        ("search_faq", {"query": "refund", "limit": 11}),
        ("search_faq", {"query": 42}),
        ("get_faq_article", {}),
        ("get_faq_article", {"slug": "../../etc/passwd"}),
        ("get_faq_article", {"slug": "Refund Timing"}),
        ("get_faq_article", {"slug": "a" * 101}),
    ],
)
async def test_schema_invalid_arguments_are_refused_and_change_nothing(
    store: FaqStore, tool: str, arguments: dict[str, object]
) -> None:
    before = rows(store.db)
    async with Client(create_server(store), mode="legacy") as client:
        result = await client.call_tool(tool, arguments)
    assert result.is_error
    assert "validation error" in error_text(result)
    assert rows(store.db) == before


async def test_bound_customer_does_not_change_public_faq_answers(store: FaqStore) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        anonymous = await client.call_tool("search_faq", {"query": "return policy"})
        bound = await client.call_tool("search_faq", {"query": "return policy"}, meta=BOUND)
        article_bound = await client.call_tool("get_faq_article", {"slug": "return-policy"}, meta=BOUND)
    assert not bound.is_error and not article_bound.is_error
    assert bound.structured_content == anonymous.structured_content


# --- whole articles -------------------------------------------------------------------------------------


async def test_get_faq_article_returns_the_whole_article(store: FaqStore) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        result = await client.call_tool("get_faq_article", {"slug": "promax-headphones-bluetooth-reset"})
    assert not result.is_error
    content = Article.model_validate(result.structured_content)
    assert content.title == "ProMax Audio Headphones won't connect over Bluetooth: reset and re-pair"
    assert content.category == "products"
    assert "bluetooth" in content.tags
    assert content.body.startswith("If your ProMax Audio Headphones will not connect")
    assert "Forget device" in content.body and "## Still not connecting?" in content.body
    assert content.uri == "faq://articles/promax-headphones-bluetooth-reset"
    assert content.updated_at.endswith("+00:00")


async def test_get_faq_article_for_unknown_slug_is_a_tool_error_pointing_to_search(store: FaqStore) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        result = await client.call_tool("get_faq_article", {"slug": "no-such-article"})
    assert result.is_error
    assert error_text(result) == (
        "Error executing tool get_faq_article: No FAQ article has the slug 'no-such-article'. "
        "Call search_faq and use a slug from its results."
    )


async def test_resources_list_names_every_article_and_reads_it_as_markdown(store: FaqStore) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        listed = (await client.list_resources()).resources
        templates = (await client.list_resource_templates()).resource_templates
        read = await client.read_resource("faq://articles/refund-timing")
    shipped = sorted(
        [p.stem for p in KNOWLEDGE_BASE.glob("*.md")] + [f"{p.stem}-fr" for p in KNOWLEDGE_BASE.glob("fr/*.md")]
    )
    assert [r.uri for r in listed] == [f"faq://articles/{slug}" for slug in shipped]
    assert {r.mime_type for r in listed} == {"text/markdown"}
    refund = next(r for r in listed if r.name == "refund-timing")
    assert refund.title == "How long does a refund take?"
    assert [t.uri_template for t in templates] == ["faq://articles/{slug}"]
    contents = read.contents[0]
    assert isinstance(contents, TextResourceContents)
    assert contents.mime_type == "text/markdown"
    assert contents.text.startswith("# How long does a refund take?\n\nOnce your return reaches our warehouse")


async def test_reading_an_unknown_article_resource_is_invalid_params(store: FaqStore) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        with pytest.raises(MCPError) as caught:
            await client.read_resource("faq://articles/no-such-article")
    assert caught.value.code == INVALID_PARAMS


# --- re-indexing when the folder changes ---------------------------------------------------------------


async def test_added_changed_and_deleted_files_are_reindexed_on_the_next_call(small_store: FaqStore, kb: Path) -> None:
    async with Client(create_server(small_store), mode="legacy") as client:
        assert slugs(await search(client, "snowboard wax")) == []
        (kb / "snowboard-wax.md").write_text(article("Waxing a snowboard", "products", "Wax the snowboard base."))
        assert slugs(await search(client, "snowboard wax")) == ["snowboard-wax"]

        # A different size on purpose: two writes within one kernel clock tick can share an mtime.
        (kb / "snowboard-wax.md").write_text(article("Storing a kayak", "products", "Keep the kayak dry, please."))
        assert slugs(await search(client, "snowboard wax")) == []
        assert slugs(await search(client, "kayak")) == ["snowboard-wax"]

        (kb / "refund-timing.md").unlink()
        assert "refund-timing" not in slugs(await search(client, "how long does a refund take", limit=10))
        result = await client.call_tool("get_faq_article", {"slug": "refund-timing"})
        assert result.is_error
        listed = [r.name for r in (await client.list_resources()).resources]
    assert listed == sorted({*COPIED, "snowboard-wax"} - {"refund-timing"})
    assert sorted(rows(small_store.db)) == listed


async def test_file_with_bad_front_matter_is_skipped_with_a_warning(
    small_store: FaqStore, kb: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (kb / "broken.md").write_text("---\ntitle: Broken\ncategory: gardening\n---\nWater the plants.\n")
    (kb / "Bad Name.md").write_text(article("Plants", "products", "Water the plants."))
    with caplog.at_level(logging.WARNING, logger="mcp_servers.faq._folder"):
        async with Client(create_server(small_store), mode="legacy") as client:
            found = await search(client, "water the plants")
            still = await search(client, "reset password")
    assert found.results == []
    assert slugs(still)[0] == "reset-password"
    assert "broken" not in rows(small_store.db)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("broken.md" in w and "'category' must be one of" in w for w in warnings)
    assert any("Bad Name.md" in w and "file name" in w for w in warnings)


def test_title_only_match_uses_the_article_opening_and_long_sentences_are_cut(small_store: FaqStore, kb: Path) -> None:
    opening = "Keep it dry. Store it flat. " + "Never leave it in the sun. " * 20
    (kb / "kayak.md").write_text(article("Storing a kayak", "products", opening))
    (kb / "canoe.md").write_text(article("Canoe paddles", "products", "The canoe " + "paddle " * 100 + "floats."))
    [kayak] = small_store.search("kayak")
    assert kayak.snippet.startswith("Keep it dry. Store it flat. Never leave it in the sun.")
    assert kayak.snippet.endswith("sun.") and len(kayak.snippet) <= 400
    [canoe] = small_store.search("canoe paddle")
    assert canoe.snippet.startswith("The canoe paddle paddle") and canoe.snippet.endswith("paddle…")
    assert len(canoe.snippet) <= 400


def test_changes_are_not_looked_for_again_before_the_reindex_interval(database: Database, kb: Path) -> None:
    now = [100.0]
    faq = FaqStore(database, kb, reindex_interval=2.0, clock=lambda: now[0])
    faq.prepare()
    (kb / "kayak.md").write_text(article("Storing a kayak", "products", "Keep the kayak dry."))
    now[0] += 1.9
    assert faq.search("kayak") == []
    now[0] += 0.2
    assert [h.article.slug for h in faq.search("kayak")] == ["kayak"]


def test_unchanged_folder_is_not_reindexed(small_store: FaqStore) -> None:
    assert small_store.refresh() is False
    assert small_store.refresh(force=True) is True


# --- front matter and the shipped knowledge base --------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("title: No fence\ncategory: returns\n---\nBody.", "must start with a '---'"),
        ("---\ntitle: Unclosed\ncategory: returns\nBody.", "no closing '---'"),
        ("---\ncategory: returns\n---\nBody.", "'title' is missing"),
        ("---\ntitle: T\n---\nBody.", "'category' must be one of"),
        ("---\ntitle: T\ncategory: orders\n---\nBody.", "'category' must be one of"),
        ("---\ntitle: T\ncategory: returns\nauthor: me\n---\nBody.", "line 4: expected"),
        ("---\ntitle: T\ntitle: U\ncategory: returns\n---\nBody.", "given twice"),
        ("---\ntitle: T\ncategory: returns\n---\n\n", "body is empty"),
        (f"---\ntitle: {'t' * 201}\ncategory: returns\n---\nBody.", "longer than 200"),
    ],
)
def test_malformed_front_matter_is_rejected(content: str, problem: str) -> None:
    with pytest.raises(FrontMatterError, match=problem):
        parse_article(content)


def test_front_matter_accepts_quotes_and_bracketed_tags() -> None:
    parsed = parse_article(
        '\ufeff---\ntitle: "Gift cards: the basics"\ncategory: Payment\ntags: [Gift, "cards", gift]\n---\n\nBody.\n'
    )
    assert parsed == ("Gift cards: the basics", "payment", ("gift", "cards"), "Body.")


def test_shipped_knowledge_base_has_at_least_30_valid_articles_in_the_five_categories() -> None:
    assert shipped_path("knowledge_base") == KNOWLEDGE_BASE
    files = sorted(KNOWLEDGE_BASE.glob("*.md"))
    assert len(files) >= 30
    categories = [parse_article(f.read_text(encoding="utf-8"))[1] for f in files]
    assert set(categories) == set(CATEGORIES)


def test_main_refuses_a_missing_knowledge_base_folder(sqlite_url: str, tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--db", sqlite_url, "--knowledge-base", str(tmp_path / "missing")], environ={})
    assert str(caught.value) == f"faq: knowledge base folder not found or unreadable: {tmp_path / 'missing'}"


@pytest.mark.e2e
async def test_stdio_server_indexes_the_folder_named_by_the_environment(sqlite_url: str, kb: Path) -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "mcp_servers.faq", "--db", sqlite_url],
        env={"SWITCHBOARD_KNOWLEDGE_BASE": str(kb)},
        cwd=str(KNOWLEDGE_BASE.parents[1]),
    )
    with anyio.fail_after(60):
        async with Client(params, mode="legacy") as client:
            listed = [r.name for r in (await client.list_resources()).resources]
            found = await search(client, "forgot my password")
    assert listed == sorted(COPIED)
    assert slugs(found)[0] == "reset-password"


# --- example questions: `questions:` front matter and the classifier re-ranking ---------------------------

DELIVERY_QUESTIONS = (
    "Where is my new card?",
    "My card still hasn't arrived",
    "When will my card come in the post?",
    "I ordered a card weeks ago and nothing came",
    "how long until my card is delivered",
)
ACTIVATION_QUESTIONS = (
    "How do I activate my card?",
    "How can I turn on my new card?",
    "The app will not let me activate the card",
    "Where do I enter the activation code?",
)
# BM25 alone prefers activation for the delivery-style query below: its body repeats "new card" and "still".
ACTIVATION_BODY = "Your new card arrives inactive. A new card still needs activating: new card, new card, still new."
DELIVERY_BODY = "We post cards within 2 working days; delivery takes up to 7 days."
QUERY = "my new card still has not arrived"


def article_with_questions(title: str, category: str, body: str, questions: tuple[str, ...]) -> str:
    listed = "".join(f'  - "{q}"\n' for q in questions)
    return f"---\ntitle: {title}\ncategory: {category}\nquestions:\n{listed}---\n{body}\n"


def question_store(database: Database, folder: Path, *, with_questions: bool) -> FaqStore:
    folder.mkdir()
    delivery = DELIVERY_QUESTIONS if with_questions else ()
    activation = ACTIVATION_QUESTIONS if with_questions else ()
    (folder / "card-delivery.md").write_text(
        article_with_questions("Card delivery", "account", DELIVERY_BODY, delivery), encoding="utf-8"
    )
    (folder / "card-activation.md").write_text(
        article_with_questions("Card activation", "account", ACTIVATION_BODY, activation), encoding="utf-8"
    )
    (folder / "lost-card.md").write_text(
        article("Lost or stolen card", "account", "Freeze a lost card in the app, then order a new card."),
        encoding="utf-8",
    )
    faq = FaqStore(database, folder, reindex_interval=0)
    faq.prepare()
    return faq


def test_questions_front_matter_is_parsed_and_kept_out_of_the_body() -> None:
    content = (
        "---\ntitle: Card delivery\ncategory: account\nquestions:\n"
        "  - \"Where is my card?\"\n  - When   will it come?\n- 'Where is my card?'\ntags: card\n---\nBody.\n"
    )
    parsed = store_module.parse_article_file(content)
    assert parsed.questions == ("Where is my card?", "When will it come?")
    assert (parsed.tags, parsed.body) == (("card",), "Body.")
    assert parse_article(content) == ("Card delivery", "account", ("card",), "Body.")
    assert store_module.parse_article_file(article("T", "returns", "Body.")).questions == ()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("---\ntitle: T\ncategory: returns\nquestions: where?\n---\nBody.", "list the questions on the lines after"),
        ('---\ntitle: T\ncategory: returns\nquestions:\n  - "?!"\n---\nBody.', "needs some words"),
        ("---\ntitle: T\ncategory: returns\n  - stray item\n---\nBody.", "line 4: expected"),
    ],
)
def test_malformed_questions_are_rejected(content: str, problem: str) -> None:
    with pytest.raises(FrontMatterError, match=problem):
        parse_article(content)


def test_questions_are_stored_and_read_back(database: Database, tmp_path: Path) -> None:
    faq = question_store(database, tmp_path / "kb", with_questions=True)
    again = FaqStore(database, tmp_path / "kb", reindex_interval=0)
    again.prepare()
    for store_ in (faq, again):
        record = store_.get("card-delivery")
        assert record is not None and record.questions == DELIVERY_QUESTIONS
        assert "Where is my new card" not in record.body


async def test_a_query_phrased_like_an_example_question_ranks_its_article_first(
    database: Database, tmp_path: Path
) -> None:
    bm25_only = question_store(database, tmp_path / "plain", with_questions=False)
    assert not bm25_only._indexed()[1].default.uses_questions
    assert [h.article.slug for h in bm25_only.search(QUERY)][0] == "card-activation"

    other = Database(f"sqlite:///{tmp_path / 'questions.db'}")
    try:
        faq = question_store(other, tmp_path / "kb", with_questions=True)
        assert faq._indexed()[1].default.uses_questions
        async with Client(create_server(faq)) as client:
            found = await search(client, QUERY)
            activation = await search(client, "how can I activate the card")
        assert slugs(found)[0] == "card-delivery"
        assert "lost-card" in slugs(found)  # an article without questions still competes on BM25
        assert [r.score for r in found.results] == sorted((r.score for r in found.results), reverse=True)
        assert slugs(activation)[0] == "card-activation"
    finally:
        other.dispose()


def test_one_article_with_questions_is_not_enough_for_the_classifier(database: Database, tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "card-delivery.md").write_text(
        article_with_questions("Card delivery", "account", DELIVERY_BODY, DELIVERY_QUESTIONS), encoding="utf-8"
    )
    (folder / "lost-card.md").write_text(article("Lost card", "account", "Freeze a lost card."), encoding="utf-8")
    faq = FaqStore(database, folder, reindex_interval=0)
    faq.prepare()
    assert not faq._indexed()[1].default.uses_questions
    # The questions are still searched as text: a word only they contain finds the article.
    assert [h.article.slug for h in faq.search("ordered weeks ago")] == ["card-delivery"]


def test_reindex_reuses_the_question_model_and_snippet_cache_when_questions_are_unchanged(
    database: Database, tmp_path: Path
) -> None:
    faq = question_store(database, tmp_path / "kb", with_questions=True)
    before = faq._indexed()[1].default
    faq.search(QUERY)
    (tmp_path / "kb" / "lost-card.md").write_text(
        article("Lost or stolen card", "account", "Freeze it in the app."), encoding="utf-8"
    )
    assert faq.refresh(force=True)
    after = faq._indexed()[1].default
    assert after is not before and after._model is before._model
    assert after._passages and set(after._passages) <= set(before._passages)


def test_best_passage_on_a_long_body_stays_fast_and_picks_the_matching_item() -> None:
    from mcp_servers.faq._index import best_passage

    body = "\n".join(f"- Filler question number {n} about something else" for n in range(3000))
    body += "\n- How do I reset my watch?\n" + "\n".join(f"- More filler {n}" for n in range(3000))
    assert "How do I reset my watch?" in best_passage(body, {"reset": 2.0, "watch": 1.0})


# --- articles in the customer's language ---------------------------------------------------------------


async def test_a_french_question_finds_the_french_article_with_its_french_steps(store: FaqStore) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        found = await search(client, "comment reinitialiser le bluetooth de mon casque promax", language="fr")
        english = await search(client, "comment reinitialiser le bluetooth de mon casque promax")
        article_result = await client.call_tool("get_faq_article", {"slug": found.results[0].slug})
    top = found.results[0]
    assert (top.slug, top.language, top.category) == ("promax-headphones-bluetooth-reset-fr", "fr", "products")
    assert "Bluetooth" in top.snippet and "10 secondes" in top.snippet and len(top.snippet) <= 400
    assert all(r.language == "fr" for r in found.results)
    assert all(r.language == "en" and not r.slug.endswith("-fr") for r in english.results)
    whole = Article.model_validate(article_result.structured_content)
    assert whole.language == "fr" and whole.title.startswith("Le casque ProMax Audio")


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("combien de temps pour être remboursé", "refund-timing-fr"),
        ("mon code promo ne marche pas", "promo-codes-fr"),
        ("ma montre nova ne se synchronise plus", "nova-watch-sync-fr"),
        ("comment detartrer la machine a cafe", "brewline-espresso-descaling-fr"),
        ("je veux changer mon adresse email", "change-email-fr"),
        ("colis livré mais jamais reçu", "lost-parcel-fr"),
    ],
)
async def test_french_questions_rank_their_french_article_first_accents_or_not(
    store: FaqStore, query: str, slug: str
) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        found = await search(client, query, language="fr")
    assert slugs(found)[0] == slug


async def test_a_french_search_without_a_matching_french_article_falls_back_to_english(
    database: Database, kb: Path
) -> None:
    (kb / "fr").mkdir()
    (kb / "fr" / "track-order.md").write_text(
        article("Suivre votre commande", "shipping", "Ouvrez l'e-mail d'expédition et suivez le colis."),
        encoding="utf-8",
    )
    faq = FaqStore(database, kb, reindex_interval=0)
    faq.prepare()
    async with Client(create_server(faq), mode="legacy") as client:
        french = await search(client, "suivre mon colis", language="fr")
        fallback = await search(client, "refund business days", language="fr")
    assert [(r.slug, r.language) for r in french.results] == [("track-order-fr", "fr")]
    assert (fallback.results[0].slug, fallback.results[0].language) == ("refund-timing", "en")


async def test_an_unknown_language_is_rejected_before_the_tool_runs(store: FaqStore) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        result = await client.call_tool("search_faq", {"query": "refund", "language": "de"})
    assert result.is_error and "language" in error_text(result)


def test_a_translation_whose_slug_an_english_file_already_has_is_skipped_with_a_warning(
    database: Database, kb: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (kb / "fr").mkdir()
    (kb / "reset-password-fr.md").write_text(article("Clash", "account", "English file."), encoding="utf-8")
    (kb / "fr" / "reset-password.md").write_text(article("Mot de passe", "account", "Réinitialisez."), encoding="utf-8")
    faq = FaqStore(database, kb, reindex_interval=0)
    with caplog.at_level(logging.WARNING, logger="mcp_servers.faq._folder"):
        faq.prepare()
    record = faq.get("reset-password-fr")
    assert record is not None and (record.title, record.language) == ("Mot de passe", "fr")
    assert "already has the slug reset-password-fr" in caplog.text
    assert rows(database)["reset-password-fr"][0] == "Mot de passe"
