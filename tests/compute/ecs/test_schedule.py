"""The 5-field cron of the catalog becomes EventBridge Scheduler's cron, or a clear error naming the field."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.compute.ecs.schedule import CronError, scheduler_cron
from components.compute.workloads import CATALOG


@pytest.mark.parametrize(
    "expr, expected",
    [
        # The three collectors of the catalog.
        ("0 2 * * *", "cron(0 2 * * ? *)"),
        ("0 3 * * *", "cron(0 3 * * ? *)"),
        ("0 * * * *", "cron(0 * * * ? *)"),
        # Edge cases.
        ("*/15 * * * *", "cron(*/15 * * * ? *)"),
        ("30 9 1 * *", "cron(30 9 1 * ? *)"),
        ("0 9 * * 1-5", "cron(0 9 ? * 2-6 *)"),
        ("0 9 * * MON-FRI", "cron(0 9 ? * 2-6 *)"),
        ("0 0 * * 0", "cron(0 0 ? * 1 *)"),
        ("0 0 * * 7", "cron(0 0 ? * 1 *)"),
        ("0 0 * * 5-7", "cron(0 0 ? * 1,6-7 *)"),
        ("0 0 * * */2", "cron(0 0 ? * 1,3,5,7 *)"),
        ("0 0 * * 0-7", "cron(0 0 * * ? *)"),
        ("0 12 * jan,jul *", "cron(0 12 * JAN,JUL ? *)"),
        ("0 0 1-31 * *", "cron(0 0 * * ? *)"),
        ("  0   2 * * *  ", "cron(0 2 * * ? *)"),
        ("@daily", "cron(0 0 * * ? *)"),
        ("@hourly", "cron(0 * * * ? *)"),
        ("@weekly", "cron(0 0 ? * 1 *)"),
    ],
)
def test_conversion(expr, expected):
    assert scheduler_cron(expr) == expected


@pytest.mark.parametrize(
    "month, number", [(m, n) for n, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)]
)
def test_month_names_and_numbers_are_months(month, number):
    assert scheduler_cron(f"0 12 1 {month} *") == f"cron(0 12 1 {month.upper()} ? *)"
    assert scheduler_cron(f"0 12 1 {number} *") == f"cron(0 12 1 {number} ? *)"


@pytest.mark.parametrize("day, number", [(d, n) for n, d in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])])
def test_day_names_are_days_of_week(day, number):
    assert scheduler_cron(f"0 9 * * {day}") == scheduler_cron(f"0 9 * * {number}") == f"cron(0 9 ? * {number + 1} *)"


def test_every_scheduled_job_of_the_catalog_converts():
    jobs = {w.name: scheduler_cron(w.schedule) for w in CATALOG if w.kind == "job"}
    assert jobs == {
        "defillama": "cron(0 2 * * ? *)",
        "sec-api": "cron(0 3 * * ? *)",
        "coinspot-announcements": "cron(0 * * * ? *)",
    }


@pytest.mark.parametrize(
    "expr, message",
    [
        ("0 2 * *", "has 4 field(s)"),
        ("0 2 * * * *", "has 6 field(s)"),
        ("", "has 0 field(s)"),
        ("60 * * * *", "minute field has 60, outside 0-59"),
        ("0 24 * * *", "hour field has 24, outside 0-23"),
        ("0 0 0 * *", "day-of-month field has 0, outside 1-31"),
        ("0 0 * 13 *", "month field has 13, outside 1-12"),
        ("0 0 * * 8", "day-of-week field has 8, outside 0-7"),
        ("0 0 * * FUN", "day-of-week field has 'FUN'"),
        ("x 0 * * *", "minute field has 'x'"),
        ("0 5-2 * * *", "hour field has the range '5-2'"),
        ("0 0 1 * 1", "day-of-month and day-of-week fields are both restricted"),
        ("0 0 * * 1#2", "day-of-week field has '1#2'"),
        ("0 0 L * *", "day-of-month field has 'L'"),
        ("*/0 * * * *", "minute field has step 0"),
        ("@reboot", "unknown macro"),
    ],
)
def test_bad_expressions_name_the_field(expr, message):
    with pytest.raises(CronError) as caught:
        scheduler_cron(expr)
    assert message in str(caught.value)
    assert isinstance(caught.value, ValueError)


_SCHEDULER = re.compile(r"^cron\((\S+) (\S+) (\S+) (\S+) (\S+) \*\)$")


def _field(low: int, high: int):
    single = st.integers(low, high).map(str)
    ranged = st.tuples(st.integers(low, high), st.integers(low, high)).map(lambda t: f"{min(t)}-{max(t)}")
    step = st.integers(1, high - low + 1).map(lambda s: f"*/{s}")
    return st.one_of(st.just("*"), single, ranged, step)


@given(minute=_field(0, 59), hour=_field(0, 23), month=_field(1, 12), day=st.one_of(_field(1, 31), st.just("*")))
def test_any_day_of_month_schedule_keeps_its_fields(minute, hour, month, day):
    result = scheduler_cron(f"{minute} {hour} {day} {month} *")
    match = _SCHEDULER.match(result)
    assert match is not None
    assert match[1] == minute and match[2] == hour and match[4] == month
    # Exactly one day field is '?': EventBridge's rule.
    assert match[5] == "?" and match[3] != "?"


@given(days=st.sets(st.integers(0, 7), min_size=1), minute=st.integers(0, 59), hour=st.integers(0, 23))
def test_day_of_week_lists_shift_to_sunday_one(days, minute, hour):
    result = scheduler_cron(f"{minute} {hour} * * {','.join(map(str, sorted(days)))}")
    match = _SCHEDULER.match(result)
    assert match is not None
    cron_days = {d % 7 for d in days}
    if cron_days == set(range(7)):
        assert match[5] == "?"
        return
    assert match[3] == "?"
    expanded: set[int] = set()
    for part in match[5].split(","):
        low, _, high = part.partition("-")
        expanded.update(range(int(low), int(high or low) + 1))
    assert expanded == {d + 1 for d in cron_days}
    assert "/" not in match[5]
