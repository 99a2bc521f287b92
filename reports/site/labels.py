"""French labels and small formatting helpers shared by the report pages."""

from __future__ import annotations

import re
from datetime import datetime

from services import slugify as registry_slugify

# The observatory's palette → DSFR badge classes (gray is the neutral badge without icon).
BADGE_CLASS = {
    "green": "fr-badge--success",
    "yellow": "fr-badge--warning",
    "red": "fr-badge--error",
    "blue": "fr-badge--info",
    "gray": "fr-badge--no-icon",
}

OUTCOME_FR = {"pass": "Conforme", "fail": "Non conforme", "needs_review": "À vérifier",
              "not_applicable": "Non applicable", "error": "Erreur du contrôle"}
OUTCOME_BADGE = {"pass": "fr-badge--success", "fail": "fr-badge--error",
                 "needs_review": "fr-badge--warning", "not_applicable": "fr-badge--no-icon",
                 "error": "fr-badge--no-icon"}
CAPTURE_OUTCOME_FR = {"ok": "Capturée", "error": "Erreur", "timeout": "Délai dépassé",
                      "blocked": "Bloquée"}
# core.errors.ErrorKind: why a capture failed, for a reader.
ERROR_KIND_FR = {
    "timeout": "délai dépassé", "service_budget": "temps alloué au service épuisé",
    "blocked_by_policy": "refusée par la politique de visite",
    "blocked_by_robots": "interdite par robots.txt", "unreachable": "site injoignable",
    "tls_refused": "certificat ou TLS refusé par le navigateur",
    "http_error": "erreur HTTP", "not_html": "pas une page HTML (téléchargement)",
    "browser_crashed": "navigateur arrêté", "vigie_error": "erreur de Vigie",
    "artifact_write_failed": "preuves non enregistrées (disque plein ou droits)",
    "resource_limit": "page trop gourmande en mémoire (onglet fermé)",
}
CLOSE_REASON_FR = {
    "completed": "terminé", "partial": "partiel", "timeout": "délai dépassé",
    "browser_crashed": "navigateur arrêté", "unreachable": "injoignable",
    "blocked_by_policy": "refusé par la politique de visite",
    "robots_disallowed": "interdit par robots.txt", "error": "erreur de Vigie",
}
RUN_STATUS_FR = {"completed": "terminé", "running": "en cours", "failed": "échoué",
                 "interrupted": "interrompu",
                 "checks_failed": "terminé, contrôles en échec pour certains services"}
PAGE_KIND_FR = {"start": "Page de départ", "extra": "Page supplémentaire",
                "contact": "Contact ou aide", "accessibility": "Déclaration d’accessibilité",
                "legal": "Mentions légales", "sitemap": "Plan du site"}
PAGE_KIND_ORDER = ("start", "extra", "contact", "accessibility", "legal", "sitemap")
VIEWPORT_FR = {"desktop": "Ordinateur", "mobile": "Mobile"}
IMPACT_FR = {"critical": "critique", "serious": "sérieux", "moderate": "modéré",
             "minor": "mineur"}
DECLARED_LEVEL_FR = {"totalement": "Totalement conforme", "partiellement":
                     "Partiellement conforme", "non": "Non conforme"}
NOT_SET = "Non renseigné"


def slugify(text: str) -> str:
    """The registry's slug, bounded, for file names built from free text (ministry names)."""
    return registry_slugify(text)[:80].rstrip("-") or "sans-nom"


def group_slugs(names: list[str]) -> dict[str, str]:
    """A distinct file-name slug for each name (two names with the same ASCII form get
    ``-2``, ``-3``…), in the order given."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        slug, n = slugify(name), 2
        while slug in used:
            slug, n = f"{slugify(name)}-{n}", n + 1
        used.add(slug)
        out[name] = slug
    return out


def group_order(name: str) -> tuple[bool, str]:
    """Groups sorted by name, « Non renseigné » last."""
    return (name == NOT_SET, name.casefold())


def when(value: datetime | None) -> str:
    """A stored timestamp as « 23/11/2026 à 13:44 (UTC) » (SQLite returns naive UTC values)."""
    if value is None:
        return ""
    return value.strftime("%d/%m/%Y à %H:%M") + " (UTC)"


def short_datetime(value: datetime | None) -> str:
    return value.strftime("%d/%m/%Y %H:%M") if value else ""


def iso_date_fr(value: str | None) -> str:
    """``2025-03-12`` as ``12/03/2025``; anything else as given."""
    if value and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return f"{value[8:10]}/{value[5:7]}/{value[:4]}"
    return value or ""


def truncate(text: str | None, limit: int = 500) -> str:
    if not text:
        return ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def as_number(value: object) -> float | None:
    """A published or read number (« 7,5 » too); None when it is none."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(str(value).replace(",", "."))
    except ValueError:
        return None


def number_fr(value: float) -> str:
    """7.5 → « 7,5 », 100.0 → « 100 »."""
    return f"{value:g}".replace(".", ",")


def rate_fr(rate: object) -> str:
    if rate is None or rate == "":
        return ""
    try:
        return number_fr(float(str(rate))) + " %"
    except ValueError:
        return str(rate)


def rgaa_sort_key(test: str) -> tuple[int, ...]:
    parts = test.split(".")
    return tuple(int(p) for p in parts) if all(p.isdigit() for p in parts) else (999,)
