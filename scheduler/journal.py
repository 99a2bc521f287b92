"""This scheduler's identity, its lease and its event log, each call one transaction.

Every event is both logged (the journal of the service manager) and stored in
``scheduler_event`` (`vigie status`); a database hiccup while recording is logged, never
raised: the scheduler keeps going and the log line remains.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from core.schedules import EventKind
from storage.context import Storage
from storage.db import transaction
from storage.scheduling import (
    Lease,
    acquire_lease,
    read_lease,
    record_event,
    release_lease,
    renew_lease,
)

log = logging.getLogger("vigie.scheduler")
Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Identity:
    host: str
    pid: int
    holder: str  # unique per process, even when a pid is reused

    @classmethod
    def of_this_process(cls) -> Identity:
        host, pid = socket.gethostname(), os.getpid()
        return cls(host, pid, f"{host}:{pid}:{secrets.token_hex(3)}")


class Journal:
    def __init__(self, storage: Storage, identity: Identity, clock: Clock = utcnow) -> None:
        self.storage = storage
        self.identity = identity
        self.clock = clock
        settings = storage.settings
        self.ttl = settings.lease_ttl

    # -- the lease ---------------------------------------------------------------------------

    def read_lease(self) -> Lease | None:
        with self.storage.sessions() as session:
            return read_lease(session)

    def acquire(self) -> bool:
        with transaction(self.storage.sessions) as session:
            return acquire_lease(session, holder=self.identity.holder, host=self.identity.host,
                                 pid=self.identity.pid, now=self.clock(), ttl=self.ttl)

    def renew(self, next_fire_at: datetime | None) -> bool:
        with transaction(self.storage.sessions) as session:
            return renew_lease(session, holder=self.identity.holder, now=self.clock(),
                               ttl=self.ttl, next_fire_at=next_fire_at)

    def release(self, detail: str) -> None:
        """Record ``stopped`` and let the lease go, together."""
        with transaction(self.storage.sessions) as session:
            now = self.clock()
            record_event(session, EventKind.stopped, at=now, detail=detail,
                         holder=self.identity.holder)
            release_lease(session, holder=self.identity.holder, now=now)
        log.info("stopped: %s", detail)

    # -- events ------------------------------------------------------------------------------

    def record(self, kind: EventKind, detail: str = "", *, schedule: str | None = None,
               scheduled_for: datetime | None = None, run_id: int | None = None,
               level: int = logging.INFO) -> None:
        due = f" due {scheduled_for.isoformat()}" if scheduled_for else ""
        run = f" run {run_id}" if run_id is not None else ""
        what = f"schedule {schedule}" if schedule else "scheduler"
        log.log(level, "%s: %s%s%s%s", kind, what, due, run, f": {detail}" if detail else "")
        try:
            with transaction(self.storage.sessions) as session:
                record_event(session, kind, at=self.clock(), schedule=schedule,
                             scheduled_for=scheduled_for, run_id=run_id, detail=detail,
                             holder=self.identity.holder)
        except Exception:
            log.exception("could not record the %s event in the database", kind)
