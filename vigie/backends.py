"""Where a run's crawls happen: in a child process here, or in Celery workers.

``LocalBackend`` crawls a pass's service scans in one child process of the run's executor
(Twisted's reactor starts once per process; the child dies with its parent). With
``VIGIE_BROKER_URL``, ``CeleryBackend`` sends one task per service scan to Redis and waits for
the workers (``vigie worker``) to close them; each worker scans one service at a time in a
child process, under a lease on its service scan, so a redelivered task never scans a service
twice (docs/operations.md, « Workers »).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from celery import Celery

from core.errors import BadInput
from core.events import Listener, ScanEvent, ServiceFinished, ServiceStarted
from core.outcomes import CloseReason
from core.settings import Settings
from crawler.browser import BrowserChoice
from crawler.run import run_crawl
from storage.context import Storage
from storage.db import is_sqlite, transaction
from storage.runs import (
    LeaseResult,
    acquire_service_scan,
    close_unfinished,
    pending_targets,
    release_service_scan,
    renew_service_scan_lease,
    scan_progress,
)

log = logging.getLogger("vigie.backends")
_PR_SET_PDEATHSIG = 1
TASK_NAME = "vigie.scan_service"
QUEUE = "vigie"


class Backend(Protocol):
    def crawl(self, config: Settings, run_id: int, scan_ids: list[int],
              browser: BrowserChoice, listener: Listener | None) -> dict[str, Any]:
        """Crawl these pending service scans of the run until each is closed or given up."""


class LocalBackend:
    def crawl(self, config: Settings, run_id: int, scan_ids: list[int],
              browser: BrowserChoice, listener: Listener | None) -> dict[str, Any]:
        return crawl_in_child(config, run_id, scan_ids, browser, listener)


def backend_for(config: Settings) -> Backend:
    return CeleryBackend(config) if config.broker_url else LocalBackend()


# -- Celery ----------------------------------------------------------------------------------------


class CeleryNeedsPostgres(BadInput):
    pass


def make_celery(config: Settings) -> Celery:
    """The Celery app both sides use: at-least-once delivery, one task at a time."""
    if is_sqlite(config.resolved_database_url):
        raise CeleryNeedsPostgres(
            "VIGIE_BROKER_URL needs a PostgreSQL database shared by every worker "
            "(VIGIE_DATABASE_URL=postgresql://…): SQLite is for a single process")
    app = Celery("vigie", broker=config.broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,  # acknowledged once done: a worker that dies leaves it queued
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,  # a worker holds one task, never a backlog
        broker_transport_options={
            "visibility_timeout": config.task_visibility_timeout,
            # Look for tasks of dead workers to hand out again every few seconds (kombu's
            # default sweep is about every 100 s); one Redis query each time.
            "unacked_restore_interval": max(1.0, min(10.0, config.task_visibility_timeout / 4)),
            "unacked_restore_throttle": 1,
        },
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,  # Redis restarted: wait for it
        task_default_queue=QUEUE,
        task_serializer="json", accept_content=["json"], task_ignore_result=True,
        worker_hijack_root_logger=False, worker_cancel_long_running_tasks_on_connection_loss=False,
    )
    return app


class CeleryBackend:
    """Send one task per service scan, then follow the scans in the database until closed.

    Tasks are idempotent (a lease on each service scan), so sending one twice is harmless:
    when the run has made no progress for ``requeue_after`` seconds (the broker lost its
    messages: Redis restarted without persistence), the waiting scans' tasks are sent again.
    """

    def __init__(self, config: Settings) -> None:
        self.app = make_celery(config)

    def send(self, run_id: int, scan_ids: list[int]) -> None:
        for scan_id in scan_ids:
            self.app.send_task(TASK_NAME, args=[run_id, scan_id], queue=QUEUE)

    def crawl(self, config: Settings, run_id: int, scan_ids: list[int],
              browser: BrowserChoice, listener: Listener | None) -> dict[str, Any]:
        storage = Storage.open(config, migrate=False)
        forward: Callable[[ScanEvent], None] = listener or (lambda _e: None)
        self.send(run_id, scan_ids)
        seen: dict[int, tuple[str, str | None]] = {}
        last_change = time.monotonic()
        try:
            while True:
                with storage.sessions() as session:
                    progress = scan_progress(session, scan_ids)
                for p in progress:
                    state = (p.status, p.lease_holder)
                    if seen.get(p.service_scan_id) != state:
                        last_change = time.monotonic()
                        if p.status == "running" and seen.get(p.service_scan_id, ("",))[0] \
                                != "running":
                            forward(ServiceStarted(p.service_scan_id, p.slug))
                        if p.status == "done":
                            forward(ServiceFinished(p.service_scan_id, p.slug,
                                                    CloseReason(p.close_reason or "error")))
                        seen[p.service_scan_id] = state
                if all(p.status == "done" for p in progress):
                    return {"vigie/tasks": len(scan_ids)}
                if time.monotonic() - last_change > config.requeue_after:
                    waiting = [p.service_scan_id for p in progress
                               if p.status != "done" and p.lease_holder is None]
                    log.warning("run %s: no progress for %.0f s, sending %d tasks again",
                                run_id, config.requeue_after, len(waiting))
                    self.send(run_id, waiting)
                    last_change = time.monotonic()
                time.sleep(0.5)
        finally:
            storage.close()


def scan_one_service(storage: Storage, run_id: int, scan_id: int, holder: str,
                     browser: BrowserChoice) -> LeaseResult:
    """A worker's task: scan one service of a run under a lease, in a child process group.

    ``done``: already closed (a redelivered task); ``held``: a live worker has it (try later);
    ``taken``: scanned and closed by this worker.
    """
    config = storage.settings
    with transaction(storage.sessions) as session:
        result = acquire_service_scan(session, scan_id, holder, config.task_lease_ttl)
    if result is not LeaseResult.taken:
        return result
    stop = threading.Event()
    renewer = threading.Thread(target=_renew, name=f"lease-{scan_id}", daemon=True,
                               args=(storage, scan_id, holder, config.task_lease_ttl, stop))
    renewer.start()
    try:
        crawl_in_child(config, run_id, [scan_id], browser, None,
                       time_limit=config.task_time_limit)
    finally:
        stop.set()
        renewer.join()
        with transaction(storage.sessions) as session:
            close_unfinished(session, run_id, only=[scan_id])
            release_service_scan(session, scan_id, holder)
    return result


def _renew(storage: Storage, scan_id: int, holder: str, ttl: float,
           stop: threading.Event) -> None:
    while not stop.wait(ttl / 3):
        try:
            with transaction(storage.sessions) as session:
                if not renew_service_scan_lease(session, scan_id, holder, ttl):
                    log.warning("service scan %s: lease lost", scan_id)
                    return
        except Exception as exc:  # the database went away for a moment: try again
            log.warning("service scan %s: lease not renewed (%s)", scan_id, exc)


# -- the crawl child ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CrawlDone:
    stats: dict[str, Any]


def crawl_in_child(config: Settings, run_id: int, scan_ids: list[int], browser: BrowserChoice,
                   listener: Listener | None, time_limit: float | None = None
                   ) -> dict[str, Any]:
    """Crawl the given pending service scans in a child process; returns Scrapy's stats.

    Progress events come back through a queue; a child that dies (or is stopped past
    ``time_limit`` seconds) leaves its service scans ``running``, and the caller closes them
    from what they stored.
    """
    context = multiprocessing.get_context("spawn")
    events: multiprocessing.Queue[Any] = context.Queue()
    child = context.Process(target=_crawl_child, name=f"vigie-crawl-run-{run_id}",
                            args=(config, run_id, scan_ids, browser, events, os.getpid()))
    child.start()
    stats: dict[str, Any] = {}
    forward: Callable[[ScanEvent], None] = listener or (lambda _e: None)
    deadline = time.monotonic() + time_limit if time_limit else None
    try:
        while child.is_alive() or not events.empty():
            if deadline is not None and time.monotonic() > deadline and child.is_alive():
                _stop(child)
            try:
                item = events.get(timeout=0.2)
            except queue.Empty:
                continue
            if isinstance(item, _CrawlDone):
                stats = item.stats
            else:
                forward(item)
    except BaseException:
        _stop(child)
        raise
    finally:
        child.join()
        events.close()
    return stats


def _stop(child: multiprocessing.process.BaseProcess) -> None:
    """Ask the crawl to stop (Scrapy closes its browser on SIGTERM), then insist."""
    if child.is_alive() and child.pid:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child.pid, signal.SIGTERM)
        child.join(15)
    if child.is_alive():
        child.kill()


def _crawl_child(config: Settings, run_id: int, scan_ids: list[int], browser: BrowserChoice,
                 events: multiprocessing.Queue[Any], parent: int) -> None:
    _die_with_parent(parent)
    with Storage.open(config, migrate=False) as storage:
        with storage.sessions() as session:
            targets = pending_targets(session, run_id, scan_ids)
        stats = run_crawl(storage, config, targets, browser, events.put)
    events.put(_CrawlDone(stats))


def _die_with_parent(parent: int) -> None:
    """A crawl never outlives the process that owns its run (kill -9 included)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the call above
        os._exit(1)

