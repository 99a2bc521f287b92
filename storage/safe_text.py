"""Text a database accepts, from pages written by others: the one place it is cleaned.

PostgreSQL refuses a NUL character in ``text`` (and ``\\u0000`` in ``jsonb``), and no UTF-8
encoder accepts a lone surrogate (``"\\ud800"``, which a page's JavaScript can produce and
Playwright hands back as is). One such character in a page's title or an axe snippet used to
make the whole write fail. Every text and JSON column of ``storage.models`` has one of the
types below, so every value written (ORM or Core statement) goes through :func:`clean_text`,
on SQLite too: the same page gives the same stored text on both databases.

JSON documents get the same cleaning in every string (keys too), and a NaN or infinite number,
which JSON has no word for (PostgreSQL refuses the ``NaN`` Python would write), becomes null.

Each refused character becomes U+FFFD (« � »), the usual mark of a character that could not be
kept, so the text still shows that something was there. Other characters, U+FFFF included,
are valid in UTF-8 and kept.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

REPLACEMENT = "\ufffd"
_REFUSED = re.compile("[\x00\ud800-\udfff]")
_ESCAPED = re.compile(r"\\u(?:0000|d[89a-f])", re.IGNORECASE)  # the same, as JSON escapes


def clean_text(value: str) -> str:
    """``value`` with NUL and lone surrogates replaced by U+FFFD."""
    return _REFUSED.sub(REPLACEMENT, value)


def clean_json(value: Any) -> Any:
    """A JSON-able value with every string in it (keys too) cleaned. Most documents hold
    nothing to clean: one ``json.dumps`` (which escapes NUL and surrogates as ``\\u0000``,
    ``\\udXXX``) tells, and the document is then returned as is, without a walk."""
    if isinstance(value, dict | list | tuple):
        try:
            escaped = json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):  # NaN or infinity; or not JSON at all: the column's
            escaped = None               # serializer will say so after the walk
        if escaped is not None and not _ESCAPED.search(escaped):
            return value
    return _clean_walk(value)


def _clean_walk(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(k) if isinstance(k, str) else k: _clean_walk(v)
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean_walk(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN nor infinity; PostgreSQL refuses Python's « NaN »
    return value


class SafeString(TypeDecorator[str]):
    """``String(n)`` whose written values are cleaned."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return clean_text(value) if isinstance(value, str) else value


class SafeText(TypeDecorator[str]):
    """``Text`` whose written values are cleaned."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return clean_text(value) if isinstance(value, str) else value


class SafeJSON(TypeDecorator[Any]):
    """``JSON`` whose written documents have every string cleaned."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return clean_json(value)
