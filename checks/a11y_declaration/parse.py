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
from typing import Any

import phonenumbers

from checks.a11y_declaration.criteria import read_non_conformities
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
# « 82 % », « 82,5 % », « 82 pour cent » (every space already folded to one by normalise_text)
_PCT = r"(\d{1,3}(?:[.,]\d{1,2})?) ?(?:%|pour ?-?cent\b|pourcents?\b)"
_AVERAGE = re.compile(r"(?:taux moyen|moyenne)[^%]{0,80}?" + _PCT)
_NEGATED = r"(?![^.]{0,40}(?:non resp|ne sont pas|non conforme|non applicable|invalide|en echec))"
_RATE = (
    # « 82 % des critères … sont respectés », not « 12 % des critères ne sont pas respectés »
    re.compile(_PCT + r" (?:des|de) criteres" + _NEGATED),
    re.compile(r"taux (?:global )?de conformite(?! moyen)(?: globale?)?[^%]{0,60}?" + _PCT),
    # « conforme à 82 % », « conformité à hauteur de 82 % », not « non conforme à … »
    re.compile(r"(?<!non )(?<!non-)conform(?:e|es|ite) (?:au rgaa |aux criteres du rgaa )?"
               r"(?:a|de) (?:hauteur de )?" + _PCT),
    # « 82 % de conformité », « score de 82 % », « 82 % sont respectés » (criteria named before)
    re.compile(_PCT + r" de conformite"),
    re.compile(r"score (?:de conformite |rgaa )?(?:de |: ?)" + _PCT),
    re.compile(r"criteres\b[^%.]{0,60}?" + _PCT + r" (?:d.entre eux )?(?:sont|est) respectes?"),
)
# « … et 70 % sur l'application mobile »: another rate of a sentence that stated one
_PLATFORM = (r"(site (?:web|internet|mobile)|version (?:web|desktop|ordinateur|mobile|android|ios)"
             r"|application(?: mobile| ios| android| web)?|appli(?:cation)? \w+|ios|android"
             r"|mobile|ordinateur|desktop)")
_PLATFORM_RE = re.compile(r"\b" + _PLATFORM + r"\b")
_PLATFORM_RATE = re.compile(_PCT + r" (?:des criteres )?(?:sur|pour) (?:la |le |l.)?" + _PLATFORM)
# « Taux de conformité » as a label (table header, <dt>) whose value is in another cell or line
_RATE_LABEL = re.compile(r"^taux (?:global )?de conformite(?! moyen)(?: globale?)?"
                         r"(?: (?:au |du )?rgaa[\d. ]*)?(?: \(.*\))? ?:?$")
_BARE_PCT = re.compile(r"^" + _PCT + r"(?: \(.*\))?$")
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
_RECOURSE_HEADING = re.compile(r"voies? de recours|defenseur des droits")
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
    platform_rates: list[dict[str, Any]] = field(default_factory=list)
    rgaa_version: str | None = None
    dates: dict[str, date] = field(default_factory=dict)
    date_snippets: dict[str, str] = field(default_factory=dict)
    audited_pages: list[str] = field(default_factory=list)
    contact_means: list[str] = field(default_factory=list)
    defenseur_des_droits: bool = False
    has_percentage: bool = False  # some % on the page, even if not the global rate
    has_any_date: bool = False
    text_chars: int = 0  # how much text the page had: an empty shell was not really examined
    non_conformities: list[str] = field(default_factory=list)  # lines of that list, as shown
    non_conformity_criteria: list[dict[str, Any]] = field(default_factory=list)
    non_conformity_themes: list[dict[str, Any]] = field(default_factory=list)

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


def _platform_near(sentence: str, start: int, end: int) -> str | None:
    """The platform a rate is stated for: named just after it, else just before it."""
    after = _PLATFORM_RE.search(sentence[end:end + 40])
    if after:
        return after.group(1)
    before = list(_PLATFORM_RE.finditer(sentence[max(0, start - 40):start]))
    return before[-1].group(1) if before else None


def _rates_in(sentence: str, excluded: set[tuple[int, int]]) -> list[tuple[int, float | int,
                                                                           str | None]]:
    """(position, rate, platform) of each rate of criteria stated by ``sentence``."""
    found: dict[tuple[int, int], tuple[int, float | int, str | None]] = {}
    for pattern in _RATE:
        for m in pattern.finditer(sentence):
            span = m.span(1)
            if span in excluded or span in found or float(m.group(1).replace(",", ".")) > 100:
                continue
            found[span] = (span[0], _number(m.group(1)), _platform_near(sentence, *span))
    if found:
        for m in _PLATFORM_RATE.finditer(sentence):
            span = m.span(1)
            if span not in excluded and span not in found \
                    and float(m.group(1).replace(",", ".")) <= 100:
                found[span] = (span[0], _number(m.group(1)), m.group(2))
    return sorted(found.values(), key=lambda r: r[0])


def _rates_in_cells(page: PageText) -> Iterator[tuple[int, float | int, str | None]]:
    """Rates beside a « Taux de conformité » label: the next cell of its row, the same column
    of the next rows (a table whose header names the column), or the next line (<dt>/<dd>)."""
    for i, raw in enumerate(page.lines):
        cells = [normalise_text(c) for c in raw.split("\t")]
        for k, cell in enumerate(cells):
            if not _RATE_LABEL.search(cell):
                continue
            if k + 1 < len(cells) and (m := _BARE_PCT.search(cells[k + 1])):
                yield i, _number(m.group(1)), cells[0] if k > 0 else None
                continue
            for j in range(i + 1, min(i + 8, len(page.lines))):
                row = [normalise_text(c) for c in page.lines[j].split("\t")]
                if len(cells) == 1 and j == i + 1 and (m := _BARE_PCT.search(row[0])):
                    yield j, _number(m.group(1)), None
                    break
                if len(row) != len(cells) or not (m := _BARE_PCT.search(row[k])):
                    break
                yield j, _number(m.group(1)), row[0] if k > 0 else None


def _is_web(platform: str | None) -> bool:
    return platform is not None and bool(
        re.search(r"web|internet|desktop|ordinateur", platform)) and "application" not in platform


def _find_rates(page: PageText, decl: Declaration) -> None:
    """The rate of criteria met: the first one stated for the whole declaration; when every
    rate is stated for a platform (web, mobile app...), the web one (the service Vigie visits),
    else the first. Each platform's rate is kept in ``platform_rates``."""
    rates: list[tuple[int, float | int, str | None]] = []  # (line, rate, platform)
    for i, sentence in _sentences(page):
        averages = list(_AVERAGE.finditer(sentence))
        if averages and decl.average_rate is None:
            decl.average_rate = _number(averages[0].group(1))
        rates += [(i, rate, platform)
                  for _, rate, platform in _rates_in(sentence, {m.span(1) for m in averages})]
        decl.has_percentage = decl.has_percentage or bool(_ANY_PCT.search(sentence))
    rates += list(_rates_in_cells(page))
    if not rates:
        return
    rates.sort(key=lambda r: r[0])
    chosen = (next((r for r in rates if r[2] is None), None)
              or next((r for r in rates if _is_web(r[2])), None) or rates[0])
    decl.rate, decl.rate_snippet = chosen[1], page.snippet(chosen[0])
    for _, rate, platform in rates:
        if platform and platform not in {p["platform"] for p in decl.platform_rates}:
            decl.platform_rates.append({"platform": platform, "rate": rate})


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
    recourse = set(_section(page, _RECOURSE_HEADING))
    # A line naming the Défenseur outside « Voies de recours » keeps what it says before
    own = {i: _own_part(page.norm[i]) for i in third
           if i not in recourse and DDD.search(page.norm[i])}
    section = _section(page, _CONTACT_HEADING)
    indices = [i for i in section or range(len(page.norm)) if i not in third or own.get(i)]
    text = "\n".join(own.get(i) or page.norm[i] for i in indices)
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


def _own_part(line: str) -> str:
    """What a line about the Défenseur des droits says before its first sentence naming it
    (a declaration written as one paragraph ends with it): the Défenseur's means are not the
    service's, the sentences before are."""
    kept: list[str] = []
    for sentence in _SENTENCE_END.split(line):
        if DDD.search(sentence):
            break
        kept.append(sentence)
    return " ".join(kept)


def _audited_pages(page: PageText) -> list[str]:
    return [page.snippet(i) for i in _section(page, _AUDITED_HEADING)][:MAX_AUDITED_PAGES]


def read_declaration(capture: CaptureView, page: PageText | None = None) -> Declaration:
    """The facts ``page`` states (default: the capture's main text, so that the footer mention
    is not read as the declaration's sentence; a section of it when the declaration is a part
    of another page)."""
    page = page or page_text(capture, main_only=True)
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
    (decl.non_conformities, decl.non_conformity_criteria,
     decl.non_conformity_themes) = read_non_conformities(page)
    return decl
