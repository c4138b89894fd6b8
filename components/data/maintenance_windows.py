"""Maintenance and backup windows as AWS writes them (always UTC), and whether two of them overlap."""

from __future__ import annotations

import re

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MINUTES_PER_DAY = 24 * 60
_MINUTES_PER_WEEK = 7 * _MINUTES_PER_DAY

_DAILY = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
_WEEKLY = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):([0-5]\d)-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):([0-5]\d)$")


def daily_window(text: str, minimum_minutes: int) -> tuple[int, int]:
    """'03:00-04:00' -> (start minute of the day, length in minutes); raises ValueError saying what is wrong."""
    match = _DAILY.match(text)
    if not match:
        raise ValueError(f"'{text}' is not a daily window like 03:00-04:00 (hh:mm-hh:mm, UTC)")
    start = int(match[1]) * 60 + int(match[2])
    end = int(match[3]) * 60 + int(match[4])
    length = (end - start) % _MINUTES_PER_DAY
    if length < minimum_minutes:
        raise ValueError(f"'{text}' lasts {length} minutes; AWS needs at least {minimum_minutes}")
    return start, length


def weekly_window(text: str, minimum_minutes: int) -> tuple[int, int]:
    """'sun:05:00-sun:06:00' -> (start minute of the week from Monday 00:00, length in minutes)."""
    match = _WEEKLY.match(text)
    if not match:
        raise ValueError(f"'{text}' is not a weekly window like sun:05:00-sun:06:00 (ddd:hh:mm-ddd:hh:mm, UTC)")
    start = DAYS.index(match[1]) * _MINUTES_PER_DAY + int(match[2]) * 60 + int(match[3])
    end = DAYS.index(match[4]) * _MINUTES_PER_DAY + int(match[5]) * 60 + int(match[6])
    length = (end - start) % _MINUTES_PER_WEEK
    if length < minimum_minutes:
        raise ValueError(f"'{text}' lasts {length} minutes; AWS needs at least {minimum_minutes}")
    if length > _MINUTES_PER_DAY:
        raise ValueError(f"'{text}' lasts more than 24 hours")
    return start, length


def _week_minutes(start: int, length: int) -> set[int]:
    return {(start + offset) % _MINUTES_PER_WEEK for offset in range(length)}


def daily_and_weekly_overlap(daily: str, weekly: str) -> bool:
    """Whether a daily window (run every day) and a weekly window share any minute of the week."""
    day_start, day_length = daily_window(daily, 1)
    week_start, week_length = weekly_window(weekly, 1)
    maintenance = _week_minutes(week_start, week_length)
    return any(_week_minutes(day * _MINUTES_PER_DAY + day_start, day_length) & maintenance for day in range(7))


def daily_runs_meet_weekly(starts: list[int], length: int, weekly: str, lead_minutes: int = 0) -> bool:
    """Whether jobs starting every day at `starts` (minutes of the day) and lasting `length` minutes meet a
    weekly window, or the `lead_minutes` before it."""
    week_start, week_length = weekly_window(weekly, 1)
    blocked = _week_minutes(week_start - lead_minutes, week_length + lead_minutes)
    return any(_week_minutes(day * _MINUTES_PER_DAY + start, length) & blocked for day in range(7) for start in starts)


def rotation_schedule(weekly: str) -> tuple[str, str]:
    """A weekly maintenance window as a Secrets Manager rotation schedule: (cron expression, duration).

    'sat:18:00-sat:19:00' -> ('cron(0 18 ? * SAT *)', '1h'). Rotation may start any time within the
    duration, counted from the hour the window starts in; Secrets Manager takes whole hours only.
    """
    start, length = weekly_window(weekly, minimum_minutes=1)
    day, minute_of_day = divmod(start, _MINUTES_PER_DAY)
    hour, minute = divmod(minute_of_day, 60)
    hours = min(24, -(-(minute + length) // 60))
    return f"cron(0 {hour} ? * {DAYS[day].upper()} *)", f"{hours}h"
