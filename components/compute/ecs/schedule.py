"""Cron conversion: the catalog's 5-field cron (Kubernetes CronJob) to EventBridge Scheduler's `cron(...)`.

EventBridge cron has six fields (minutes hours day-of-month month day-of-week year), needs `?` in
one of the two day fields, numbers days of the week 1-7 from Sunday (cron: 0-7, 0 and 7 both
Sunday) and has no `/` in day-of-week. Standard cron runs a job when EITHER day field matches if
both are restricted; EventBridge cannot say that, so such expressions are refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}

_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()  # symbolic values, numbered from `low`


_FIELDS = (
    _Field("minute", 0, 59),
    _Field("hour", 0, 23),
    _Field("day-of-month", 1, 31),
    _Field("month", 1, 12, tuple(_MONTHS)),
    _Field("day-of-week", 0, 7, tuple(_DAYS)),
)

_ITEM = re.compile(r"^(?P<range>\*|[0-9A-Za-z]+(?:-[0-9A-Za-z]+)?)(?:/(?P<step>[0-9]+))?$")


class CronError(ValueError):
    """A 5-field cron the scheduler cannot run; the message names the bad field."""


def _value(field: _Field, text: str, expr: str) -> int:
    if text.isdigit():
        number = int(text)
    elif text.upper() in field.names:
        number = field.names.index(text.upper()) + field.low
    else:
        raise CronError(f"'{expr}': {field.name} field has '{text}', which is not a number{' or name' if field.names else ''}")
    if not field.low <= number <= field.high:
        raise CronError(f"'{expr}': {field.name} field has {number}, outside {field.low}-{field.high}")
    return number


def _values(field: _Field, text: str, expr: str) -> set[int]:
    """Every value a field matches."""
    if text == "":
        raise CronError(f"'{expr}': {field.name} field is empty")
    values: set[int] = set()
    for item in text.split(","):
        match = _ITEM.match(item)
        if match is None:
            raise CronError(f"'{expr}': {field.name} field has '{item}', which is not a value, range, list or step")
        step = int(match["step"]) if match["step"] is not None else 1
        if step < 1:
            raise CronError(f"'{expr}': {field.name} field has step 0")
        if match["range"] == "*":
            low, high = field.low, field.high
        elif "-" in match["range"]:
            first, last = match["range"].split("-")
            low, high = _value(field, first, expr), _value(field, last, expr)
            if low > high:
                raise CronError(f"'{expr}': {field.name} field has the range '{match['range']}', whose start is after its end")
        else:
            low = _value(field, match["range"], expr)
            high = field.high if match["step"] is not None else low
        values.update(range(low, high + 1, step))
    return values


def _restricted(field: _Field, text: str, expr: str) -> bool:
    values = _values(field, text, expr)
    if field.name == "day-of-week":
        values = {v % 7 for v in values}
        return values != set(range(7))
    return values != set(range(field.low, field.high + 1))


def _compact(numbers: list[int]) -> str:
    """[2, 3, 4, 6] -> '2-4,6'."""
    parts: list[str] = []
    start = previous = numbers[0]
    for number in [*numbers[1:], None]:
        if number is not None and number == previous + 1:
            previous = number
            continue
        parts.append(str(start) if start == previous else f"{start}-{previous}")
        if number is not None:
            start = previous = number
    return ",".join(parts)


def _day_of_week(text: str, expr: str) -> str:
    """cron days (0/7 = Sunday) -> EventBridge days (1 = Sunday), as a list without steps."""
    days = sorted({day % 7 + 1 for day in _values(_FIELDS[4], text, expr)})
    return _compact(days)


def _normalise(field: _Field, text: str) -> str:
    """Names to upper case (EventBridge accepts JAN-DEC); numbers and wildcards as written."""
    return text.upper() if field.names else text


def scheduler_cron(expr: str) -> str:
    """'0 2 * * *' -> 'cron(0 2 * * ? *)'; raises CronError (a ValueError) naming the bad field."""
    if not isinstance(expr, str):
        raise CronError(f"{expr!r}: a cron expression is a string")
    text = _MACROS.get(expr.strip().lower(), expr.strip())
    if text.startswith("@"):
        raise CronError(f"'{expr}': unknown macro; use one of {', '.join(sorted(_MACROS))} or five fields")
    parts = text.split()
    if len(parts) != 5:
        raise CronError(f"'{expr}': has {len(parts)} field(s); a cron schedule has 5 (minute hour day-of-month month day-of-week)")
    for field, part in zip(_FIELDS, parts, strict=True):
        _values(field, part, expr)
    minute, hour, day_of_month, month, day_of_week = parts
    dom_restricted = _restricted(_FIELDS[2], day_of_month, expr)
    dow_restricted = _restricted(_FIELDS[4], day_of_week, expr)
    if dom_restricted and dow_restricted:
        raise CronError(
            f"'{expr}': day-of-month and day-of-week fields are both restricted; cron runs when either "
            "matches, which EventBridge Scheduler cannot express: restrict only one"
        )
    if dow_restricted:
        day_of_month, day_of_week = "?", _day_of_week(day_of_week, expr)
    else:
        day_of_week = "?"
        if not dom_restricted:
            day_of_month = "*"
    return f"cron({minute} {hour} {day_of_month} {_normalise(_FIELDS[3], month)} {day_of_week} *)"


@dataclass(frozen=True)
class CronFields:
    """Every value each field of a valid 5-field cron matches; days of the week 0-6 from Sunday."""

    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int]
    months: frozenset[int]
    days_of_week: frozenset[int]
    day_of_month_restricted: bool
    day_of_week_restricted: bool


def cron_fields(expr: str) -> CronFields:
    """The values of a cron that `scheduler_cron` accepts; raises CronError like it."""
    scheduler_cron(expr)
    text = _MACROS.get(expr.strip().lower(), expr.strip())
    parts = text.split()
    values = [frozenset(_values(field, part, expr)) for field, part in zip(_FIELDS, parts, strict=True)]
    return CronFields(
        minutes=values[0],
        hours=values[1],
        days_of_month=values[2],
        months=values[3],
        days_of_week=frozenset(day % 7 for day in values[4]),
        day_of_month_restricted=_restricted(_FIELDS[2], parts[2], expr),
        day_of_week_restricted=_restricted(_FIELDS[4], parts[4], expr),
    )
