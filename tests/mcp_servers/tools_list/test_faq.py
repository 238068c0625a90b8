"""The `faq` server's `tools/list` contract: any change to a tool shows here.

Regenerate after an intended change with `pytest --inline-snapshot=fix` and review the diff; never hand-edit.
"""

from pathlib import Path

import pytest
from inline_snapshot import snapshot

from .support import tools_list

pytestmark = pytest.mark.anyio


async def test_faq_tools_list_matches_the_reviewed_contract(tmp_path: Path) -> None:
    assert await tools_list("faq", tmp_path) == snapshot(
        [
            {
                "name": "search_faq",
                "title": "Search the FAQ",
                "description": """\
Search the ShopExpress help centre and return the most relevant articles, best first.

        Use it for any question about policies (returns, refunds, shipping, payment, account) or product
        troubleshooting, before answering. Each result has the article's most relevant passage; answer from it
        and cite the title. An empty `results` list means nothing matched: follow the `hint`.

        Args:
            query: The customer's question or a few keywords from it (max 500 characters).
            category: Only search this category: shipping, returns, products, account or payment.
            limit: How many articles to return (1-10, default 3).
            language: The customer's language (en or fr); quote the article in it when there is one.
        \
""",
                "inputSchema": {
                    "properties": {
                        "query": {
                            "description": "The customer's question or a few keywords, e.g. 'how long does a refund take'.",
                            "maxLength": 500,
                            "minLength": 1,
                            "title": "Query",
                            "type": "string",
                        },
                        "category": {
                            "anyOf": [
                                {"enum": ["shipping", "returns", "products", "account", "payment"], "type": "string"},
                                {"type": "null"},
                            ],
                            "default": None,
                            "description": "Only search this category; leave it out to search every category.",
                            "title": "Category",
                        },
                        "limit": {
                            "default": 3,
                            "description": "How many articles to return, best first (1-10).",
                            "maximum": 10,
                            "minimum": 1,
                            "title": "Limit",
                            "type": "integer",
                        },
                        "language": {
                            "default": "en",
                            "description": "The customer's language; English articles are used when none in it matches.",
                            "enum": ["en", "fr"],
                            "title": "Language",
                            "type": "string",
                        },
                    },
                    "required": ["query"],
                    "type": "object",
                    "title": "search_faqArguments",
                },
                "outputSchema": {
                    "properties": {
                        "query": {"title": "Query", "type": "string"},
                        "category": {
                            "anyOf": [
                                {"enum": ["shipping", "returns", "products", "account", "payment"], "type": "string"},
                                {"type": "null"},
                            ],
                            "title": "Category",
                        },
                        "results": {"items": {"$ref": "#/$defs/ArticleMatch"}, "title": "Results", "type": "array"},
                        "hint": {
                            "anyOf": [{"type": "string"}, {"type": "null"}],
                            "default": None,
                            "description": "What to do next when nothing matched",
                            "title": "Hint",
                        },
                    },
                    "required": ["query", "category", "results"],
                    "type": "object",
                    "$defs": {
                        "ArticleMatch": {
                            "description": "One ranked FAQ article.",
                            "properties": {
                                "slug": {"title": "Slug", "type": "string"},
                                "title": {"title": "Title", "type": "string"},
                                "category": {
                                    "enum": ["shipping", "returns", "products", "account", "payment"],
                                    "title": "Category",
                                    "type": "string",
                                },
                                "snippet": {
                                    "description": "The article's most relevant passage (whole sentences or steps, <= 400 chars)",
                                    "title": "Snippet",
                                    "type": "string",
                                },
                                "score": {
                                    "description": "Relevance (BM25, blended with example-question matching when articles have questions); only comparable within one search",
                                    "title": "Score",
                                    "type": "number",
                                },
                                "uri": {
                                    "description": "The article as an MCP resource (text/markdown)",
                                    "title": "Uri",
                                    "type": "string",
                                },
                                "language": {
                                    "default": "en",
                                    "description": "The article's language",
                                    "enum": ["en", "fr"],
                                    "title": "Language",
                                    "type": "string",
                                },
                            },
                            "required": ["slug", "title", "category", "snippet", "score", "uri"],
                            "title": "ArticleMatch",
                            "type": "object",
                        }
                    },
                    "description": "FAQ articles matching a query, most relevant first.",
                    "title": "SearchResults",
                },
                "annotations": {"readOnlyHint": True, "idempotentHint": True, "openWorldHint": False},
            },
            {
                "name": "get_faq_article",
                "title": "Read an FAQ article",
                "description": """\
Return a whole FAQ article in Markdown, for when a search snippet is not enough.

        Args:
            slug: The article's slug exactly as returned by search_faq, e.g. refund-timing.
        \
""",
                "inputSchema": {
                    "properties": {
                        "slug": {
                            "description": "An article slug exactly as returned by search_faq, e.g. refund-timing.",
                            "maxLength": 100,
                            "minLength": 1,
                            "pattern": "^[a-z0-9]+(?:-[a-z0-9]+)*$",
                            "title": "Slug",
                            "type": "string",
                        }
                    },
                    "required": ["slug"],
                    "type": "object",
                    "title": "get_faq_articleArguments",
                },
                "outputSchema": {
                    "properties": {
                        "slug": {"title": "Slug", "type": "string"},
                        "title": {"title": "Title", "type": "string"},
                        "category": {
                            "enum": ["shipping", "returns", "products", "account", "payment"],
                            "title": "Category",
                            "type": "string",
                        },
                        "tags": {"items": {"type": "string"}, "title": "Tags", "type": "array"},
                        "body": {"description": "The article in Markdown", "title": "Body", "type": "string"},
                        "uri": {"title": "Uri", "type": "string"},
                        "updated_at": {
                            "description": "ISO timestamp of the last change to the article",
                            "title": "Updated At",
                            "type": "string",
                        },
                        "language": {
                            "default": "en",
                            "description": "The article's language",
                            "enum": ["en", "fr"],
                            "title": "Language",
                            "type": "string",
                        },
                    },
                    "required": ["slug", "title", "category", "tags", "body", "uri", "updated_at"],
                    "type": "object",
                    "description": "A whole FAQ article.",
                    "title": "Article",
                },
                "annotations": {"readOnlyHint": True, "idempotentHint": True, "openWorldHint": False},
            },
        ]
    )
