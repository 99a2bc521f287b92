"""Map the exceptions of the libraries below the crawler to Vigie's failure types, once.

Playwright reports most page faults as one ``Error`` class whose message carries Chromium's
net error code (``net::ERR_CONNECTION_REFUSED``) or the target's fate (``Target crashed``):
this module is the only place that reads those messages. Everything above it reads
``CaptureFailure.kind``.

Behind the egress proxy (crawler/egress.py) a refused, unresolvable or unreachable HTTPS host
shows in Chromium as one ``net::ERR_TUNNEL_CONNECTION_FAILED``: the proxy's own verdict says
which, so that a refusal is ``blocked_by_policy`` and a site that is down stays ``unreachable``.
"""

from __future__ import annotations

from collections.abc import Callable

from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from scrapy.exceptions import IgnoreRequest
from twisted.internet import error as twisted_error

from core.errors import (
    BlockedByPolicy,
    BrowserCrashed,
    CaptureFailure,
    CaptureTimeout,
    TlsRefused,
    Unreachable,
)
from crawler.policy import Verdict, VerdictKind

CRASH_MARKERS = ("Target crashed", "Page crashed", "Browser closed", "browser has been closed",
                 "Target page, context or browser has been closed")
TLS_MARKERS = ("ERR_CERT_", "ERR_SSL_", "ERR_BAD_SSL_CLIENT_AUTH_CERT")
UNREACHABLE_MARKERS = (
    "ERR_CONNECTION_REFUSED", "ERR_CONNECTION_RESET", "ERR_CONNECTION_CLOSED",
    "ERR_CONNECTION_FAILED", "ERR_CONNECTION_TIMED_OUT", "ERR_NAME_NOT_RESOLVED",
    "ERR_NAME_RESOLUTION_FAILED", "ERR_ADDRESS_UNREACHABLE", "ERR_INTERNET_DISCONNECTED",
    "ERR_EMPTY_RESPONSE", "ERR_TIMED_OUT",
)
# Chromium's words for "the proxy did not open the connection" (tunnel or proxy answer).
PROXY_MARKERS = ("ERR_TUNNEL_CONNECTION_FAILED", "ERR_PROXY_CONNECTION_FAILED")
_TWISTED_UNREACHABLE = (twisted_error.ConnectionRefusedError, twisted_error.DNSLookupError,
                        twisted_error.ConnectError, twisted_error.ConnectionLost)


def describe(exc: BaseException) -> str:
    """``Type: message``, on Vigie's length limit for stored error texts."""
    return f"{type(exc).__name__}: {exc}".strip()[:2000]


def failure_of(exc: BaseException,
               proxy_verdict: Callable[[], Verdict | None] | None = None) -> CaptureFailure:
    """The Vigie failure an exception raised while capturing a page stands for;
    ``proxy_verdict`` gives the egress proxy's failed decision about this navigation."""
    if isinstance(exc, CaptureFailure):
        return exc
    message = describe(exc)
    if proxy_verdict is not None and any(marker in message for marker in PROXY_MARKERS):
        verdict = proxy_verdict()
        if verdict is not None and verdict.kind is not VerdictKind.allowed:
            typed = failure_of_verdict(verdict)
            return type(typed)(f"{typed}; the browser said: {message}"[:2000])
    if isinstance(exc, PlaywrightTimeoutError | TimeoutError | twisted_error.TimeoutError):
        return CaptureTimeout(message)
    if isinstance(exc, IgnoreRequest):  # a downloader middleware refused it
        return BlockedByPolicy(message)
    return failure_from_message(message, default_unreachable=isinstance(exc, _TWISTED_UNREACHABLE))


def failure_from_message(message: str, *, default_unreachable: bool = False) -> CaptureFailure:
    """For errors that reach us as text only (an in-page call's failure reported by Playwright)."""
    if any(marker in message for marker in CRASH_MARKERS):
        return BrowserCrashed(message)
    if any(marker in message for marker in TLS_MARKERS):
        return TlsRefused(message)
    if default_unreachable or any(marker in message for marker in UNREACHABLE_MARKERS):
        return Unreachable(message)
    return CaptureFailure(message)


def failure_of_verdict(verdict: Verdict) -> CaptureFailure:
    """The failure a navigation the egress proxy did not let through stands for."""
    if verdict.kind is VerdictKind.refused:
        return BlockedByPolicy(f"refused by the egress control: {verdict.target}: "
                               f"{verdict.reason}")
    if verdict.kind is VerdictKind.dns:
        return Unreachable(f"DNS: {verdict.reason} (egress control)")
    return Unreachable(f"connection failed: {verdict.reason} (egress control)")
