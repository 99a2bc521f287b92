"""What an indicator rule reads (a service scan's findings) and what it returns (a level)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

# Levels every indicator may take besides its own.
NEEDS_REVIEW = "needs_review"  # Vigie saw something, but a person must decide
NOT_MEASURED = "not_measured"  # no usable finding: the check errored or nothing was captured


@dataclass(frozen=True)
class Level:
    code: str
    label: str  # French; the observatory's own label for official indicators
    color: str  # green, yellow, red, blue or gray (the observatory's palette)
    description: str  # French, one sentence: when this level applies


@dataclass(frozen=True)
class FindingRef:
    """The part of a stored finding an indicator reads."""

    id: int
    check_id: str
    outcome: str
    message: str
    data: dict[str, Any]
    page_capture_id: int | None = None


@dataclass
class ScanFindings:
    """The findings of one service scan, by check, with what the registry says of the service."""

    findings: list[FindingRef]
    declared: dict[str, Any] = field(default_factory=dict)
    jdma_id: str | None = None

    def __post_init__(self) -> None:
        self._by_check: dict[str, list[FindingRef]] = defaultdict(list)
        for f in self.findings:
            self._by_check[f.check_id].append(f)

    def of(self, check_id: str) -> list[FindingRef]:
        return self._by_check.get(check_id, [])

    def one(self, check_id: str) -> FindingRef | None:
        """The finding of a service-scope check, or None when it did not give one."""
        found = self.of(check_id)
        return found[0] if found else None

    def measured(self, check_id: str) -> FindingRef | Result:
        """The finding of a service-scope check, or the « Non mesuré » result when it is
        missing or an ``error``: ``if isinstance(found, Result): return found``."""
        finding = self.one(check_id)
        unmeasured = not_measured(check_id, finding)
        if unmeasured is not None:
            return unmeasured
        assert finding is not None  # not_measured gives a Result for a missing finding
        return finding


@dataclass
class Result:
    level: str
    rationale: str  # one line, French
    findings: list[FindingRef] = field(default_factory=list)
    value: dict[str, Any] = field(default_factory=dict)

    @property
    def finding_ids(self) -> list[int]:
        return sorted({f.id for f in self.findings})


def not_measured(check_id: str, finding: FindingRef | None) -> Result | None:
    """The shared rule: no finding, or an ``error`` one, means the indicator was not measured."""
    if finding is None:
        return Result(NOT_MEASURED, f"Aucun résultat du contrôle {check_id} pour ce passage.")
    if finding.outcome == "error":
        return Result(NOT_MEASURED, f"Le contrôle {check_id} n’a pas pu conclure : "
                      f"{finding.message}", [finding])
    return None
