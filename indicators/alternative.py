"""`alternative` — a non-digital alternative: a phone number or a desk (Vigie's own indicator).

The government's objective of December 2024: every online public service offers a human way
to reach the administration, by phone or at a desk. E-mail and web forms do not count.
"""

from __future__ import annotations

from indicators.model import NEEDS_REVIEW, Level, Result, ScanFindings
from indicators.registry import indicator

CHECK = "human-alternative"


@indicator("alternative", version=1, title="Alternative non numérique (téléphone, accueil)",
           official=False, checks=(CHECK,), levels=(
               Level("phone_and_desk", "Téléphone et accueil", "green",
                     "Un numéro de téléphone du service et un accueil physique sont indiqués."),
               Level("phone", "Téléphone", "green",
                     "Un numéro de téléphone du service est indiqué."),
               Level("desk", "Accueil physique", "green",
                     "Un accueil physique (adresse, guichet, horaires) est indiqué."),
           ))
def alternative(scan: ScanFindings) -> Result:
    finding = scan.measured(CHECK)
    if isinstance(finding, Result):
        return finding
    d = finding.data
    phones = [p for p in d.get("phones") or [] if p.get("own", True)]
    desk = list(d.get("desk") or [])
    value = {"phones": [p.get("number") for p in phones], "desk": [x.get("kind") for x in desk],
             "contact_url": d.get("contact_url"), "email": bool(d.get("email")),
             "form": bool(d.get("form"))}
    shown = []
    if phones:
        shown.append(f"téléphone {phones[0].get('number')}")
    if desk:
        shown.append(f"accueil ({desk[0].get('kind')})")
    if phones or desk:
        level = "phone_and_desk" if phones and desk else "phone" if phones else "desk"
        return Result(level, "Trouvé : " + " ; ".join(shown) + ".", [finding], value)
    digital = [name for name, there in (("courriel", value["email"]),
                                        ("formulaire", value["form"])) if there]
    only = f" (seulement : {', '.join(digital)})" if digital else ""
    return Result(NEEDS_REVIEW, f"Ni téléphone ni accueil trouvé sur les pages visitées{only}.",
                  [finding], value)
