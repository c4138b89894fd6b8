"""Gaps between the runs of a 5-field cron schedule: how long a job may run, when a run counts as
missed, and the recovery point of a backup rule (its longest gap)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from components.compute.ecs.schedule import CronFields, cron_fields

# Grace on top of the longest gap between two runs before a run counts as missed (a late start,
# a slow run): both platforms' "missed run" alerts use it.
MISSED_RUN_GRACE_SECONDS = 3600

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


def cron_max_gap_seconds(expression: str) -> int:
    """The longest time between two consecutive runs: '0 * * * *' -> 3600; '0 2 * * *' -> 86400; '0 2 * * 1' -> 604800."""
    return int(run_gaps(expression).longest.total_seconds())


def cron_min_gap_seconds(expression: str) -> int:
    """The shortest time between two consecutive runs: '0 9,10 * * *' -> 3600; '0 2 * * *' -> 86400."""
    return int(run_gaps(expression).shortest.total_seconds())


def missed_run_after_seconds(expression: str) -> int:
    """How long without a successful run before the schedule counts as missed: longest gap plus grace."""
    return cron_max_gap_seconds(expression) + MISSED_RUN_GRACE_SECONDS
