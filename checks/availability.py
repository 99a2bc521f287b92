"""``availability``: does the service's start page answer, over HTTPS, with a valid certificate?

One finding per service scan, from the start page capture (desktop first, else mobile): HTTP
status, redirect chain, final scheme, TLS certificate (``summary["tls"]``, dates in Unix
seconds as Playwright gives them) and navigation timings. An unreachable service is a finding
(``fail``), never a crash.

Days to certificate expiry are counted from ``now`` when given (tests), else from the moment
the page was captured: the finding judges what the crawler saw, whenever it is re-checked.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from checks.inputs import CaptureView, ServiceCaptures
from checks.model import Evidence, Finding, Outcome
from checks.registry import check
from core.errors import ErrorKind

EXPIRY_WARNING_DAYS = 30  # fewer whole days left than this: renewal is due, a person checks
UNREACHABLE = ("error", "timeout")
REFERENCES = ("ANSSI-TLS",)  # ANSSI's recommendations for TLS


def start_capture(inputs: ServiceCaptures) -> CaptureView | None:
    """The start page capture: desktop first, else any viewport, in capture order."""
    starts = [c for c in inputs.captures if c.page_kind == "start"]
    desktop = [c for c in starts if c.viewport == "desktop"]
    chosen = desktop or starts
    return chosen[0] if chosen else None


def _timing(capture: CaptureView, key: Literal["ttfb_ms", "load_ms"]) -> int | None:
    # The collector's navigation timings are merged into ``timings``; fall back to them.
    value = capture.timings.get(key)
    if value is None:
        value = ((capture.collector or {}).get("timing") or {}).get(key)
    return round(value) if isinstance(value, int | float) and value >= 0 else None


def _instant(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return datetime.fromtimestamp(value, UTC)


class CorruptTls(ValueError):
    pass


def tls_facts(tls: Any, now: datetime) -> dict[str, Any] | None:
    """Validity of the certificate Playwright described, at ``now``; None without TLS."""
    if not tls:
        return None
    if not isinstance(tls, dict):
        raise CorruptTls(f"summary.tls is not an object: {tls!r}")
    valid_from, valid_to = _instant(tls.get("validFrom")), _instant(tls.get("validTo"))
    if valid_to is None:
        raise CorruptTls(f"summary.tls.validTo is not a date in Unix seconds: "
                         f"{tls.get('validTo')!r}")
    seconds_left = (valid_to - now).total_seconds()
    return {
        "days_left": math.floor(seconds_left / 86400),
        "expired": seconds_left < 0,
        "not_yet_valid": valid_from is not None and valid_from > now,
        "valid_to": valid_to.isoformat(),
        "valid_from": valid_from.isoformat() if valid_from else None,
        "issuer": tls.get("issuer"),
        "subject": tls.get("subjectName"),
        "protocol": tls.get("protocol"),
    }


def _judge(capture: CaptureView, https: bool | None,
           cert: dict[str, Any] | None) -> tuple[Outcome, str, str]:
    """(outcome, reason code, French message) for the start page capture."""
    status, error = capture.http_status, capture.error or ""
    if capture.outcome in UNREACHABLE and capture.error_kind == ErrorKind.tls_refused:
        return (Outcome.fail, "certificate_refused",
                f"Le navigateur refuse le certificat TLS du site : {error[:300]}")
    if status is not None and status >= 400:
        return Outcome.fail, "http_error", f"La page d’accueil répond en erreur HTTP {status}."
    if capture.outcome == "timeout":
        return (Outcome.fail, "timeout",
                f"La page d’accueil ne s’est pas chargée dans le temps imparti ({error[:300]}).")
    if capture.outcome == "error" and status is None:
        return (Outcome.fail, "unreachable",
                f"La page d’accueil est injoignable : {error[:300] or 'erreur inconnue'}.")
    if cert and cert["expired"]:
        return (Outcome.fail, "certificate_expired",
                f"Le certificat TLS a expiré le {cert['valid_to'][:10]}.")
    if cert and cert["not_yet_valid"]:
        return (Outcome.fail, "certificate_not_yet_valid",
                f"Le certificat TLS n’est valable qu’à partir du {cert['valid_from'][:10]}.")
    if capture.outcome != "ok":
        why = {"blocked": "chargement interdit par la politique d’exploration",
               "error": "erreur"}.get(capture.outcome, capture.outcome)
        return (Outcome.needs_review, f"capture_{capture.outcome}",
                f"La page d’accueil n’a pas pu être examinée ({why} : "
                f"{error[:300] or 'sans détail'}).")
    if not https:
        return (Outcome.needs_review, "plain_http",
                "La page d’accueil est servie en HTTP, sans chiffrement (HTTPS absent).")
    if cert is None:
        return (Outcome.needs_review, "tls_unknown",
                "La page est servie en HTTPS mais les détails du certificat manquent.")
    if cert["days_left"] < EXPIRY_WARNING_DAYS:
        return (Outcome.needs_review, "certificate_expiring",
                f"Le certificat TLS expire dans {cert['days_left']} jours "
                f"(le {cert['valid_to'][:10]}) : son renouvellement est à vérifier.")
    hops = len(capture.redirect_chain)
    after = f" après {hops} redirection{'s' if hops > 1 else ''}" if hops else ""
    return (Outcome.passed, "ok",
            f"La page d’accueil répond (HTTP {status}{after}) en HTTPS avec un certificat "
            f"valide encore {cert['days_left']} jours.")


def _evidence(capture: CaptureView, status: int | None,
              cert: dict[str, Any] | None) -> list[Evidence]:
    out = [Evidence(kind="url", url=hop.get("url"), snippet=f"HTTP {hop.get('status')}",
                    extra={"role": "redirect"})
           for hop in capture.redirect_chain if isinstance(hop, dict)]
    out.append(Evidence(
        kind="url", url=capture.url,
        snippet=f"HTTP {status}" if status is not None else (capture.error or capture.outcome),
        extra={"role": "final", "capture_outcome": capture.outcome,
               "requested_url": capture.requested_url, "certificate": cert}))
    return out


@check(
    "availability",
    version=1,
    title="Disponibilité de la page d’accueil (HTTP, HTTPS, certificat, temps de réponse)",
    scope="service",
    references=REFERENCES,
    data_keys={
        "status": "HTTP status of the start page's final response; None when unreachable",
        "final_url": "URL after redirects (the requested URL when unreachable)",
        "https": "True when the final URL is https; None when the page was not reached",
        "tls_days_left": "whole days until the certificate expires, counted from the "
                         "capture time (negative when expired); None without TLS details",
        "ttfb_ms": "time to first byte of the navigation, ms; None when unknown",
        "load_ms": "time to the load event of the navigation, ms; None when unknown",
        "requested_url": "URL the crawler asked for",
        "redirect_chain": "hops before the final URL, each {url, status}",
        "capture_outcome": "outcome of the start page capture: ok, error, timeout, blocked",
        "error": "capture error message (network error, HTTP status, timeout), else None",
        "viewport": "viewport of the capture judged (desktop first)",
        "tls": "certificate facts: valid_from, valid_to (ISO 8601), issuer, subject, "
               "protocol, expired, not_yet_valid, days_left; None without TLS details",
        "reason": "code of the rule that decided: ok, http_error, timeout, unreachable, "
                  "certificate_refused, certificate_expired, certificate_not_yet_valid, "
                  "plain_http, tls_unknown, certificate_expiring, capture_<outcome>, "
                  "no_start_capture, corrupt_tls",
    },
)
def availability_check(inputs: ServiceCaptures) -> Iterator[Finding]:
    return judge_availability(inputs)


def judge_availability(inputs: ServiceCaptures,
                       now: datetime | None = None) -> Iterator[Finding]:
    """The check itself; ``now`` replaces the capture time for days-left (tests)."""
    capture = start_capture(inputs)
    if capture is None:
        yield Finding(
            outcome=Outcome.needs_review,
            message="La page d’accueil n’a pas été capturée : sa disponibilité reste à vérifier.",
            data={"status": None, "final_url": None, "https": None, "tls_days_left": None,
                  "ttfb_ms": None, "load_ms": None, "reason": "no_start_capture"},
            evidence=[Evidence(kind="url", url=inputs.service.start_url)],
        )
        return
    at = now or capture.captured_at or datetime.now(UTC)
    at = at if at.tzinfo else at.replace(tzinfo=UTC)  # stored times are UTC
    status = capture.http_status
    reached = status is not None
    https = urlsplit(capture.url).scheme == "https" if reached else None
    data: dict[str, Any] = {
        "status": status, "final_url": capture.url, "https": https, "tls_days_left": None,
        "ttfb_ms": _timing(capture, "ttfb_ms"), "load_ms": _timing(capture, "load_ms"),
        "requested_url": capture.requested_url, "redirect_chain": capture.redirect_chain,
        "capture_outcome": capture.outcome, "error": capture.error,
        "viewport": capture.viewport, "tls": None,
    }
    try:
        cert = tls_facts((capture.summary or {}).get("tls"), at) if reached else None
    except CorruptTls as exc:
        yield Finding(outcome=Outcome.error, page_capture_id=capture.id,
                      message=f"Les données TLS de la capture sont illisibles : {exc}",
                      data={**data, "reason": "corrupt_tls", "error": str(exc)},
                      evidence=[Evidence(kind="url", url=capture.url)])
        return
    if cert:
        data["tls"] = cert
        data["tls_days_left"] = cert["days_left"]
    outcome, reason, message = _judge(capture, https, cert)
    data["reason"] = reason
    yield Finding(
        outcome=outcome,
        severity="critical" if outcome is Outcome.fail else None,
        message=message,
        references=REFERENCES,
        page_capture_id=capture.id,
        data=data,
        evidence=_evidence(capture, status, cert),
    )
