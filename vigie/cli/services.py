"""`vigie services`: validate, import and list the registry of services to scan."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from core.errors import OperationalError
from services import ServiceSpec, ServiceTable
from vigie import app
from vigie.app import BadServiceList, ExitCode

services_app = typer.Typer(
    help="The registry of services to scan: validate a YAML/CSV/XLSX file, import it, list it.",
    no_args_is_help=True,
)

RegistryFile = Annotated[
    Path, typer.Argument(help="Registry file: .yaml/.yml, or .csv/.xlsx (Vigie's columns, "
                         "the observatory's open-data export or its Grist table).")
]
LIST_FORMATS = ("table", "json", "csv")
NOT_ONLINE = "pas de démarche en ligne"
LIST_COLUMNS = ("id", "name", "start_url", "extra_urls", "ministry", "administration",
                "jdma_id", "schedule", "declared", "extra")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _load_or_exit(path: Path, consequence: str) -> ServiceTable:
    """The file's services; on any issue, print them all on stderr and exit 2. Notices
    (columns kept in ``extra``) are printed on stderr too, and do not stop anything."""
    try:
        table = app.read_service_list(path)
    except BadServiceList as exc:
        for issue in exc.issues:
            typer.echo(str(issue), err=True)
        typer.echo(f"{_plural(len(exc.issues), 'issue')} in {path}{consequence}", err=True)
        raise typer.Exit(ExitCode.bad_input) from None
    for notice in table.notices:
        typer.echo(f"{notice.file}:{notice.line}: {notice.field}: notice: {notice.message}",
                   err=True)
    return table


def _described(table: ServiceTable) -> str:
    """« 3 services OK », with the column set and the services without a URL."""
    offline = sum(1 for spec in table.specs if spec.start_url is None)
    parts = [] if table.column_set == "yaml" else [f"{table.column_set} columns"]
    if offline:
        parts.append(f"{offline} without a URL ({NOT_ONLINE}: never scanned)")
    if table.notices:
        parts.append(f"{_plural(len(table.notices), 'column')} kept in extra")
    return f" ({'; '.join(parts)})" if parts else ""


@services_app.command("validate")
def validate(file: RegistryFile) -> None:
    """Check a registry file and report every problem with its line; name every column
    kept in `extra` as is."""
    table = _load_or_exit(file, "")
    typer.echo(f"{_plural(len(table.specs), 'service')} OK{_described(table)}")


@services_app.command("import")
def import_(file: RegistryFile) -> None:
    """Validate a registry file, then create or update its services (all or nothing)."""
    table = _load_or_exit(file, ": nothing imported")
    with app.open_storage(app.settings()) as storage:
        created, updated = app.import_services(storage, table.specs)
    unchanged = len(table.specs) - created - updated
    typer.echo(f"{created} created, {updated} updated, {unchanged} unchanged ({file})"
               f"{_described(table)}")


@services_app.command("list")
def list_(
    format: Annotated[str, typer.Option("--format", help="table, json or csv (json and csv "
                                        "give every field, declared and extra included).")
                      ] = "table",
) -> None:
    """Show the services in the database."""
    if format not in LIST_FORMATS:
        typer.echo(f"--format: expected one of {', '.join(LIST_FORMATS)}, got {format!r}",
                   err=True)
        raise typer.Exit(ExitCode.bad_input)
    try:
        with app.open_storage(app.settings(), migrate=False) as storage:
            specs = app.list_services(storage)
    except OperationalError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(ExitCode.operational_failure) from None
    if format == "json":
        sys.stdout.write(json.dumps({"services": [_record(s) for s in specs]},
                                    ensure_ascii=False, indent=2) + "\n")
    elif format == "csv":
        sys.stdout.write(_csv(specs))
    elif not specs:
        typer.echo("No services in the database: import a registry with `vigie services import`.")
    else:
        _print_table(specs)


def _record(spec: ServiceSpec) -> dict[str, Any]:
    values = spec.column_values()
    return {"id": values.pop("slug"), **{k: values[k] for k in LIST_COLUMNS if k != "id"}}


def _csv(specs: list[ServiceSpec]) -> str:
    """One row per service; lists and mappings as JSON text, no value as an empty cell."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=LIST_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for spec in specs:
        writer.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict)
                         else "" if v is None else v for k, v in _record(spec).items()})
    return out.getvalue()


def _print_table(specs: list[ServiceSpec]) -> None:
    table = Table(title=_plural(len(specs), "service"))
    table.add_column("id", overflow="fold")
    table.add_column("name", overflow="fold")
    table.add_column("start URL", overflow="fold")
    table.add_column("ministry", overflow="fold")
    for spec in specs:
        # Text(): names such as "Aide [beta]" must not be read as Rich markup.
        url = Text(spec.start_url) if spec.start_url else Text(f"({NOT_ONLINE})", style="dim")
        table.add_row(Text(spec.slug), Text(spec.name), url, Text(spec.ministry or ""))
    Console().print(table)
