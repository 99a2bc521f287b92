"""The words a scan uses for how things ended, shared by the crawler, storage and reports."""

from __future__ import annotations

import enum


class CaptureOutcome(enum.StrEnum):
    """How one capture (one page in one viewport) ended."""

    ok = "ok"
    error = "error"
    timeout = "timeout"
    blocked = "blocked"


class CloseReason(enum.StrEnum):
    """Why a service scan closed, from its captures' outcomes and error kinds."""

    completed = "completed"
    partial = "partial"
    timeout = "timeout"
    browser_crashed = "browser_crashed"
    unreachable = "unreachable"
    blocked_by_policy = "blocked_by_policy"
    robots_disallowed = "robots_disallowed"
    error = "error"


class RunStatus(enum.StrEnum):
    """A scan run's status. ``interrupted``: its process died and a later scan closed it.
    ``checks_failed``: crawled, but the checks or indicators of some service could not be
    stored (the reason is on its service scan)."""

    running = "running"
    completed = "completed"
    checks_failed = "checks_failed"
    failed = "failed"
    interrupted = "interrupted"
