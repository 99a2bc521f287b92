"""Load a service list file: check its type, decode its bytes, hand it to its format's reader."""

from __future__ import annotations

import codecs
from pathlib import Path

from services.csv_format import read_services_csv
from services.issues import RegistryError, RegistryIssue
from services.spec import ServiceSpec
from services.table import ServiceTable
from services.xlsx_format import read_services_xlsx
from services.yaml_format import parse_services_yaml

SUFFIXES = (".yaml", ".yml", ".csv", ".xlsx")


def decode_registry(data: bytes, file: str) -> str:
    """UTF-8 text (a BOM, as spreadsheets write, is dropped); bad bytes name their line."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        message = (
            f"byte 0x{data[exc.start]:02x} at column {column} is not valid UTF-8: "
            'save the file as UTF-8 (spreadsheets: "CSV UTF-8")'
        )
        raise RegistryError([RegistryIssue(file, line, "encoding", message)]) from None


def load_service_list(path: Path) -> ServiceTable:
    """Read and validate a registry (`.yaml`, `.yml`, `.csv` or `.xlsx`): its services, the
    notices about columns kept in `extra`, its column set; raises `RegistryError`."""
    file = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        message = (f"unsupported file type {suffix or '(no extension)'!r}: use .yaml, .yml, "
                   ".csv or .xlsx")
        raise RegistryError([RegistryIssue(file, 1, "file", message)])
    try:
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise RegistryError([RegistryIssue(file, 1, "file", f"cannot read: {reason}")]) from None
    if suffix == ".xlsx":
        return read_services_xlsx(data, file)
    text = decode_registry(data, file)
    if suffix == ".csv":
        return read_services_csv(text, file)
    return ServiceTable(parse_services_yaml(text, file), [], "yaml")


def load_services(path: Path) -> list[ServiceSpec]:
    """The services of `load_service_list`; raises `RegistryError`."""
    return load_service_list(path).specs
