"""Progress events of a scan, as typed objects: the crawler and the orchestration emit them,
entry points (the CLI's progress rows, a worker's log) consume them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.errors import ErrorKind
from core.outcomes import CaptureOutcome, CloseReason


@dataclass(frozen=True)
class ServiceStarted:
    service_scan_id: int
    slug: str


@dataclass(frozen=True)
class CaptureStored:
    service_scan_id: int
    slug: str
    viewport: str
    url: str
    outcome: CaptureOutcome
    error_kind: ErrorKind | None = None


@dataclass(frozen=True)
class ServiceFinished:
    service_scan_id: int
    slug: str
    close_reason: CloseReason


ScanEvent = ServiceStarted | CaptureStored | ServiceFinished
Listener = Callable[[ScanEvent], None]


def ignore(_event: ScanEvent) -> None:
    """The listener used when nobody listens."""
