"""Reads and writes of the `service` table, for the service list's import and the CLI."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Service

# `Session` is re-exported for the signatures of callers that do not import SQLAlchemy.
__all__ = ["Session", "list_services", "offline_slugs", "service_schedules", "upsert_services"]

_CHUNK = 500  # slugs per query: stay under the databases' bound-parameter limits


def upsert_services(session: Session, rows: Iterable[Mapping[str, Any]]) -> tuple[int, int]:
    """Create or update `Service` rows by slug from column values; returns (created, updated).

    Rows whose values are already those given count as neither. Services not in `rows` are
    left alone: a service list may cover only part of the services.
    """
    rows = list(rows)
    existing = _rows_by_slug(session, [values["slug"] for values in rows])
    created = updated = 0
    for values in rows:
        row = existing.get(values["slug"])
        if row is None:
            existing[values["slug"]] = row = Service(**values)
            session.add(row)
            created += 1
        elif _apply(row, values):
            updated += 1
    session.flush()
    return created, updated


def list_services(session: Session) -> list[Service]:
    """Every service, by slug."""
    return list(session.scalars(select(Service).order_by(Service.slug)))


def offline_slugs(session: Session) -> list[str]:
    """The services with no start URL (no online procedure): never scanned."""
    return list(session.scalars(select(Service.slug).where(Service.start_url.is_(None))
                                .order_by(Service.slug)))


def service_schedules(session: Session) -> dict[str, str | None]:
    """The own schedule (None: scanned by the main run) of every service that has a start
    URL, by slug: the others are never scanned."""
    rows = session.execute(select(Service.slug, Service.schedule)
                           .where(Service.start_url.is_not(None)).order_by(Service.slug))
    return {slug: schedule for slug, schedule in rows}


def _rows_by_slug(session: Session, slugs: list[str]) -> dict[str, Service]:
    rows: dict[str, Service] = {}
    for start in range(0, len(slugs), _CHUNK):
        chunk = slugs[start : start + _CHUNK]
        found = session.scalars(select(Service).where(Service.slug.in_(chunk)))
        rows.update((row.slug, row) for row in found)
    return rows


def _apply(row: Service, values: Mapping[str, Any]) -> bool:
    """Set the values that differ; True when any did (so `updated_at` moves only then)."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed
