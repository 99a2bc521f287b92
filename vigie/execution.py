"""Executing a run: crawl its pending service scans, retry, judge, close — and resume it.

A crawl runs in a child process (Twisted's reactor starts once per process, and a run may need
several passes: retries, a resumed run). The child dies with its parent (``PR_SET_PDEATHSIG``),
and the parent stays small: it owns the run, forwards the child's progress events, and decides
what to redo. Every capture is committed by the child as it is made, so a killed run loses only
the pages in flight and can be resumed (``vigie scan --resume``).
"""

from __future__ import annotations

import os
import socket
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checks.runner import run_checks
from core.errors import BadInput, OperationalError
from core.events import Listener
from core.outcomes import CloseReason, RunStatus
from crawler.browser import BrowserChoice, BrowserNotFound, find_browser
from crawler.run import tool_versions
from indicators.runner import compute_indicators
from storage.artifacts import Artifacts
from storage.context import Storage
from storage.db import transaction
from storage.runs import (
    ServiceScanSummary,
    artifacts_of_run,
    artifacts_root,
    claim_run,
    close_reasons,
    close_scans,
    close_unfinished,
    closed_scans,
    create_run,
    finish_run,
    interrupt_dead_runs,
    observed_tool_versions,
    reset_service_scans,
    run_owner,
    run_status,
    scan_slugs,
    service_scan_summaries,
    unfinished_scan_ids,
    unstored_captures,
)
from vigie.backends import backend_for

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

# Close reasons that mean Vigie itself failed (the exit code reports them), as opposed to
# facts about a service (unreachable, robots...) which are findings.
OPERATIONAL_FAILURES = frozenset({CloseReason.error.value, CloseReason.browser_crashed.value})
SITE_FAILURES = frozenset({CloseReason.unreachable.value, CloseReason.timeout.value})
_PR_SET_PDEATHSIG = 1


class MissingArtifacts(OperationalError):
    """A stored run's artifacts are not where it wrote them: it cannot be judged again."""


class RunInProgress(BadInput):
    """The run is being executed by a live process: it cannot be resumed or re-run now."""


@dataclass
class Judgement:
    """What judging a run gave: findings per outcome, and the services it failed for."""

    findings: Counter[str]
    failures: dict[str, str] = field(default_factory=dict)  # service slug -> why


@dataclass
class ScanResult:
    run_id: int
    status: str
    findings: Counter[str]
    close_reasons: dict[str, str]
    summaries: list[ServiceScanSummary] = field(default_factory=list)
    judge_failures: dict[str, str] = field(default_factory=dict)  # service slug -> why
    # Captures whose artifacts could not be written (full disk, permissions).
    unstored_captures: int = 0
    # Services asked for but not scanned: no start URL (« pas de démarche en ligne »).
    not_online: list[str] = field(default_factory=list)

    @property
    def operational_failure(self) -> bool:
        return self.status != RunStatus.completed or self.unstored_captures > 0 or any(
            r in OPERATIONAL_FAILURES for r in self.close_reasons.values())


def this_process() -> dict[str, Any]:
    return {"host": socket.gethostname(), "pid": os.getpid()}


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def start_run(storage: Storage, slugs: Sequence[str], *, trigger: str = "manual",
              tag: Callable[[Session, int], None] | None = None) -> int:
    """A new run with one pending service scan per service, owned by this process; runs of
    dead processes of this host are closed as ``interrupted`` first (they stay resumable).
    ``tag`` marks the new run in the same transaction (the scheduler's due time)."""
    me = this_process()
    with transaction(storage.sessions) as session:
        interrupt_dead_runs(session, me["host"], pid_alive)
        run_id, _targets = create_run(
            session, slugs, trigger=trigger, config={**storage.settings.public_dict(),
                                                     "owner": me},
            tool_versions=tool_versions(),
            artifacts_root=str(storage.settings.artifacts_dir.resolve()))
        if tag is not None:
            tag(session, run_id)
    return run_id


def execute_run(storage: Storage, run_id: int, *, listener: Listener | None = None,
                browser: BrowserChoice | None = None) -> ScanResult:
    """Crawl the run's pending service scans (with retries), judge the run and close it."""
    config = storage.settings
    _refuse_other_artifacts_folder(storage, run_id)
    try:
        browser = browser or find_browser(config.browser_path)
    except BrowserNotFound as exc:
        raise OperationalError(str(exc)) from None
    with transaction(storage.sessions) as session:
        claim_run(session, run_id, this_process(), browser_source=browser.source)
    # The run says ``completed`` only once its checks are stored: until then it is running
    # (a process that dies while judging leaves it to be closed ``interrupted``).
    status = RunStatus.failed.value
    stats: dict[str, Any] = {}
    judgement = Judgement(Counter())
    try:
        stats = _crawl_with_retries(storage, run_id, browser, listener)
        with transaction(storage.sessions) as session:
            close_scans(session, run_id)
        judgement = judge(storage, run_id)
        status = (RunStatus.checks_failed if judgement.failures else RunStatus.completed).value
    finally:
        with transaction(storage.sessions) as session:
            close_unfinished(session, run_id)
            finish_run(session, run_id, status=status, stats=_public(stats),
                       tool_versions=observed_tool_versions(session, run_id))
    return result_of(storage, run_id, judgement)


def judge(storage: Storage, run_id: int, check_ids: list[str] | None = None, *,
          complete: bool = False) -> Judgement:
    """Run the checks over a run's stored captures, then recompute its indicators; each
    service on its own (one service's bad data never blocks the others). The artifacts are
    read where the run wrote them; with ``complete``, ``MissingArtifacts`` when some are not
    there (nothing is replaced then)."""
    artifacts = run_artifacts(storage, run_id, complete=complete)
    checks = run_checks(storage, run_id, check_ids, artifacts)
    indicators = compute_indicators(storage, run_id)
    with storage.sessions() as session:
        slugs = scan_slugs(session, run_id)
    failures = {slugs[scan_id]: reason for scan_id, reason in
                {**indicators.failures, **checks.failures}.items()}
    return Judgement(checks.findings, failures)


def run_artifacts(storage: Storage, run_id: int, *, complete: bool = False) -> Artifacts:
    """The run's artifact store; with ``complete``, ``MissingArtifacts`` (naming the run, the
    folder and an artifact it lacks) unless every artifact its captures point to is there."""
    with storage.sessions() as session:
        root = artifacts_root(session, run_id)
        needed = artifacts_of_run(session, run_id) if complete else []
    artifacts = storage.artifacts_at(root)
    missing = [(sha, ext) for sha, ext in needed if not artifacts.exists(sha, ext)]
    if missing:
        where = root or f"{storage.settings.artifacts_dir} (the current data folder's: the "\
                        "run predates recording its own)"
        sha, ext = missing[0]
        raise MissingArtifacts(
            f"run {run_id}: {len(missing)} of its {len(needed)} artifacts are missing from "
            f"{where}, e.g. {sha}.{ext}; nothing was replaced (is --data-dir / "
            "VIGIE_DATA_DIR the run's?)")
    return artifacts


def result_of(storage: Storage, run_id: int, judgement: Judgement) -> ScanResult:
    with storage.sessions() as session:
        return ScanResult(run_id, run_status(session, run_id), judgement.findings,
                          close_reasons(session, run_id), service_scan_summaries(session, run_id),
                          judgement.failures, unstored_captures(session, run_id))


def resume_run(storage: Storage, run_id: int, *, listener: Listener | None = None,
               browser: BrowserChoice | None = None) -> ScanResult:
    """Finish a run whose process died (or was stopped): its closed service scans are kept,
    the others are redone from the start (their partial captures removed, attempts + 1)."""
    _refuse_if_live(storage, run_id)
    _refuse_other_artifacts_folder(storage, run_id)
    with transaction(storage.sessions) as session:
        # A service scan a live worker holds goes on there; the run waits for it.
        reset_service_scans(session, unfinished_scan_ids(session, run_id, unleased=True))
    return execute_run(storage, run_id, listener=listener, browser=browser)


def rerun_services(storage: Storage, run_id: int, scan_ids: Sequence[int], *,
                   listener: Listener | None = None, browser: BrowserChoice | None = None
                   ) -> ScanResult:
    """Redo some service scans of a stored run (a new attempt each), then judge the run."""
    _refuse_if_live(storage, run_id)
    _refuse_other_artifacts_folder(storage, run_id)
    with transaction(storage.sessions) as session:
        reset_service_scans(session, [*scan_ids, *unfinished_scan_ids(session, run_id,
                                                                      unleased=True)])
    return execute_run(storage, run_id, listener=listener, browser=browser)


def _refuse_other_artifacts_folder(storage: Storage, run_id: int) -> None:
    """A run's artifacts stay in one folder: resuming or rerunning it with another data
    folder would split them, and its checks would not find half of them."""
    with storage.sessions() as session:
        root = artifacts_root(session, run_id)
    if root is not None and Path(root) != storage.settings.artifacts_dir.resolve():
        raise BadInput(f"run {run_id} writes its artifacts to {root}, not to "
                       f"{storage.settings.artifacts_dir.resolve()}: give the run's data folder "
                       "(--data-dir or VIGIE_DATA_DIR)")


def _refuse_if_live(storage: Storage, run_id: int) -> None:
    with storage.sessions() as session:
        status, owner = run_owner(session, run_id)
    if status != RunStatus.running:
        return
    me = this_process()
    pid = owner.get("pid")
    if owner.get("host") != me["host"]:
        raise RunInProgress(f"run {run_id} is marked running by {owner.get('host')} (pid "
                            f"{pid}); resume it there, or once that process is gone")
    # The owner itself, or a process it started (the scheduler's executor), may go on.
    if isinstance(pid, int) and pid not in (me["pid"], os.getppid()) and pid_alive(pid):
        raise RunInProgress(f"run {run_id} is still running (pid {pid})")


# -- passes and retries ---------------------------------------------------------------------------


def _crawl_with_retries(storage: Storage, run_id: int, browser: BrowserChoice,
                        listener: Listener | None) -> dict[str, Any]:
    config = storage.settings
    backend = backend_for(config)
    used: Counter[tuple[int, str]] = Counter()  # (service scan, "vigie"|"site") -> retries
    delayed: dict[int, float] = {}  # service scan -> when (monotonic) to redo it
    stats: dict[str, Any] = {}
    while True:
        with storage.sessions() as session:
            # Pending ones, and (workers) ones a live worker is scanning: wait for them too.
            pending = unfinished_scan_ids(session, run_id)
        if not pending and delayed:
            time.sleep(max(0.0, min(delayed.values()) - time.monotonic()))
        if not pending:
            due = [scan_id for scan_id, when in delayed.items() if when <= time.monotonic()]
            if not due:
                return stats
            for scan_id in due:
                del delayed[scan_id]
            with transaction(storage.sessions) as session:
                reset_service_scans(session, due)
            continue
        _merge(stats, backend.crawl(config, run_id, pending, browser, listener))
        with transaction(storage.sessions) as session:
            close_unfinished(session, run_id)
            closed = [c for c in closed_scans(session, run_id) if c.service_scan_id in pending]
            now_again = []
            for c in closed:
                if c.close_reason in OPERATIONAL_FAILURES and \
                        used[(c.service_scan_id, "vigie")] < config.retry_vigie_failures:
                    used[(c.service_scan_id, "vigie")] += 1
                    now_again.append(c.service_scan_id)
                elif c.close_reason in SITE_FAILURES and \
                        used[(c.service_scan_id, "site")] < config.retry_site_failures:
                    used[(c.service_scan_id, "site")] += 1
                    delayed[c.service_scan_id] = time.monotonic() + config.retry_delay
            reset_service_scans(session, now_again)


def _merge(total: dict[str, Any], stats: dict[str, Any]) -> None:
    """Scrapy's stats of successive passes: numbers add up, other values are the latest."""
    for key, value in stats.items():
        if isinstance(value, int | float) and isinstance(total.get(key), int | float):
            total[key] += value
        else:
            total[key] = value
    total["vigie/passes"] = total.get("vigie/passes", 0) + 1


def _public(stats: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in stats.items() if isinstance(v, int | float | str)}
