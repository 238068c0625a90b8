"""Pydantic I/O models of the FAQ server."""

from typing import Annotated, Literal

from pydantic import BaseModel, Field

Category = Literal["shipping", "returns", "products", "account", "payment"]
CATEGORIES: tuple[Category, ...] = ("shipping", "returns", "products", "account", "payment")

Language = Literal["en", "fr"]
LANGUAGES: tuple[Language, ...] = ("en", "fr")
DEFAULT_LANGUAGE: Language = "en"
TRANSLATION_FOLDERS: tuple[Language, ...] = tuple(lang for lang in LANGUAGES if lang != DEFAULT_LANGUAGE)
"""The sub-folders of the knowledge base holding translated articles, one per non-default language."""

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG_MAX_LENGTH = 100
QUERY_MAX_LENGTH = 500

Slug = Annotated[
    str,
    Field(
        min_length=1,
        max_length=SLUG_MAX_LENGTH,
        pattern=SLUG_PATTERN,
        description="An article slug exactly as returned by search_faq, e.g. refund-timing.",
    ),
]

Query = Annotated[
    str,
    Field(
        min_length=1,
        max_length=QUERY_MAX_LENGTH,
        description="The customer's question or a few keywords, e.g. 'how long does a refund take'.",
    ),
]

CategoryFilter = Annotated[
    Category | None,
    Field(description="Only search this category; leave it out to search every category."),
]

LanguageChoice = Annotated[
    Language,
    Field(description="The customer's language; English articles are used when none in it matches."),
]

Limit = Annotated[int, Field(ge=1, le=10, description="How many articles to return, best first (1-10).")]


class ArticleMatch(BaseModel):
    """One ranked FAQ article."""

    slug: str
    title: str
    category: Category
    snippet: str = Field(description="The article's most relevant passage (whole sentences or steps, <= 400 chars)")
    score: float = Field(
        description="Relevance (BM25, blended with example-question matching when articles have questions); "
        "only comparable within one search"
    )
    uri: str = Field(description="The article as an MCP resource (text/markdown)")
    language: Language = Field(default="en", description="The article's language")


class SearchResults(BaseModel):
    """FAQ articles matching a query, most relevant first."""

    query: str
    category: Category | None
    results: list[ArticleMatch]
    hint: str | None = Field(None, description="What to do next when nothing matched")


class Article(BaseModel):
    """A whole FAQ article."""

    slug: str
    title: str
    category: Category
    tags: list[str]
    body: str = Field(description="The article in Markdown")
    uri: str
    updated_at: str = Field(description="ISO timestamp of the last change to the article")
    language: Language = Field(default="en", description="The article's language")


def language_of(value: str) -> Language:
    """The language named `value` (a translation folder or a stored row's), else the default one."""
    for language in LANGUAGES:
        if value == language:
            return language
    return DEFAULT_LANGUAGE
