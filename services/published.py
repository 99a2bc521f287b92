"""The observatory's published values, as its files write them, into `declared` keys.

Each reader takes the cell's text (never empty: empty cells, ``-``, ``NC``… mean no value and
are left out before) and returns ``{declared key: value}``, or raises `Invalid` with a message
for the user. The keys are a contract read by the published-vs-measured comparison and the
objectives (docs/services.md, « Published values »).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date
from typing import Any

from core.text import normalise_text
from services.fields import check_bool, check_characters, check_rate, is_empty, kind
from services.issues import Invalid

_BLANKS = re.compile(r"[\s\u00a0\u202f]")
RATE_ROLES = ("rgaa_rate", "availability_rate", "digital_rate")


def number(text: str, what: str) -> float:
    """« 1 234,5 » → 1234.5 (French decimal comma, blanks as thousands separators)."""
    cleaned = _BLANKS.sub("", text).replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        raise Invalid(f"must be {what}, got {text!r}") from None
    if not math.isfinite(value):
        raise Invalid(f"must be {what}, got {text!r}")
    return value


def _tidy(value: float) -> int | float:
    return int(value) if value.is_integer() else round(value, 6)


def is_fraction_column(cells: list[str]) -> bool:
    """A rate column holds fractions (``0,75``) when every value is at most 1 and none is
    written with ``%``; otherwise percentages (``75``, ``75 %``). Decided per column, since
    a file writes a column one way: « 1 » alone in a column of fractions is 100 %."""
    values = [c for c in cells if not is_empty(c)]
    if not values or any("%" in c for c in values):
        return False
    try:
        return all(number(c, "") <= 1 for c in values)
    except Invalid:
        return False  # the row reader reports the bad cell


def rate(text: str, fraction: bool) -> int | float:
    """A rate in percent (0–100), from a fraction or a percentage."""
    what = "a rate: a fraction 0 to 1 (0,75) or a percentage 0 to 100 (75, 75 %)"
    value = number(text.strip().removesuffix("%"), what)
    value = value * 100 if fraction else value
    if not 0 <= value <= 100:
        raise Invalid(f"must be {what}, got {text!r}")
    return _tidy(value)


def score(text: str) -> int | float:
    """A mark out of 10 (« 7,5 », « 7,5/10 »)."""
    value = number(re.sub(r"/\s*10\s*$", "", text.strip()), "a mark from 0 to 10")
    if not 0 <= value <= 10:
        raise Invalid(f"must be a mark from 0 to 10, got {text!r}")
    return _tidy(value)


def count(text: str) -> int:
    value = number(text, "a whole number")
    if not value.is_integer() or value < 0:
        raise Invalid(f"must be a whole number, got {text!r}")
    return int(value)


_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})|(\d{4})-(\d{2})-(\d{2})")
_FRESHNESS = {"perimee": "perimee", "bientot perimee": "bientot_perimee"}


def declaration_date(text: str) -> dict[str, Any]:
    """« 08/04/2022 (périmée) » → the ISO date and the freshness the observatory gives."""
    found = _DATE.match(text.strip())
    if found is None:
        raise Invalid(f"must be a date such as 08/04/2022, got {text!r}")
    day, month, year = (found.group(1, 2, 3) if found.group(1) else
                        reversed(found.group(4, 5, 6)))
    try:
        when = date(int(year), int(month), int(day))
    except ValueError:
        raise Invalid(f"not a real date: {text!r}") from None
    out: dict[str, Any] = {"declaration_date": when.isoformat()}
    note = re.search(r"\(([^)]*)\)", text[found.end():])
    if note is not None:
        freshness = _FRESHNESS.get(normalise_text(note.group(1)))
        if freshness is None and normalise_text(note.group(1)) not in ("valide", "a jour"):
            raise Invalid(f"unknown note {note.group(0)!r}: expected (périmée) or "
                          "(bientôt périmée)")
        out["declaration_freshness"] = freshness
    return out


def _level(text: str, levels: list[tuple[str, str]], what: str) -> str:
    """The code of the first level whose (folded) prefix starts the text."""
    folded = normalise_text(text)
    for prefix, code in levels:
        if folded.startswith(prefix):
            return code
    raise Invalid(f"must be {what}, got {text!r}")


def handicap(text: str) -> dict[str, Any]:
    code = _level(text, [("oui", "oui"), ("partiel", "partiel"), ("non concerne", "non_concerne"),
                         ("non", "non")], "Oui, Partiel, Non or Non concerné")
    return {"handicap": code, "handicap_label": text}


def online_status(text: str) -> dict[str, Any]:
    code = _level(text, [("en ligne", "oui"), ("oui", "oui"), ("partiel", "partiel"),
                         ("pas en ligne", "non"), ("non", "non"), ("hors ligne", "non")],
                  "En ligne, Partiellement en ligne or Pas en ligne")
    return {"online_status": code, "online_status_label": text}


def franceconnect(text: str) -> dict[str, Any]:
    """The wording is kept; the flags only where it clearly says yes, no, or names
    FranceConnect or FranceConnect+ (« En cours » sets none)."""
    out: dict[str, Any] = {"franceconnect_label": text}
    folded = normalise_text(text)
    if re.search(r"franceconnect ?(\+|plus)", folded):
        out.update(franceconnect=True, franceconnect_plus=True)
    elif folded.startswith("franceconnect") or folded in ("oui", "yes", "true", "vrai", "1",
                                                           "x"):
        out["franceconnect"] = True
        if folded.startswith("franceconnect"):
            out["franceconnect_plus"] = False
    elif folded in ("non", "no", "false", "faux", "0"):
        out.update(franceconnect=False, franceconnect_plus=False)
    return out


def _as(key: str, fn: Callable[[str], Any]) -> Callable[[str], dict[str, Any]]:
    return lambda text: {key: fn(text)}


def _text(text: str) -> str:
    return check_characters(text)


# Role -> reader. Rates are read by `rate` (they need their column's convention).
READERS: dict[str, Callable[[str], dict[str, Any]]] = {
    "handicap": handicap,
    "declaration_date": declaration_date,
    "online_status": online_status,
    "franceconnect": franceconnect,
    "satisfaction": _as("satisfaction", score),
    "plain_language": _as("plain_language", score),
    "dlnuf_score": _as("dlnuf_score", lambda t: _tidy(number(t, "a number"))),
    "dlnuf_label": _as("dlnuf_label", _text),
    "load_time": _as("load_time", _text),
    "volume_total": _as("volume_total", count),
    "volume_online": _as("volume_online", count),
    "autonomy": _as("autonomy", _text),
    "help_reachable": _as("help_reachable", _text),
    "help_effective": _as("help_effective", _text),
    "user_categories": _as("user_categories", _text),
    "ministerial_scope": _as("ministerial_scope", _text),
    "satisfaction_manual": _as("satisfaction_manual", _text),
}
PUBLISHED_ROLES = (*RATE_ROLES, *READERS)


# -- the same keys written by hand in a YAML list: checked as the readers above produce them ----


def _one_of(*codes: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if value is not None and value not in codes:
            raise Invalid(f"must be one of {', '.join(codes)}, got {value!r}")
        return value
    return check


def _typed_number(low: float, high: float | None, whole: bool = False) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or (
                whole and not float(value).is_integer()):
            raise Invalid(f"must be a {'whole ' if whole else ''}number, got {kind(value)}")
        if value < low or (high is not None and value > high) or not math.isfinite(value):
            bounds = f"from {low} to {high}" if high is not None else f"at least {low}"
            raise Invalid(f"must be a number {bounds}, got {value!r}")
        return value
    return check


def _iso_date(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise Invalid(f"must be a date written YYYY-MM-DD in quotes, got {value!r}")


TYPED_KEYS: dict[str, Callable[[Any], Any]] = {
    "handicap": _one_of("oui", "partiel", "non", "non_concerne"),
    "online_status": _one_of("oui", "partiel", "non"),
    "declaration_date": _iso_date,
    "declaration_freshness": _one_of("perimee", "bientot_perimee"),
    "franceconnect_plus": check_bool,
    "sensitive": check_bool,  # set by the operator: no observatory column carries it
    "satisfaction": _typed_number(0, 10),
    "plain_language": _typed_number(0, 10),
    "availability_rate": check_rate,
    "digital_rate": check_rate,
    "volume_total": _typed_number(0, None, whole=True),
    "volume_online": _typed_number(0, None, whole=True),
    "dlnuf_score": _typed_number(0, None),
}
