"""The CSV service list: the observatory's exports or Vigie's own column names.

Files come as spreadsheets save them: "CSV UTF-8" from a French Excel (``;``, a BOM, CRLF,
an optional ``sep=;`` first line, decimal commas), quoted cells on several lines. The rows
are then read as a table (`services.table`), whatever their column set.
"""

from __future__ import annotations

import csv
import io
import re

from services.columns import column_key
from services.issues import IssueLog
from services.spec import ServiceSpec
from services.table import Row, ServiceTable, read_table

__all__ = ["column_key", "parse_services_csv", "read_services_csv"]


def parse_services_csv(text: str, file: str = "<csv>") -> list[ServiceSpec]:
    """Services from CSV text (`,` or `;`); raises `RegistryError` listing every problem."""
    return read_services_csv(text, file).specs


def read_services_csv(text: str, file: str = "<csv>") -> ServiceTable:
    """`parse_services_csv`, with the notices and the column set."""
    log = IssueLog(file)
    text, delimiter = _delimiter(text)
    rows = _read_rows(text, delimiter, log)
    return read_table(rows, log)


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


def _read_rows(text: str, delimiter: str, log: IssueLog) -> list[Row]:
    """Non-blank rows with the physical line each starts on (quoted cells may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[Row] = []
    end = 0
    try:
        for cells in reader:
            start, end = end + 1, reader.line_num
            if any(cell.strip() for cell in cells):
                rows.append((start, cells))
    except csv.Error as exc:
        log.add(end + 1, "csv", f"malformed CSV in the row starting here: {exc}")
    return rows
