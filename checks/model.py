"""What a check returns: findings with their evidence, and the outcomes they may take."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Outcome(enum.StrEnum):
    passed = "pass"
    fail = "fail"
    needs_review = "needs_review"
    not_applicable = "not_applicable"
    error = "error"  # the check could not decide: never counted as a pass or a fail


@dataclass
class Evidence:
    kind: str  # "node", "url", "text", "screenshot"
    url: str | None = None
    selector: str | None = None
    snippet: str | None = None
    artifact_sha256: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Finding:
    outcome: Outcome
    message: str  # French, plain text
    severity: str | None = None
    references: tuple[str, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)
    evidence: list[Evidence] = field(default_factory=list)
    page_capture_id: int | None = None
