"""The FAQ tests' knowledge base: the shipped folder, the articles copied into a test's own, and row reads."""

from pathlib import Path

from sqlalchemy import select

from mcp_servers.faq.store import faq_articles
from switchboard_common.storage import Database

__all__ = ["COPIED", "KNOWLEDGE_BASE", "ROOT", "article", "rows"]

ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE_BASE = ROOT / "config" / "knowledge_base"
COPIED = ("refund-timing", "promax-headphones-bluetooth-reset", "track-order", "reset-password")


def article(title: str, category: str, body: str, tags: str = "") -> str:
    return f"---\ntitle: {title}\ncategory: {category}\ntags: {tags}\n---\n{body}\n"


def rows(db: Database) -> dict[str, tuple[str, str, str]]:
    with db.read() as conn:
        return {
            r.slug: (r.title, r.content_hash, r.updated_at.isoformat())
            for r in conn.execute(
                select(
                    faq_articles.c.slug, faq_articles.c.title, faq_articles.c.content_hash, faq_articles.c.updated_at
                )
            )
        }
