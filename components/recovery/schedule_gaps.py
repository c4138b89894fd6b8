"""How far apart the runs of a cron schedule are: the RPO of a backup rule is its longest gap."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from components.compute.ecs.schedule import CronFields, cron_fields

# Four years from a Monday holds every weekday/month-length/leap-day combination a 5-field cron can hit.
_FIRST_DAY = date(2024, 1, 1)
_DAYS = 4 * 366


@dataclass(frozen=True)
class RunGaps:
    shortest: timedelta
    longest: timedelta


def _runs_on(fields: CronFields, day: date) -> bool:
    if day.month not in fields.months:
        return False
    if fields.day_of_week_restricted:
        # isoweekday: Monday 1 .. Sunday 7; cron: Sunday 0 .. Saturday 6.
        return day.isoweekday() % 7 in fields.days_of_week
    return day.day in fields.days_of_month


def run_gaps(expr: str) -> RunGaps:
    """Shortest and longest time between two consecutive runs of a 5-field UTC cron (a CronError if invalid)."""
    fields = cron_fields(expr)
    times = sorted(timedelta(hours=hour, minutes=minute) for hour in fields.hours for minute in fields.minutes)
    days = [day for day in (_FIRST_DAY + timedelta(days=offset) for offset in range(_DAYS)) if _runs_on(fields, day)]
    if len(days) * len(times) < 2:
        raise ValueError(f"'{expr}' runs less than twice in four years")
    within_a_day = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    # From the last run of one run day to the first run of the next.
    between_days = [(later - earlier) + times[0] - times[-1] for earlier, later in zip(days, days[1:], strict=False)]
    gaps = within_a_day + between_days
    return RunGaps(shortest=min(gaps), longest=max(gaps))
