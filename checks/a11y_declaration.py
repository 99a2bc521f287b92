"""``a11y-declaration``: the accessibility mention on every page and the declaration behind it.

French law (art. 47 of loi 2005-102, décret 2019-768) asks every page of a public service to
show « Accessibilité : totalement / partiellement / non conforme » with a link to a declaration
stating the conformance level, the rate of RGAA criteria met, its date, a contact and the
Défenseur des droits. The observatory counts a declaration as admissible when it states a
level, offers a contact, shows the global rate and is less than three years old.

One finding per service scan. Text is read from the collector's rendered text with quoted code
(``code_texts``) removed, normalised with :func:`core.text.normalise_text`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import phonenumbers

from checks.inputs import CaptureView, ServiceCaptures
from checks.model import Evidence, Finding, Outcome
from checks.pagetext import (
    DDD,
    MAX_SNIPPET,
    PageText,
    examined_pages,
    is_declaration_page,
    is_third_party_url,
    page_text,
    third_party_lines,
)
from checks.registry import check
from core.text import normalise_text

EXPIRY_YEARS = 3


def utc_now() -> datetime:
    """The reference time when neither the caller nor the capture gives one (tests pass ``now``)."""
    return datetime.now(UTC)


# -- the mention on each page ---------------------------------------------------------------------

_MENTION = re.compile(
    r"accessibilite ?: ?(?:(totalement|partiellement)(?! ?/)(?:[ -]?conformes?)?"
    r"|(non)(?! ?/)(?:[ -]?conformes?|(?=\s*(?:$|[.,;:)|•·-]))))"
)
_PLACEHOLDER = re.compile(r"accessibilite ?: ?totalement ?/ ?partiellement ?/ ?non")
_ACCESSIBILITY_LINK = re.compile(r"^accessibilite\b|declaration d.? ?accessibilite")


def _mention_level(text: str) -> str | None:
    match = _MENTION.search(text)
    return (match.group(1) or match.group(2)) if match else None


def mention_on_page(page: PageText) -> dict[str, Any]:
    """The level the page's mention states (None if none), whether it is the DSFR placeholder,
    and the link carrying it."""
    level, snippet = None, None
    for i, line in enumerate(page.norm):
        found = _mention_level(line)
        if found:
            level, snippet = found, page.snippet(i)
            break
    placeholder = any(_PLACEHOLDER.search(line) for line in page.norm)
    link = None
    for item in (page.capture.collector or {}).get("links") or []:
        if not isinstance(item, dict):
            continue
        text = normalise_text(str(item.get("text") or ""))
        if _mention_level(text) or _PLACEHOLDER.search(text):
            link = item
            if level is None and _mention_level(text):
                level, snippet = _mention_level(text), str(item.get("text"))[:MAX_SNIPPET]
            break
    return {"url": page.url, "level": level, "placeholder": placeholder,
            "link": str(link["href"]) if link and link.get("href") else None,
            "selector": link.get("selector") if link else None, "snippet": snippet}


def declaration_links(pages: list[PageText]) -> list[str]:
    """Hrefs of links that lead to an accessibility declaration (mention or « Accessibilité »)."""
    found: list[str] = []
    for page in pages:
        for item in (page.capture.collector or {}).get("links") or []:
            if not isinstance(item, dict) or not item.get("href"):
                continue
            text = normalise_text(" ".join(str(item.get(k) or "") for k in ("text", "title")))
            if (_ACCESSIBILITY_LINK.search(text) or _PLACEHOLDER.search(text)) \
                    and str(item["href"]).startswith("http") and item["href"] not in found:
                found.append(str(item["href"]))
    return found


# -- facts of the declaration ---------------------------------------------------------------------

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
MIN_PAGE_CHARS = 50  # a start page showing less and no link did not render
MIN_DECLARATION_CHARS = 300  # below this, with no fact found, the page did not render its text


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
        if _MENTION.search(sentence) or _PLACEHOLDER.search(sentence):
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


# -- judgement ------------------------------------------------------------------------------------

def expected_level(rate: float) -> str:
    """The level a rate allows: 100 % totalement, from 50 % partiellement, under 50 % non."""
    return "totalement" if rate >= 100 else "partiellement" if rate >= 50 else "non"


def _plus_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


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
    elif _plus_years(when, EXPIRY_YEARS) < today:
        solid.append("expired")
    return solid, uncertain


REASONS_FR = {
    "level_missing": "niveau de conformité non indiqué",
    "contact_missing": "aucun moyen de contact",
    "rate_missing": "taux global de conformité non indiqué",
    "date_missing": "date de la déclaration introuvable",
    "expired": f"déclaration de plus de {EXPIRY_YEARS} ans",
}


def consistency(decl: Declaration, mention: str | None) -> tuple[bool | None, list[str]]:
    issues: list[str] = []
    level = decl.level or mention
    if decl.rate is not None and level is not None and expected_level(decl.rate) != level:
        issues.append(f"taux de {decl.rate} % incompatible avec « {level} conforme »")
    if decl.level and mention and decl.level != mention:
        issues.append(f"mention « {mention} conforme » mais déclaration « {decl.level} conforme »")
    if decl.rate is None and (decl.level is None or mention is None):
        return None, issues
    return not issues, issues


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _main_mention(mentions: list[dict[str, Any]], pages: list[PageText]) -> str | None:
    start = next((m for m, p in zip(mentions, pages, strict=True)
                  if p.capture.page_kind == "start" and m["level"]), None)
    if start:
        return str(start["level"])
    levels = [m["level"] for m in mentions if m["level"]]
    return max(set(levels), key=levels.count) if levels else None


def _mention_evidence(mentions: list[dict[str, Any]]) -> list[Evidence]:
    return [Evidence(kind="node" if m["selector"] else "url", url=m["url"], selector=m["selector"],
                     snippet=m["snippet"], extra={"level": m["level"],
                                                  "placeholder": m["placeholder"]})
            for m in mentions]


@check(
    "a11y-declaration",
    version=1,
    title="Mention et déclaration d’accessibilité",
    scope="service",
    references=("VDNE:handicap", "RGAAv4", "loi-2005-102-art-47", "decret-2019-768"),
    data_keys={
        "mention": "level stated by the « Accessibilité : … » mention (totalement, partiellement, "
                   "non; start page first, else the most common), null if none",
        "mention_pages": "one entry per examined page: url, level (null if none), placeholder "
                         "(DSFR text listing the three levels), link (href of the mention)",
        "declaration_url": "URL of the declaration examined, else of the link leading to it",
        "declared_level": "level stated by the declaration's own conformance sentence",
        "conformance_sentence": "that sentence, as shown",
        "rate": "percentage of RGAA criteria met, from its own sentence (never another %)",
        "average_rate": "average conformance rate (« taux moyen »), kept apart from rate",
        "rgaa_version": "RGAA version cited (e.g. 4.1)",
        "declared_on": "date the declaration was established (YYYY-MM-DD)",
        "updated_on": "date of its last update (YYYY-MM-DD)",
        "audit_date": "date of the audit (YYYY-MM-DD; the last day of a span)",
        "audited_pages": "lines listed under the audited pages heading (first 50)",
        "contact_means": "contact means the declaration offers: email, form, contact_link, "
                         "phone, postal (the Défenseur des droits' excluded)",
        "defenseur_des_droits": "true if the declaration names the Défenseur des droits",
        "reference_date": "date the age was judged at (capture time, else now), YYYY-MM-DD",
        "admissible": "true if level, contact, global rate and a date under 3 years are all "
                      "there; false if not; null when no declaration was examined",
        "admissibility_reasons": "why not admissible: level_missing, contact_missing, "
                                 "rate_missing, date_missing, expired",
        "consistent": "true if rate, declared level and mention agree (100 % totalement, "
                      "≥ 50 % partiellement, < 50 % non); null if undecidable",
        "consistency_issues": "each disagreement found, in French",
        "pages_without_mention": "URLs of examined pages without a valid mention",
    },
)
def a11y_declaration_check(inputs: ServiceCaptures,
                           now: datetime | Callable[[], datetime] | None = None
                           ) -> Iterator[Finding]:
    """``now`` fixes the reference time (tests); by default the declaration's capture time is
    used, else :func:`utc_now`."""
    captures = examined_pages(inputs)
    pages = [page_text(c) for c in captures]
    mentions = [mention_on_page(p) for p in pages]
    mention = _main_mention(mentions, pages)
    missing = [m["url"] for m in mentions if not m["level"]]
    data: dict[str, Any] = {
        "mention": mention, "pages_without_mention": missing,
        "mention_pages": [{k: m[k] for k in ("url", "level", "placeholder", "link")}
                          for m in mentions],
        "declaration_url": None, "declared_level": None, "conformance_sentence": None,
        "rate": None, "average_rate": None, "rgaa_version": None, "declared_on": None,
        "updated_on": None, "audit_date": None, "audited_pages": [], "contact_means": [],
        "defenseur_des_droits": None, "reference_date": None, "admissible": None,
        "admissibility_reasons": [], "consistent": None, "consistency_issues": [],
    }
    if not captures:
        yield Finding(
            outcome=Outcome.needs_review, data=data,
            message="Aucune page du service n’a pu être examinée : mention et déclaration "
                    "d’accessibilité non vérifiées",
            evidence=[Evidence(kind="url", url=c.url, extra={"outcome": c.outcome})
                      for c in inputs.captures])
        return
    declarations = [read_declaration(c) for c in captures if is_declaration_page(c)]
    if not declarations:
        yield _without_declaration(inputs, captures, pages, mentions, data)
        return
    decl = max(declarations, key=lambda d: (d.score, -d.capture.id))
    yield _with_declaration(decl, mentions, data, now)


def _rendered(page: PageText) -> bool:
    """Whether the page showed something: an empty shell proves no absence."""
    links = [x for x in (page.capture.collector or {}).get("links") or []
             if isinstance(x, dict) and x.get("href")]
    return sum(len(line) for line in page.norm) >= MIN_PAGE_CHARS or bool(links)


def _without_declaration(inputs: ServiceCaptures, captures: list[CaptureView],
                         pages: list[PageText], mentions: list[dict[str, Any]],
                         data: dict[str, Any]) -> Finding:
    links = declaration_links(pages)
    failed = [c.url for c in inputs.captures if c.page_kind == "accessibility"]
    data["declaration_url"] = next(iter(links + failed), None)
    evidence = [*_mention_evidence(mentions), *(Evidence(kind="url", url=u) for u in links)]
    start = next((c for c, p in zip(captures, pages, strict=True)
                  if c.page_kind == "start" and _rendered(p)), None)
    if links or failed:
        return Finding(
            outcome=Outcome.needs_review, data=data, evidence=evidence,
            page_capture_id=start.id if start else captures[0].id,
            message="Un lien vers la déclaration d’accessibilité existe mais la déclaration "
                    f"n’a pas pu être examinée ({data['declaration_url']})")
    if start is None:
        return Finding(
            outcome=Outcome.needs_review, data=data, evidence=evidence,
            message="Ni mention ni déclaration d’accessibilité trouvées, mais la page "
                    "d’accueil du service n’a pas pu être examinée (absente ou sans contenu)")
    stated = "une mention sans lien" if data["mention"] else "aucune mention « Accessibilité : … »"
    return Finding(
        outcome=Outcome.fail, data=data, evidence=evidence, page_capture_id=start.id,
        message=f"Déclaration d’accessibilité introuvable sur les pages publiques : {stated} "
                "et aucun lien vers une déclaration")


def _mention_problems(mentions: list[dict[str, Any]]) -> list[str]:
    placeholder = [m["url"] for m in mentions if not m["level"] and m["placeholder"]]
    absent = [m["url"] for m in mentions if not m["level"] and not m["placeholder"]]
    out = []
    if placeholder:
        out.append("mention laissée au texte du gabarit DSFR « totalement / partiellement / non "
                   "conforme » (aucun niveau) sur " + ", ".join(placeholder))
    if absent:
        out.append("mention « Accessibilité : … » absente sur " + ", ".join(absent))
    return out


def _today(decl: Declaration, now: datetime | Callable[[], datetime] | None) -> date:
    if isinstance(now, datetime):
        return now.date()
    if now is not None:
        return now().date()
    return (decl.capture.captured_at or utc_now()).date()


def _with_declaration(decl: Declaration, mentions: list[dict[str, Any]], data: dict[str, Any],
                      now: datetime | Callable[[], datetime] | None) -> Finding:
    today = _today(decl, now)
    level = decl.level or data["mention"]
    solid, uncertain = admissibility(decl, level, today)
    consistent, issues = consistency(decl, data["mention"])
    data.update({
        "declaration_url": decl.capture.url, "declared_level": decl.level,
        "conformance_sentence": decl.level_snippet, "rate": decl.rate,
        "average_rate": decl.average_rate, "rgaa_version": decl.rgaa_version,
        "declared_on": _iso(decl.dates.get("declared_on")),
        "updated_on": _iso(decl.dates.get("updated_on")),
        "audit_date": _iso(decl.dates.get("audit_date")), "audited_pages": decl.audited_pages,
        "contact_means": decl.contact_means, "defenseur_des_droits": decl.defenseur_des_droits,
        "reference_date": today.isoformat(), "admissible": not (solid or uncertain),
        "admissibility_reasons": solid + uncertain, "consistent": consistent,
        "consistency_issues": issues,
    })
    evidence = [Evidence(kind="url", url=decl.capture.url)]
    for snippet, what in ((decl.level_snippet, "conformance"), (decl.rate_snippet, "rate"),
                          *((decl.date_snippets[k], k) for k in decl.date_snippets)):
        if snippet:
            evidence.append(Evidence(kind="text", url=decl.capture.url, snippet=snippet,
                                     extra={"fact": what}))
    evidence += _mention_evidence(mentions)
    if decl.score == 0 and decl.text_chars < MIN_DECLARATION_CHARS:
        data["admissible"] = None
        return Finding(
            outcome=Outcome.needs_review, data=data, evidence=evidence,
            page_capture_id=decl.capture.id,
            message="La page de déclaration d’accessibilité ne montre presque aucun texte "
                    f"({decl.text_chars} caractères) : elle n’a pas pu être lue")
    problems = [REASONS_FR[r] for r in solid] + issues
    problems += _mention_problems(mentions)
    summary = (f"niveau {level or '?'}, taux {decl.rate if decl.rate is not None else '?'} %, "
               f"date {_iso(reference_date(decl)) or '?'}")
    if problems:
        outcome = Outcome.fail
        message = (f"Mention ou déclaration d’accessibilité en défaut ({summary}) : "
                   + " ; ".join(problems))
    elif uncertain:
        outcome = Outcome.needs_review
        message = (f"Déclaration d’accessibilité à vérifier ({summary}) : "
                   + " ; ".join(REASONS_FR[r] for r in uncertain) + " (lecture automatique)")
    else:
        outcome = Outcome.passed
        message = f"Déclaration d’accessibilité recevable et cohérente ({summary})"
    return Finding(outcome=outcome, message=message, data=data, evidence=evidence,
                   page_capture_id=decl.capture.id, references=("RGAAv4",))
