"""The list of services to scan: YAML format, observatory CSV import, validation.

A registry file is edited by hand or exported from a spreadsheet, so every problem is
reported at once, each with its file, line and field (`RegistryIssue`), instead of
stopping at the first one. The CSV reader lives in `services.registry_csv`; the value
checks below are shared by both formats so that they accept exactly the same values.
"""

from __future__ import annotations

import codecs
import copy
import difflib
import json
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.text import fold_to_ascii
from storage.models import Service


@dataclass
class ServiceSpec:
    """One service as the registry describes it (the `service` table's editable fields)."""

    slug: str
    name: str
    start_url: str
    extra_urls: list[str] = field(default_factory=list)
    ministry: str | None = None
    administration: str | None = None
    jdma_id: str | None = None
    declared: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def column_values(self) -> dict[str, Any]:
        """The `Service` columns this spec sets (copies: rows must not share our dicts)."""
        return {
            "slug": self.slug,
            "name": self.name,
            "start_url": self.start_url,
            "extra_urls": list(self.extra_urls),
            "ministry": self.ministry,
            "administration": self.administration,
            "jdma_id": self.jdma_id,
            "declared": copy.deepcopy(self.declared),
            "extra": copy.deepcopy(self.extra),
        }

    def to_yaml_entry(self) -> dict[str, Any]:
        """The entry as written in a YAML registry (empty optional fields left out)."""
        values = self.column_values()
        entry: dict[str, Any] = {"id": values.pop("slug"), "name": values.pop("name"),
                                 "start_url": values.pop("start_url")}
        entry.update({k: v for k, v in values.items() if v not in (None, [], {})})
        return entry

    @classmethod
    def from_model(cls, row: Service) -> ServiceSpec:
        return cls(
            slug=row.slug,
            name=row.name,
            start_url=row.start_url,
            extra_urls=list(row.extra_urls or []),
            ministry=row.ministry,
            administration=row.administration,
            jdma_id=row.jdma_id,
            declared=dict(row.declared or {}),
            extra=dict(row.extra or {}),
        )


# --- Issues ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RegistryIssue:
    """One problem in a registry file; `line` is 1-based."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


class RegistryError(Exception):
    """A registry file has problems; `issues` lists all of them, in file order."""

    def __init__(self, issues: Sequence[RegistryIssue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))


class Invalid(ValueError):
    """A value failed a check; the caller knows the file, line and field to report."""


class IssueLog:
    """Collects the issues of one file."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.issues: list[RegistryIssue] = []

    def add(self, line: int, field_name: str, message: str) -> None:
        self.issues.append(RegistryIssue(self.file, max(line, 1), field_name, message))

    def check(self, fn: Callable[[Any], Any], value: Any, line: int, field_name: str) -> Any:
        """``fn(value)``, or `BAD` after logging the problem."""
        try:
            return fn(value)
        except Invalid as exc:
            self.add(line, field_name, str(exc))
            return BAD

    def error(self) -> RegistryError:
        return RegistryError(sorted(self.issues, key=lambda issue: issue.line))

    def raise_if_any(self) -> None:
        if self.issues:
            raise self.error()


class _Bad:
    """Marks a value that failed its check (None is a legitimate value)."""

    def __repr__(self) -> str:
        return "BAD"


BAD: Any = _Bad()


# --- Value checks (shared by the YAML and CSV readers) -----------------------------------

SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,119}")
_NO_VALUE = {"", "-", "n/a", "na", "nc", "non communiqué", "non renseigné"}
_TRUE_WORDS = {"oui", "yes", "true", "vrai", "1", "x"}
_FALSE_WORDS = {"non", "no", "false", "faux", "0"}


def kind(value: Any) -> str:
    """How a value's type is named in messages."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def slugify(text: str) -> str:
    """Lowercase ASCII letters and digits joined by single hyphens ("Élan 12" -> "elan-12")."""
    ascii_text = fold_to_ascii(text)
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def suggestion(name: str, known: Iterable[str]) -> str | None:
    """The known name `name` is probably a typo of, if any (case-insensitive)."""
    by_lower = {k.lower(): k for k in known}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.8)
    # A length check keeps real extra columns such as "URL_Demarche_Aide" out.
    if close and abs(len(close[0]) - len(name)) <= 2:
        return by_lower[close[0]]
    return None


def unknown_message(name: str, known: Sequence[str], what: str) -> str:
    hint = suggestion(name, known)
    if hint:
        return f"unknown {what}; did you mean {hint!r}?"
    return f"unknown {what} (known: {', '.join(known)})"


def check_slug(value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid(f"must be a string, got {kind(value)}")
    slug = value.strip()
    if not slug:
        raise Invalid("missing required value")
    if not SLUG_RE.fullmatch(slug):
        hint = slugify(slug)[:120]
        raise Invalid(
            f"{slug!r} is not a valid id: use 1-120 lowercase letters, digits and hyphens, "
            "starting with a letter or digit" + (f" (e.g. {hint!r})" if hint else "")
        )
    return slug


def check_name(value: Any) -> str:
    if value is None:
        raise Invalid("missing required value")
    if not isinstance(value, str):
        raise Invalid(f"must be a string, got {kind(value)}")
    if not value.strip():
        raise Invalid("must not be empty")
    return value.strip()


def check_optional_text(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid(f"must be a string, got {kind(value)}")
    return value.strip() or None


def check_url(value: Any) -> str:
    """An absolute http(s) URL with a host."""
    if value is None:
        raise Invalid("missing required value")
    if not isinstance(value, str):
        raise Invalid(f"must be a URL string, got {kind(value)}")
    url = value.strip()
    if not url:
        raise Invalid("missing required value")
    if any(ch.isspace() for ch in url):
        raise Invalid(f"malformed URL {url!r}: contains whitespace")
    scheme, sep, rest = url.partition(":")
    if not sep or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme) or "." in scheme:
        raise Invalid(f"malformed URL {url!r}: must start with http:// or https://")
    if scheme.lower() not in ("http", "https"):
        raise Invalid(f"URL scheme {scheme!r} is not allowed in {url!r}: use http or https")
    if not rest.startswith("//"):
        raise Invalid(f"malformed URL {url!r}: expected {scheme}://host/...")
    _check_host(url)
    return url


def _check_host(url: str) -> None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- property access validates the port
    except ValueError as exc:
        raise Invalid(f"malformed URL {url!r}: {exc}") from None
    host = parts.hostname or ""
    if not host:
        raise Invalid(f"malformed URL {url!r}: no host")
    if ":" not in host and not all(host.rstrip(".").split(".")):
        raise Invalid(f"malformed URL {url!r}: bad host name {host!r}")


def check_jdma_id(value: Any) -> str | None:
    """JDMA ("Je donne mon avis") ids are numbers; kept as text, as in the database."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise Invalid(f"must be digits, got {kind(value)}")
    text = str(value).strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > 64:
        raise Invalid(f"must be digits (at most 64), got {text!r}")
    return text


def check_rate(value: Any) -> int | float | None:
    """A percentage 0..100; text may be "75", "75 %" or "75,5" (French decimal comma)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise Invalid(f"must be a number between 0 and 100, got {kind(value)}")
    number: float
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _NO_VALUE:
            return None
        cleaned = re.sub(r"[\s\u00a0\u202f]", "", text).removesuffix("%").replace(",", ".")
        try:
            number = float(cleaned)
        except ValueError:
            raise Invalid(f"must be a number between 0 and 100, got {value!r}") from None
    else:
        number = float(value)
    if not math.isfinite(number) or not 0 <= number <= 100:
        raise Invalid(f"must be a number between 0 and 100, got {value!r}")
    return int(number) if number.is_integer() else number


def check_bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise Invalid(f"must be true or false, got {kind(value)} {value!r}")


def franceconnect_flag(text: str) -> bool | None:
    """The observatory's FranceConnect text as a boolean, when it clearly says yes or no."""
    word = text.strip().lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    return None


def check_json_value(value: Any) -> Any:
    """Stored in a JSON column: only JSON types (dates, sets, binary must be quoted text)."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        raise Invalid(
            f"{kind(value)} cannot be stored: use text, numbers, true/false, lists and mappings "
            "(put dates in quotes)"
        ) from None
    return value


def check_mapping(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Invalid(f"must be a mapping, got {kind(value)}")
    for key in value:
        if not isinstance(key, str):
            raise Invalid(f"keys must be strings, got {kind(key)} {key!r}")
    return check_json_value(value)


# Declared values imported from the observatory; other keys are kept as they are.
DECLARED_CHECKS: dict[str, Callable[[Any], Any]] = {
    "rgaa_rate": check_rate,
    "accessibility_status": check_optional_text,
    "declaration_url": lambda v: None if v is None else check_url(v),
    "franceconnect": check_bool,
    "franceconnect_label": check_optional_text,
}

SERVICE_FIELDS = (
    "id",
    "name",
    "start_url",
    "extra_urls",
    "ministry",
    "administration",
    "jdma_id",
    "declared",
    "extra",
)
REQUIRED_FIELDS = ("id", "name", "start_url")


def check_duplicates(ids: Iterable[tuple[str, int, str]], log: IssueLog) -> None:
    """`ids` are (slug, line, field name) of every valid id, even in otherwise bad entries."""
    first_line: dict[str, int] = {}
    for slug, line, field_name in ids:
        if slug in first_line:
            message = f"duplicate id {slug!r}: first defined at line {first_line[slug]}"
            log.add(line, field_name, message)
        else:
            first_line[slug] = line


# --- YAML --------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """Safe loader keeping unquoted dates as text: values end up in JSON columns."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_TEXT_FIELDS = {"id", "name", "ministry", "administration", "jdma_id"}
_TEXT_DECLARED = {"accessibility_status", "franceconnect_label"}
_SCALAR_CHECKS: dict[str, Callable[[Any], Any]] = {
    "id": check_slug,
    "name": check_name,
    "start_url": check_url,
    "ministry": check_optional_text,
    "administration": check_optional_text,
    "jdma_id": check_jdma_id,
}


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


class _YamlReader:
    """Walks the composed node tree so that every value keeps its line."""

    def __init__(self, loader: _Loader, log: IssueLog) -> None:
        self.loader = loader
        self.log = log
        self.ids: list[tuple[str, int, str]] = []  # (slug, line, field) for duplicate checks

    def value(self, node: yaml.Node, field_name: str, as_text: bool = False) -> Any:
        """The node's Python value; with `as_text`, plain numbers keep their exact text
        (YAML 1.1 would read `jdma_id: 0123` as the octal number 83)."""
        if as_text and isinstance(node, yaml.ScalarNode) and node.tag in _NUMBER_TAGS:
            return node.value
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            self.log.add(_line(node), field_name, f"cannot read value: {exc}")
            return BAD

    def checked(
        self, node: yaml.Node, field_name: str, fn: Callable[[Any], Any], as_text: bool = False
    ) -> Any:
        value = self.value(node, field_name, as_text)
        return BAD if value is BAD else self.log.check(fn, value, _line(node), field_name)

    def key(self, node: yaml.Node) -> str | None:
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:str":
            return str(node.value)
        self.log.add(_line(node), "service", "field names must be plain text")
        return None

    def fields(self, node: yaml.MappingNode, prefix: str = "") -> list[tuple[str, yaml.Node, int]]:
        """(key, value node, key line) pairs; a key given twice is reported once."""
        seen: dict[str, int] = {}
        out = []
        for key_node, value_node in node.value:
            key = self.key(key_node)
            if key is None:
                continue
            if key in seen:
                message = f"given twice (first at line {seen[key]})"
                self.log.add(_line(key_node), prefix + key, message)
                continue
            seen[key] = _line(key_node)
            out.append((key, value_node, seen[key]))
        return out

    def service_nodes(self, root: yaml.Node | None) -> list[yaml.Node]:
        if root is None:
            self.log.add(1, "services", "file is empty: expected a 'services:' list")
            return []
        if not isinstance(root, yaml.MappingNode):
            self.log.add(_line(root), "services", "expected a mapping with a 'services:' list")
            return []
        services: yaml.Node | None = None
        for key, value_node, line in self.fields(root):
            if key == "services":
                services = value_node
            else:
                self.log.add(line, key, unknown_message(key, ["services"], "top-level key"))
        if services is None:
            self.log.add(_line(root), "services", "missing 'services:' list")
            return []
        if isinstance(services, yaml.SequenceNode) and services.value:
            return list(services.value)
        if isinstance(services, yaml.SequenceNode) or services.tag == "tag:yaml.org,2002:null":
            self.log.add(_line(services), "services", "no services defined")
        else:
            self.log.add(_line(services), "services", "must be a list of services")
        return []

    def service(self, node: yaml.Node) -> ServiceSpec | None:
        if not isinstance(node, yaml.MappingNode):
            self.log.add(_line(node), "service", "each service must be a mapping of fields")
            return None
        values: dict[str, Any] = {}
        lines: dict[str, int] = {}
        misspelt: set[str] = set()  # known fields that an unknown key looks like a typo of
        for key, value_node, line in self.fields(node):
            if key in SERVICE_FIELDS:
                values[key], lines[key] = self.field(key, value_node), line
            else:
                self.log.add(line, key, unknown_message(key, SERVICE_FIELDS, "field"))
                misspelt.update(filter(None, [suggestion(key, SERVICE_FIELDS)]))
                values[key] = BAD
        if values.get("id", BAD) is not BAD:
            self.ids.append((values["id"], lines["id"], "id"))
        missing = [f for f in REQUIRED_FIELDS if f not in values and f not in misspelt]
        for required in missing:  # A typo already reported explains the missing field.
            self.log.add(_line(node), required, "missing required field")
        if missing or any(value is BAD for value in values.values()):
            return None
        return ServiceSpec(
            slug=values["id"],
            name=values["name"],
            start_url=values["start_url"],
            extra_urls=values.get("extra_urls", []),
            ministry=values.get("ministry"),
            administration=values.get("administration"),
            jdma_id=values.get("jdma_id"),
            declared=values.get("declared", {}),
            extra=values.get("extra", {}),
        )

    def field(self, key: str, node: yaml.Node) -> Any:
        if key == "extra_urls":
            return self.extra_urls(node)
        if key == "declared":
            return self.declared(node)
        if key == "extra":
            return self.checked(node, key, check_mapping)
        return self.checked(node, key, _SCALAR_CHECKS[key], as_text=key in _TEXT_FIELDS)

    def extra_urls(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            return []
        if not isinstance(node, yaml.SequenceNode):
            got = "a string" if isinstance(node, yaml.ScalarNode) else "a mapping"
            message = f"must be a list of URLs, got {got} (write [https://...] for one URL)"
            self.log.add(_line(node), "extra_urls", message)
            return BAD
        urls = [
            self.checked(item, f"extra_urls[{i}]", check_url) for i, item in enumerate(node.value)
        ]
        return BAD if any(url is BAD for url in urls) else urls

    def declared(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            return {}
        if not isinstance(node, yaml.MappingNode):
            self.log.add(_line(node), "declared", "must be a mapping of declared values")
            return BAD
        declared: dict[str, Any] = {}
        ok = True
        for key, value_node, line in self.fields(node, prefix="declared."):
            name = f"declared.{key}"
            if key in DECLARED_CHECKS:
                value = self.checked(value_node, name, DECLARED_CHECKS[key], key in _TEXT_DECLARED)
            elif hint := suggestion(key, DECLARED_CHECKS):
                self.log.add(line, name, f"unknown declared value; did you mean {hint!r}?")
                value = BAD
            else:  # Other observatory values are kept as they are.
                value = self.checked(value_node, name, check_json_value)
            ok = ok and value is not BAD
            if value is not None:
                declared[key] = value
        return declared if ok else BAD


def _yaml_error_line(exc: yaml.YAMLError, text: str) -> int:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    position = getattr(exc, "position", None)  # ReaderError: a character index
    if mark is not None:
        line = int(mark.line) + 1
    else:
        line = text.count("\n", 0, position) + 1 if isinstance(position, int) else 1
    # "Unexpected end of stream" points past the final newline: name the last line instead.
    return min(line, len(text.splitlines()) or 1)


def parse_services_yaml(text: str, file: str = "<yaml>") -> list[ServiceSpec]:
    """Services from YAML text; raises `RegistryError` listing every problem."""
    log = IssueLog(file)
    loader = _Loader(text)
    try:
        try:
            root = loader.get_single_node()
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            log.add(_yaml_error_line(exc, text), "yaml", f"invalid YAML: {problem}")
            raise log.error() from None
        reader = _YamlReader(loader, log)
        specs = [reader.service(node) for node in reader.service_nodes(root)]
    finally:
        loader.dispose()
    check_duplicates(reader.ids, log)
    log.raise_if_any()
    return [spec for spec in specs if spec is not None]


def dump_services_yaml(specs: Iterable[ServiceSpec]) -> str:
    """A YAML registry that `load_services` reads back to the same specs."""
    document = {"services": [spec.to_yaml_entry() for spec in specs]}
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


# --- Files -------------------------------------------------------------------------------


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


def load_services(path: Path) -> list[ServiceSpec]:
    """Read and validate a registry (`.yaml`, `.yml` or `.csv`); raises `RegistryError`."""
    file = str(path)
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".csv"):
        message = f"unsupported file type {suffix or '(no extension)'!r}: use .yaml, .yml or .csv"
        raise RegistryError([RegistryIssue(file, 1, "file", message)])
    try:
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise RegistryError([RegistryIssue(file, 1, "file", f"cannot read: {reason}")]) from None
    text = decode_registry(data, file)
    if suffix == ".csv":
        from services.registry_csv import parse_services_csv  # it imports this module

        return parse_services_csv(text, file)
    return parse_services_yaml(text, file)


# --- Database ----------------------------------------------------------------------------


def upsert_services(session: Session, specs: Iterable[ServiceSpec]) -> tuple[int, int]:
    """Create or update `Service` rows by slug; returns (created, updated).

    Rows whose values are already those of the spec count as neither. Services missing
    from `specs` are left alone: a registry file may cover only part of the services.
    """
    specs = list(specs)
    rows = _rows_by_slug(session, [spec.slug for spec in specs])
    created = updated = 0
    for spec in specs:
        values = spec.column_values()
        row = rows.get(spec.slug)
        if row is None:
            rows[spec.slug] = row = Service(**values)
            session.add(row)
            created += 1
        elif _apply(row, values):
            updated += 1
    session.flush()
    return created, updated


def _rows_by_slug(session: Session, slugs: list[str]) -> dict[str, Service]:
    rows: dict[str, Service] = {}
    for start in range(0, len(slugs), 500):  # stay under the databases' bound-parameter limits
        chunk = slugs[start : start + 500]
        found = session.scalars(select(Service).where(Service.slug.in_(chunk)))
        rows.update((row.slug, row) for row in found)
    return rows


def _apply(row: Service, values: dict[str, Any]) -> bool:
    """Set the values that differ; True when any did (so `updated_at` moves only then)."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed
