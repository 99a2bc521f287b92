"""`vigie services`: validate, import and list the registry of services to scan."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from core.errors import OperationalError
from services import ServiceSpec
from vigie import app
from vigie.app import BadServiceList, ExitCode

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
        return app.read_services(path)
    except BadServiceList as exc:
        for issue in exc.issues:
            typer.echo(str(issue), err=True)
        typer.echo(f"{_plural(len(exc.issues), 'issue')} in {path}{consequence}", err=True)
        raise typer.Exit(ExitCode.bad_input) from None


@services_app.command("validate")
def validate(file: RegistryFile) -> None:
    """Check a registry file and report every problem with its line."""
    specs = _load_or_exit(file, "")
    typer.echo(f"{_plural(len(specs), 'service')} OK")


@services_app.command("import")
def import_(file: RegistryFile) -> None:
    """Validate a registry file, then create or update its services (all or nothing)."""
    specs = _load_or_exit(file, ": nothing imported")
    with app.open_storage(app.settings()) as storage:
        created, updated = app.import_services(storage, specs)
    unchanged = len(specs) - created - updated
    typer.echo(f"{created} created, {updated} updated, {unchanged} unchanged ({file})")


@services_app.command("list")
def list_() -> None:
    """Show the services in the database."""
    try:
        with app.open_storage(app.settings(), migrate=False) as storage:
            specs = app.list_services(storage)
    except OperationalError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(ExitCode.operational_failure) from None
    if not specs:
        typer.echo("No services in the database: import a registry with `vigie services import`.")
        return
    table = Table(title=_plural(len(specs), "service"))
    table.add_column("id", overflow="fold")
    table.add_column("name", overflow="fold")
    table.add_column("start URL", overflow="fold")
    table.add_column("ministry", overflow="fold")
    for spec in specs:
        # Text(): names such as "Aide [beta]" must not be read as Rich markup.
        table.add_row(*(Text(v) for v in (spec.slug, spec.name, spec.start_url,
                                          spec.ministry or "")))
    Console().print(table)
