"""`vigie schedule`: one active scheduler per database, starting each due time's run once.

A scheduler is in standby until it holds the lease (``storage.scheduling``), then active: an
APScheduler ``BackgroundScheduler`` wakes it at each due time of each schedule (the main one,
``VIGIE_SCHEDULE``, and one per distinct schedule of the service list), and every heartbeat
renews the lease. A due time starts a run that a separate executor process crawls
(``scheduler.worker``). Stopping stops firing, stops the executor and releases the lease.

Due times are never lost with the process: each one handled (fired, skipped or missed) is
recorded, so a scheduler that starts computes from the triggers what passed since the last
one (docs/operations.md, « Misfires »). APScheduler's own job stores are not used for this:
a job store must not be shared by two schedulers (APScheduler 3's documentation), and Vigie's
record is the one the unique (schedule, due time) of a run already guards.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Any

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    JobExecutionEvent,
    JobSubmissionEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from core.errors import BadInput
from core.outcomes import RunStatus
from core.schedules import MAIN, EventKind, due_times, parse_schedule, zone
from core.settings import Settings
from scheduler.executor import Executor
from scheduler.journal import Clock, Identity, Journal, utcnow
from scheduler.worker import RunWorker, Task
from storage.context import Storage
from storage.scheduling import Lease, last_due_time, latest_scheduled_runs, unfinished_runs, utc
from vigie import app as vigie_app

log = logging.getLogger("vigie.scheduler")
MAX_COUNTED = 100_000  # due times counted one by one after an outage; then skip ahead


class BadSchedule(BadInput):
    """VIGIE_SCHEDULE or VIGIE_TIMEZONE cannot be read."""


def check_settings(settings: Settings) -> None:
    """Raise ``BadSchedule`` before anything starts when the schedule settings are wrong."""
    try:
        parse_schedule(settings.schedule, zone(settings.timezone))
    except ValueError as exc:
        raise BadSchedule(f"VIGIE_SCHEDULE / VIGIE_TIMEZONE: {exc}") from None
    if settings.lease_ttl <= settings.heartbeat_interval:
        raise BadSchedule("VIGIE_LEASE_TTL must be longer than VIGIE_HEARTBEAT_INTERVAL")


def executor_env(settings: Settings) -> dict[str, str]:
    """What the executor must share with the scheduler, whatever flags started it."""
    return {"VIGIE_DATA_DIR": str(settings.data_dir.resolve()),
            "VIGIE_DATABASE_URL": settings.resolved_database_url}


class Scheduler:
    def __init__(self, storage: Storage, *, clock: Clock = utcnow,
                 identity: Identity | None = None) -> None:
        settings = storage.settings
        check_settings(settings)
        self.storage = storage
        self.settings = settings
        self.tz = zone(settings.timezone)
        self.main_trigger = parse_schedule(settings.schedule, self.tz)
        self.grace = timedelta(seconds=settings.misfire_grace)
        self.clock = clock
        self.journal = Journal(storage, identity or Identity.of_this_process(), clock)
        self.executor = Executor(settings.executor_command, stop_timeout=settings.stop_timeout,
                                 env=executor_env(settings))
        self.worker = RunWorker(self.journal, self.executor,
                                report_dir=settings.resolved_report_dir,
                                poll=settings.heartbeat_interval, on_done=self._done)
        self.active = False
        self._stop = threading.Event()
        self._lock = threading.RLock()  # the dictionaries below
        self._fire_lock = threading.Lock()  # one firing at a time
        self._aps: BackgroundScheduler | None = None
        self._triggers: dict[str, CronTrigger] = {}
        self._watermarks: dict[str, datetime] = {}  # the last due time handled, per schedule
        self._in_hand: dict[str, int] = {}  # schedule -> its run queued or executing here
        self._worker_started = False
        self._standby_holder: str | None = None

    @property
    def identity(self) -> Identity:
        return self.journal.identity

    # -- the process -------------------------------------------------------------------------

    def serve(self) -> None:
        """Run until ``stop``: standby or active, one step per heartbeat."""
        log.info("scheduler %s: main schedule %r in %s, misfire grace %g s, lease %g s, "
                 "heartbeat %g s", self.identity.holder, self.settings.schedule,
                 self.settings.timezone, self.grace.total_seconds(), self.settings.lease_ttl,
                 self.settings.heartbeat_interval)
        try:
            while not self._stop.is_set():
                self.step()
                self._stop.wait(self.settings.heartbeat_interval)
        finally:
            self.shutdown()

    def stop(self) -> None:
        """Ask ``serve`` to return (signal handlers call this)."""
        self._stop.set()

    def step(self) -> None:
        """One heartbeat: renew the lease if active, else try to take it."""
        try:
            if self.active and not self.journal.renew(self.next_fire_at()):
                self._lose_lease()
            if self.active:
                self._sync_jobs(since=None)
                return
            previous = self.journal.read_lease()
            if self.journal.acquire():
                self._activate(previous)
            else:
                self._standby(previous)
        except Exception:
            log.exception("scheduler step failed (is the database reachable?); trying again "
                          "in %g s", self.settings.heartbeat_interval)

    def shutdown(self) -> None:
        """Stop firing, stop the executor (its run is handed back), release the lease."""
        self._stop.set()
        if self._aps is not None:
            self._aps.shutdown(wait=False)
            self._aps = None
        handed = self.worker.stop() if self._worker_started else None
        if self.active:
            detail = "stopped on request"
            if handed is not None and handed.watch:
                detail += f"; run {handed.run_id} left to its own executor"
            elif handed is not None:
                detail += (f"; run {handed.run_id} handed back (its executor was stopped): "
                           "the next scheduler resumes it")
            try:
                self.journal.release(detail)
            except Exception:
                log.exception("could not release the lease: it expires in %g s",
                              self.settings.lease_ttl)
        self.active = False

    def next_fire_at(self) -> datetime | None:
        aps = self._aps
        if aps is None:
            return None
        times = [job.next_run_time for job in aps.get_jobs() if job.next_run_time is not None]
        return min(times) if times else None

    # -- standby and active ------------------------------------------------------------------

    def _standby(self, lease: Lease | None) -> None:
        lease = lease or self.journal.read_lease()
        if lease is None or lease.holder == self._standby_holder:
            return
        self._standby_holder = lease.holder
        log.info("standby: the lease is held by %s (host %s, pid %d, last beat %s); taking "
                 "over if it is not renewed by %s", lease.holder, lease.host, lease.pid,
                 lease.beat_at.isoformat(), lease.expires_at.isoformat())

    def _activate(self, previous: Lease | None) -> None:
        self.active = True
        self._standby_holder = None
        if not self._worker_started:
            self.worker.start()
            self._worker_started = True
        self.journal.record(EventKind.started, f"main schedule {self.settings.schedule!r} in "
                            f"{self.settings.timezone}; took the lease"
                            + (f" from {previous.holder}" if previous and
                               previous.holder != self.identity.holder else ""))
        self._resume_unfinished()
        aps = BackgroundScheduler(
            timezone=self.tz, executors={"default": ThreadPoolExecutor(4)},
            job_defaults={"coalesce": True, "max_instances": 1,
                          "misfire_grace_time": max(1, int(self.grace.total_seconds()))})
        aps.add_listener(self._on_aps_event,
                         EVENT_JOB_MISSED | EVENT_JOB_ERROR | EVENT_JOB_MAX_INSTANCES)
        aps.start(paused=True)
        self._aps = aps
        try:
            # Due times since the last one handled (or since the previous scheduler's last
            # beat, for a schedule that never fired) are due now: APScheduler coalesces them
            # into one and applies the grace window.
            self._sync_jobs(since=previous.beat_at if previous else self.clock())
            aps.resume()
        except BaseException:
            aps.shutdown(wait=False)
            self._aps = None
            self.active = False
            with self._lock:
                self._triggers.clear()
                self._watermarks.clear()
            raise

    def _lose_lease(self) -> None:
        self.active = False
        if self._aps is not None:
            self._aps.shutdown(wait=False)
            self._aps = None
        with self._lock:
            self._triggers.clear()
            self._watermarks.clear()
        self.journal.record(EventKind.lease_lost, "another scheduler holds the lease (this one "
                            "missed its heartbeats): back to standby", level=logging.WARNING)

    def _schedules(self) -> dict[str, CronTrigger]:
        """The main schedule and each distinct schedule of the service list."""
        wanted: dict[str, CronTrigger] = {MAIN: self.main_trigger}
        for name in vigie_app.scheduled_services(self.storage):
            if name == MAIN:
                continue
            try:
                wanted[name] = self._triggers.get(name) or parse_schedule(name, self.tz)
            except ValueError as exc:
                log.error("service schedule %r ignored: %s", name, exc)
        return wanted

    def _sync_jobs(self, since: datetime | None) -> None:
        """Add a job per new schedule, remove those no service has any more."""
        aps = self._aps
        if aps is None:
            return
        wanted = self._schedules()
        with self._lock:
            for name in set(self._triggers) - set(wanted):
                aps.remove_job(name)
                del self._triggers[name], self._watermarks[name]
                log.info("schedule %s: no service has it any more", name)
            for name, trigger in wanted.items():
                if name in self._triggers:
                    continue
                with self.storage.sessions() as session:
                    last = last_due_time(session, name)
                watermark = last or since or self.clock()
                self._triggers[name] = trigger
                self._watermarks[name] = watermark
                first = trigger.get_next_fire_time(None, watermark + timedelta(microseconds=1))
                aps.add_job(self._on_due, trigger, args=(name,), id=name,
                            name=f"schedule {name}", next_run_time=first)
                log.info("schedule %s (%s): first due time to handle %s", name,
                         self.settings.schedule if name == MAIN else name,
                         first.isoformat() if first else "never")

    # -- firing ------------------------------------------------------------------------------

    def _due_since(self, name: str, until: datetime) -> list[datetime]:
        """Due times of ``name`` after its watermark, up to ``until`` (the last few only, when
        an outage left more than MAX_COUNTED)."""
        trigger, after = self._triggers[name], self._watermarks[name]
        found: list[datetime] = []
        for moment in due_times(trigger, after, until):
            found.append(moment)
            if len(found) > MAX_COUNTED:
                return [*found[:1], *due_times(trigger, until - self.grace, until)]
        return found

    def _on_due(self, name: str) -> None:
        """APScheduler's job: fire the latest due time of ``name``; earlier ones are missed."""
        now = self.clock()
        with self._lock:
            if name not in self._triggers:
                return
            due = self._due_since(name, now)
            if not due:
                return  # handled already (a catch-up or another wake-up took it)
            self._watermarks[name] = due[-1]
        if len(due) > 1:
            self.journal.record(
                EventKind.missed, f"{len(due) - 1} due time(s) from {due[0].isoformat()} "
                f"passed while no scheduler could fire them: coalesced into the run due "
                f"{due[-1].isoformat()}", schedule=name, scheduled_for=due[-2],
                level=logging.WARNING)
        if now - due[-1] > self.grace:
            self._record_missed(name, due[-1], now)
            return
        self._fire(name, due[-1])

    def _record_missed(self, name: str, due: datetime, now: datetime, count: int = 1) -> None:
        earlier = f" (with {count - 1} earlier due time(s))" if count > 1 else ""
        self.journal.record(
            EventKind.missed, f"passed {_duration(now - due)} ago{earlier}, beyond the grace "
            f"window ({_duration(self.grace)}): not run", schedule=name, scheduled_for=due,
            level=logging.WARNING)

    def _fire(self, name: str, due: datetime) -> None:
        with self._fire_lock:
            if self._stop.is_set() or not self.active:
                self.journal.record(EventKind.skipped, "the scheduler is stopping",
                                    schedule=name, scheduled_for=due)
                return
            if not self.journal.renew(self.next_fire_at()):
                self.journal.record(EventKind.skipped, "lease lost: another scheduler fires",
                                    schedule=name, scheduled_for=due, level=logging.WARNING)
                return
            busy = self._busy_run(name)
            if busy is not None:
                self.journal.record(EventKind.skipped, f"run {busy} still running",
                                    schedule=name, scheduled_for=due, run_id=busy,
                                    level=logging.WARNING)
                return
            try:
                run_id = vigie_app.start_scheduled_run(self.storage, name, due)
            except vigie_app.NothingToScan as exc:
                self.journal.record(EventKind.skipped, str(exc), schedule=name,
                                    scheduled_for=due)
                return
            if run_id is None:
                self.journal.record(EventKind.skipped, "another scheduler already started "
                                    "the run of this due time", schedule=name,
                                    scheduled_for=due)
                return
            self.journal.record(EventKind.fired, schedule=name, scheduled_for=due,
                                run_id=run_id)
            self._hand(Task(run_id, name))

    def _busy_run(self, name: str) -> int | None:
        """A run of this schedule that is queued here or executed by a live process."""
        with self._lock:
            if name in self._in_hand:
                return self._in_hand[name]
        with self.storage.sessions() as session:
            runs = unfinished_runs(session, scheduled_only=True)
        for run in runs:
            if run.schedule == name and run.owner and \
                    vigie_app.process_alive(run.owner) is not False:
                return run.id
        return None

    def _hand(self, task: Task) -> None:
        if task.schedule is not None:
            with self._lock:
                self._in_hand[task.schedule] = task.run_id
        self.worker.submit(task)

    def _done(self, task: Task) -> None:
        with self._lock:
            if task.schedule is not None and self._in_hand.get(task.schedule) == task.run_id:
                del self._in_hand[task.schedule]

    def _resume_unfinished(self) -> None:
        """Each schedule's newest run, if it is unfinished: execute it again, or watch it when
        its executor outlived the previous scheduler. Manual runs are left to their owner."""
        with self.storage.sessions() as session:
            latest = latest_scheduled_runs(session)
        for name, run in sorted(latest.items(), key=lambda item: item[1].id):
            with self._lock:
                if run.id in self._in_hand.values():
                    continue  # still ours: this scheduler lost its lease and took it back
            owner = run.owner
            where = f"{owner.get('host')}:{owner.get('pid')}" if owner else "no process"
            if run.status == RunStatus.interrupted:
                detail, watch = "the run was interrupted: executing it again", False
            elif run.status != RunStatus.running:
                continue
            else:
                alive = vigie_app.process_alive(owner) if owner else False
                if alive is None:
                    log.info("run %d is owned by %s on another host: left to it", run.id, where)
                    continue
                if alive:
                    detail, watch = f"its executor ({where}) is still running: watching it", True
                else:
                    detail, watch = (f"left running by {where}, which is gone: executing it "
                                     "again"), False
            self.journal.record(EventKind.resumed, detail, schedule=name,
                                scheduled_for=run.scheduled_for, run_id=run.id)
            self._hand(Task(run.id, name, watch=watch))

    def _on_aps_event(self, event: Any) -> None:
        """APScheduler's misses, errors and overlaps, recorded with their due time."""
        try:
            name = event.job_id
            if event.code == EVENT_JOB_MISSED and isinstance(event, JobExecutionEvent):
                due = utc(event.scheduled_run_time)
                with self._lock:
                    if name in self._watermarks:
                        passed = self._due_since(name, due)
                        self._watermarks[name] = max(self._watermarks[name], due)
                    else:
                        passed = [due]
                self._record_missed(name, due, self.clock(), len(passed))
            elif event.code == EVENT_JOB_ERROR and isinstance(event, JobExecutionEvent):
                self.journal.record(EventKind.error, f"{type(event.exception).__name__}: "
                                    f"{event.exception}", schedule=name,
                                    scheduled_for=utc(event.scheduled_run_time),
                                    level=logging.ERROR)
            elif event.code == EVENT_JOB_MAX_INSTANCES and isinstance(event, JobSubmissionEvent):
                self.journal.record(EventKind.skipped, "the previous firing is still in "
                                    "progress", schedule=name,
                                    scheduled_for=utc(event.scheduled_run_times[-1]))
        except Exception:
            log.exception("could not handle the scheduler event %r", event)


def _duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"
