"""What the entry points show in a terminal (Rich): scan progress rows and the run summary."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from core.errors import BadInput, OperationalError
from core.events import CaptureStored, Listener, ScanEvent, ServiceFinished, ServiceStarted
from core.settings import Settings
from storage.runs import ServiceScanSummary
from vigie import app
from vigie.app import BadServiceList, ExitCode
from vigie.execution import ScanResult

COUNTED = ("attempted", "ok", "error", "timeout", "blocked")
console = Console()
err = Console(stderr=True)


@contextmanager
def handled() -> Iterator[None]:
    """Vigie's failures as messages and exit codes (README, « Exit codes »)."""
    try:
        yield
    except BadServiceList as exc:
        for issue in exc.issues:
            err.print(str(issue), highlight=False, markup=False)
        raise typer.Exit(ExitCode.bad_input) from None
    except BadInput as exc:
        raise fail(str(exc), ExitCode.bad_input) from None
    except OperationalError as exc:
        raise fail(str(exc), ExitCode.operational_failure) from None


def fail(message: str, code: ExitCode) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def run_scan(config: Settings, services_file: Path | None, only: list[str] | None,
             trigger: str = "manual") -> int:
    """Scan with progress rows and a summary table; returns the exit code."""
    return run_with_progress(lambda listener: app.scan_command(
        config, services_file, only, trigger=trigger, listener=listener))


def run_with_progress(job: Callable[[Listener], ScanResult]) -> int:
    """Run a scan job with progress rows, then its summary table; returns the exit code."""
    with handled(), scan_progress(console) as listener:
        result = job(listener)
    console.print(summary_table(result.run_id, result.summaries))
    if result.not_online:
        console.print(f"{len(result.not_online)} service(s) not scanned, no start URL (pas de "
                      f"démarche en ligne): {', '.join(result.not_online)}", highlight=False,
                      markup=False)
    for slug, reason in result.judge_failures.items():
        err.print(f"{slug}: {reason}", highlight=False, markup=False)
    if result.unstored_captures:
        err.print(f"{result.unstored_captures} capture(s) lost their artifacts (full disk or "
                  "permissions?): stored as errors with the reason", highlight=False)
    if result.judge_failures:
        err.print(f"run {result.run_id} closed {result.status}: the checks of "
                  f"{len(result.judge_failures)} service(s) could not be stored", highlight=False)
    elif result.operational_failure:
        err.print("some service scans failed on Vigie's side (see close reasons above)")
    return ExitCode.operational_failure if result.operational_failure else ExitCode.ok


class ScanProgress:
    """One progress row per service, fed by the scan's events."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[int, TaskID] = {}
        self.counts: dict[int, int] = {}

    def __call__(self, event: ScanEvent) -> None:
        key = event.service_scan_id
        if isinstance(event, ServiceStarted):
            self.tasks[key] = self.progress.add_task(event.slug, total=None, status="…")
            self.counts[key] = 0
        elif isinstance(event, CaptureStored):
            self.counts[key] += 1
            self.progress.update(self.tasks[key], completed=self.counts[key],
                                 status=f"{event.viewport} {event.outcome}")
        elif isinstance(event, ServiceFinished):
            self.progress.update(self.tasks[key], total=self.counts[key],
                                 completed=self.counts[key], status=event.close_reason)


@contextmanager
def scan_progress(console: Console) -> Iterator[Callable[[ScanEvent], None]]:
    columns = (SpinnerColumn(), TextColumn("{task.description:<24}"), BarColumn(),
               TextColumn("{task.completed} captures"), TextColumn("{task.fields[status]}"),
               TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        yield ScanProgress(progress)


def summary_table(run_id: int, summaries: list[ServiceScanSummary]) -> Table:
    table = Table(title=f"Run {run_id}")
    for col in ("service", "close reason", *COUNTED, "fail", "needs review"):
        table.add_column(col, justify="left" if col in ("service", "close reason") else "right")
    for s in summaries:
        table.add_row(s.slug, s.close_reason or "?",
                      *(str(s.counters.get(f"pages/{k}", 0)) for k in COUNTED),
                      str(s.findings.get("fail", 0)), str(s.findings.get("needs_review", 0)))
    return table
