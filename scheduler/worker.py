"""The runs this scheduler has in hand, executed one at a time in the order they came.

A run is executed by its executor process (``scheduler.executor``), or, when its own executor
outlived a previous scheduler, watched until it closes. Then the report site and the
indicators export are rewritten (``scheduler.publish``).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.outcomes import RunStatus
from core.schedules import EventKind
from scheduler.executor import Executor
from scheduler.journal import Journal
from scheduler.publish import publish
from storage.scheduling import RunInfo, run_info
from vigie.app import process_alive

log = logging.getLogger("vigie.scheduler")


@dataclass(frozen=True)
class Task:
    run_id: int
    schedule: str | None
    watch: bool = False  # its executor is alive (it outlived a scheduler): wait for it


class RunWorker:
    def __init__(self, journal: Journal, executor: Executor, *, report_dir: Path, poll: float,
                 on_done: Callable[[Task], None]) -> None:
        self.journal = journal
        self.storage = journal.storage
        self.executor = executor
        self.report_dir = report_dir
        self.poll = poll
        self.on_done = on_done
        self._tasks: queue.Queue[Task | None] = queue.Queue()
        self._stopping = threading.Event()
        self._current: Task | None = None
        self._thread = threading.Thread(target=self._loop, name="vigie-runs", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def submit(self, task: Task) -> None:
        self._tasks.put(task)

    @property
    def current(self) -> Task | None:
        return self._current

    def stop(self) -> Task | None:
        """Stop the executor in progress and drop the queue; the task that was running."""
        self._stopping.set()
        current = self._current
        self.executor.stop()
        self._tasks.put(None)
        if self._thread.is_alive():
            self._thread.join(timeout=self.poll + 5)
        return current

    def _loop(self) -> None:
        while not self._stopping.is_set():
            task = self._tasks.get()
            if task is None or self._stopping.is_set():
                break
            self._current = task
            try:
                self._handle(task)
            except Exception as exc:  # the worker must outlive one bad run
                log.exception("run %d: unexpected failure", task.run_id)
                self.journal.record(EventKind.error, f"{type(exc).__name__}: {exc}",
                                    schedule=task.schedule, run_id=task.run_id,
                                    level=logging.ERROR)
            finally:
                self._current = None
                self.on_done(task)

    def _handle(self, task: Task) -> None:
        if task.watch:
            self._watch(task.run_id)
        else:
            code = self.executor.run(task.run_id)
            if code is None or self._stopping.is_set():
                return
            self.journal.record(EventKind.executed, f"the executor exited with code {code}",
                                schedule=task.schedule, run_id=task.run_id,
                                level=logging.INFO if code == 0 else logging.WARNING)
        if self._stopping.is_set():
            return
        info = self._info(task.run_id)
        if info is None or info.status == RunStatus.running:
            self.journal.record(EventKind.error, "the run is left unfinished; the scheduler "
                                "resumes it when it starts again", schedule=task.schedule,
                                run_id=task.run_id, level=logging.ERROR)
            return
        try:
            index = publish(self.storage, task.run_id, self.report_dir)
        except Exception as exc:
            log.exception("run %d: the report could not be rebuilt", task.run_id)
            self.journal.record(EventKind.error, f"report not rebuilt: {type(exc).__name__}: "
                                f"{exc}", schedule=task.schedule, run_id=task.run_id,
                                level=logging.ERROR)
            return
        self.journal.record(EventKind.report_built, f"{index} (run {info.status})",
                            schedule=task.schedule, run_id=task.run_id)

    def _watch(self, run_id: int) -> None:
        """Wait until the run closes or its process dies."""
        while not self._stopping.wait(self.poll):
            info = self._info(run_id)
            if info is None or info.status != RunStatus.running or \
                    process_alive(info.owner) is False:
                return

    def _info(self, run_id: int) -> RunInfo | None:
        with self.storage.sessions() as session:
            return run_info(session, run_id)
