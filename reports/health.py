"""How the unattended collection is doing: the scheduler's heartbeat, the runs in progress,
the last finished run, and the alerts an operator must see.

`vigie status` shows it (through ``vigie.app.status``) and the report site shows its alerts at
the top of every page, so both say the same thing. Read from storage only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from core.schedules import EventKind
from storage.runs import held_leases
from storage.scheduling import (
    Event,
    Lease,
    RunInfo,
    RunProgress,
    close_reason_counts,
    events,
    last_finished_run,
    read_lease,
    run_progress,
    unfinished_runs,
    utc,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

SCHEMA = "vigie-status/1"
STALE_HEARTBEAT = "stale_heartbeat"  # the scheduler stopped beating without stopping cleanly
NO_RECENT_RUN = "no_recent_run"  # a scheduler is configured but no run finished for too long

# A process is alive (True), dead (False) or on another host (None: cannot tell from here).
IsAlive = Callable[[dict[str, Any]], bool | None]


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else utc(moment).isoformat()


def _fr(moment: datetime) -> str:
    return utc(moment).strftime("%d/%m/%Y à %H:%M") + " (UTC)"


@dataclass(frozen=True)
class Alert:
    kind: str
    since: datetime
    host: str | None = None
    pid: int | None = None
    hours: float = 0.0

    @property
    def message(self) -> str:
        if self.kind == STALE_HEARTBEAT:
            return (f"scheduler heartbeat stale since {_iso(self.since)} (host {self.host}, "
                    f"pid {self.pid}): scheduled runs are not being started")
        return (f"no run finished since {_iso(self.since)} (over {self.hours:g} h) while a "
                "scheduler is configured")

    @property
    def message_fr(self) -> str:
        """For the report site (French typography: no-break spaces before « : »)."""
        if self.kind == STALE_HEARTBEAT:
            return (f"Le planificateur ne donne plus signe de vie depuis le {_fr(self.since)} "
                    f"(machine {self.host}, processus {self.pid})\u00a0: les passages programmés "
                    "ne sont plus lancés.")
        return (f"Aucun passage ne s’est terminé depuis le {_fr(self.since)} (plus de "
                f"{self.hours:g}\u00a0h)\u00a0: ce rapport peut ne pas montrer l’état actuel des "
                "services.")

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "since": _iso(self.since), "message": self.message}


@dataclass(frozen=True)
class Worker:
    """A process that owns a run in progress, or a worker (Celery) scanning one of its
    services: ``host`` is then the worker's name (``vigie@host-pid``)."""

    host: str | None
    pid: int | None
    run_id: int
    alive: bool | None


@dataclass
class Health:
    now: datetime
    scheduler: str  # none (never ran on this database), alive, stopped, stale
    lease: Lease | None
    current_runs: list[tuple[RunProgress, bool | None]]  # with whether its owner is alive
    last_run: RunInfo | None
    last_run_reasons: dict[str, int]
    workers: list[Worker]
    events: list[Event]
    alerts: list[Alert] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        lease = self.lease
        return {
            "schema": SCHEMA,
            "now": _iso(self.now),
            "scheduler": {
                "state": self.scheduler,
                "holder": lease.holder if lease else None,
                "host": lease.host if lease else None,
                "pid": lease.pid if lease else None,
                "acquired_at": _iso(lease.acquired_at) if lease else None,
                "last_beat": _iso(lease.beat_at) if lease else None,
                "expires_at": _iso(lease.expires_at) if lease else None,
                "next_fire_at": (_iso(lease.next_fire_at)
                                 if lease and self.scheduler == "alive" else None),
            },
            "current_runs": [{**_run_json(p.run), "owner_alive": alive,
                              "services": {"done": p.done, "in_flight": p.in_flight,
                                           "waiting": p.waiting}}
                             for p, alive in self.current_runs],
            "last_run": (None if self.last_run is None else
                         {**_run_json(self.last_run), "close_reasons": self.last_run_reasons}),
            "workers": [vars(w) for w in self.workers],
            "events": [{"at": _iso(e.at), "kind": e.kind, "schedule": e.schedule,
                        "scheduled_for": _iso(e.scheduled_for), "run_id": e.run_id,
                        "detail": e.detail, "holder": e.holder} for e in self.events],
            "alerts": [a.as_json() for a in self.alerts],
        }


def _run_json(run: RunInfo) -> dict[str, Any]:
    return {"id": run.id, "status": run.status, "trigger": run.trigger,
            "schedule": run.schedule, "scheduled_for": _iso(run.scheduled_for),
            "started_at": _iso(run.started_at), "finished_at": _iso(run.finished_at),
            "owner": run.owner}


def scheduler_state(session: Session, lease: Lease | None, now: datetime) -> str:
    if lease is None:
        return "none"
    if lease.held_at(now):
        return "alive"
    last = events(session, limit=1, holder=lease.holder)
    return "stopped" if last and last[0].kind == EventKind.stopped else "stale"


def alerts(session: Session, *, now: datetime, alert_after: float) -> list[Alert]:
    """A stale heartbeat, and no run finished for ``alert_after`` seconds while a scheduler is
    configured (a lease exists: some scheduler ran on this database)."""
    now = utc(now)
    lease = read_lease(session)
    if lease is None:
        return []
    found = []
    if scheduler_state(session, lease, now) == "stale":
        found.append(Alert(STALE_HEARTBEAT, lease.beat_at, lease.host, lease.pid))
    last = last_finished_run(session)
    since = last.finished_at if last and last.finished_at else lease.acquired_at
    if now - since > timedelta(seconds=alert_after):
        found.append(Alert(NO_RECENT_RUN, since, hours=round(alert_after / 3600, 1)))
    return found


def collect(session: Session, *, now: datetime, alert_after: float, is_alive: IsAlive,
            event_count: int = 10) -> Health:
    """Everything `vigie status` shows."""
    now = utc(now)
    lease = read_lease(session)
    current = []
    workers = []
    for run in unfinished_runs(session):
        progress = run_progress(session, run.id)
        alive = is_alive(run.owner) if run.owner else None
        if progress is not None:
            current.append((progress, alive))
        if run.owner:
            workers.append(Worker(run.owner.get("host"), run.owner.get("pid"), run.id, alive))
    for holder, run_id, expires in held_leases(session):
        workers.append(Worker(holder, None, run_id, expires is not None and expires > now))
    last = last_finished_run(session)
    return Health(
        now=now, scheduler=scheduler_state(session, lease, now), lease=lease,
        current_runs=current, last_run=last,
        last_run_reasons=close_reason_counts(session, last.id) if last else {},
        workers=workers, events=events(session, limit=event_count),
        alerts=alerts(session, now=now, alert_after=alert_after))
