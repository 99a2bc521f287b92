"""Schedules: when runs are due, read from a schedule text in a time zone.

A schedule is written ``daily``, ``weekly`` or as cron text: five fields (minute, hour, day of
month, month, day of week, as in crontab(5): 0 or 7 is Sunday), or six with seconds first (for
tests and demos: ``*/5 * * * * *``). The service list, ``VIGIE_SCHEDULE`` and the scheduler
all read them here, so they accept exactly the same texts.

Triggers are APScheduler's ``CronTrigger`` with two corrections, both tested:

- day-of-week numbers follow crontab (APScheduler 3 counts 0 as Monday, crontab as Sunday);
- on the night the clocks go back, a wall-clock time in the repeated hour fires once (the
  first time), not twice. A time in the hour skipped in spring fires once, at the instant it
  would have been (02:30 CET is 03:30 CEST), as APScheduler does.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

MAIN = "main"  # the schedule of every service without one of its own (VIGIE_SCHEDULE)
ALIASES = {"daily": "0 3 * * *", "weekly": "0 3 * * 0"}  # 03:00; weekly on Sundays
MAX_LENGTH = 80  # stored in scan_run.schedule and service.schedule
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_FIELDS = ("second", "minute", "hour", "day", "month", "day_of_week")


class EventKind(enum.StrEnum):
    """What the scheduler records in ``scheduler_event`` (docs/operations.md)."""

    started = "started"  # this scheduler took the lease and schedules runs
    fired = "fired"  # a due time started its run
    missed = "missed"  # a due time passed while no scheduler could fire it in time
    skipped = "skipped"  # a due time started nothing: overlap, lease lost, no service…
    error = "error"  # firing failed (the job raised); the detail says why
    resumed = "resumed"  # an unfinished run was handed to the executor again, or watched
    executed = "executed"  # the executor of a run exited; the detail gives its exit code
    report_built = "report_built"  # the report site and indicators export were rewritten
    lease_lost = "lease_lost"  # another scheduler took the lease: back to standby
    stopped = "stopped"  # the scheduler stopped cleanly and released the lease


def normalize(text: str) -> str:
    """The schedule text as stored and compared: single spaces, aliases in lower case."""
    words = text.split()
    joined = " ".join(words)
    return joined.lower() if joined.lower() in ALIASES else joined


def zone(name: str) -> ZoneInfo:
    """A time zone by its IANA name (``Europe/Paris``), or ``ValueError``."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (expected a name like "
                         "'Europe/Paris')") from None


class WallClockCronTrigger(CronTrigger):
    """A cron trigger that fires each wall-clock time once, even when the clocks go back."""

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime
                           ) -> datetime | None:
        fire: datetime | None = super().get_next_fire_time(previous_fire_time, now)
        while fire is not None and self._repeated(fire):
            fire = super().get_next_fire_time(fire, fire)
        return fire

    def _repeated(self, fire: datetime) -> bool:
        """The second occurrence of a local time that happens twice (autumn)."""
        local = fire.astimezone(self.timezone)
        return local.fold == 1 and local.replace(fold=0).utcoffset() != local.utcoffset()


def parse_schedule(text: str, timezone: str | tzinfo = "UTC") -> WallClockCronTrigger:
    """The trigger of a schedule text, or ``ValueError`` saying what is wrong with it."""
    tz = zone(timezone) if isinstance(timezone, str) else timezone
    cleaned = normalize(text)
    if not cleaned:
        raise ValueError("empty schedule: write daily, weekly or cron text such as '0 1 * * *'")
    if len(cleaned) > MAX_LENGTH:
        raise ValueError(f"schedule longer than {MAX_LENGTH} characters")
    fields = ALIASES.get(cleaned, cleaned).split()
    if len(fields) not in (5, 6):
        raise ValueError(f"expected daily, weekly or cron text with 5 fields (minute hour day "
                         f"month weekday) or 6 (seconds first), got {len(fields)} in "
                         f"{cleaned!r}")
    if len(fields) == 5:
        fields = ["0", *fields]
    values = dict(zip(_FIELDS, fields, strict=True))
    values["day_of_week"] = _weekdays(values["day_of_week"])
    try:
        return WallClockCronTrigger(timezone=tz, **values)
    except ValueError as exc:
        raise ValueError(f"{cleaned!r}: {exc}") from None


def _weekdays(text: str) -> str:
    """A crontab day-of-week field (0 or 7 = Sunday) as APScheduler day names."""
    if text in ("*", "?"):
        return "*"
    days: set[int] = set()
    for part in text.lower().split(","):
        span, slash, step_text = part.partition("/")
        if slash and (not step_text.isdigit() or int(step_text) == 0):
            raise ValueError(f"day of week {text!r}: bad step {step_text!r}")
        step = int(step_text) if slash else 1
        if span == "*":
            low, high = 0, 6
        elif "-" in span:
            first, _, last = span.partition("-")
            low, high = _day(first, text), _day(last, text)
            if low > high:
                raise ValueError(f"day of week {text!r}: a range goes forward "
                                 "(0-6 or sun-sat; 5-7 is Friday to Sunday)")
        else:
            low = _day(span, text)
            high = 6 if slash else low
        days.update(day % 7 for day in range(low, high + 1, step))
    return ",".join(_DAYS[day] for day in sorted(days))


def _day(token: str, field: str) -> int:
    if token.isdigit() and int(token) <= 7:
        return int(token)
    if token in _DAYS:
        return _DAYS.index(token)
    raise ValueError(f"day of week {field!r}: {token!r} is not 0-7 or sun..sat")


def due_times(trigger: CronTrigger, after: datetime, until: datetime) -> Iterator[datetime]:
    """The trigger's fire times t with ``after < t <= until``, in order."""
    fire = trigger.get_next_fire_time(None, after + timedelta(microseconds=1))
    while fire is not None and fire <= until:
        if fire > after:
            yield fire
        fire = trigger.get_next_fire_time(fire, fire)
