"""Gaps between the runs of a 5-field cron schedule: how long a job may run, and when a run counts as missed."""

from __future__ import annotations

import itertools

# Grace on top of the longest gap between two runs before a run counts as missed (a late start,
# a slow run): both platforms' "missed run" alerts use it.
MISSED_RUN_GRACE_SECONDS = 3600

_FIELD_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 6))


def _cron_field(text: str, low: int, high: int) -> set[int]:
    values: set[int] = set()
    for part in text.split(","):
        body, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if body == "*":
            start, end = low, high
        elif "-" in body:
            start, end = (int(x) for x in body.split("-", 1))
        else:
            start = end = int(body)
            if step_text:
                end = high
        if not (low <= start <= end <= high) or step < 1:
            raise ValueError(f"'{part}' is outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return values


def _run_gaps(expression: str) -> list[int]:
    """Seconds between each run and the next over four weeks (the pattern repeats after that).

    Day-of-month and month are honoured only as '*' (the catalog's schedules); anything else raises ValueError.
    """
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"'{expression}' is not a 5-field cron expression")
    minute, hour, dom, month, dow = (_cron_field(f, lo, hi) for f, (lo, hi) in zip(fields, _FIELD_RANGES, strict=True))
    if fields[2] != "*" or fields[3] != "*":
        raise ValueError(f"'{expression}': only '*' day-of-month and month are supported")
    del dom, month
    # 28 days = 4 whole weeks starting on a Monday: weekday w of day d is (d + 1) % 7 (0 = Sunday).
    runs = [
        ((day * 24 + h) * 60 + m) * 60 for day, h, m in itertools.product(range(28), sorted(hour), sorted(minute)) if (day + 1) % 7 in dow
    ]
    if not runs:
        raise ValueError(f"'{expression}' never runs")
    period = 28 * 86400
    return [(runs[(i + 1) % len(runs)] - runs[i]) % period or period for i in range(len(runs))]


def cron_max_gap_seconds(expression: str) -> int:
    """The longest time between two consecutive runs: '0 * * * *' -> 3600; '0 2 * * *' -> 86400; '0 2 * * 1' -> 604800."""
    return max(_run_gaps(expression))


def cron_min_gap_seconds(expression: str) -> int:
    """The shortest time between two consecutive runs: '0 9,10 * * *' -> 3600; '0 2 * * *' -> 86400."""
    return min(_run_gaps(expression))


def missed_run_after_seconds(expression: str) -> int:
    """How long without a successful run before the schedule counts as missed: longest gap plus grace."""
    return cron_max_gap_seconds(expression) + MISSED_RUN_GRACE_SECONDS
