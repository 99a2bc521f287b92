"""The registered ``a11y-declaration`` check: one finding per service scan, from the mention
read on every examined page (:mod:`.mention`) and the declaration wherever it is
(:mod:`.source`, read by :mod:`.parse`), judged by :mod:`.rules`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

from checks.a11y_declaration.mention import declaration_links, mention_on_page
from checks.a11y_declaration.parse import Declaration
from checks.a11y_declaration.rules import (
    admissibility,
    consistency,
    main_mention,
    mention_problems,
    reason_fr,
    reference_date,
)
from checks.a11y_declaration.source import LINK_PROBLEMS, REASONS, Source, choose_source
from checks.inputs import CaptureView, ServiceCaptures
from checks.model import Evidence, Finding, Outcome
from checks.pagetext import PageText, examined_pages, page_text
from checks.registry import check

MIN_PAGE_CHARS = 50  # a start page showing less and no link did not render
MIN_DECLARATION_CHARS = 300  # below this, with no fact found, the page did not render its text


def utc_now() -> datetime:
    """The reference time when neither the caller nor the capture gives one (tests pass ``now``)."""
    return datetime.now(UTC)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _mention_evidence(mentions: list[dict[str, Any]]) -> list[Evidence]:
    return [Evidence(kind="node" if m["selector"] else "url", url=m["url"], selector=m["selector"],
                     snippet=m["snippet"], extra={"level": m["level"],
                                                  "placeholder": m["placeholder"]})
            for m in mentions]


CHECK_ID = "a11y-declaration"


@check(
    CHECK_ID,
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
        "platform_rates": "rates stated per platform: platform (as written, normalised), rate",
        "source_url": "URL of the page the declaration was read from, null if none",
        "source_reason": "why that page: followed_link, declaration_title, "
                         "declaration_content, page_section, followed_link_unconfirmed",
        "source_section": "heading of the section read when the declaration is a part of "
                          "another page (a legal notice), else null",
        "source_signals": "what says it is a declaration: title, conformance_sentence, "
                          "rgaa_rate, template_headings",
        "followed_link": "the accessibility page the crawler followed: url, final_url, "
                         "http_status, problem (http_error, capture_failed, redirected_home, "
                         "not_a_declaration, null); null if none was followed",
        "non_conformities": "lines listed under « Non-conformités » / « Contenus non "
                            "accessibles », as shown (first 100)",
        "non_conformity_criteria": "RGAA criteria that list cites: criterion (e.g. 1.1), "
                                   "theme, text (the line citing it)",
        "non_conformity_themes": "RGAA themes that list names at the start of a line or "
                                 "heading: theme (e.g. Couleurs), text",
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
    mention = main_mention(mentions, pages)
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
        "platform_rates": [], "source_url": None, "source_reason": None,
        "source_section": None, "source_signals": [], "followed_link": None,
        "non_conformities": [], "non_conformity_criteria": [], "non_conformity_themes": [],
    }
    if not captures:
        yield Finding(
            outcome=Outcome.needs_review, data=data,
            message="Aucune page du service n’a pu être examinée : mention et déclaration "
                    "d’accessibilité non vérifiées",
            evidence=[Evidence(kind="url", url=c.url, extra={"outcome": c.outcome})
                      for c in inputs.captures])
        return
    source, data["followed_link"] = choose_source(captures, inputs)
    if source is None:
        yield _without_declaration(inputs, captures, pages, mentions, data)
        return
    yield _with_declaration(source, mentions, data, now)


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


def _today(decl: Declaration, now: datetime | Callable[[], datetime] | None) -> date:
    if isinstance(now, datetime):
        return now.date()
    if now is not None:
        return now().date()
    return (decl.capture.captured_at or utc_now()).date()


def _source_note(source: Source, link: dict[str, Any] | None) -> str:
    """Where the declaration was read, in French, when it is not simply the followed link."""
    if source.reason == "followed_link":
        return ""
    where = REASONS[source.reason]
    if source.section:
        where = f"section « {source.section} » de cette page"
    note = f" ; déclaration lue sur {source.capture.url} ({where})"
    if link and link.get("problem"):
        status = f" {link['http_status']}" if link["problem"] == "http_error" else ""
        note += f" : le lien suivi ({link['url']}) {LINK_PROBLEMS[link['problem']]}{status}"
    return note


def _with_declaration(source: Source, mentions: list[dict[str, Any]], data: dict[str, Any],
                      now: datetime | Callable[[], datetime] | None) -> Finding:
    decl = source.declaration
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
        "consistency_issues": issues, "platform_rates": decl.platform_rates,
        "source_url": decl.capture.url, "source_reason": source.reason,
        "source_section": source.section, "source_signals": source.signals,
        "non_conformities": decl.non_conformities,
        "non_conformity_criteria": decl.non_conformity_criteria,
        "non_conformity_themes": decl.non_conformity_themes,
    })
    note = _source_note(source, data["followed_link"])
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
                    f"({decl.text_chars} caractères) : elle n’a pas pu être lue{note}")
    problems = [reason_fr(r) for r in solid] + issues
    problems += mention_problems(mentions)
    rate = str(decl.rate).replace(".", ",") if decl.rate is not None else "?"
    summary = (f"niveau {level or '?'}, taux {rate} %, "
               f"date {_iso(reference_date(decl)) or '?'}")
    if problems:
        outcome = Outcome.fail
        message = (f"Mention ou déclaration d’accessibilité en défaut ({summary}) : "
                   + " ; ".join(problems) + note)
    elif uncertain:
        outcome = Outcome.needs_review
        message = (f"Déclaration d’accessibilité à vérifier ({summary}) : "
                   + " ; ".join(reason_fr(r) for r in uncertain) + f" (lecture automatique){note}")
    else:
        outcome = Outcome.passed
        message = f"Déclaration d’accessibilité recevable et cohérente ({summary}){note}"
    return Finding(outcome=outcome, message=message, data=data, evidence=evidence,
                   page_capture_id=decl.capture.id, references=("RGAAv4",))
