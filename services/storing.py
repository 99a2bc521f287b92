"""Store a service list's specs; the `service` table itself is storage's business."""

from __future__ import annotations

from collections.abc import Iterable

from services.spec import ServiceSpec
from storage import services as service_table


def upsert_services(
    session: service_table.Session, specs: Iterable[ServiceSpec]
) -> tuple[int, int]:
    """Create or update the specs' services by slug; returns (created, updated).

    Services already as specified count as neither; services missing from `specs` are left
    alone (see `storage.services.upsert_services`).
    """
    return service_table.upsert_services(session, (spec.column_values() for spec in specs))
