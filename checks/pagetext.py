"""Page text as checks read it: rendered lines with quoted code removed, normalised.

Shared by the checks that read what a page says (declaration, human alternative...), with the
rules for what belongs to a third party (the Défenseur des droits) rather than the service.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from checks.inputs import CaptureView, ServiceCaptures
from core.text import normalise_text, without

MAX_SNIPPET = 300
MIN_CODE_CHARS = 4  # shorter quoted code ("h1", "fr") would erase ordinary words
THIRD_PARTY_DOMAINS = ("defenseurdesdroits.fr", "antidiscriminations.fr")


@dataclass
class PageText:
    """A page's rendered lines (quoted code removed), as shown and normalised, index for index."""

    capture: CaptureView
    lines: list[str]
    norm: list[str]
    headings: set[str] = field(default_factory=set)  # normalised heading texts

    @property
    def url(self) -> str:
        return self.capture.url

    def snippet(self, index: int) -> str:
        return self.lines[index].strip()[:MAX_SNIPPET]


def examined_pages(inputs: ServiceCaptures) -> list[CaptureView]:
    """Ok captures with a collector, one per URL: desktop first (the footer is never folded)."""
    chosen: dict[str, CaptureView] = {}
    ordered = sorted(inputs.ok(), key=lambda c: (c.viewport != "desktop", c.id))
    for capture in ordered:
        if isinstance(capture.collector, dict):
            chosen.setdefault(capture.url, capture)
    return sorted(chosen.values(), key=lambda c: c.id)


def page_text(capture: CaptureView, *, main_only: bool = False) -> PageText:
    """The page's text, built once per capture and kept on it (several checks read it)."""
    cache: dict[bool, PageText] = capture.__dict__.setdefault("_page_texts", {})
    if main_only not in cache:
        cache[main_only] = _build_page_text(capture, main_only)
    return cache[main_only]


def _build_page_text(capture: CaptureView, main_only: bool) -> PageText:
    collector = capture.collector or {}
    raw = str(collector.get("visible_text") or "")
    if main_only and str(collector.get("main_text") or "").strip():
        raw = str(collector["main_text"])
    codes = [str(c) for c in collector.get("code_texts") or []
             if len(str(c).strip()) >= MIN_CODE_CHARS]
    raw = without(raw, codes)
    # innerText and textContent may space quoted code differently: remove it once more, normalised.
    norm_codes = [n for c in codes for part in c.splitlines()
                  if len(n := normalise_text(part)) >= MIN_CODE_CHARS]
    lines, norm = [], []
    for line in raw.splitlines():
        folded = normalise_text(line)
        for code in norm_codes:
            folded = folded.replace(code, " ")
        if folded.strip():
            lines.append(line)
            norm.append(folded.strip())
    headings = {normalise_text(str(h.get("text") or "")) for h in collector.get("headings") or []
                if isinstance(h, dict)}
    return PageText(capture, lines, norm, headings)


_DECLARATION_TITLE = re.compile(r"declaration d.? ?accessibilite")


def is_declaration_page(capture: CaptureView) -> bool:
    """The crawler's accessibility page, or a page titled « Déclaration d’accessibilité »."""
    if capture.page_kind == "accessibility":
        return True
    collector = capture.collector or {}
    titles = [capture.title or "", str(collector.get("title") or "")]
    titles += [str(h.get("text") or "") for h in collector.get("headings") or []
               if isinstance(h, dict) and h.get("level") == 1]
    return any(_DECLARATION_TITLE.search(normalise_text(t)) for t in titles)


DDD = re.compile(r"defenseur des droits")
_RECOURSE_HEADING = re.compile(r"voies? de recours|defenseur des droits")
DDD_FOLLOWING_LINES = 3  # its postal address and phone are written on the next lines


def third_party_lines(page: PageText, *, declaration: bool) -> set[int]:
    """Lines about the Défenseur des droits: its contact means are not the service's.

    Everywhere: a line naming it. On a declaration page also the next few lines and the whole
    « Voies de recours » section (up to the next heading).
    """
    out: set[int] = set()
    in_recourse = False
    for i, line in enumerate(page.norm):
        if line in page.headings:
            in_recourse = declaration and bool(_RECOURSE_HEADING.search(line))
        if in_recourse:
            out.add(i)
        if DDD.search(line):
            out.add(i)
            if declaration:
                out.update(range(i + 1, min(i + 1 + DDD_FOLLOWING_LINES, len(page.norm))))
    return out


def is_third_party_url(href: str) -> bool:
    return any(domain in href.lower() for domain in THIRD_PARTY_DOMAINS)
