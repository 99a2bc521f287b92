"""Value checks shared by the YAML and CSV readers, so both accept exactly the same values.

Each `check_*` returns the cleaned value or raises `Invalid` with a message for the user;
the reader that calls it knows the file, line and field to report.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

from core.schedules import normalize, parse_schedule
from core.text import fold_to_ascii, normalise_text
from core.urls import MAX_URL_LENGTH, has_credentials
from services.issues import BIDI_CONTROLS, CONTROL_CHARACTERS, Invalid, IssueLog

SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,119}")
# Cells that mean "no value" in the observatory's files and in service lists (compared folded).
NO_VALUE = {"", "-", "n/a", "#n/a", "na", "nc", "non communique", "non renseigne", "sans objet"}
_BIDI_NAMES = {0x202A: "LRE", 0x202B: "RLE", 0x202C: "PDF", 0x202D: "LRO", 0x202E: "RLO",
               0x2066: "LRI", 0x2067: "RLI", 0x2068: "FSI", 0x2069: "PDI"}


def is_empty(text: str) -> bool:
    return normalise_text(text) in NO_VALUE


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


def _character_name(char: str) -> str:
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        return f"a lone surrogate U+{code:04X} (broken UTF-16)"
    if code in _BIDI_NAMES:
        return f"the bidirectional control U+{code:04X} ({_BIDI_NAMES[code]})"
    return f"the control character U+{code:04X}"


def check_characters(text: str, *, shown: bool = True) -> str:
    """`text` unless it holds a control character (or, when `shown` as a label or link, a
    bidirectional control); the message gives the character and its place in the value."""
    found = CONTROL_CHARACTERS.search(text) or (BIDI_CONTROLS.search(text) if shown else None)
    if found:
        why = (" (it changes the order in which text is displayed)"
               if BIDI_CONTROLS.fullmatch(found.group()) else "")
        raise Invalid(f"contains {_character_name(found.group())} at character "
                      f"{found.start() + 1} of the value: remove it{why}")
    return text


def check_slug(value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid(f"must be a string, got {kind(value)}")
    check_characters(value)
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
    return check_characters(value.strip())


def check_optional_text(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid(f"must be a string, got {kind(value)}")
    return check_characters(value.strip()) or None


def check_url(value: Any) -> str:
    """An absolute http(s) URL with a host, no credentials and at most `MAX_URL_LENGTH`
    characters. Messages quote the URL (escaped by ``!r``) only once it has no credentials."""
    if value is None:
        raise Invalid("missing required value")
    if not isinstance(value, str):
        raise Invalid(f"must be a URL string, got {kind(value)}")
    url = value.strip()
    if not url:
        raise Invalid("missing required value")
    check_characters(url)
    if has_credentials(url) or "@" in _authority(url):
        raise Invalid("URL holds a user name or password (user:password@host): remove them; "
                      "Vigie does not log in, and would show them in its report and exports")
    if len(url) > MAX_URL_LENGTH:
        raise Invalid(f"URL of {len(url):,} characters ({url[:60]!r}…): at most "
                      f"{MAX_URL_LENGTH:,} are accepted")
    if "\\" in url:
        raise Invalid(f"malformed URL {url!r}: contains a backslash (browsers read it as '/')")
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


def _authority(url: str) -> str:
    """What follows ``scheme://`` up to the path, as browsers cut it (``\\`` ends it too)."""
    rest = url.partition("//")[2]
    return re.split(r"[/?#\\]", rest, maxsplit=1)[0]


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
        if is_empty(value):
            return None
        text = value.strip().lower()
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


def check_schedule(value: Any) -> str | None:
    """A service's own schedule: daily, weekly or cron text (core.schedules); None or empty:
    the service is scanned by the main run."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid(f"must be daily, weekly or cron text such as '0 5 * * 1', got {kind(value)}")
    text = normalize(check_characters(value))
    if not text:
        return None
    try:
        parse_schedule(text)
    except ValueError as exc:
        raise Invalid(str(exc)) from None
    return text


def check_bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise Invalid(f"must be true or false, got {kind(value)} {value!r}")


def check_json_value(value: Any) -> Any:
    """Stored in a JSON column: only JSON types (dates, sets, binary must be quoted text), and
    text without control characters."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        raise Invalid(
            f"{kind(value)} cannot be stored: use text, numbers, true/false, lists and mappings "
            "(put dates in quotes)"
        ) from None
    _check_texts(value)
    return value


def _check_texts(value: Any, where: str = "") -> None:
    """Every string of a JSON value (keys too) through `check_characters`, its place named."""
    if isinstance(value, str):
        try:
            check_characters(value, shown=False)
        except Invalid as exc:
            raise Invalid(f"{where.lstrip('.')}: {exc}" if where else str(exc)) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_texts(key, where)
            _check_texts(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_texts(item, f"{where}[{index}]")


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


def check_duplicates(ids: Iterable[tuple[str, int, str]], log: IssueLog) -> None:
    """`ids` are (slug, line, field name) of every valid id, even in otherwise bad entries."""
    first_line: dict[str, int] = {}
    for slug, line, field_name in ids:
        if slug in first_line:
            message = f"duplicate id {slug!r}: first defined at line {first_line[slug]}"
            log.add(line, field_name, message)
        else:
            first_line[slug] = line

