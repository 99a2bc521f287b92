"""The ``vigie`` command line (Typer + Rich)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from core.settings import Settings
from core.version import __version__
from crawler.browser import BrowserNotFound
from storage.context import Storage
from vigie.cli_services import services_app

app = typer.Typer(help="Vigie: evidence about the quality of French public online services.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
app.add_typer(services_app, name="services", help="Validate, import and list services.")
console = Console()
err = Console(stderr=True)

EXIT_OPERATIONAL = 1
EXIT_BAD_INPUT = 2

DataDir = Annotated[Path | None, typer.Option(help="Data folder (database, artifacts). "
                                              "Default: $VIGIE_DATA_DIR or ./vigie-data")]
RunOpt = Annotated[str, typer.Option("--run", help="Run id, or 'latest'.")]


def _settings(data_dir: Path | None = None, **overrides: Any) -> Settings:
    return Settings.from_env().with_overrides(data_dir=data_dir, **overrides)


def _fail(message: str, code: int) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


@app.callback(invoke_without_command=True)
def main(version: Annotated[bool, typer.Option("--version", help="Show the version.")] = False
         ) -> None:
    if version:
        console.print(f"vigie {__version__}")
        raise typer.Exit(0)


@app.command()
def init(data_dir: DataDir = None) -> None:
    """Create the database, or upgrade it to the newest schema."""
    from storage.migrate import current_revision

    storage = Storage.open(_settings(data_dir))
    console.print(f"database ready: {storage.settings.public_dict()['database_url']} "
                  f"(schema {current_revision(storage.engine)})")
    storage.close()


class ScanProgress:
    """One progress row per service, fed by the crawler's events."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[int, TaskID] = {}
        self.counts: dict[int, int] = {}

    def __call__(self, event: str, data: dict[str, Any]) -> None:
        key = data["service_scan_id"]
        if event == "service_started":
            self.tasks[key] = self.progress.add_task(data["slug"], total=None, status="…")
            self.counts[key] = 0
        elif event == "capture":
            self.counts[key] += 1
            self.progress.update(self.tasks[key], completed=self.counts[key],
                                 status=f"{data['viewport']} {data['outcome']}")
        elif event == "service_finished":
            self.progress.update(self.tasks[key], total=self.counts[key],
                                 completed=self.counts[key], status=data["close_reason"])


def run_scan(settings: Settings, services_file: Path | None, only: list[str] | None,
             trigger: str = "manual") -> int:
    from services import RegistryError, load_services, upsert_services
    from vigie.scan import UnknownServices, scan, select_services

    specs = None
    if services_file is not None:
        try:
            specs = load_services(services_file)
        except RegistryError as exc:
            for issue in exc.issues:
                err.print(str(issue), highlight=False)
            raise typer.Exit(EXIT_BAD_INPUT) from None
    storage = Storage.open(settings)
    try:
        if specs is not None:
            from storage.db import transaction

            with transaction(storage.sessions) as session:
                upsert_services(session, specs)
            only = only or [s.slug for s in specs]
        try:
            services = select_services(storage, only)
        except UnknownServices as exc:
            raise _fail(str(exc), EXIT_BAD_INPUT) from None
        if not services:
            raise _fail("no service to scan: import some with `vigie services import FILE` "
                        "or pass --services FILE", EXIT_BAD_INPUT)
        columns = (SpinnerColumn(), TextColumn("{task.description:<24}"), BarColumn(),
                   TextColumn("{task.completed} captures"), TextColumn("{task.fields[status]}"),
                   TimeElapsedColumn())
        with Progress(*columns, console=console, transient=False) as progress:
            result = scan(storage, services, trigger=trigger, listener=ScanProgress(progress))
        print_summary(storage, result.run_id)
        if result.operational_failure:
            err.print("some service scans failed on Vigie's side (see close reasons above)")
            return EXIT_OPERATIONAL
        return 0
    except BrowserNotFound as exc:
        raise _fail(str(exc), EXIT_OPERATIONAL) from None
    finally:
        storage.close()


def print_summary(storage: Storage, run_id: int) -> None:
    from sqlalchemy import func, select

    from storage.models import Finding, ScanRun

    table = Table(title=f"Run {run_id}")
    for col in ("service", "close reason", "attempted", "ok", "error", "timeout", "blocked",
                "fail", "needs review"):
        table.add_column(col, justify="left" if col in ("service", "close reason") else "right")
    with storage.sessions() as session:
        run = session.get_one(ScanRun, run_id)
        for sc in run.service_scans:
            outcomes = dict(session.execute(
                select(Finding.outcome, func.count()).where(Finding.service_scan_id == sc.id)
                .group_by(Finding.outcome)).tuples().all())
            c = sc.counters or {}
            table.add_row(sc.service.slug, sc.close_reason or "?",
                          *(str(c.get(f"pages/{k}", 0))
                            for k in ("attempted", "ok", "error", "timeout", "blocked")),
                          str(outcomes.get("fail", 0)), str(outcomes.get("needs_review", 0)))
    console.print(table)


@app.command("scan")
def scan_command(
    services: Annotated[Path | None, typer.Option("--services", help="Import this YAML/CSV "
                                                  "service list first, and scan its services.")
                        ] = None,
    only: Annotated[list[str] | None, typer.Option("--only", help="Scan only this service id "
                                                   "(repeatable).")] = None,
    data_dir: DataDir = None,
    allow_private: Annotated[bool | None, typer.Option(
        "--allow-private/--no-allow-private", help="Allow private and loopback addresses.")
    ] = None,
    obey_robots: Annotated[bool | None, typer.Option("--obey-robots/--ignore-robots")] = None,
    max_pages: Annotated[int | None, typer.Option(min=1, help="Distinct pages per service.")
                         ] = None,
    concurrency: Annotated[int | None, typer.Option(min=1)] = None,
    delay: Annotated[float | None, typer.Option(min=0, help="Seconds between requests to a "
                                                "host.")] = None,
) -> None:
    """Scan services: capture their pages, run the checks, store everything.

    The exit code reports operational failure (1) or bad input (2), never findings.
    """
    settings = _settings(data_dir, allow_private=allow_private, obey_robots=obey_robots,
                         max_pages=max_pages, concurrency=concurrency, download_delay=delay)
    raise typer.Exit(run_scan(settings, services, only))


@app.command()
def recheck(run: RunOpt = "latest", data_dir: DataDir = None,
            check: Annotated[list[str] | None, typer.Option(help="Only this check id.")] = None
            ) -> None:
    """Recompute a stored run's findings and indicators from its captures (no browser)."""
    from checks.runner import run_checks
    from indicators.runner import compute_indicators
    from storage.repository import resolve_run

    storage = Storage.open(_settings(data_dir))
    with storage.sessions() as session:
        found = resolve_run(session, run)
    if found is None:
        raise _fail(f"no run {run!r} in {storage.settings.public_dict()['database_url']}",
                    EXIT_BAD_INPUT)
    totals = run_checks(storage, found.id, check)
    compute_indicators(storage, found.id)
    console.print(f"run {found.id}: " + ", ".join(f"{v} {k}" for k, v in sorted(totals.items()))
                  + "; indicators recomputed")


EXPORT_KINDS = ("run", "findings", "indicators")


@app.command()
def export(
    what: Annotated[str, typer.Argument(help="run (services, captures and findings; alias: "
                                        "findings) or indicators")] = "run",
    run: RunOpt = "latest",
    format: Annotated[str, typer.Option("--format", help="json or csv")] = "json",
    out: Annotated[Path | None, typer.Option(help="run, JSON: file (default: standard output); "
                                             "run, CSV: folder (default: "
                                             "./vigie-export-<run>); indicators: file "
                                             "(default: standard output).")] = None,
    data_dir: DataDir = None,
) -> None:
    """Export a run: its services, captures and findings, or its indicators (docs/export.md)."""
    from reports.data import load_run
    from reports.export import to_json, write_csv
    from reports.indicators_export import indicators_csv, indicators_json
    from storage.repository import resolve_run

    if what not in EXPORT_KINDS:
        raise _fail(f"WHAT: expected one of {', '.join(EXPORT_KINDS)}, got {what!r}",
                    EXIT_BAD_INPUT)
    if format not in ("json", "csv"):
        raise _fail(f"--format: expected json or csv, got {format!r}", EXIT_BAD_INPUT)
    storage = Storage.open(_settings(data_dir))
    with storage.sessions() as session:
        found = resolve_run(session, run)
        if found is None:
            raise _fail(f"--run: no run {run!r} in the database", EXIT_BAD_INPUT)
        data = load_run(session, found)
    if what == "indicators":
        _write_text(indicators_json(data) if format == "json" else indicators_csv(data), out)
    elif format == "json":
        _write_text(to_json(data) + "\n", out)
    else:
        for path in write_csv(data, out or Path(f"vigie-export-{found.id}")):
            err.print(f"wrote {path}")


def _write_text(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        out.write_text(text, encoding="utf-8")
        err.print(f"wrote {out}")


@app.command()
def report(run: RunOpt = "latest",
           out: Annotated[Path, typer.Option(help="Folder to write the report into.")
                          ] = Path("vigie-report"),
           data_dir: DataDir = None) -> None:
    """Write the HTML report site of a run (open DIR/index.html, or `vigie serve --dir DIR`)."""
    from reports.site.build import write_site
    from storage.repository import resolve_run

    storage = Storage.open(_settings(data_dir))
    with storage.sessions() as session:
        found = resolve_run(session, run)
    if found is None:
        raise _fail(f"--run: no run {run!r} in the database", EXIT_BAD_INPUT)
    try:
        index = write_site(storage, found, out)
    finally:
        storage.close()
    console.print(f"report: {index}")


@app.command()
def serve(
    dir: Annotated[Path | None, typer.Option("--dir", help="Report folder. Default: "
                                             "./vigie-report, else ./vigie-demo/report.")
                   ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0: any free port).")
                    ] = 8000,
) -> None:
    """Serve a report folder over HTTP (with its Content Security Policy); Ctrl-C stops it."""
    from reports.site.serve import make_server

    folder = dir
    if folder is None:
        candidates = [Path("vigie-report"), Path("vigie-demo") / "report"]
        folder = next((c for c in candidates if (c / "index.html").is_file()), candidates[0])
    if not (folder / "index.html").is_file():
        raise _fail(f"--dir: no index.html in {folder} (write one with `vigie report --out "
                    f"{folder}`)", EXIT_BAD_INPUT)
    try:
        server = make_server(folder, host, port)
    except OSError as exc:
        raise _fail(f"cannot listen on {host}:{port}: {exc}", EXIT_OPERATIONAL) from None
    shown = f"[{host}]" if ":" in host else host
    console.print(f"serving {folder.resolve()} at http://{shown}:{server.server_port}/ "
                  "(Ctrl-C to stop)", highlight=False)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        console.print("stopped")
    finally:
        server.server_close()


@app.command()
def demo(out: Annotated[Path, typer.Option(help="Folder for the demo's database, artifacts "
                                           "and report.")] = Path("vigie-demo")) -> None:
    """Serve the bundled demo services on 127.0.0.1, scan them and write the report."""
    from vigie.demo.run import run_demo

    raise typer.Exit(run_demo(out, console))


if __name__ == "__main__":
    app()
