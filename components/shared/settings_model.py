"""What every settings model shares: strict, frozen, camelCase keys as written in the stack file."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

# A key path inside an area, as pydantic reports it: ("privateAppSubnets", 1).
Path = tuple[str | int, ...]

# What CloudWatch Logs accepts for `retentionInDays`.
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)


@dataclass(frozen=True)
class Problem:
    """One bad setting: where it is inside its area and why it is wrong."""

    path: Path
    reason: str


class Model(BaseModel):
    """Base of every settings model: unknown keys are errors, values never change after loading."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=True,
        str_strip_whitespace=True,
    )

    def problems(self) -> list[Problem]:
        """Checks that involve more than one field; fields are already valid one by one."""
        return []

    def production_problems(self) -> list[Problem]:
        """What production refuses that staging may do; checked only when the environment is production."""
        return []


def check_log_retention(days: int) -> int:
    if days not in LOG_RETENTION_DAYS:
        raise ValueError(f"{days} is not a CloudWatch Logs retention; use one of {', '.join(map(str, LOG_RETENTION_DAYS))}")
    return days


_AWS_NAME = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$")


def check_aws_name(value: str, max_length: int) -> str:
    """Names that S3, ALB, RDS and ElastiCache all accept: lowercase letters, digits, inner hyphens."""
    if not _AWS_NAME.match(value) or "--" in value:
        raise ValueError(f"'{value}' is not a valid AWS name: use lowercase letters, digits and single hyphens, starting with a letter")
    if len(value) > max_length:
        raise ValueError(f"'{value}' is longer than {max_length} characters, so derived names would exceed AWS limits")
    return value
