"""The executor: the process that crawls and judges one run, ``vigie scan --resume RUN``.

The scheduler never scans in its own process: a crawl owns its process (Twisted, Chromium),
and a crash there must not take the scheduler down. Each executor runs in a process group of
its own (its browser included), so that stopping it stops all of it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shlex
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping

log = logging.getLogger("vigie.scheduler")

DEFAULT_COMMAND = (sys.executable, "-m", "vigie", "scan", "--resume", "{run}")


class Executor:
    """Runs one executor at a time and can stop it: SIGTERM to its group, SIGKILL later."""

    def __init__(self, command: str, *, stop_timeout: float,
                 env: Mapping[str, str] | None = None) -> None:
        self.template = shlex.split(command) if command else list(DEFAULT_COMMAND)
        self.stop_timeout = stop_timeout
        self.env = {**os.environ, **(env or {})}
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._stopping = False

    def argv(self, run_id: int) -> list[str]:
        return [part.replace("{run}", str(run_id)) for part in self.template]

    def run(self, run_id: int) -> int | None:
        """Execute the run and wait; its exit code, or None when stopped before it started."""
        with self._lock:
            if self._stopping:
                return None
            argv = self.argv(run_id)
            log.info("run %d: starting the executor: %s", run_id, shlex.join(argv))
            process = subprocess.Popen(argv, env=self.env, start_new_session=True)
            self._process = process
        try:
            return process.wait()
        finally:
            with self._lock:
                self._process = None

    @property
    def pid(self) -> int | None:
        process = self._process
        return None if process is None else process.pid

    def stop(self) -> int | None:
        """Stop the executor in progress, if any (and refuse new ones); its pid."""
        with self._lock:
            self._stopping = True
            process = self._process
        if process is None:
            return None
        if process.poll() is None:
            log.info("stopping the executor (pid %d): SIGTERM to its process group", process.pid)
            _signal_group(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                log.warning("the executor (pid %d) did not stop within %g s: SIGKILL",
                            process.pid, self.stop_timeout)
        # Whatever is left of the group (a browser the executor left behind) goes too.
        _signal_group(process.pid, signal.SIGKILL)
        process.wait()
        return process.pid


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)
