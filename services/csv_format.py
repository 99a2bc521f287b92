"""The CSV service list: the observatory's export or Vigie's own column names.

The observatory ("Observatoire de la qualité des démarches en ligne") publishes one row
per online procedure ("démarche"); its columns are mapped to `ServiceSpec` fields below
and every other column is kept in `extra`, so nothing in the export is lost.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from core.text import fold_to_ascii
from services.fields import (
    check_characters,
    check_duplicates,
    check_jdma_id,
    check_name,
    check_optional_text,
    check_rate,
    check_schedule,
    check_slug,
    check_url,
    franceconnect_flag,
    slugify,
    suggestion,
)
from services.issues import BAD, IssueLog
from services.spec import ServiceSpec

# Column name -> the role it plays. Names match ignoring case, accents, spaces/hyphens.
OBSERVATORY_COLUMNS = {
    "Ref_Demarche": "ref",
    "Nom_Demarche": "name",
    "URL_Demarche": "start_url",
    "Dashlord_ID_JDMA": "jdma_id",
    "Nom_Ministere": "ministry",
    "Nom_Administration": "administration",
    "Taux_RGAA_Publie": "rgaa_rate",
    "FranceConnect": "franceconnect",
}
VIGIE_COLUMNS = {
    name: name
    for name in ("id", "name", "start_url", "extra_urls", "ministry", "administration", "jdma_id",
                 "schedule")
}
KNOWN_COLUMNS = {**OBSERVATORY_COLUMNS, **VIGIE_COLUMNS}
REF_SLUG_PREFIX = "demarche-"  # Ref_Demarche "12345" -> id "demarche-12345"
REQUIRED_ROLES = {"name": ("name", "Nom_Demarche"), "start_url": ("start_url", "URL_Demarche")}


def column_key(name: str) -> str:
    """How column names are compared: "Nom Ministère" matches "Nom_Ministere"."""
    ascii_name = fold_to_ascii(name)
    return re.sub(r"[\s-]+", "_", ascii_name.strip().lower())


_BY_KEY = {column_key(name): name for name in KNOWN_COLUMNS}


@dataclass
class _Header:
    line: int
    names: list[str]
    roles: dict[str, int] = field(default_factory=dict)  # role -> column index
    extra: list[int] = field(default_factory=list)  # columns kept in `extra`
    unnamed: list[int] = field(default_factory=list)


def parse_services_csv(text: str, file: str = "<csv>") -> list[ServiceSpec]:
    """Services from CSV text (`,` or `;`); raises `RegistryError` listing every problem."""
    log = IssueLog(file)
    text, delimiter = _delimiter(text)
    rows = _read_rows(text, delimiter, log)
    if not rows:
        log.add(1, "services", "file is empty: expected a header row and one row per service")
        raise log.error()
    header = _read_header(*rows[0], log)
    if log.issues:  # Row checks against a broken header would only repeat its problems.
        raise log.error()
    if len(rows) == 1:
        log.add(header.line, "services", "no services: the file has a header but no rows")
    readers = [_RowReader(header, line, cells, log) for line, cells in rows[1:]]
    specs = [reader.spec() for reader in readers]
    check_duplicates((reader.id for reader in readers if reader.id), log)
    log.raise_if_any()
    return [spec for spec in specs if spec is not None]


def _delimiter(text: str) -> tuple[str, str]:
    """The delimiter, from Excel's optional "sep=;" line or else the header's cell count."""
    lines = text.splitlines(keepends=True)
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return text, ","
    head = lines[first].strip()
    if re.fullmatch(r"sep=[,;\t]", head, flags=re.IGNORECASE):
        lines[first] = "\n"  # blank, so that line numbers stay physical
        return "".join(lines), head[-1]
    widths = {d: len(next(csv.reader([head], delimiter=d))) for d in (",", ";")}
    return text, ";" if widths[";"] > widths[","] else ","


def _read_rows(text: str, delimiter: str, log: IssueLog) -> list[tuple[int, list[str]]]:
    """Non-blank rows with the physical line each starts on (quoted cells may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[str]]] = []
    end = 0
    try:
        for cells in reader:
            start, end = end + 1, reader.line_num
            if any(cell.strip() for cell in cells):
                rows.append((start, cells))
    except csv.Error as exc:
        log.add(end + 1, "csv", f"malformed CSV in the row starting here: {exc}")
    return rows


def _read_header(line: int, cells: list[str], log: IssueLog) -> _Header:
    header = _Header(line, [cell.strip() for cell in cells])
    first_index: dict[str, int] = {}
    misspelt: set[str] = set()  # roles of columns reported as typos
    for index, name in enumerate(header.names):
        key = column_key(name)
        if log.check(check_characters, name, line, f"column {index + 1}") is BAD:
            continue
        if not name:
            header.unnamed.append(index)
        elif key in first_index:
            message = f"column given twice (columns {first_index[key] + 1} and {index + 1})"
            log.add(line, name, message)
        elif key in _BY_KEY:
            first_index[key] = index
            _assign_role(header, index, KNOWN_COLUMNS[_BY_KEY[key]], log)
        elif hint := suggestion(key, _BY_KEY):
            log.add(line, name, f"unknown column; did you mean {_BY_KEY[hint]!r}?")
            misspelt.add(KNOWN_COLUMNS[_BY_KEY[hint]])
        else:
            first_index[key] = index
            header.extra.append(index)
    if not {"id", "ref"} & (header.roles.keys() | misspelt):
        log.add(line, "id", "missing id column: add 'id' or 'Ref_Demarche'")
    for role, (vigie_name, observatory_name) in REQUIRED_ROLES.items():
        if role not in header.roles and role not in misspelt:
            message = f"missing required column: add {vigie_name!r} or {observatory_name!r}"
            log.add(line, role, message)
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
        return self.cells[index].strip() if index < len(self.cells) else ""

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
            start_url=self.check("start_url", check_url),
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
        declared: dict[str, Any] = {}
        rate = self.check("rgaa_rate", check_rate)
        if rate is not None:
            declared["rgaa_rate"] = rate
        label = self.check("franceconnect", check_optional_text)
        if label and label is not BAD:
            # The observatory's wording is kept; the flag only where it says yes or no.
            declared["franceconnect_label"] = label
            flag = franceconnect_flag(label)
            if flag is not None:
                declared["franceconnect"] = flag
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
