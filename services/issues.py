"""Problems found in a service list, each located by file, line and field.

A list is edited by hand or exported from a spreadsheet, so every problem is reported at
once (`IssueLog`) instead of stopping at the first one, and a file with any problem yields
nothing (`RegistryError`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RegistryIssue:
    """One problem in a registry file; `line` is 1-based."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


class RegistryError(Exception):
    """A registry file has problems; `issues` lists all of them, in file order."""

    def __init__(self, issues: Sequence[RegistryIssue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))


class Invalid(ValueError):
    """A value failed a check; the caller knows the file, line and field to report."""


class _Bad:
    """Marks a value that failed its check (None is a legitimate value)."""

    def __repr__(self) -> str:
        return "BAD"


BAD: Any = _Bad()


class IssueLog:
    """Collects the issues of one file."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.issues: list[RegistryIssue] = []

    def add(self, line: int, field_name: str, message: str) -> None:
        self.issues.append(RegistryIssue(self.file, max(line, 1), field_name, message))

    def check(self, fn: Callable[[Any], Any], value: Any, line: int, field_name: str) -> Any:
        """``fn(value)``, or `BAD` after logging the problem."""
        try:
            return fn(value)
        except Invalid as exc:
            self.add(line, field_name, str(exc))
            return BAD

    def error(self) -> RegistryError:
        return RegistryError(sorted(self.issues, key=lambda issue: issue.line))

    def raise_if_any(self) -> None:
        if self.issues:
            raise self.error()
