"""Writes what the spider learns into storage, one short transaction per event.

Each capture is committed as soon as it is made, so a killed process loses at most the pages
in flight; the same moments are sent as typed events to a listener (the CLI's progress rows).
"""

from __future__ import annotations

import logging

from core.errors import ErrorKind
from core.events import CaptureStored, Listener, ServiceFinished, ServiceStarted, ignore
from core.outcomes import CloseReason
from storage.captures import (
    CaptureRecord,
    artifacts_not_stored,
    finish_service_scan,
    save_capture,
    start_service_scan,
    store_artifacts,
)
from storage.context import Storage
from storage.db import transaction

logger = logging.getLogger(__name__)


class Recorder:
    def __init__(self, storage: Storage, listener: Listener | None = None) -> None:
        self.storage = storage
        self.listener: Listener = listener or ignore
        self.slugs: dict[int, str] = {}

    def service_started(self, service_scan_id: int, slug: str) -> None:
        self.slugs[service_scan_id] = slug
        with transaction(self.storage.sessions) as session:
            start_service_scan(session, service_scan_id)
        self.listener(ServiceStarted(service_scan_id, slug))

    def save(self, record: CaptureRecord) -> None:
        try:
            store_artifacts(self.storage.artifacts, record)
        except OSError as exc:  # full disk, permissions: the capture is kept, as an error
            logger.error("capture of %s (%s): artifacts not written: %s",
                         record.requested_url, record.viewport, exc)
            artifacts_not_stored(record, exc)
        with transaction(self.storage.sessions) as session:
            save_capture(session, self.storage.artifacts, record)
        record.drop_payloads()  # the spider may keep the record (shared pages): hashes suffice
        self.listener(CaptureStored(
            record.service_scan_id, self.slugs.get(record.service_scan_id, ""),
            record.viewport, record.requested_url, record.outcome,
            ErrorKind(record.error_kind) if record.error_kind else None))

    def service_finished(self, service_scan_id: int, *, over_cap: int = 0) -> None:
        with transaction(self.storage.sessions) as session:
            scan = finish_service_scan(session, service_scan_id)
            if over_cap:
                scan.counters = {**scan.counters, "pages/over_cap": over_cap}
            reason = CloseReason(scan.close_reason or CloseReason.error)
        self.listener(ServiceFinished(service_scan_id, self.slugs.get(service_scan_id, ""),
                                      reason))
