"""The scheduler's tables: its lease (one active scheduler, and its heartbeat), its event log,
and the runs it fires (``scan_run.schedule`` / ``scheduled_for``).

Every time is an aware UTC datetime: SQLite stores date-times as text without their offset,
so a time in another zone would compare wrongly there. Times come from the caller (the
scheduler's clock, faked in tests), never from the database server.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.errors import OperationalError
from core.outcomes import RunStatus
from storage.models import ScanRun, SchedulerEvent, SchedulerLease, ServiceScan

LEASE = "scheduler"  # the one lease: one active scheduler per database


class DueTimeTaken(OperationalError):
    """Another run already exists for this schedule and due time (another scheduler won)."""


def utc(moment: datetime) -> datetime:
    """An aware datetime in UTC; a naive one (as SQLite returns them) is taken as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _maybe_utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else utc(moment)


# -- the lease -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lease:
    name: str
    holder: str
    host: str
    pid: int
    acquired_at: datetime
    beat_at: datetime
    expires_at: datetime
    next_fire_at: datetime | None
    version: int

    def held_at(self, now: datetime) -> bool:
        return self.expires_at > now

    @classmethod
    def of(cls, row: SchedulerLease) -> Lease:
        return cls(row.name, row.holder, row.host, row.pid, utc(row.acquired_at),
                   utc(row.beat_at), utc(row.expires_at), _maybe_utc(row.next_fire_at),
                   row.version)


def read_lease(session: Session, name: str = LEASE) -> Lease | None:
    row = session.get(SchedulerLease, name, populate_existing=True)
    return None if row is None else Lease.of(row)


def acquire_lease(session: Session, *, holder: str, host: str, pid: int, now: datetime,
                  ttl: float, name: str = LEASE) -> bool:
    """Take the lease if it is free (expired), or renew it if ``holder`` has it.

    One UPDATE … WHERE (holder = me OR expires_at < now): the database decides, on SQLite (one
    writer at a time) as on PostgreSQL (the second writer re-reads the row it waited for).
    The UPDATE comes first so that SQLite takes its write lock before any read.
    """
    now = utc(now)
    values: dict[str, Any] = {
        "holder": holder, "host": host, "pid": pid, "beat_at": now,
        "expires_at": now + timedelta(seconds=ttl), "version": SchedulerLease.version + 1,
        "acquired_at": case((SchedulerLease.holder == holder, SchedulerLease.acquired_at),
                            else_=now),
    }
    result = session.execute(
        update(SchedulerLease)
        .where(SchedulerLease.name == name,
               or_(SchedulerLease.holder == holder, SchedulerLease.expires_at < now))
        .values(**values).execution_options(synchronize_session=False))
    if _rowcount(result) == 1:
        return True
    if session.get(SchedulerLease, name) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(SchedulerLease(name=name, holder=holder, host=host, pid=pid,
                                       acquired_at=now, beat_at=now,
                                       expires_at=now + timedelta(seconds=ttl), version=1))
    except IntegrityError:  # another scheduler created it first
        return False
    return True


def renew_lease(session: Session, *, holder: str, now: datetime, ttl: float,
                next_fire_at: datetime | None, name: str = LEASE) -> bool:
    """The heartbeat: push the expiry back; False when another scheduler holds the lease."""
    now = utc(now)
    result = session.execute(
        update(SchedulerLease)
        .where(SchedulerLease.name == name, SchedulerLease.holder == holder)
        .values(beat_at=now, expires_at=now + timedelta(seconds=ttl),
                next_fire_at=_maybe_utc(next_fire_at), version=SchedulerLease.version + 1)
        .execution_options(synchronize_session=False))
    return _rowcount(result) == 1


def release_lease(session: Session, *, holder: str, now: datetime, name: str = LEASE) -> bool:
    """Let the lease go at once (a standby may take it now); the row stays for `status`."""
    result = session.execute(
        update(SchedulerLease)
        .where(SchedulerLease.name == name, SchedulerLease.holder == holder)
        .values(expires_at=utc(now), next_fire_at=None, version=SchedulerLease.version + 1)
        .execution_options(synchronize_session=False))
    return _rowcount(result) == 1


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0))


# -- the event log -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    id: int
    at: datetime
    kind: str
    schedule: str | None
    scheduled_for: datetime | None
    run_id: int | None
    detail: str
    holder: str | None


def record_event(session: Session, kind: str, *, at: datetime, schedule: str | None = None,
                 scheduled_for: datetime | None = None, run_id: int | None = None,
                 detail: str = "", holder: str | None = None) -> int:
    row = SchedulerEvent(kind=kind, at=utc(at), schedule=schedule,
                         scheduled_for=_maybe_utc(scheduled_for), run_id=run_id, detail=detail,
                         holder=holder)
    session.add(row)
    session.flush()
    return row.id


def events(session: Session, *, limit: int = 20, kind: str | None = None,
           schedule: str | None = None, holder: str | None = None) -> list[Event]:
    """The latest events, newest first."""
    query = select(SchedulerEvent).order_by(SchedulerEvent.id.desc()).limit(limit)
    if holder is not None:
        query = query.where(SchedulerEvent.holder == holder)
    if kind is not None:
        query = query.where(SchedulerEvent.kind == kind)
    if schedule is not None:
        query = query.where(SchedulerEvent.schedule == schedule)
    return [Event(e.id, utc(e.at), e.kind, e.schedule, _maybe_utc(e.scheduled_for), e.run_id,
                  e.detail, e.holder) for e in session.scalars(query)]


def last_due_time(session: Session, schedule: str) -> datetime | None:
    """The latest due time of ``schedule`` that a scheduler handled (fired, skipped, missed…)
    or that has a run: due times up to it need nothing more."""
    handled = session.scalar(select(func.max(SchedulerEvent.scheduled_for))
                             .where(SchedulerEvent.schedule == schedule))
    fired = session.scalar(select(func.max(ScanRun.scheduled_for))
                           .where(ScanRun.schedule == schedule))
    known = [utc(t) for t in (handled, fired) if t is not None]
    return max(known) if known else None


# -- runs the scheduler fires --------------------------------------------------------------------


@dataclass(frozen=True)
class RunInfo:
    id: int
    status: str
    trigger: str
    schedule: str | None
    scheduled_for: datetime | None
    started_at: datetime
    finished_at: datetime | None
    owner: dict[str, Any] = field(default_factory=dict)  # {host, pid} of its process

    @classmethod
    def of(cls, run: ScanRun) -> RunInfo:
        return cls(run.id, run.status, run.trigger, run.schedule,
                   _maybe_utc(run.scheduled_for), utc(run.started_at),
                   _maybe_utc(run.finished_at), dict((run.config or {}).get("owner") or {}))


def tag_scheduled_run(session: Session, run_id: int, *, schedule: str,
                      scheduled_for: datetime) -> None:
    """Mark a new run as the run of one due time; ``DueTimeTaken`` if one already is."""
    run = session.get_one(ScanRun, run_id)
    try:
        with session.begin_nested():
            run.schedule = schedule
            run.scheduled_for = utc(scheduled_for)
            session.flush()
    except IntegrityError:
        raise DueTimeTaken(f"schedule {schedule!r} already has a run for "
                           f"{utc(scheduled_for).isoformat()}") from None


def run_for_due_time(session: Session, schedule: str, scheduled_for: datetime) -> int | None:
    return session.scalar(select(ScanRun.id).where(ScanRun.schedule == schedule,
                                                   ScanRun.scheduled_for == utc(scheduled_for)))


def run_info(session: Session, run_id: int) -> RunInfo | None:
    run = session.get(ScanRun, run_id, populate_existing=True)
    return None if run is None else RunInfo.of(run)


def unfinished_runs(session: Session, *, scheduled_only: bool = False) -> list[RunInfo]:
    """Runs still ``running`` (in progress, or their process died), oldest first."""
    query = select(ScanRun).where(ScanRun.status == RunStatus.running.value).order_by(ScanRun.id)
    if scheduled_only:
        query = query.where(ScanRun.schedule.is_not(None))
    return [RunInfo.of(run) for run in session.scalars(query)]


def latest_scheduled_runs(session: Session) -> dict[str, RunInfo]:
    """For each schedule, its newest run."""
    newest = (select(func.max(ScanRun.id)).where(ScanRun.schedule.is_not(None))
              .group_by(ScanRun.schedule))
    runs = session.scalars(select(ScanRun).where(ScanRun.id.in_(newest)))
    return {run.schedule: RunInfo.of(run) for run in runs if run.schedule is not None}


# -- what `vigie status` shows -------------------------------------------------------------------


@dataclass(frozen=True)
class RunProgress:
    run: RunInfo
    done: int  # service scans closed
    in_flight: int  # being crawled
    waiting: int  # not started


def run_progress(session: Session, run_id: int) -> RunProgress | None:
    run = session.get(ScanRun, run_id)
    if run is None:
        return None
    counts = Counter({status: n for status, n in session.execute(
        select(ServiceScan.status, func.count()).where(ServiceScan.run_id == run_id)
        .group_by(ServiceScan.status))})
    return RunProgress(RunInfo.of(run), counts["done"], counts["running"], counts["pending"])


def last_finished_run(session: Session) -> RunInfo | None:
    run = session.scalars(select(ScanRun).where(ScanRun.finished_at.is_not(None))
                          .order_by(ScanRun.finished_at.desc(), ScanRun.id.desc()).limit(1)
                          ).first()
    return None if run is None else RunInfo.of(run)


def close_reason_counts(session: Session, run_id: int) -> dict[str, int]:
    """How many of the run's service scans closed with each reason."""
    rows = session.execute(
        select(ServiceScan.close_reason, func.count()).where(ServiceScan.run_id == run_id)
        .group_by(ServiceScan.close_reason))
    return {reason or "open": int(n) for reason, n in rows}
