"""`vigie services`: validate, import and list the registry of services to scan."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from core.settings import Settings
from services import RegistryError, ServiceSpec, load_services, upsert_services
from storage.context import SchemaOutOfDate, Storage
from storage.db import transaction
from storage.services import list_services

ISSUES_EXIT_CODE = 2

services_app = typer.Typer(
    help="The registry of services to scan: validate a YAML/CSV file, import it, list it.",
    no_args_is_help=True,
)

RegistryFile = Annotated[
    Path, typer.Argument(help="Registry file: .yaml/.yml, or .csv (observatory export).")
]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _load_or_exit(path: Path, consequence: str) -> list[ServiceSpec]:
    """The file's services; on any issue, print them all on stderr and exit 2."""
    try:
        return load_services(path)
    except RegistryError as exc:
        for issue in exc.issues:
            typer.echo(str(issue), err=True)
        typer.echo(f"{_plural(len(exc.issues), 'issue')} in {path}{consequence}", err=True)
        raise typer.Exit(ISSUES_EXIT_CODE) from None


@services_app.command("validate")
def validate(file: RegistryFile) -> None:
    """Check a registry file and report every problem with its line."""
    specs = _load_or_exit(file, "")
    typer.echo(f"{_plural(len(specs), 'service')} OK")


@services_app.command("import")
def import_(file: RegistryFile) -> None:
    """Validate a registry file, then create or update its services (all or nothing)."""
    specs = _load_or_exit(file, ": nothing imported")
    storage = Storage.open(Settings.from_env())
    try:
        with transaction(storage.sessions) as session:
            created, updated = upsert_services(session, specs)
    finally:
        storage.close()
    unchanged = len(specs) - created - updated
    typer.echo(f"{created} created, {updated} updated, {unchanged} unchanged ({file})")


@services_app.command("list")
def list_() -> None:
    """Show the services in the database."""
    try:
        storage = Storage.open(Settings.from_env(), migrate=False)
    except SchemaOutOfDate as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    try:
        with storage.sessions() as session:
            rows = list_services(session)
    finally:
        storage.close()
    if not rows:
        typer.echo("No services in the database: import a registry with `vigie services import`.")
        return
    table = Table(title=_plural(len(rows), "service"))
    table.add_column("id", overflow="fold")
    table.add_column("name", overflow="fold")
    table.add_column("start URL", overflow="fold")
    table.add_column("ministry", overflow="fold")
    for row in rows:
        # Text(): names such as "Aide [beta]" must not be read as Rich markup.
        table.add_row(*(Text(v) for v in (row.slug, row.name, row.start_url, row.ministry or "")))
    Console().print(table)
