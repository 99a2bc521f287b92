"""Reading a declaration page: its level, rates, RGAA version, dates, contact means, audited
pages and whether it names the Défenseur des droits. Nothing here judges them (see
:mod:`checks.a11y_declaration.rules`).

Text is the collector's main text with quoted code (``code_texts``) removed, normalised with
:func:`core.text.normalise_text`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

import phonenumbers

from checks.a11y_declaration.mention import states_mention
from checks.inputs import CaptureView
from checks.pagetext import DDD, PageText, is_third_party_url, page_text, third_party_lines
from core.text import normalise_text

_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")
_LEVEL_STRICT = re.compile(
    r"\b(?:est|sont|etre)\s+(?:(?:en\s+)?conformite\s+(totale|partielle)"
    r"|(totalement|partiellement|non)[ -]conformes?|pas\s+(?:en\s+conformite|conformes?))"
)
_LEVEL_LOOSE = re.compile(
    r"\b(?:(totalement|partiellement|non)[ -]conformes?\b|conformite (totale|partielle))"
)
_LEVEL_WORDS = {"totale": "totalement", "partielle": "partiellement"}
_PCT = r"(\d{1,3}(?:[.,]\d{1,2})?) ?%"
_AVERAGE = re.compile(r"(?:taux moyen|moyenne)[^%]{0,80}?" + _PCT)
_RATE = (
    # « 82 % des critères … sont respectés », not « 12 % des critères ne sont pas respectés »
    re.compile(_PCT + r" (?:des|de) criteres(?![^.]{0,40}(?:non resp|ne sont pas|non conforme))"),
    re.compile(r"taux (?:global )?de conformite(?! moyen)(?: globale?)?[^%]{0,60}?" + _PCT),
)
_ANY_PCT = re.compile(_PCT)
_VERSION = re.compile(
    r"(?:rgaa\)?|referentiel general d.? ?amelioration de l.? ?accessibilite)"
    r",?\s*(?:version\s*|v\s*)?(\d(?:\.\d+){0,2})(?![\d])"
)
_MONTHS = {m: i for i, m in enumerate(
    ("janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre",
     "octobre", "novembre", "decembre"), start=1)}
_MONTH = "(" + "|".join(_MONTHS) + ")"
_DATE = re.compile(
    r"\b(?:(?P<d>\d{1,2}) ?(?:er)? " + _MONTH.replace("(", "(?P<m>", 1) + r" (?P<y>\d{4})"
    r"|(?P<nd>\d{1,2})[/.-](?P<nm>\d{1,2})[/.-](?P<ny>\d{4})"
    r"|(?P<iy>\d{4})-(?P<im>\d{2})-(?P<id>\d{2})"
    r"|" + _MONTH.replace("(", "(?P<om>", 1) + r" (?P<oy>\d{4}))\b"
)
_DATE_KEYS = {
    "declared_on": re.compile(r"etablie|redigee|date de (?:la )?(?:declaration|publication)"),
    "updated_on": re.compile(r"mise? a jour|actualisee|revisee"),
    "audit_date": re.compile(r"\baudit"),
}
_AUDITED_HEADING = re.compile(
    r"pages?\b.*(?:ayant fait l.objet|audite|controle|verifie|evalue|echantillon)|echantillon"
)
_CONTACT_HEADING = re.compile(r"retour d.information|contact|nous (?:ecrire|joindre)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_POSTCODE = re.compile(r"(?<!\d)(?:0[1-9]|[1-8]\d|9[0-8])\d{3}(?!\d) [a-z]")
_CONTACT_LINK = re.compile(r"contact|formulaire|nous ecrire|ecrivez")
MAX_AUDITED_PAGES = 50


def parse_date(text: str) -> date | None:
    """The first date in ``text``; « juillet 2021 » (month only) is read as its 1st day."""
    for m in _DATE.finditer(text):
        try:
            if m["m"]:
                return date(int(m["y"]), _MONTHS[m["m"]], int(m["d"]))
            if m["nm"]:
                return date(int(m["ny"]), int(m["nm"]), int(m["nd"]))
            if m["im"]:
                return date(int(m["iy"]), int(m["im"]), int(m["id"]))
            return date(int(m["oy"]), _MONTHS[m["om"]], 1)
        except ValueError:
            continue  # 31/02/2024: not a date, try the next one
    return None


def _number(value: str) -> float | int:
    number = float(value.replace(",", "."))
    return int(number) if number.is_integer() else number


@dataclass
class Declaration:
    """What one declaration page states; None or empty where it was not read."""

    capture: CaptureView
    level: str | None = None
    level_snippet: str | None = None
    rate: float | int | None = None
    rate_snippet: str | None = None
    average_rate: float | int | None = None
    rgaa_version: str | None = None
    dates: dict[str, date] = field(default_factory=dict)
    date_snippets: dict[str, str] = field(default_factory=dict)
    audited_pages: list[str] = field(default_factory=list)
    contact_means: list[str] = field(default_factory=list)
    defenseur_des_droits: bool = False
    has_percentage: bool = False  # some % on the page, even if not the global rate
    has_any_date: bool = False
    text_chars: int = 0  # how much text the page had: an empty shell was not really examined

    @property
    def score(self) -> int:
        return sum(x is not None for x in (self.level, self.rate, self.rgaa_version)) + len(
            self.dates) + bool(self.contact_means)


def _sentences(page: PageText) -> Iterator[tuple[int, str]]:
    for i, line in enumerate(page.norm):
        for sentence in _SENTENCE_END.split(line):
            yield i, sentence


def _find_level(page: PageText) -> tuple[str | None, str | None]:
    candidates: list[tuple[int, int, str]] = []  # (priority, line, level)
    for i, sentence in _sentences(page):
        if states_mention(sentence):
            continue  # the footer mention, not the declaration's sentence
        strict = _LEVEL_STRICT.search(sentence)
        if strict:
            word = next(g for g in strict.groups() if g) if any(strict.groups()) else "non"
            about = re.search(r"rgaa|referentiel|etat de conformite", sentence)
            candidates.append((0 if about else 1, i, _LEVEL_WORDS.get(word, word)))
            continue
        loose = _LEVEL_LOOSE.search(sentence)
        if loose:
            word = next(g for g in loose.groups() if g)
            candidates.append((2, i, _LEVEL_WORDS.get(word, word)))
    if not candidates:
        return None, None
    _, line, level = min(candidates)
    return level, page.snippet(line)


def _find_rates(page: PageText, decl: Declaration) -> None:
    for i, sentence in _sentences(page):
        averages = list(_AVERAGE.finditer(sentence))
        if averages and decl.average_rate is None:
            decl.average_rate = _number(averages[0].group(1))
        average_spans = {m.span(1) for m in averages}
        if decl.rate is None:
            for pattern in _RATE:
                m = next((m for m in pattern.finditer(sentence)
                          if m.span(1) not in average_spans and float(
                              m.group(1).replace(",", ".")) <= 100), None)
                if m:
                    decl.rate, decl.rate_snippet = _number(m.group(1)), page.snippet(i)
                    break
        decl.has_percentage = decl.has_percentage or bool(_ANY_PCT.search(sentence))


def _find_dates(page: PageText, decl: Declaration) -> None:
    for i, sentence in _sentences(page):
        decl.has_any_date = decl.has_any_date or parse_date(sentence) is not None
        for key, keyword in _DATE_KEYS.items():
            if key in decl.dates:
                continue
            m = keyword.search(sentence)
            if not m:
                continue
            found = parse_date(sentence[m.end():])
            # « Date de l’audit : » with the date on the next line
            if found is None and len(sentence) - m.end() < 15 and i + 1 < len(page.norm):
                found = parse_date(page.norm[i + 1][:30])
            if found:
                decl.dates[key], decl.date_snippets[key] = found, page.snippet(i)


def _section(page: PageText, heading: re.Pattern[str]) -> list[int]:
    """Indices of the lines under the first heading matching ``heading``, to the next heading."""
    out: list[int] = []
    inside = False
    for i, line in enumerate(page.norm):
        if line in page.headings:
            if inside:
                break
            inside = bool(heading.search(line))
            continue
        if inside:
            out.append(i)
    return out


def _contact_means(page: PageText) -> list[str]:
    """Means of contacting the service offered by the declaration (not the Défenseur's)."""
    third = third_party_lines(page, declaration=True)
    section = [i for i in _section(page, _CONTACT_HEADING) if i not in third]
    indices = section or [i for i in range(len(page.norm)) if i not in third]
    text = "\n".join(page.norm[i] for i in indices)
    means: set[str] = set()
    if any(not is_third_party_url(e) for e in _EMAIL.findall(text)):
        means.add("email")
    if re.search(r"formulaire", text):
        means.add("form")
    if _POSTCODE.search(text):
        means.add("postal")
    if any(phonenumbers.PhoneNumberMatcher(line, "FR").has_next() for line in text.splitlines()):
        means.add("phone")
    for item in (page.capture.collector or {}).get("links") or []:
        if not isinstance(item, dict):
            continue
        href = str(item.get("href") or "")
        label = normalise_text(str(item.get("text") or ""))
        if not href or is_third_party_url(href) or not label or label not in text:
            continue  # a link outside the region read (header, recourse section)
        if href.startswith("mailto:"):
            means.add("email")
        elif _CONTACT_LINK.search(label):
            means.add("form" if "formulaire" in label else "contact_link")
    return sorted(means)


def _audited_pages(page: PageText) -> list[str]:
    return [page.snippet(i) for i in _section(page, _AUDITED_HEADING)][:MAX_AUDITED_PAGES]


def read_declaration(capture: CaptureView) -> Declaration:
    page = page_text(capture, main_only=True)  # the footer mention is not the declaration
    decl = Declaration(capture, text_chars=sum(len(line) for line in page.norm))
    decl.level, decl.level_snippet = _find_level(page)
    _find_rates(page, decl)
    _find_dates(page, decl)
    for line in page.norm:
        m = _VERSION.search(line)
        if m:
            decl.rgaa_version = m.group(1)
            break
    decl.audited_pages = _audited_pages(page)
    decl.contact_means = _contact_means(page)
    decl.defenseur_des_droits = any(DDD.search(line) for line in page.norm)
    return decl
