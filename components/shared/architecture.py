"""Which CPU architecture an EC2, RDS or ElastiCache class runs on, read from its family name."""

from __future__ import annotations

import re
from typing import Literal

Architecture = Literal["x86_64", "arm64"]

# `m7gd` -> family letters `m`, generation `7`, attributes `gd`; Graviton families carry a `g`
# among the attributes (t4g, m6g, c7gn, r6gd, im4gn, is4gen, g5g), x86 ones never do (m6i, g4dn, c6in).
_FAMILY = re.compile(r"^([a-z]+)(\d+)([a-z-]*)$")
# The first Graviton generation has no attribute letter.
_ARM_WITHOUT_ATTRIBUTE = frozenset({"a1"})


def family(instance_class: str) -> str:
    """'db.t4g.micro' -> 't4g', 'cache.m7g.large' -> 'm7g', 'c6gn.xlarge' -> 'c6gn'."""
    return instance_class.removeprefix("db.").removeprefix("cache.").split(".")[0]


def cpu_architecture(instance_class: str) -> Architecture:
    """The architecture of an EC2 instance type, an RDS class or an ElastiCache node type."""
    name = family(instance_class)
    match = _FAMILY.match(name)
    if name in _ARM_WITHOUT_ATTRIBUTE or (match is not None and "g" in match.group(3)):
        return "arm64"
    return "x86_64"


def mismatches(
    architecture: Architecture, classes: list[tuple[str, tuple[str | int, ...], str]]
) -> list[tuple[str, tuple[str | int, ...], str]]:
    """(area, path, reason) for each (area, path, class) whose architecture is not the stack's."""
    return [
        (area, path, f"'{name}' is {cpu_architecture(name)} but ohmycoins:general.architecture is {architecture}")
        for area, path, name in classes
        if cpu_architecture(name) != architecture
    ]
