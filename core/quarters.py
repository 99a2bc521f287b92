"""Calendar quarters as the observatory names them: « 2026-T3 » (T for trimestre).

The observatory publishes its table quarter by quarter; `vigie export indicators --quarter`
and the report's quarterly view take, for each service, the last completed run of a quarter.
Both parse and name quarters here, once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from core.errors import BadInput

# « 2026-T3 » (French), « 2026-Q3 » (English), with or without the dash, any case.
_QUARTER = re.compile(r"(\d{4})\s*-?\s*[TQ]([1-4])", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int  # 1 to 4

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """« 2026-T3 », « 2026-Q3 », « 2026T3 »; anything else is `BadInput` naming the value."""
        found = _QUARTER.fullmatch(text.strip())
        if found is None:
            raise BadInput(f"expected a year and a quarter such as 2026-T3 (or 2026-Q3), "
                           f"got {text!r}")
        return cls(int(found[1]), int(found[2]))

    @classmethod
    def of(cls, moment: date) -> Quarter:
        """The quarter of a date (a datetime is read in UTC; a naive one is taken as UTC)."""
        if isinstance(moment, datetime) and moment.tzinfo is not None:
            moment = moment.astimezone(UTC)
        return cls(moment.year, (moment.month - 1) // 3 + 1)

    @property
    def label(self) -> str:
        return f"{self.year}-T{self.number}"

    @property
    def start(self) -> datetime:
        """First instant of the quarter (UTC, included)."""
        return datetime(self.year, 3 * self.number - 2, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """First instant of the next quarter (UTC, excluded)."""
        return self.next().start

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year,
                                                                          self.number + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year,
                                                                          self.number - 1)

    def __str__(self) -> str:
        return self.label
