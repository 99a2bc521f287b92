"""The ``vigie`` command line (Typer + Rich): argument parsing and display only.

Every command calls one function of the orchestration layer (``vigie.app``); failures come
back as ``core.errors`` types and become exit codes here, in one place (``handled``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from core.version import __version__
from storage.migrate import current_revision
from vigie import app as vigie_app
from vigie.app import ExitCode
from vigie.cli.operations import schedule, status
from vigie.cli.services import services_app
from vigie.console import console, err, fail, handled, run_scan, run_with_progress

app = typer.Typer(help="Vigie: evidence about the quality of French public online services.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
app.add_typer(services_app, name="services", help="Validate, import and list services.")
app.command()(schedule)
app.command()(status)

DataDir = Annotated[Path | None, typer.Option(help="Data folder (database, artifacts). "
                                              "Default: $VIGIE_DATA_DIR or ./vigie-data")]
RunOpt = Annotated[str, typer.Option("--run", help="Run id, or 'latest'.")]


@app.callback(invoke_without_command=True)
def main(version: Annotated[bool, typer.Option("--version", help="Show the version.")] = False
         ) -> None:
    if version:
        console.print(f"vigie {__version__}")
        raise typer.Exit(ExitCode.ok)


@app.command()
def init(data_dir: DataDir = None) -> None:
    """Create the database, or upgrade it to the newest schema."""
    config = vigie_app.settings(data_dir)
    with handled(), vigie_app.open_storage(config) as storage:
        console.print(f"database ready: {vigie_app.database_name(config)} "
                      f"(schema {current_revision(storage.engine)})")


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
    allowed_private: Annotated[str | None, typer.Option(
        "--allowed-private", metavar="ADDRESSES",
        help="Without --allow-private: the only private addresses or networks allowed, "
             "comma-separated (e.g. 127.0.0.1,10.1.0.0/16).")] = None,
    obey_robots: Annotated[bool | None, typer.Option("--obey-robots/--ignore-robots")] = None,
    max_pages: Annotated[int | None, typer.Option(min=1, help="Distinct pages per service.")
                         ] = None,
    concurrency: Annotated[int | None, typer.Option(min=1)] = None,
    delay: Annotated[float | None, typer.Option(min=0, help="Seconds between requests to a "
                                                "host.")] = None,
    resume: Annotated[str | None, typer.Option(
        "--resume", metavar="[RUN|latest]",
        help="Finish a run whose process died instead of starting one: its closed service "
             "scans are kept, the others redone. Alone: the latest run.")] = None,
) -> None:
    """Scan services: capture their pages, run the checks, store everything.

    The exit code reports operational failure (1) or bad input (2), never findings.
    """
    with handled():
        config = vigie_app.settings(data_dir, allow_private=allow_private,
                                    allowed_private=allowed_private, obey_robots=obey_robots,
                                    max_pages=max_pages, concurrency=concurrency,
                                    download_delay=delay)
    if resume is not None:
        if services is not None or only:
            raise fail("--resume: a resumed run keeps its own services (no --services, --only)",
                       ExitCode.bad_input)
        raise typer.Exit(run_with_progress(
            lambda listener: vigie_app.resume(config, resume, listener=listener)))
    raise typer.Exit(run_scan(config, services, only))


@app.command()
def rerun(
    service: Annotated[list[str], typer.Option("--service", help="Service id to redo "
                                               "(repeatable).")],
    run: RunOpt = "latest",
    data_dir: DataDir = None,
    report_dir: Annotated[Path | None, typer.Option(
        "--report", help="Rewrite the run's report site into this folder afterwards.")
    ] = None,
    allow_private: Annotated[bool | None, typer.Option(
        "--allow-private/--no-allow-private", help="Allow private and loopback addresses.")
    ] = None,
    allowed_private: Annotated[str | None, typer.Option(
        "--allowed-private", metavar="ADDRESSES",
        help="Without --allow-private: the only private addresses or networks allowed, "
             "comma-separated (e.g. 127.0.0.1,10.1.0.0/16).")] = None,
) -> None:
    """Redo some services of a stored run now (a new attempt each), and judge the run again."""
    with handled():
        config = vigie_app.settings(data_dir, allow_private=allow_private,
                                    allowed_private=allowed_private)
    raise typer.Exit(run_with_progress(
        lambda listener: vigie_app.rerun(config, run, service, listener=listener,
                                         report_dir=report_dir)))


@app.command()
def recheck(run: RunOpt = "latest", data_dir: DataDir = None,
            check: Annotated[list[str] | None, typer.Option(help="Only this check id.")] = None
            ) -> None:
    """Recompute a stored run's findings and indicators from its captures (no browser)."""
    with handled(), vigie_app.open_storage(vigie_app.settings(data_dir)) as storage:
        run_id, judgement = vigie_app.recheck(storage, run, check)
    console.print(f"run {run_id}: " + ", ".join(
        f"{v} {k}" for k, v in sorted(judgement.findings.items())) + "; indicators recomputed")
    if judgement.failures:
        for slug, reason in judgement.failures.items():
            err.print(f"{slug}: {reason}", highlight=False, markup=False)
        raise fail(f"run {run_id}: the checks of {len(judgement.failures)} service(s) could "
                   "not be stored", ExitCode.operational_failure)


@app.command()
def export(
    what: Annotated[str, typer.Argument(help="run (services, captures and findings; alias: "
                                        "findings), indicators or compare (published vs "
                                        "measured)")] = "run",
    run: RunOpt = "latest",
    format: Annotated[str, typer.Option("--format", help="json or csv")] = "json",
    out: Annotated[Path | None, typer.Option(help="run, JSON: file (default: standard output); "
                                             "run, CSV: folder (default: "
                                             "./vigie-export-<run>); indicators, compare: "
                                             "file (default: standard output).")] = None,
    columns: Annotated[str, typer.Option(
        "--columns", help="indicators: the column names, vigie, open-data (the observatory's "
        "2025 open data) or grist (its Grist table).")] = "vigie",
    quarter: Annotated[str | None, typer.Option(
        "--quarter", metavar="YEAR-TN", help="indicators: for each service, its last completed "
        "run in this quarter (2026-T3 or 2026-Q3) instead of --run.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Export a run: its services, captures and findings, its indicators, or its published vs
    measured comparison (docs/export.md)."""
    with handled():
        # Before storage: a bad option writes nothing.
        vigie_app.check_export_arguments(what, format, columns, quarter)
        if quarter is not None and run != "latest":
            raise fail("--run and --quarter: give one of them", ExitCode.bad_input)
        with vigie_app.open_storage(vigie_app.settings(data_dir)) as storage:
            result = vigie_app.export(storage, what, run, format, out, columns=columns,
                                      quarter=quarter)
    if result.text is not None:
        _write_text(result.text, out)
    for path in result.files:
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
    with handled(), vigie_app.open_storage(vigie_app.settings(data_dir)) as storage:
        index = vigie_app.report(storage, run, out)
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
        raise fail(f"--dir: no index.html in {folder} (write one with `vigie report --out "
                    f"{folder}`)", ExitCode.bad_input)
    try:
        server = make_server(folder, host, port)
    except OSError as exc:
        raise fail(f"cannot listen on {host}:{port}: {exc}", ExitCode.operational_failure
                    ) from None
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
def worker(data_dir: DataDir = None,
           loglevel: Annotated[str, typer.Option(help="Celery's log level.")] = "INFO") -> None:
    """Scan the services the scheduler sends through VIGIE_BROKER_URL (Celery + Redis).

    One service at a time; run one worker per core. Needs PostgreSQL (VIGIE_DATABASE_URL).
    """
    from vigie.workers import run_worker

    with handled():
        run_worker(vigie_app.settings(data_dir), loglevel=loglevel)


@app.command()
def demo(out: Annotated[Path, typer.Option(help="Folder for the demo's database, artifacts "
                                           "and report.")] = Path("vigie-demo")) -> None:
    """Serve the bundled demo services on 127.0.0.1, scan them and write the report."""
    from vigie.demo.run import run_demo

    raise typer.Exit(run_demo(out, console))


if __name__ == "__main__":
    app()
