"""Measuring one process tree: wall time, peak summed RSS, CPU, and the machine's other load.

A side runs as a subprocess; a thread samples it and all its descendants (Chromium included)
every 50 ms with psutil, and the trees of processes already running that work for it (the
workers of bench/workers.py).
"""

from __future__ import annotations

import contextlib
import resource
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

from bench import ROOT

SAMPLE_EVERY = 0.05
MIB = 1024 * 1024
BUSY_LIMIT = 20.0  # % CPU over 2 s above which the machine is not idle enough to measure


class TreeSampler(threading.Thread):
    """Peak of the summed RSS of a process and all its descendants, sampled periodically.

    ``also``: processes already running whose trees count too; only the CPU they use from now
    on is counted.
    """

    def __init__(self, pid: int, every: float = SAMPLE_EVERY, also: Sequence[int] = ()) -> None:
        super().__init__(daemon=True)
        self.proc = psutil.Process(pid)
        self.also = _processes(also)
        self.every = every
        self.peak_rss = 0
        self.peak_root_rss = 0
        self.peak_procs = 0
        self.samples = 0
        # user + system CPU last seen for each process of the tree, by (pid, start time):
        # the sum is the tree's CPU use (up to one sampling interval lost per process).
        self.cpu_seen: dict[tuple[int, float], float] = {}
        self.root_key: tuple[int, float] | None = None
        self.root_trace: list[tuple[float, int]] = []  # (epoch, RSS of the Python process)
        self.cpu_before = {key: cpu for key, cpu, _rss in _usage(_trees(self.also))}
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                procs = [self.proc, *self.proc.children(recursive=True)]
            except psutil.Error:
                return
            total = 0
            for key, cpu, rss in _usage(procs):
                self.cpu_seen[key] = cpu
                if key[0] == self.proc.pid:
                    self.root_key = key
                    self.peak_root_rss = max(self.peak_root_rss, rss)
                    self.root_trace.append((time.time(), rss))
                total += rss
            also = _trees(self.also)
            for key, cpu, rss in _usage(also):
                self.cpu_seen[key] = cpu - self.cpu_before.get(key, 0.0)
                total += rss
            self.samples += 1
            self.peak_rss = max(self.peak_rss, total)
            self.peak_procs = max(self.peak_procs, len(procs) + len(also))
            self._stop_event.wait(self.every)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(5)


def _processes(pids: Sequence[int]) -> list[psutil.Process]:
    out = []
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            out.append(psutil.Process(pid))
    return out


def _trees(roots: Sequence[psutil.Process]) -> list[psutil.Process]:
    out: list[psutil.Process] = []
    for root in roots:
        try:
            out += [root, *root.children(recursive=True)]
        except psutil.Error:
            continue
    return out


def _usage(procs: Sequence[psutil.Process]) -> list[tuple[tuple[int, float], float, int]]:
    """(pid, start time), user + system CPU seconds and RSS of each process still there."""
    out = []
    for proc in procs:
        try:
            with proc.oneshot():
                times = proc.cpu_times()
                out.append(((proc.pid, proc.create_time()), times.user + times.system,
                            proc.memory_info().rss))
        except psutil.Error:
            continue
    return out


@dataclass
class ProcessRun:
    returncode: int
    wall_s: float
    peak_mib: float
    peak_root_mib: float  # the Python process alone
    peak_procs: int
    cpu_s: float  # user + system CPU of the process and all its descendants (sampled)
    root_cpu_s: float  # the Python process alone
    other_cpu_s: float  # CPU used meanwhile by everything else on the machine (interference)
    root_trace: list[tuple[float, int]]
    started_epoch: float
    ended_epoch: float
    stdout: str
    stderr: str


def _busy_cpu_s() -> float:
    t = psutil.cpu_times()
    return sum(getattr(t, name, 0.0) for name in
               ("user", "nice", "system", "irq", "softirq", "steal"))


def _own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)  # this process: server, sampler
    return usage.ru_utime + usage.ru_stime


def kill_tree(proc: subprocess.Popen[bytes]) -> None:
    """Kill a process and all its descendants, and reap it."""
    try:
        children = psutil.Process(proc.pid).children(recursive=True)
    except psutil.Error:
        children = []
    for child in children:
        with contextlib.suppress(psutil.Error):
            child.kill()
    proc.kill()
    proc.wait()


def wait_for_idle(max_wait: float, busy_limit: float = BUSY_LIMIT) -> float:
    """Wait (at most max_wait s) until the machine's CPU use over 2 s is below busy_limit %."""
    deadline = time.monotonic() + max_wait
    while True:
        busy = psutil.cpu_percent(interval=2.0)
        if busy < busy_limit or time.monotonic() >= deadline:
            return busy
        time.sleep(3)


def measure(cmd: list[str], env: dict[str, str], timeout: float, logs: Path,
            also: Sequence[int] = ()) -> ProcessRun:
    """Run ``cmd`` from the repository's root to its end, sampled with the trees of ``also``;
    its output goes to ``logs``. Stopped with its descendants if anything interrupts it."""
    logs.mkdir(parents=True, exist_ok=True)
    out_path, err_path = logs / "stdout.txt", logs / "stderr.txt"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        busy0, own0 = _busy_cpu_s(), _own_cpu_s()
        started_epoch = time.time()
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=ROOT)
        sampler = TreeSampler(proc.pid, also=also)
        sampler.start()
        try:
            returncode = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            kill_tree(proc)
            raise SystemExit(f"timed out after {timeout:g} s: {' '.join(cmd)}") from None
        except BaseException:  # Ctrl-C, SIGTERM: leave nothing running
            kill_tree(proc)
            raise
        finally:
            ended = time.perf_counter()
            ended_epoch = time.time()
            sampler.stop()
    cpu_s = sum(sampler.cpu_seen.values())
    other = _busy_cpu_s() - busy0 - cpu_s - (_own_cpu_s() - own0)
    return ProcessRun(returncode, ended - started, sampler.peak_rss / MIB,
                      sampler.peak_root_rss / MIB, sampler.peak_procs, cpu_s,
                      sampler.cpu_seen.get(sampler.root_key, 0.0) if sampler.root_key else 0.0,
                      max(0.0, other), sampler.root_trace,
                      started_epoch, ended_epoch,
                      out_path.read_text(encoding="utf-8", errors="replace"),
                      err_path.read_text(encoding="utf-8", errors="replace"))
