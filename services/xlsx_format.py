"""The `.xlsx` service list: the observatory publishes its open data as a workbook.

The first sheet is read with openpyxl in read-only mode, values rather than formulas; each
cell becomes the text a spreadsheet user sees, then the rows are read as a table
(`services.table`). Issues are located by sheet row and column header.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, time
from typing import Any

from services.issues import IssueLog, RegistryError, RegistryIssue
from services.table import Row, ServiceTable, read_table


def read_services_xlsx(data: bytes, file: str) -> ServiceTable:
    """Services from a workbook's bytes; raises `RegistryError` listing every problem."""
    from openpyxl import load_workbook  # only .xlsx lists need it

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        message = f"not a readable .xlsx workbook ({exc}): save it as « Classeur Excel »"
        raise RegistryError([RegistryIssue(file, 1, "file", message)]) from None
    try:
        sheet = book.worksheets[0]
        where = f"{file} [{sheet.title}]"
        rows: list[Row] = []
        for number, cells in enumerate(sheet.iter_rows(min_row=1), start=1):
            texts = [cell_text(c.value, getattr(c, "number_format", "")) for c in cells]
            if any(t.strip() for t in texts):
                rows.append((number, texts))
    finally:
        book.close()
    return read_table(rows, IssueLog(where))


def cell_text(value: Any, number_format: str = "") -> str:
    """A cell as text: numbers without a spurious ``.0``, percentages as « 75 % », dates ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        if "%" in (number_format or ""):
            return f"{_number(value * 100)} %"
        return _number(value)
    return str(value)


def _number(value: float) -> str:
    value = round(float(value), 9)
    return str(int(value)) if value.is_integer() else repr(value)
