"""`vigie worker`: a Celery worker that scans the services the scheduler sends it.

One task is one service scan of a run (``vigie.backends.scan_one_service``): the worker takes
the scan's lease, crawls the service in a child process (its own Chromium), closes the scan and
acknowledges the task. It runs one task at a time (Celery's solo pool, prefetch 1): start one
worker per core you give Vigie. Settings come from the same ``VIGIE_*`` variables as the
scheduler's (the database, the data directory shared by the workers, the budgets).
"""

from __future__ import annotations

import logging
import os
import socket
from typing import Any

from celery import Celery

from core.errors import OperationalError
from core.settings import Settings
from crawler.browser import BrowserChoice, BrowserNotFound, find_browser
from storage.context import Storage
from storage.runs import LeaseResult
from vigie.backends import QUEUE, TASK_NAME, make_celery, scan_one_service

log = logging.getLogger("vigie.worker")


def worker_name() -> str:
    return f"vigie@{socket.gethostname()}-{os.getpid()}"


def make_worker_app(config: Settings, browser: BrowserChoice) -> Celery:
    app = make_celery(config)
    holder = worker_name()

    @app.task(name=TASK_NAME, bind=True, acks_late=True, reject_on_worker_lost=True,
              max_retries=None)
    def scan_service(self: Any, run_id: int, service_scan_id: int) -> str:
        with Storage.open(config, migrate=False) as storage:
            result = scan_one_service(storage, run_id, service_scan_id, holder, browser)
        log.info("run %s, service scan %s: %s", run_id, service_scan_id, result)
        if result is LeaseResult.held:  # a live worker has it: look again once its lease ends
            raise self.retry(countdown=config.task_lease_ttl)
        return str(result)

    return app


def run_worker(config: Settings, *, loglevel: str = "INFO") -> None:
    """Run a worker in the foreground until SIGTERM or Ctrl-C (Celery's warm shutdown)."""
    if not config.broker_url:
        raise OperationalError("vigie worker needs VIGIE_BROKER_URL (e.g. redis://127.0.0.1:6379/0)")
    try:
        browser = find_browser(config.browser_path)
    except BrowserNotFound as exc:
        raise OperationalError(str(exc)) from None
    app = make_worker_app(config, browser)  # refuses SQLite before anything is written
    Storage.open(config).close()  # the schema is current before the first task
    app.worker_main(["worker", "--pool=solo", "--concurrency=1", "--without-gossip",
                     "--without-mingle", "-Q", QUEUE, "-n", worker_name(),
                     f"--loglevel={loglevel}"])
