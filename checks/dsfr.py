"""``dsfr``: does the service use the Système de Design de l'État, and which version?

One finding per service scan. Each ok capture with a collector gets a score from DOM signals
(``fr-header``, ``fr-footer``, ``fr-logo``, the number of distinct ``fr-*`` classes), a DSFR
stylesheet or script loaded (named ``dsfr`` in its URL, or whose first bytes carry the
``/*! DSFR vX.Y.Z`` banner) and a Marianne font face. The best page gives the service's level;
the version comes from a banner (any page), else from a package path in an asset URL.

A page with the DSFR's styles and components but neither its header nor its footer is
``partial`` (kind ``components``), not « DSFR utilisé »: the header and footer are the
mandatory blocks that carry the State's identity, and the circulaire asks for the design
system as a whole. Other partial pages (a few classes, the font alone) are kind ``traces``.

Every signal comes from the DOM or from loaded assets, never from page text: markup quoted in
``<pre>``/``<code>`` (documentation pages) is not in the DOM as elements and never counts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from checks.inputs import CaptureView, ServiceCaptures
from checks.model import Evidence, Finding, Outcome
from checks.registry import check
from core.capture import Collected
from core.text import normalise_text

LEVELS = ("detected", "partial", "not_detected")
# Score weights: the two mandatory State blocks and the DSFR styles weigh most.
WEIGHTS = {"fr_header": 2, "fr_footer": 2, "fr_logo": 1, "dsfr_asset": 2, "marianne_font": 1}
MANY_CLASSES = 20  # a real DSFR header + footer alone use more distinct fr-* classes
FEW_CLASSES = 3  # fewer may be stray names (fr-lang, fr-flag), not DSFR components
DETECTED_SCORE = 6  # of 10: weights above plus up to 2 for the number of fr-* classes

_BANNER = re.compile(r"/\*!\s*DSFR\s+v?(\d+\.\d+\.\d+)", re.I)
# @gouvfr/dsfr@1.12.1/…, /dsfr/1.11.2/…, dsfr-v1.10.0, dsfr_1.9.0, dsfr/v1.12.0
_URL_VERSION = re.compile(r"dsfr(?:@|/|-|_)v?(\d+\.\d+\.\d+)", re.I)
# "dsfr" as a whole path token: dsfr.min.css, /dsfr/, @gouvfr/dsfr@…, dsfr-chart
_URL_DSFR = re.compile(r"(?:^|[/@._-])dsfr(?:$|[/@._-])", re.I)
OUTCOMES = {"detected": Outcome.passed, "partial": Outcome.needs_review,
            "not_detected": Outcome.fail}


@dataclass
class PageSignals:
    capture: CaptureView
    fr_header: bool = False
    fr_footer: bool = False
    fr_logo: bool = False
    fr_classes_count: int = 0
    dsfr_assets: list[str] = field(default_factory=list)
    marianne_font: bool = False
    banners: dict[str, tuple[str, str]] = field(default_factory=dict)  # url -> (line, version)

    @property
    def score(self) -> int:
        points = sum(weight for name, weight in WEIGHTS.items()
                     if name != "dsfr_asset" and getattr(self, name))
        points += WEIGHTS["dsfr_asset"] if self.dsfr_assets else 0
        if self.fr_classes_count >= MANY_CLASSES:
            points += 2
        elif self.fr_classes_count >= FEW_CLASSES:
            points += 1
        return points

    @property
    def level(self) -> str:
        styled = bool(self.dsfr_assets) or self.marianne_font
        if self.score >= DETECTED_SCORE and styled and (self.fr_header or self.fr_footer):
            return "detected"
        return "partial" if self.score > 0 else "not_detected"

    @property
    def partial_kind(self) -> str | None:
        """``components``: the DSFR's own styles and components, without its header and
        footer; ``traces``: any other partial page; None when not partial."""
        if self.level != "partial":
            return None
        components = bool(self.dsfr_assets) and self.fr_classes_count >= FEW_CLASSES
        return "components" if components and not (self.fr_header or self.fr_footer) \
            else "traces"

    def as_data(self) -> dict[str, Any]:
        return {"fr_header": self.fr_header, "fr_footer": self.fr_footer,
                "fr_logo": self.fr_logo, "fr_classes_count": self.fr_classes_count,
                "dsfr_assets": self.dsfr_assets, "marianne_font": self.marianne_font,
                "score": self.score, "page_url": self.capture.url}


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def page_signals(capture: CaptureView, collector: Collected) -> PageSignals:
    classes = set(_strings(collector.get("fr_classes")))
    fonts = {normalise_text(f) for f in _strings(collector.get("font_families"))}
    banners: dict[str, tuple[str, str]] = {}
    for item in collector.get("asset_heads") or []:
        if isinstance(item, dict) and isinstance(item.get("head"), str):
            match = _BANNER.search(item["head"])
            if match:
                line = item["head"][match.start():].splitlines()[0]
                banners[str(item.get("url"))] = (line[:200], match.group(1))
    urls = [*_strings(collector.get("stylesheets")), *_strings(collector.get("scripts"))]
    assets = [u for u in urls if _URL_DSFR.search(u.split("?", 1)[0])]
    assets += [u for u in banners if u not in assets]
    return PageSignals(
        capture=capture, fr_header="fr-header" in classes, fr_footer="fr-footer" in classes,
        fr_logo="fr-logo" in classes, fr_classes_count=len(classes), dsfr_assets=assets,
        marianne_font="marianne" in fonts, banners=banners,
    )


def url_version(url: str) -> str | None:
    """The DSFR version named in an asset's package path, if any."""
    match = _URL_VERSION.search(url)
    return match.group(1) if match else None


def _version(pages: list[PageSignals]) -> tuple[str | None, str | None, list[str]]:
    """(version, source, every version seen): a banner is trusted before a URL path."""
    from_banners = Counter(version for p in pages for _, version in p.banners.values())
    from_urls = Counter(v for p in pages for u in p.dsfr_assets if (v := url_version(u)))
    seen = sorted(set(from_banners) | set(from_urls), key=lambda v: tuple(map(int, v.split("."))))
    if from_banners:
        return from_banners.most_common(1)[0][0], "banner", seen
    if from_urls:
        return from_urls.most_common(1)[0][0], "url", seen
    return None, None, seen


def _class_snippet(html: str | None, name: str) -> str | None:
    # The opening tag from the stored HTML; escaped markup (&lt;…) cannot match "<".
    if not html:
        return None
    match = re.search(rf"<[a-z][^<>]*\bclass\s*=\s*[\"'][^\"']*(?<![\w-]){re.escape(name)}"
                      rf"(?![\w-])[^<>]*>", html, re.I)
    return match.group(0)[:500] if match else None


def _evidence(best: PageSignals, pages: list[PageSignals]) -> list[Evidence]:
    out: list[Evidence] = []
    capture = best.capture
    for name in ("fr-header", "fr-footer", "fr-logo"):
        if getattr(best, name.replace("-", "_")):
            out.append(Evidence(kind="node", url=capture.url, selector=f".{name}",
                                snippet=_class_snippet(capture.html, name)))
    for asset in best.dsfr_assets:
        banner = best.banners.get(asset)
        out.append(Evidence(kind="url", url=asset, snippet=banner[0] if banner else None,
                            extra={"role": "dsfr_asset", "page_url": capture.url}))
    if best.marianne_font:
        out.append(Evidence(kind="text", url=capture.url, snippet="Marianne",
                            extra={"role": "font_face",
                                   "font_families": (capture.collector or {}).get(
                                       "font_families")}))
    out.extend(Evidence(kind="url", url=p.capture.url,
                        extra={"role": "page_examined", "viewport": p.capture.viewport,
                               "level": p.level, "score": p.score})
               for p in pages)
    return out


def _message(level: str, version: str | None, best: PageSignals | None) -> str:
    where = f" (version {version})" if version else ""
    if level == "detected":
        return ("Le site utilise le Système de design de l’État (DSFR"
                f"{', version ' + version if version else ''}).")
    if level == "partial" and best is not None and best.partial_kind == "components":
        return (f"Le site utilise les styles et les composants du DSFR{where} "
                f"({best.fr_classes_count} classes fr-*), mais ni l’en-tête ni le pied de page "
                "de l’État (fr-header, fr-footer) : usage partiel, qui ne vaut pas « DSFR "
                "utilisé ». À vérifier (en-tête fourni par un portail, migration en cours).")
    if level == "partial":
        assert best is not None
        found = [label for label, present in (
            ("en-tête fr-header", best.fr_header), ("pied de page fr-footer", best.fr_footer),
            ("bloc-marque fr-logo", best.fr_logo),
            ("feuille de style ou script DSFR", bool(best.dsfr_assets)),
            ("police Marianne", best.marianne_font),
            (f"{best.fr_classes_count} classes fr-*", best.fr_classes_count >= FEW_CLASSES),
        ) if present]
        return (f"Le DSFR n’est que partiellement présent{where} : "
                f"{', '.join(found)}. À vérifier.")
    return ("Aucun élément du Système de design de l’État (DSFR) n’a été trouvé sur les "
            "pages examinées (ni en-tête fr-header, ni pied de page fr-footer, ni feuille "
            "de style DSFR, ni police Marianne).")


@check(
    "dsfr",
    version=2,
    title="Utilisation du Système de design de l’État (DSFR)",
    scope="service",
    references=("DSFR", "circulaire-6411-SG"),
    data_keys={
        "level": "detected, partial or not_detected (best page of the service); None when no "
                 "page could be examined",
        "version": "DSFR version (X.Y.Z) from an asset banner, else from an asset URL; None "
                   "when unknown",
        "version_source": "banner or url: where the version was read; None when unknown",
        "versions_seen": "every distinct DSFR version found on the service's pages",
        "signals": "signals of the best page: fr_header, fr_footer, fr_logo, "
                   "fr_classes_count, dsfr_assets (URLs), marianne_font, score, page_url",
        "score": "score of the best page, 0 to 10 (see the outcome rules)",
        "pages_examined": "number of ok captures with collector data",
        "pages_detected": "number of those where the DSFR is detected",
        "partial_kind": "for level partial: components (DSFR styles and components, no DSFR "
                        "header or footer) or traces (other partial signals); else None",
    },
)
def dsfr_check(inputs: ServiceCaptures) -> Iterator[Finding]:
    pages = [page_signals(c, collector) for c in inputs.ok()
             if isinstance(collector := c.collector, dict)]
    if not pages:
        yield Finding(
            outcome=Outcome.needs_review,
            message="Aucune page du service n’a pu être examinée : l’usage du DSFR reste à "
                    "vérifier.",
            data={"level": None, "version": None, "version_source": None, "versions_seen": [],
                  "signals": {}, "score": None, "pages_examined": 0, "pages_detected": 0,
                  "partial_kind": None},
            evidence=[Evidence(kind="url", url=inputs.service.start_url)],
        )
        return
    # Best page: highest level, then highest score, desktop before mobile, then page order.
    best = min(pages, key=lambda p: (LEVELS.index(p.level), -p.score,
                                     p.capture.viewport != "desktop"))
    version, source, seen = _version(pages)
    level = best.level
    yield Finding(
        outcome=OUTCOMES[level],
        message=_message(level, version, best),
        references=("DSFR", "circulaire-6411-SG"),
        page_capture_id=best.capture.id if level != "not_detected" else None,
        data={"level": level, "version": version, "version_source": source,
              "versions_seen": seen, "signals": best.as_data(), "score": best.score,
              "pages_examined": len(pages),
              "pages_detected": sum(p.level == "detected" for p in pages),
              "partial_kind": best.partial_kind},
        evidence=_evidence(best, pages),
    )
