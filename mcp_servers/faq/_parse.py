"""Parsing one knowledge-base article file: the front matter block and the Markdown body."""

import re
from dataclasses import dataclass

from .models import CATEGORIES, Category

__all__ = [
    "TITLE_MAX_LENGTH",
    "FrontMatterError",
    "ParsedArticle",
    "parse_article",
    "category_of",
    "parse_article",
    "parse_article_file",
]

TITLE_MAX_LENGTH = 200
TAG_MAX_LENGTH = 40
TAGS_MAX = 30
BODY_MAX_LENGTH = 100_000
QUESTIONS_MAX = 1000
QUESTION_MAX_LENGTH = 500
_FIELDS = ("title", "category", "tags", "questions")
_QUESTION_ITEM = re.compile(r"^\s*-\s+(.*)$")


class FrontMatterError(ValueError):
    """An article file does not start with a valid front matter block (the file is skipped)."""


@dataclass(frozen=True)
class ParsedArticle:
    """The fields of one article file."""

    title: str
    category: Category
    tags: tuple[str, ...]
    body: str
    questions: tuple[str, ...] = ()


def category_of(value: str) -> Category:
    """The category named `value`; raise `FrontMatterError` for any other word."""
    for category in CATEGORIES:
        if value == category:
            return category
    raise FrontMatterError(f"'category' must be one of {', '.join(CATEGORIES)}, not {value[:50]!r}")


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1].strip()
    return value


def _parse_tags(value: str) -> tuple[str, ...]:
    if value.startswith("[") and value.endswith("]"):
        value = value[1:-1]
    tags = tuple(dict.fromkeys(t for t in (_unquote(p.strip()).lower() for p in value.split(",")) if t))
    if len(tags) > TAGS_MAX:
        raise FrontMatterError(f"more than {TAGS_MAX} tags")
    if too_long := [t for t in tags if len(t) > TAG_MAX_LENGTH]:
        raise FrontMatterError(f"tag longer than {TAG_MAX_LENGTH} characters: {too_long[0][:50]!r}")
    return tags


def _question(value: str, number: int) -> str:
    question = " ".join(_unquote(value.strip()).split())
    if not any(ch.isalnum() for ch in question):
        raise FrontMatterError(f"line {number}: an example question needs some words")
    if len(question) > QUESTION_MAX_LENGTH:
        raise FrontMatterError(f"line {number}: example question longer than {QUESTION_MAX_LENGTH} characters")
    return question


def parse_article(content: str) -> tuple[str, Category, tuple[str, ...], str]:
    """Split an article file into (title, category, tags, body); raise `FrontMatterError` if malformed.

    The same as `parse_article_file` without the example questions.
    """
    parsed = parse_article_file(content)
    return parsed.title, parsed.category, parsed.tags, parsed.body


def parse_article_file(content: str) -> ParsedArticle:
    """Parse an article file; raise `FrontMatterError` if malformed.

    The file starts with a front matter block: a `---` line, `title: ...`, `category: ...` (one of the five
    categories), optionally `tags: a, b, c` (or `[a, b, c]`) and optionally `questions:` followed by one
    `- question` line per example question (at most `QUESTIONS_MAX`, duplicates dropped), then a closing `---`
    line. The Markdown body follows and must not be empty.
    """
    lines = content.removeprefix("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        raise FrontMatterError("the file must start with a '---' line opening the front matter")
    end = next((n for n in range(1, len(lines)) if lines[n].strip() == "---"), None)
    if end is None:
        raise FrontMatterError("the front matter has no closing '---' line")
    fields: dict[str, str] = {}
    questions: list[str] | None = None
    last = ""
    for number, line in enumerate(lines[1:end], start=2):
        if not line.strip():
            continue
        if last == "questions" and questions is not None and (item := _QUESTION_ITEM.match(line)):
            questions.append(_question(item.group(1), number))
            continue
        key, colon, value = line.partition(":")
        key = key.strip().lower()
        if not colon or key not in _FIELDS:
            raise FrontMatterError(f"line {number}: expected 'title:', 'category:', 'tags:' or 'questions:'")
        if key in fields:
            raise FrontMatterError(f"line {number}: {key!r} given twice")
        fields[key] = _unquote(value.strip())
        last = key
        if key == "questions":
            if fields[key]:
                raise FrontMatterError(f"line {number}: list the questions on the lines after 'questions:', as '- ...'")
            questions = []
    title = fields.get("title", "")
    if not title:
        raise FrontMatterError("'title' is missing or empty")
    if len(title) > TITLE_MAX_LENGTH:
        raise FrontMatterError(f"'title' is longer than {TITLE_MAX_LENGTH} characters")
    category = category_of(fields.get("category", "").lower())
    tags = _parse_tags(fields.get("tags", ""))
    body = "\n".join(lines[end + 1 :]).strip()
    if not body:
        raise FrontMatterError("the article body is empty")
    if len(body) > BODY_MAX_LENGTH:
        raise FrontMatterError(f"the body is longer than {BODY_MAX_LENGTH} characters")
    unique = tuple(dict.fromkeys(questions or ()))
    if len(unique) > QUESTIONS_MAX:
        raise FrontMatterError(f"more than {QUESTIONS_MAX} example questions")
    return ParsedArticle(title, category, tags, body, unique)
