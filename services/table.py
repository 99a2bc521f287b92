"""A service list as a table (CSV or spreadsheet): header, then one row per service.

The header says which column set the file uses (`services.columns`); identity columns become
`ServiceSpec` fields, published values go into `declared` (`services.published`), with their
cells as written kept in ``declared["as_published"]`` so the export can give them back, and
every other column is kept in `extra` and named in a notice. A row without a URL is a service
with no online procedure: imported with no start URL, never scanned.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from services.columns import (
    IDENTITY_ROLES,
    KNOWN,
    REF_SLUG_PREFIX,
    ColumnSet,
    column_key,
    detect_set,
    role_of,
)
from services.fields import (
    check_characters,
    check_duplicates,
    check_jdma_id,
    check_name,
    check_optional_text,
    check_schedule,
    check_slug,
    check_url,
    is_empty,
    slugify,
    suggestion,
)
from services.issues import BAD, IssueLog, RegistryIssue
from services.published import RATE_ROLES, READERS, is_fraction_column, rate
from services.spec import ServiceSpec

Row = tuple[int, list[str]]  # (line or sheet row, cells as text)
AS_PUBLISHED = "as_published"
_ALTERNATIVES = {"name": ("name", "Nom_Demarche", "Nom_demarche_AT_"),
                 "start_url": ("start_url", "URL_Demarche")}


@dataclass
class ServiceTable:
    """What a tabular file gave: its services, its notices (not errors), its column set."""

    specs: list[ServiceSpec]
    notices: list[RegistryIssue]
    column_set: str


@dataclass
class _Header:
    line: int
    names: list[str]
    column_set: ColumnSet
    roles: dict[str, int] = field(default_factory=dict)  # role -> column index
    extra: list[int] = field(default_factory=list)  # columns kept in `extra`
    unnamed: list[int] = field(default_factory=list)
    fractions: set[int] = field(default_factory=set)  # rate columns holding fractions


def read_table(rows: list[Row], log: IssueLog) -> ServiceTable:
    """Services from a header row and data rows; raises `RegistryError` listing every
    problem (and then nothing is returned)."""
    if not rows:
        log.add(1, "services", "file is empty: expected a header row and one row per service")
        raise log.error()
    header = _read_header(*rows[0], log)
    if log.issues:  # Row checks against a broken header would only repeat its problems.
        raise log.error()
    if len(rows) == 1:
        log.add(header.line, "services", "no services: the file has a header but no rows")
    for role in RATE_ROLES:
        index = header.roles.get(role)
        if index is not None and is_fraction_column([_cell(c, index) for _, c in rows[1:]]):
            header.fractions.add(index)
    readers = [_RowReader(header, line, cells, log) for line, cells in rows[1:]]
    specs = [reader.spec() for reader in readers]
    check_duplicates((reader.id for reader in readers if reader.id), log)
    log.raise_if_any()
    notices = [RegistryIssue(log.file, header.line, header.names[i],
                             f"not a column of the {header.column_set.name} column set "
                             "(nor of the others): kept in extra under its name")
               for i in header.extra]
    return ServiceTable([s for s in specs if s is not None], notices, header.column_set.name)


def _rate(role: str, fraction: bool, text: str) -> dict[str, Any]:
    return {role: rate(text, fraction)}


def _cell(cells: list[str], index: int) -> str:
    return cells[index].strip() if index < len(cells) else ""


def _read_header(line: int, cells: list[str], log: IssueLog) -> _Header:
    names = [cell.strip() for cell in cells]
    header = _Header(line, names, detect_set(names))
    first_index: dict[str, int] = {}
    misspelt: set[str] = set()  # roles of columns reported as typos
    for index, name in enumerate(names):
        key = column_key(name)
        if log.check(check_characters, name, line, f"column {index + 1}") is BAD:
            continue
        role = role_of(key, header.column_set)
        if not name:
            header.unnamed.append(index)
        elif key in first_index:
            message = f"column given twice (columns {first_index[key] + 1} and {index + 1})"
            log.add(line, name, message)
        elif role is not None:
            first_index[key] = index
            _assign_role(header, index, role, log)
        elif hint := suggestion(key, KNOWN):
            log.add(line, name, f"unknown column; did you mean {KNOWN[hint][0]!r}?")
            misspelt.add(KNOWN[hint][1])
        else:
            first_index[key] = index
            header.extra.append(index)
    if not {"id", "ref"} & (header.roles.keys() | misspelt):
        log.add(line, "id", "missing id column: add 'id', 'Ref_Demarche' or 'ID_Demarche'")
    for role, names_given in _ALTERNATIVES.items():
        if role not in header.roles and role not in misspelt:
            wanted = ", ".join(repr(n) for n in names_given[:-1]) + f" or {names_given[-1]!r}"
            log.add(line, role, f"missing required column: add {wanted}")
    return header


def _assign_role(header: _Header, index: int, role: str, log: IssueLog) -> None:
    if role in header.roles:
        other = header.names[header.roles[role]]
        log.add(header.line, header.names[index], f"gives the same field as column {other!r}")
    else:
        header.roles[role] = index


class _RowReader:
    """One data row; issues are reported under the column name as written in the file."""

    def __init__(self, header: _Header, line: int, cells: list[str], log: IssueLog) -> None:
        self.header = header
        self.line = line
        self.cells = cells
        self.log = log
        self.ok = True
        self.id: tuple[str, int, str] | None = None  # (slug, line, column) once read

    def cell(self, index: int) -> str:
        return _cell(self.cells, index)

    def text(self, role: str) -> str:
        return self.cell(self.header.roles[role]) if role in self.header.roles else ""

    def column(self, role: str) -> str:
        return self.header.names[self.header.roles[role]]

    def fail(self, field_name: str, message: str) -> Any:
        self.log.add(self.line, field_name, message)
        self.ok = False
        return BAD

    def check(self, role: str, fn: Callable[[Any], Any], value: Any = None) -> Any:
        if role not in self.header.roles:
            return fn(None)
        raw = self.text(role) if value is None else value
        result = self.log.check(fn, raw, self.line, self.column(role))
        self.ok = self.ok and result is not BAD
        return result

    def spec(self) -> ServiceSpec | None:
        width = len(self.header.names)
        if any(cell.strip() for cell in self.cells[width:]):
            self.fail("row", f"{len(self.cells)} values but the header has {width} columns")
            return None
        for index in self.header.unnamed:
            if self.cell(index):
                self.fail(f"column {index + 1}", "value in a column with no name in the header")
        slug, slug_field = self.slug()
        if slug is not BAD:
            self.id = (slug, self.line, slug_field)
        spec = ServiceSpec(
            slug=slug,
            name=self.check("name", check_name),
            start_url=self.start_url(),
            extra_urls=self.extra_urls(),
            ministry=self.check("ministry", check_optional_text),
            administration=self.check("administration", check_optional_text),
            jdma_id=self.check("jdma_id", check_jdma_id),
            declared=self.declared(),
            extra=self.extra(),
            schedule=self.check("schedule", check_schedule),
        )
        return spec if self.ok else None

    def slug(self) -> tuple[Any, str]:
        """Vigie's `id` if given, else one derived from the observatory's stable reference."""
        if self.text("id"):
            return self.check("id", check_slug), self.column("id")
        if self.text("ref"):
            ref = self.check("ref", check_characters)
            if ref is BAD:
                return BAD, self.column("ref")
            if not slugify(ref):
                return self.fail(self.column("ref"), f"cannot make an id from {ref!r}"), ""
            return self.check("ref", check_slug, REF_SLUG_PREFIX + slugify(ref)), self.column("ref")
        name = self.column("id") if "id" in self.header.roles else self.column("ref")
        return self.fail(name, "missing required value"), name

    def start_url(self) -> Any:
        """None for a row without a URL (``-``, ``NC``… too): a service not online."""
        if is_empty(self.text("start_url")):
            return None
        return self.check("start_url", check_url)

    def extra_urls(self) -> Any:
        if not self.text("extra_urls"):
            return []
        urls = [
            self.check("extra_urls", check_url, part)
            for part in re.split(r"[\s|]+", self.text("extra_urls"))
            if part
        ]
        return BAD if any(url is BAD for url in urls) else urls

    def declared(self) -> dict[str, Any]:
        """The published values, and their cells as written (``as_published``)."""
        declared: dict[str, Any] = {}
        cells: dict[str, str] = {}
        for role, index in self.header.roles.items():
            raw = self.cell(index)
            if role in IDENTITY_ROLES or not raw:
                continue
            name = self.header.names[index]
            if self.log.check(check_characters, raw, self.line, name) is BAD:
                self.ok = False
                continue
            cells[name] = raw  # « - » and « NC » too: the export gives them back
            if is_empty(raw):
                continue
            reader = READERS.get(role) or partial(_rate, role, index in self.header.fractions)
            values = self.log.check(reader, raw, self.line, name)
            if values is BAD:
                self.ok = False
            else:
                declared.update(values)
        if cells:
            declared[AS_PUBLISHED] = cells
        return declared

    def extra(self) -> dict[str, Any]:
        extra = {self.header.names[i]: self.cell(i) for i in self.header.extra if self.cell(i)}
        for name, value in extra.items():
            if self.log.check(lambda v: check_characters(v, shown=False), value, self.line,
                              name) is BAD:
                self.ok = False
        if self.text("ref"):  # the raw reference, which the derived id may have normalised
            extra[self.column("ref")] = self.text("ref")
        return extra
