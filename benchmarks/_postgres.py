"""Scratch PostgreSQL schemas for the benchmarks: created fresh, always dropped."""

import sys
import uuid
from collections.abc import Generator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, text


def admin_engine(url: str) -> Engine:
    """A psycopg 3 engine for a plain `postgresql://` URL."""
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))


@contextmanager
def postgres_schema(base_url: str, prefix: str = "bench") -> Generator[str]:
    """A fresh schema on `base_url`, dropped afterwards whatever happens; yields a URL that searches it."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = admin_engine(base_url)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            sep = "&" if "?" in base_url else "?"
            yield f"{base_url}{sep}options=-csearch_path%3D{schema}"
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            print(f"  dropped schema {schema}", file=sys.stderr, flush=True)
    finally:
        admin.dispose()


def postgres_version(url: str) -> str:
    """The server's version string."""
    engine = admin_engine(url)
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("SHOW server_version")).scalar_one())
    finally:
        engine.dispose()
