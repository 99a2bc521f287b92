"""Judging what was read: which mention counts, whether the declaration is admissible and
consistent, and the French words for each reason it is not.

:data:`REASONS` is the one table of admissibility reasons: the check's messages, the
``handicap`` indicator's rationale and the report's auditor view all take their words from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from checks.a11y_declaration.parse import Declaration
from checks.pagetext import PageText

EXPIRY_YEARS = 3


@dataclass(frozen=True)
class Reason:
    """One admissibility reason in the two forms French texts need."""

    # What is wrong, as an item of a list of faults: « … non recevable : aucun moyen de contact ».
    fault: str
    # What the rule asks for, as a label, where the fault is not certain: « Vigie n’a pas su y
    # lire : taux global de conformité » (« … non indiqué » would assert what was not read).
    requirement: str


REASONS: dict[str, Reason] = {
    "level_missing": Reason("niveau de conformité non indiqué", "niveau de conformité"),
    "contact_missing": Reason("aucun moyen de contact", "moyen de contact"),
    "rate_missing": Reason("taux global de conformité non indiqué", "taux global de conformité"),
    "date_missing": Reason("date de la déclaration introuvable", "date de la déclaration"),
    "expired": Reason(f"déclaration de plus de {EXPIRY_YEARS} ans",
                      f"date de moins de {EXPIRY_YEARS} ans"),
}


def reason_fr(code: str, *, as_requirement: bool = False) -> str:
    """The French text of a reason code; an unknown code (another check version) as is."""
    reason = REASONS.get(code)
    if reason is None:
        return code
    return reason.requirement if as_requirement else reason.fault


def expected_level(rate: float) -> str:
    """The level a rate allows: 100 % totalement, from 50 % partiellement, under 50 % non."""
    return "totalement" if rate >= 100 else "partiellement" if rate >= 50 else "non"


def _plus_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def is_expired(day: date, today: date) -> bool:
    """A declaration dated ``day`` is expired on ``today`` when it is more than 3 years old."""
    return _plus_years(day, EXPIRY_YEARS) < today


def reference_date(decl: Declaration) -> date | None:
    """The declaration's own date: the later of establishment and update, else its audit."""
    own = [decl.dates[k] for k in ("declared_on", "updated_on") if k in decl.dates]
    return max(own) if own else decl.dates.get("audit_date")


def admissibility(decl: Declaration, level: str | None, today: date) -> tuple[list[str],
                                                                                list[str]]:
    """(solid reasons, uncertain reasons) why the declaration is not admissible."""
    solid: list[str] = []
    uncertain: list[str] = []
    if level is None:
        solid.append("level_missing")
    if not decl.contact_means:
        solid.append("contact_missing")
    if decl.rate is None:
        (uncertain if decl.has_percentage else solid).append("rate_missing")
    when = reference_date(decl)
    if when is None:
        (uncertain if decl.has_any_date else solid).append("date_missing")
    elif is_expired(when, today):
        solid.append("expired")
    return solid, uncertain


def consistency(decl: Declaration, mention: str | None) -> tuple[bool | None, list[str]]:
    """Whether rate, declared level and mention agree (None if undecidable), and each
    disagreement in French."""
    issues: list[str] = []
    level = decl.level or mention
    if decl.rate is not None and level is not None and expected_level(decl.rate) != level:
        issues.append(f"taux de {decl.rate} % incompatible avec « {level} conforme »")
    if decl.level and mention and decl.level != mention:
        issues.append(f"mention « {mention} conforme » mais déclaration « {decl.level} conforme »")
    if decl.rate is None and (decl.level is None or mention is None):
        return None, issues
    return not issues, issues


def main_mention(mentions: list[dict[str, Any]], pages: list[PageText]) -> str | None:
    """The service's mention: the start page's, else the most common level (on a tie, the
    first page's: the same captures always give the same answer)."""
    start = next((m for m, p in zip(mentions, pages, strict=True)
                  if p.capture.page_kind == "start" and m["level"]), None)
    if start:
        return str(start["level"])
    levels = [m["level"] for m in mentions if m["level"]]
    return max(levels, key=levels.count) if levels else None


def mention_problems(mentions: list[dict[str, Any]]) -> list[str]:
    """Pages whose mention states no level, in French (the DSFR placeholder, or nothing)."""
    placeholder = [m["url"] for m in mentions if not m["level"] and m["placeholder"]]
    absent = [m["url"] for m in mentions if not m["level"] and not m["placeholder"]]
    out = []
    if placeholder:
        out.append("mention laissée au texte du gabarit DSFR « totalement / partiellement / non "
                   "conforme » (aucun niveau) sur " + ", ".join(placeholder))
    if absent:
        out.append("mention « Accessibilité : … » absente sur " + ", ".join(absent))
    return out
