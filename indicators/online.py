"""`online` — evidence that the démarche is online: the start page answers and offers a way in.

A way in is a login button (FranceConnect, ProConnect) or a démarche form on the pages visited.
This is evidence for the observatory's « Réalisable en ligne », never its level: only the
administration knows whether the whole démarche can be done online everywhere.
"""

from __future__ import annotations

from typing import Any

from indicators.model import (
    NEEDS_REVIEW,
    NOT_MEASURED,
    Level,
    Result,
    ScanFindings,
)
from indicators.registry import indicator

UNREACHABLE = {"http_error", "timeout", "unreachable", "certificate_refused"}


@indicator("online", version=1, title="Réalisable en ligne (indices)", official=True,
           checks=("availability", "auth-button", "dlnuf-fields"), levels=(
               Level("way_in_found", "Accès en ligne trouvé", "green", "La page de départ "
                     "répond et propose une entrée (connexion ou formulaire)."),
               Level("unreachable", "Injoignable", "red", "La page de départ n’a pas répondu "
                     "pendant le passage."),
           ))
def online(scan: ScanFindings) -> Result:
    avail = scan.measured("availability")
    if isinstance(avail, Result):
        return avail
    d = avail.data
    status = d.get("status")
    way_in: list[dict[str, Any]] = []
    value = {"status": status, "final_url": d.get("final_url"), "way_in": way_in}
    if d.get("reason") in UNREACHABLE:
        answer = f"HTTP {status}" if status else (d.get("error") or d.get("reason"))
        return Result("unreachable", f"La page de départ n’a pas répondu ({answer}).", [avail],
                      value)
    if d.get("capture_outcome") != "ok":
        return Result(NOT_MEASURED, f"La page de départ n’a pas été capturée ({avail.message})",
                      [avail], value)
    used = [avail]
    auth = scan.one("auth-button")
    if auth is not None and auth.data.get("providers"):
        way_in.append({"kind": "login", "providers": auth.data["providers"]})
        used.append(auth)
    forms = scan.one("dlnuf-fields")
    if forms is not None and forms.data.get("forms_examined"):
        way_in.append({"kind": "form", "forms": forms.data["forms_examined"][:5]})
        used.append(forms)
    if not way_in:
        return Result(NEEDS_REVIEW, f"La page de départ répond (HTTP {status}) mais aucune "
                      "connexion ni formulaire de démarche n’a été trouvé.", [avail], value)
    ways = " et ".join("un bouton de connexion" if w["kind"] == "login"
                       else "un formulaire de démarche" for w in way_in)
    return Result("way_in_found", f"La page de départ répond (HTTP {status}) ; {ways} "
                  "trouvé(s).", used, value)
