"""Schedule texts and their triggers (core.schedules): crontab's weekdays, six fields, errors,
and daylight saving in Europe/Paris, with a fake clock against APScheduler's own scheduler."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from core.schedules import due_times, normalize, parse_schedule

PARIS = ZoneInfo("Europe/Paris")
MARCH_NIGHT = datetime(2026, 3, 29, tzinfo=PARIS)  # 02:00 CET → 03:00 CEST
OCTOBER_NIGHT = datetime(2026, 10, 25, tzinfo=PARIS)  # 03:00 CEST → 02:00 CET


def fires(text: str, start: datetime, days: int) -> list[datetime]:
    return list(due_times(parse_schedule(text, PARIS), start, start + timedelta(days=days)))


@pytest.mark.parametrize(("text", "weekdays"), [
    ("0 9 * * 0", {"Sunday"}),
    ("0 9 * * 7", {"Sunday"}),
    ("0 9 * * 1-5", {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday"}),
    ("0 9 * * 5-7", {"Friday", "Saturday", "Sunday"}),
    ("0 9 * * sat,sun", {"Saturday", "Sunday"}),
    ("0 9 * * */3", {"Sunday", "Wednesday", "Saturday"}),
    ("weekly", {"Sunday"}),
])
def test_weekdays_are_crontabs(text: str, weekdays: set[str]) -> None:
    """APScheduler 3 counts 0 as Monday; Vigie's texts follow crontab (0 or 7 is Sunday)."""
    got = {t.strftime("%A") for t in fires(text, datetime(2026, 6, 1, tzinfo=PARIS), 14)}
    assert got == weekdays


def test_aliases_and_six_fields() -> None:
    start = datetime(2026, 6, 1, 12, tzinfo=PARIS)
    assert [t.hour for t in fires("daily", start, 3)] == [3, 3, 3]
    assert len(fires(" */10  * * * * * ", start, 1)) == 6 * 60 * 24  # seconds first
    assert normalize("  Weekly ") == "weekly" and normalize("0  1 * * *") == "0 1 * * *"


@pytest.mark.parametrize(("text", "message"), [
    ("", "empty schedule"),
    ("monthly", "got 1 in 'monthly'"),
    ("0 1 * *", "5 fields"),
    ("0 24 * * *", "maximum value (23)"),
    ("0 1 * * 8", "'8' is not 0-7 or sun..sat"),
    ("0 1 * * 6-1", "a range goes forward"),
    ("0 1 * * */0", "bad step"),
])
def test_bad_schedules_say_why(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("*", r"\*")):
        parse_schedule(text, PARIS)


def test_unknown_time_zone() -> None:
    with pytest.raises(ValueError, match="unknown time zone 'Europe/Pariss'"):
        parse_schedule("0 1 * * *", "Europe/Pariss")


def run_through_the_night(trigger: CronTrigger, night: datetime) -> list[datetime]:
    """A real APScheduler BackgroundScheduler, its clock moved in 15-minute steps from the
    evening before to the morning after ``night``; the instants its job ran (UTC)."""
    ran: list[datetime] = []
    start = (night - timedelta(hours=3)).astimezone(UTC)
    with time_machine.travel(start, tick=False) as clock:
        aps = BackgroundScheduler(timezone=PARIS)
        job = aps.add_job(lambda: ran.append(datetime.now(UTC)), trigger, coalesce=True,
                          misfire_grace_time=3600, max_instances=1)
        aps.start()
        try:
            for step in range(1, 9 * 4):
                now = start + timedelta(minutes=15 * step)
                clock.move_to(now)
                aps.wakeup()
                deadline = time.monotonic() + 5
                # Processed once the job's next run time is past the fake now.
                while job.next_run_time is not None and job.next_run_time <= now:
                    assert time.monotonic() < deadline, f"APScheduler stuck at {now}"
                    time.sleep(0.01)
                    job = aps.get_job(job.id) or job
        finally:
            aps.shutdown(wait=True)
    return ran


def test_the_march_night_runs_a_job_of_the_missing_hour_once() -> None:
    ran = run_through_the_night(parse_schedule("30 2 * * *", PARIS), MARCH_NIGHT)
    # 02:30 does not exist that night: it runs once, at the instant 02:30 CET would be.
    assert [(t.hour, t.minute) for t in ran] == [(1, 30)]
    assert ran[0].astimezone(PARIS).strftime("%d %H:%M %Z") == "29 03:30 CEST"


def test_the_october_night_runs_a_job_of_the_repeated_hour_once() -> None:
    ran = run_through_the_night(parse_schedule("30 2 * * *", PARIS), OCTOBER_NIGHT)
    assert [(t.hour, t.minute) for t in ran] == [(0, 30)]  # 02:30 CEST, not 02:30 CET again
    assert ran[0].astimezone(PARIS).strftime("%d %H:%M %Z") == "25 02:30 CEST"


def test_apschedulers_own_trigger_runs_it_twice_in_october() -> None:
    """Why ``WallClockCronTrigger`` exists; if this fails, APScheduler fixed it upstream."""
    ran = run_through_the_night(CronTrigger.from_crontab("30 2 * * *", PARIS), OCTOBER_NIGHT)
    assert len(ran) == 2


def test_every_wall_clock_time_of_the_repeated_hour_fires_once() -> None:
    quarter_hours = list(due_times(parse_schedule("*/15 * * * *", PARIS),
                                   OCTOBER_NIGHT.replace(hour=1),
                                   OCTOBER_NIGHT.replace(hour=4)))
    wall = [t.astimezone(PARIS).strftime("%H:%M") for t in quarter_hours]
    assert len(wall) == len(set(wall)) == 12  # 01:15 … 04:00, 02:xx once each
