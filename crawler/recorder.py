"""Writes what the spider learns into storage, one short transaction per event.

Each capture is committed as soon as it is made, so a killed process loses at most the pages
in flight; the events also feed the CLI's progress display.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from storage.context import Storage
from storage.db import transaction
from storage.repository import (
    CaptureRecord,
    finish_service_scan,
    save_capture,
    start_service_scan,
)

Listener = Callable[[str, dict[str, Any]], None]


class Recorder:
    def __init__(self, storage: Storage, listener: Listener | None = None) -> None:
        self.storage = storage
        self.listener: Listener = listener or (lambda _event, _data: None)
        self.slugs: dict[int, str] = {}

    def service_started(self, service_scan_id: int, slug: str) -> None:
        self.slugs[service_scan_id] = slug
        with transaction(self.storage.sessions) as session:
            start_service_scan(session, service_scan_id)
        self.listener("service_started", {"service_scan_id": service_scan_id, "slug": slug})

    def save(self, record: CaptureRecord) -> None:
        with transaction(self.storage.sessions) as session:
            save_capture(session, self.storage.artifacts, record)
        record.drop_payloads()  # the spider may keep the record (shared pages): hashes suffice
        self.listener("capture", {
            "service_scan_id": record.service_scan_id,
            "slug": self.slugs.get(record.service_scan_id),
            "outcome": record.outcome.value,
            "viewport": record.viewport,
            "url": record.requested_url,
        })

    def service_finished(self, service_scan_id: int, *, over_cap: int = 0) -> None:
        with transaction(self.storage.sessions) as session:
            scan = finish_service_scan(session, service_scan_id)
            if over_cap:
                scan.counters = {**scan.counters, "pages/over_cap": over_cap}
            reason = scan.close_reason
        self.listener("service_finished", {"service_scan_id": service_scan_id,
                                           "slug": self.slugs.get(service_scan_id),
                                           "close_reason": reason})
