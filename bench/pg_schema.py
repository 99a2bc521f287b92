"""A PostgreSQL schema of the benchmark's own, dropped afterwards: the database is shared."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

DEFAULT_URL = os.environ.get("VIGIE_TEST_POSTGRES_URL",
                             "postgresql://postgres@127.0.0.1:5432/test")


def problem(base_url: str) -> str | None:
    """Why PostgreSQL cannot be used at ``base_url``, or None."""
    import psycopg

    try:
        with psycopg.connect(base_url.replace("+psycopg", ""), connect_timeout=3):
            return None
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}".strip()


@contextmanager
def fresh_schema(base_url: str, prefix: str = "vigie_bench") -> Iterator[str]:
    """A new empty schema; yields the URL whose connections use it (``search_path``)."""
    import psycopg

    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    plain = base_url.replace("+psycopg", "")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in base_url else "?"
    try:
        yield f"{base_url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
