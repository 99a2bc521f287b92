"""`vigie worker` processes for a benchmark: started, ready, measured, stopped whole.

Each worker runs in its own process group (its crawl child and Chromium included), so that
stopping the group leaves nothing behind; `WorkerPool` stops them on exit, error or Ctrl-C.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

from bench import ROOT

READY = b" ready."  # Celery's log line once the worker consumes its queue
TASK_DONE = re.compile(r"Task vigie\.scan_service\[[^\]]+\] succeeded in ([0-9.]+)s")


class WorkerPool:
    def __init__(self, count: int, env: dict[str, str], logs: Path,
                 ready_timeout: float = 180.0) -> None:
        self.count = count
        self.env = env
        self.logs = logs
        self.ready_timeout = ready_timeout
        self.procs: list[subprocess.Popen[bytes]] = []

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    def _log(self, n: int) -> Path:
        return self.logs / f"worker-{n}.log"

    def __enter__(self) -> WorkerPool:
        self.logs.mkdir(parents=True, exist_ok=True)
        try:
            for n in range(self.count):
                with self._log(n).open("ab") as out:
                    self.procs.append(subprocess.Popen(
                        [sys.executable, "-m", "vigie", "worker"], cwd=ROOT, env=self.env,
                        stdout=out, stderr=subprocess.STDOUT, start_new_session=True))
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.ready_timeout
        waiting = set(range(self.count))
        while waiting:
            for n in sorted(waiting):
                if READY in self._log(n).read_bytes():
                    waiting.discard(n)
                elif self.procs[n].poll() is not None:
                    tail = self._log(n).read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"vigie worker {n} exited "
                                       f"({self.procs[n].returncode}):\n{tail}")
            if waiting and time.monotonic() > deadline:
                raise RuntimeError(f"vigie worker(s) {sorted(waiting)} not ready after "
                                   f"{self.ready_timeout:g} s (logs in {self.logs})")
            time.sleep(0.2)

    def tasks_logged(self) -> list[list[float]]:
        """How long each task took, as each worker logged it, in order."""
        return [[float(m) for m in TASK_DONE.findall(self._log(n).read_text(errors="replace"))]
                for n in range(len(self.procs))]

    def tasks_since(self, before: list[list[float]]) -> list[float]:
        """The task durations logged since ``before`` (an earlier ``tasks_logged()``)."""
        now = self.tasks_logged()
        return [t for old, new in zip(before, now, strict=True) for t in new[len(old):]]

    def stop(self, grace: float = 30.0) -> None:
        """SIGTERM to each worker's group (Celery's warm shutdown), then SIGKILL."""
        for proc in self.procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for proc in self.procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(max(0.1, deadline - time.monotonic()))
            # The group, not only the worker: a crawl child or Chromium must not outlive it.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop(grace=30.0 if kind is None else 5.0)  # interrupted: do not wait for a task
