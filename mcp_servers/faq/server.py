"""The FAQ MCP server: ranked search over the ShopExpress help articles, whole articles as tools and resources."""

import anyio.to_thread
from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError, ToolError
from mcp.types import Resource, ToolAnnotations

from mcp_servers._common.text import UnsafeTextGuard

from .models import Article, ArticleMatch, CategoryFilter, LanguageChoice, Limit, Query, SearchResults, Slug
from .store import ArticleRecord, FaqStore

__all__ = ["ARTICLE_URI", "create_server"]

ARTICLE_URI = "faq://articles/{slug}"
MARKDOWN = "text/markdown"
INSTRUCTIONS = """ShopExpress help centre articles (shipping, returns, products, account, payment). Search before \
answering any policy or how-to question and answer from the returned passages; do not invent policy. Read the \
whole article with get_faq_article when the snippet is not enough."""
NO_MATCH_HINT = (
    "No FAQ article matched. Rephrase the customer's question as a few keywords naming the product or topic "
    "(e.g. 'refund time', 'Nova watch sync'){category}. If nothing fits, do not guess a policy: offer to create "
    "a ticket or hand over to a human agent."
)
NOTHING_TO_SEARCH = (
    "The query has no words to search for. Pass the customer's question, or a few keywords from it, e.g. "
    "'how long does a refund take'."
)

_READ = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)


def _uri(slug: str) -> str:
    return ARTICLE_URI.replace("{slug}", slug)


def _markdown(record: ArticleRecord) -> str:
    return f"# {record.title}\n\n{record.body}\n"


class _FaqServer(MCPServer):
    """An MCPServer whose `resources/list` names every indexed article, kept in step with re-indexing.

    The SDK can add concrete resources but not remove them, so the list is built from the store on each
    request instead; the `faq://articles/{slug}` template serves the reads.
    """

    def __init__(self, store: FaqStore) -> None:
        super().__init__(
            "faq", version="0.1.0", instructions=INSTRUCTIONS, log_level="WARNING", middleware=[UnsafeTextGuard()]
        )
        self._store = store

    async def list_resources(self) -> list[Resource]:
        """Every static resource plus one `faq://articles/<slug>` resource per indexed article."""
        records = await anyio.to_thread.run_sync(self._store.articles)
        return [
            *await super().list_resources(),
            *(
                Resource(
                    uri=_uri(r.slug),
                    name=r.slug,
                    title=r.title,
                    mime_type=MARKDOWN,
                    description=f"FAQ article ({r.category})",
                )
                for r in records
            ),
        ]


def _article(record: ArticleRecord) -> Article:
    return Article(
        slug=record.slug,
        title=record.title,
        category=record.category,
        tags=list(record.tags),
        body=record.body,
        uri=_uri(record.slug),
        updated_at=record.updated_at.isoformat(),
        language=record.language,
    )


def create_server(store: FaqStore) -> MCPServer:
    """Build the FAQ server on a prepared store."""
    server = _FaqServer(store)

    @server.tool(title="Search the FAQ", annotations=_READ)
    def search_faq(
        query: Query, category: CategoryFilter = None, limit: Limit = 3, language: LanguageChoice = "en"
    ) -> SearchResults:
        """Search the ShopExpress help centre and return the most relevant articles, best first.

        Use it for any question about policies (returns, refunds, shipping, payment, account) or product
        troubleshooting, before answering. Each result has the article's most relevant passage; answer from it
        and cite the title. An empty `results` list means nothing matched: follow the `hint`.

        Args:
            query: The customer's question or a few keywords from it (max 500 characters).
            category: Only search this category: shipping, returns, products, account or payment.
            limit: How many articles to return (1-10, default 3).
            language: The customer's language (en or fr); quote the article in it when there is one.
        """
        if not any(ch.isalnum() for ch in query):
            raise ToolError(NOTHING_TO_SEARCH)
        hits = store.search(query, category=category, limit=limit, language=language)
        results = [
            ArticleMatch(
                slug=h.article.slug,
                title=h.article.title,
                category=h.article.category,
                snippet=h.snippet,
                score=h.score,
                uri=_uri(h.article.slug),
                language=h.article.language,
            )
            for h in hits
        ]
        hint = None
        if not results:
            hint = NO_MATCH_HINT.format(category=", or search again without the category filter" if category else "")
        return SearchResults(query=query, category=category, results=results, hint=hint)

    @server.tool(title="Read an FAQ article", annotations=_READ)
    def get_faq_article(slug: Slug) -> Article:
        """Return a whole FAQ article in Markdown, for when a search snippet is not enough.

        Args:
            slug: The article's slug exactly as returned by search_faq, e.g. refund-timing.
        """
        record = store.get(slug)
        if record is None:
            raise ToolError(f"No FAQ article has the slug '{slug}'. Call search_faq and use a slug from its results.")
        return _article(record)

    @server.resource(ARTICLE_URI, name="faq_article", title="FAQ article", mime_type=MARKDOWN)
    def article_markdown(slug: str) -> str:
        """One FAQ article as Markdown."""
        record = store.get(slug)
        if record is None:
            raise ResourceNotFoundError(f"No FAQ article {slug!r}")
        return _markdown(record)

    return server
