"""Which captured page the declaration is read from, and why.

Every examined page is a candidate: a page is a declaration when its content says so (its
title or ``h1``, the conformance sentence naming the RGAA, a rate of RGAA criteria, the
template's headings « État de conformité », « Résultats des tests »…), whatever kind the crawler
gave it. A page that only holds a section about accessibility (a legal notice embedding the
declaration) is read from that section alone, so that the legal notice's own dates, address and
percentages are not taken for the declaration's.

The link the crawler followed (page kind ``accessibility``) stays the first candidate; when it
failed (HTTP error, failed capture, redirect to the home page) or shows no declaration, the
other candidates are used. Order: the followed link if its content is a declaration; pages
titled as a declaration; other pages whose content is one; accessibility sections of other
pages; last, the followed link whatever it shows (an unrendered page is judged as such).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from checks.a11y_declaration.parse import Declaration, read_declaration
from checks.inputs import CaptureView, ServiceCaptures
from checks.pagetext import PageText, page_text
from core.text import normalise_text

FOLLOWED_KIND = "accessibility"
# A title or h1 that names the declaration (« Accessibilité » alone also titles policy pages)
_TITLE = re.compile(
    r"declaration d.? ?accessibilite|declaration de conformite|conformite (?:au )?rgaa")
_SECTION_HEADING = re.compile(
    r"declaration d.? ?accessibilite|^(?:\d+\.? ?)?accessibilite(?: numerique| du site"
    r"| des contenus)?\b|declaration de conformite|conformite (?:au )?rgaa|^rgaa\b"
)
# Headings of the declaration template: a flat legal notice (every part an h2) keeps them in
# the accessibility section.
TEMPLATE_HEADING = re.compile(
    r"etat de conformite|resultats? des tests|contenus? non accessibles?|non[- ]?conformites?"
    r"|derogations?|non soumis|etablissement de (?:cette|la) declaration|technologies"
    r"|environnement|outils|pages? (?:du site )?ayant fait|echantillon|retour d.information"
    r"|voies? de recours|amelioration et contact|defenseur des droits|plan d.action"
    r"|schema pluriannuel"
)
# The parts only a declaration has: two of them make a page one.
_DECLARATION_PARTS = re.compile(
    r"etat de conformite|resultats? des tests|contenus? non accessibles?|non[- ]?conformites?"
    r"|etablissement de (?:cette|la) declaration|pages? (?:du site )?ayant fait"
    r"|retour d.information et contact|voies? de recours"
)
_ABOUT_RGAA = re.compile(r"rgaa|referentiel general d.? ?amelioration")


@dataclass
class Source:
    """The page (or part of a page) the declaration is read from."""

    declaration: Declaration
    reason: str  # see REASONS
    section: str | None = None  # heading of the section read, when only a part of the page
    signals: list[str] = field(default_factory=list)

    @property
    def capture(self) -> CaptureView:
        return self.declaration.capture


# Why a page was read as the declaration, in French (the check's message).
REASONS = {
    "followed_link": "page de la déclaration liée depuis le site",
    "declaration_title": "page intitulée « Déclaration d’accessibilité »",
    "declaration_content": "page dont le contenu est une déclaration d’accessibilité",
    "page_section": "section d’une page sur un autre sujet",
    "followed_link_unconfirmed": "page liée comme déclaration, sans contenu de déclaration lu",
}
# What went wrong with the followed link, in French.
LINK_PROBLEMS = {
    "http_error": "répond en erreur HTTP",
    "capture_failed": "n’a pas pu être chargé",
    "redirected_home": "renvoie vers la page d’accueil",
    "not_a_declaration": "mène à une page qui n’est pas une déclaration",
}


def _heading_levels(capture: CaptureView) -> dict[str, int]:
    levels: dict[str, int] = {}
    for h in (capture.collector or {}).get("headings") or []:
        if isinstance(h, dict) and isinstance(h.get("level"), int):
            levels.setdefault(normalise_text(str(h.get("text") or "")), int(h["level"]))
    return levels


def _titled(capture: CaptureView) -> bool:
    collector = capture.collector or {}
    titles = [capture.title or "", str(collector.get("title") or "")]
    titles += [str(h.get("text") or "") for h in collector.get("headings") or []
               if isinstance(h, dict) and h.get("level") == 1]
    return any(_TITLE.search(normalise_text(t)) for t in titles)


def accessibility_section(page: PageText) -> tuple[str, PageText] | None:
    """The first section under a heading about accessibility (not the page's ``h1``): its
    heading as shown, and its lines, to the next heading of the same or a higher level that is
    not a part of the declaration template."""
    levels = _heading_levels(page.capture)
    start = next((i for i, line in enumerate(page.norm)
                  if line in page.headings and levels.get(line, 1) > 1
                  and _SECTION_HEADING.search(line)), None)
    if start is None:
        return None
    level = levels.get(page.norm[start], 2)
    end = len(page.norm)
    for i in range(start + 1, len(page.norm)):
        line = page.norm[i]
        if line in page.headings and levels.get(line, 6) <= level \
                and not TEMPLATE_HEADING.search(line):
            end = i
            break
    part = PageText(page.capture, page.lines[start:end], page.norm[start:end],
                    {h for h in page.headings if h in page.norm[start:end]})
    return page.snippet(start), part


def signals(decl: Declaration, page: PageText, *, titled: bool) -> list[str]:
    """What says the text read is a declaration: ``title``, ``conformance_sentence`` (naming
    the RGAA), ``rgaa_rate``, ``template_headings`` (two or more of them)."""
    out = ["title"] if titled else []
    if decl.level and decl.level_snippet and _ABOUT_RGAA.search(
            normalise_text(decl.level_snippet)):
        out.append("conformance_sentence")
    if decl.rate is not None:
        out.append("rgaa_rate")
    if sum(bool(_DECLARATION_PARTS.search(h)) for h in page.headings) >= 2:
        out.append("template_headings")
    return out


def _redirected_home(capture: CaptureView, starts: set[str]) -> bool:
    if capture.url in starts:
        return True
    asked, landed = urlsplit(capture.requested_url), urlsplit(capture.url)
    return landed.path in ("", "/") and asked.path not in ("", "/") and not landed.query


def followed_link(inputs: ServiceCaptures) -> tuple[CaptureView | None, str | None]:
    """The crawler's accessibility capture (desktop first) and what went wrong with it
    (a :data:`LINK_PROBLEMS` code; None when it loaded a page that is not the home page)."""
    followed = sorted((c for c in inputs.captures if c.page_kind == FOLLOWED_KIND),
                      key=lambda c: (c.viewport != "desktop", c.outcome != "ok", c.id))
    if not followed:
        return None, None
    capture = followed[0]
    starts = {c.url for c in inputs.captures if c.page_kind == "start"}
    if capture.outcome != "ok":
        return capture, "http_error" if (capture.http_status or 0) >= 400 else "capture_failed"
    if _redirected_home(capture, starts):
        return capture, "redirected_home"
    return capture, None


def _read(capture: CaptureView) -> Source:
    """The capture read as a declaration: the whole main text when its title names one, else
    its accessibility section when that section reads as one, else the whole main text."""
    page = page_text(capture, main_only=True)
    if _titled(capture):
        decl = read_declaration(capture, page)
        return Source(decl, "declaration_title", None, signals(decl, page, titled=True))
    part = accessibility_section(page)
    if part is not None:
        decl = read_declaration(capture, part[1])
        found = signals(decl, part[1], titled=False)
        if found:
            return Source(decl, "page_section", part[0], found)
    decl = read_declaration(capture, page)
    return Source(decl, "declaration_content", None, signals(decl, page, titled=False))


def choose_source(examined: list[CaptureView], inputs: ServiceCaptures
                  ) -> tuple[Source | None, dict[str, Any] | None]:
    """The page to read the declaration from, and the followed link's record for ``data``
    (``url``, ``final_url``, ``http_status``, ``problem``), None if no link was followed."""
    link, problem = followed_link(inputs)
    confirmed: list[Source] = []
    titled: list[Source] = []
    content: list[Source] = []
    sections: list[Source] = []
    unconfirmed: list[Source] = []
    for capture in examined:
        is_link = capture.page_kind == FOLLOWED_KIND
        if is_link and problem is not None and link is not None and capture.id == link.id:
            continue  # a redirect to the home page: the home page is read as itself
        read = _read(capture)
        if is_link:
            if read.signals:
                confirmed.append(replace(read, reason="followed_link"))
            else:
                unconfirmed.append(replace(read, reason="followed_link_unconfirmed"))
        elif read.reason == "declaration_title":
            titled.append(read)
        elif read.reason == "page_section":
            sections.append(read)
        elif {"conformance_sentence", "rgaa_rate"} & set(read.signals):
            content.append(read)
    source: Source | None = None
    for group in (confirmed, titled, content, sections, unconfirmed):
        if group:
            source = max(group, key=lambda s: (s.declaration.score, -s.capture.id))
            break
    if link is None:
        return source, None
    if problem is None and source is not None and source.capture.id != link.id:
        problem = "not_a_declaration"
    record = {"url": link.requested_url, "final_url": link.url, "http_status": link.http_status,
              "problem": problem}
    return source, record
