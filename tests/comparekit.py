"""Findings shaped as the checks store them, for the published-vs-measured tests."""

from __future__ import annotations

from itertools import count
from typing import Any

from indicators.model import FindingRef

SITE = "https://www.demarches.exemple.gouv.fr"
PAGES = [f"{SITE}/", f"{SITE}/contact", f"{SITE}/accessibilite", f"{SITE}/mentions-legales"]
_ids = count(101)


def finding(check_id: str, outcome: str, data: dict[str, Any]) -> FindingRef:
    return FindingRef(next(_ids), check_id, outcome, f"Constat {check_id}", data)


def declaration(rate: float | None = 75, declared_on: str | None = "2025-03-12",
                reasons: tuple[str, ...] = (), outcome: str = "pass", **more: Any) -> FindingRef:
    admissible = None if outcome == "fail" and rate is None and declared_on is None else (
        not reasons)
    return finding("a11y-declaration", outcome, {
        "mention": "partiellement", "declaration_url": f"{SITE}/accessibilite",
        "declared_level": "partiellement" if rate and rate < 100 else "totalement",
        "conformance_sentence": "Démarches Exemple est partiellement conforme avec le RGAA "
                                "version 4.1.", "rate": rate, "rgaa_version": "4.1",
        "declared_on": declared_on, "updated_on": None, "audit_date": None,
        "contact_means": ["email", "form"], "defenseur_des_droits": True,
        "reference_date": "2026-12-01", "admissible": admissible,
        "admissibility_reasons": list(reasons), "consistent": True, "consistency_issues": [],
        "pages_without_mention": [], "source_url": f"{SITE}/accessibilite",
        "source_reason": "followed_link", **more})


NO_DECLARATION = finding("a11y-declaration", "fail", {
    "mention": None, "mention_pages": [{"url": PAGES[0], "level": None, "placeholder": False,
                                        "link": None}],
    "pages_without_mention": [PAGES[0]], "declaration_url": None, "declared_level": None,
    "rate": None, "admissible": None, "admissibility_reasons": [], "consistent": None,
    "consistency_issues": [], "source_url": None, "followed_link": None})


def axe(rule: str, rgaa: list[str], page: str = PAGES[0]) -> FindingRef:
    return finding("axe", "fail", {
        "rule": rule, "result_type": "violation", "impact": "critical", "rgaa": rgaa,
        "wcag": ["1.1.1"], "tags": ["cat.text-alternatives", "wcag2a", "wcag111",
                                    *(f"RGAAv4-{t}" for t in rgaa)],
        "help": "Les images doivent avoir un texte alternatif", "nodes_count": 3,
        "page_url": page, "viewport": "desktop", "axe_version": "4.14.1"})


def auth(*providers: str) -> FindingRef:
    buttons = [{"provider": p, "page_url": f"{SITE}/connexion", "selector": "button.fr-connect",
                "viewport": "desktop", "signals": [f"brand: {p}"]} for p in providers]
    return finding("auth-button", "pass" if providers else "needs_review", {
        "providers": list(providers), "buttons": buttons, "pages_searched": PAGES,
        "declared": True, "declared_matches": True if providers else None})


def jdma(present: bool, product: str = "3540", registered: str = "3540") -> FindingRef:
    if not present:
        return finding("jdma-button", "needs_review", {
            "present": False, "style": None, "host": None, "product_id": None,
            "button_id": None, "legacy_id": None, "form_id": None, "page_url": None,
            "registered_id": registered, "id_matches": None, "buttons": [],
            "pages_searched": PAGES})
    return finding("jdma-button", "pass" if product == registered else "fail", {
        "present": True, "style": "image_link", "host": "jedonnemonavis.numerique.gouv.fr",
        "product_id": product, "button_id": "4021", "legacy_id": None, "form_id": None,
        "page_url": f"{SITE}/confirmation", "registered_id": registered,
        "id_matches": product == registered, "pages_searched": PAGES,
        "buttons": [{"style": "image_link", "product_id": product,
                     "url": f"https://jedonnemonavis.numerique.gouv.fr/Demarches/{product}"
                            "?button=4021"}]})


def availability(status: int | None) -> FindingRef:
    if status is None:  # timed out
        return finding("availability", "fail", {
            "status": None, "final_url": PAGES[0], "https": None, "tls_days_left": None,
            "requested_url": PAGES[0], "redirect_chain": [], "capture_outcome": "timeout",
            "error": "Timeout 30000ms exceeded.", "reason": "timeout", "viewport": "desktop"})
    ok = status < 400
    return finding("availability", "pass" if ok else "fail", {
        "status": status, "final_url": PAGES[0], "https": True, "tls_days_left": 74,
        "ttfb_ms": 182, "load_ms": 940, "requested_url": PAGES[0], "redirect_chain": [],
        "capture_outcome": "ok" if ok else "error", "error": None if ok else f"HTTP {status}",
        "viewport": "desktop", "reason": "ok" if ok else "http_error"})
