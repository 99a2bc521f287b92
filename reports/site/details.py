"""Facts of a finding's ``data`` that the service page shows beside its message, in French.

The data comes from captured pages (hostile): every value is filtered by type here and shown
as text by the templates (autoescaped; URLs in ``<code>``, never as links).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from checks.human_alternative import DESK_FR
from reports.site import labels

HUMAN_ALTERNATIVE = "human-alternative"
DSFR = "dsfr"
MAX_SHOWN = 30  # third-party contacts listed per finding
MEANS_FR = {"contact_page": "Page de contact", "email": "Adresse électronique",
            "desk": "Accueil ou adresse"}
PARTIAL_KIND_FR = {
    "components": "Usage partiel du DSFR : ses styles et composants, sans son en-tête ni son "
                  "pied de page (ne vaut pas « DSFR utilisé »).",
    "traces": "Usage partiel du DSFR : quelques signaux seulement (classes, police Marianne ou "
              "en-tête sans les styles du DSFR).",
}


@dataclass(frozen=True)
class ThirdPartyContact:
    """A contact means a page quotes for somebody else, never counted for the service."""

    means: str  # in French
    value: str  # a URL, an address or a snippet: text
    is_url: bool  # shown as code (URL, e-mail address) rather than as a quote
    owner: str  # whose (the check's French label: « Défenseur des droits »…)
    page: str


def third_party_contacts(check_id: str, data: dict[str, Any]) -> list[ThirdPartyContact]:
    """``human-alternative``'s ``third_party_contacts``, as shown; [] for other checks."""
    items = data.get("third_party_contacts") if check_id == HUMAN_ALTERNATIVE else None
    if not isinstance(items, list):
        return []
    out = []
    for item in items[:MAX_SHOWN]:
        if not isinstance(item, dict) or not isinstance(item.get("value"), str):
            continue
        means = str(item.get("means") or "")
        label = MEANS_FR.get(means, means)
        if means == "desk" and item.get("kind") in DESK_FR:
            label = f"{label} ({DESK_FR[str(item['kind'])]})"
        out.append(ThirdPartyContact(
            label, labels.truncate(item["value"], 300), means != "desk",
            labels.truncate(str(item.get("third_party") or "tiers"), 200),
            labels.truncate(str(item.get("page") or ""), 500)))
    return out


def partial_kind(check_id: str, data: dict[str, Any]) -> str:
    """``dsfr``'s ``partial_kind``, in a sentence; "" for other checks and levels."""
    if check_id != DSFR:
        return ""
    return PARTIAL_KIND_FR.get(str(data.get("partial_kind")), "")
