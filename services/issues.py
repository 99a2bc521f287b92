"""Problems found in a service list, each located by file, line and field.

A list is edited by hand or exported from a spreadsheet, so every problem is reported at
once (`IssueLog`) instead of stopping at the first one, and a file with any problem yields
nothing (`RegistryError`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

# Characters no service list means to hold. Control characters (C0 but tab and line breaks,
# DEL, C1): PostgreSQL refuses NUL and the rest garble terminals and reports. Lone surrogates
# are broken UTF-16 that no database encoding stores.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Bidirectional embeddings, overrides and isolates: they reorder how a name or URL is displayed
# (« Trojan Source »). Refused where Vigie shows a value as a label or a link; free text kept
# in `extra` may hold them (spreadsheets copy them around phone numbers).
BIDI_CONTROLS = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
_ESCAPED = re.compile(f"{CONTROL_CHARACTERS.pattern}|{BIDI_CONTROLS.pattern}")


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
        # A field name is the file's own text (a YAML key, a CSV header): shown escaped.
        shown = _ESCAPED.sub(lambda m: f"\\u{ord(m.group()):04x}", field_name)
        self.issues.append(RegistryIssue(self.file, max(line, 1), shown, message))

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
