"""`availability` — the start page answered, over HTTPS, with a valid certificate (Vigie's own).

One visit per run: this is not the observatory's uptime rate, which needs continuous probes.
"""

from __future__ import annotations

from indicators.model import (
    NEEDS_REVIEW,
    NOT_MEASURED,
    Level,
    Result,
    ScanFindings,
)
from indicators.registry import indicator

CHECK = "availability"
DEGRADED = {"plain_http", "tls_unknown", "certificate_expiring"}


@indicator("availability", version=1, title="Disponibilité lors du passage", official=False,
           checks=(CHECK,), levels=(
               Level("available", "Disponible", "green", "La page de départ répond en HTTPS "
                     "avec un certificat valide encore 30 jours ou plus."),
               Level("degraded", "À surveiller", "yellow", "La page répond, mais en HTTP "
                     "simple, ou avec un certificat proche de l’expiration ou non décrit."),
               Level("unavailable", "Indisponible", "red", "La page de départ ne répond pas, "
                     "répond par une erreur, ou son certificat est refusé ou expiré."),
           ))
def availability(scan: ScanFindings) -> Result:
    finding = scan.measured(CHECK)
    if isinstance(finding, Result):
        return finding
    d = finding.data
    value = {key: d.get(key) for key in ("status", "final_url", "https", "tls_days_left",
                                         "ttfb_ms", "load_ms", "reason")}
    if finding.outcome == "pass":
        return Result("available", finding.message, [finding], value)
    if finding.outcome == "fail":
        return Result("unavailable", finding.message, [finding], value)
    if d.get("reason") in DEGRADED:
        return Result("degraded", finding.message, [finding], value)
    if d.get("reason") == "no_start_capture":
        return Result(NOT_MEASURED, finding.message, [finding], value)
    return Result(NEEDS_REVIEW, finding.message, [finding], value)
