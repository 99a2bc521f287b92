"""Failures as types: one hierarchy for what can go wrong with a capture or a scan.

The crawler maps the exceptions of the libraries below it (Playwright, Scrapy, the network) to
these classes once, where they are raised (``crawler/failures.py``). Each failed capture stores
its ``error_kind``; close reasons, reports and exports read the kind, never the message.
"""

from __future__ import annotations

import enum
from typing import ClassVar

from core.outcomes import CaptureOutcome


class ErrorKind(enum.StrEnum):
    """Why a capture failed. Stored on the capture row (``page_capture.error_kind``)."""

    timeout = "timeout"  # navigation, an in-page call or the page budget overran
    service_budget = "service_budget"  # the service's time budget was spent before this page
    blocked_by_policy = "blocked_by_policy"  # refused by the visiting policy (scheme, address)
    blocked_by_robots = "blocked_by_robots"  # disallowed by the site's robots.txt
    unreachable = "unreachable"  # DNS, connection refused or reset, no route
    http_error = "http_error"  # the server answered with an HTTP status of 400 or more
    tls_refused = "tls_refused"  # the browser refused the site's certificate or TLS set-up
    not_html = "not_html"  # the browser downloaded the response instead of showing a page
    browser_crashed = "browser_crashed"  # the tab's renderer or the browser died
    resource_limit = "resource_limit"  # the page's renderer grew past renderer_memory_mb
    vigie_error = "vigie_error"  # a fault on Vigie's side
    # the page was captured but its artifacts could not be written (full disk, permissions)
    artifact_write_failed = "artifact_write_failed"


# Kinds that are facts about the service (its site is down or slow), not Vigie's failures.
SITE_SIDE_KINDS = frozenset({ErrorKind.timeout, ErrorKind.service_budget, ErrorKind.unreachable,
                             ErrorKind.tls_refused, ErrorKind.http_error,
                             ErrorKind.resource_limit})


class VigieError(Exception):
    """Base of Vigie's own exceptions."""


class CaptureFailure(VigieError):
    """A capture that did not give a page's evidence; ``kind`` and ``outcome`` say how."""

    kind: ClassVar[ErrorKind] = ErrorKind.vigie_error
    outcome: ClassVar[CaptureOutcome] = CaptureOutcome.error


class CaptureTimeout(CaptureFailure):
    kind = ErrorKind.timeout
    outcome = CaptureOutcome.timeout


class ServiceBudgetSpent(CaptureTimeout):
    kind = ErrorKind.service_budget


class BlockedByPolicy(CaptureFailure):
    kind = ErrorKind.blocked_by_policy
    outcome = CaptureOutcome.blocked


class BlockedByRobots(BlockedByPolicy):
    kind = ErrorKind.blocked_by_robots


class Unreachable(CaptureFailure):
    kind = ErrorKind.unreachable


class TlsRefused(Unreachable):
    kind = ErrorKind.tls_refused


class HttpError(CaptureFailure):
    kind = ErrorKind.http_error


class NotHtml(CaptureFailure):
    kind = ErrorKind.not_html


class BrowserCrashed(CaptureFailure):
    kind = ErrorKind.browser_crashed


class ArtifactWriteFailed(CaptureFailure):
    kind = ErrorKind.artifact_write_failed


class ResourceLimitExceeded(CaptureFailure):
    """The page's renderer grew past the memory limit: the tab was closed (the site's fault)."""

    kind = ErrorKind.resource_limit


FAILURE_BY_KIND: dict[ErrorKind, type[CaptureFailure]] = {
    cls.kind: cls for cls in (CaptureFailure, CaptureTimeout, ServiceBudgetSpent, BlockedByPolicy,
                              BlockedByRobots, Unreachable, TlsRefused, HttpError, NotHtml,
                              BrowserCrashed, ResourceLimitExceeded, ArtifactWriteFailed)
}


class BadInput(VigieError):
    """Input a user can fix (a file, a flag, an unknown id); the CLI exits with code 2."""


class OperationalError(VigieError):
    """Vigie could not do its job (no browser, storage unavailable); the CLI exits with 1."""


def reason_of(exc: BaseException, limit: int = 500) -> str:
    """One line naming the root cause of ``exc``: a database library's wrapper (its ``orig``)
    or a chained exception is looked through, so the message says what really failed."""
    seen: set[int] = set()
    while id(exc) not in seen:
        seen.add(id(exc))
        inner = getattr(exc, "orig", None) or exc.__cause__
        if not isinstance(inner, BaseException):
            break
        exc = inner
    text = f"{type(exc).__name__}: {exc}".strip().splitlines()[0]
    return text if len(text) <= limit else text[: limit - 1] + "…"
