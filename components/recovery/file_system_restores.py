"""Serving a workload's shared storage from an AWS Backup restore of its file system.

AWS Backup never overwrites an EFS file system: it restores into a new directory
`aws-backup-restore_<time>` at the root. An access point into that directory puts the restored
files in front of the workload, and leaves the current ones, and their access point, where they are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from components.compute.workloads import Workload

_RECOVERY_DIRECTORY = re.compile(r"^aws-backup-restore_[0-9A-Za-z:._-]{1,70}$")


def check_recovery_directory(name: str) -> str:
    if not _RECOVERY_DIRECTORY.match(name):
        raise ValueError(f"'{name}' is not a directory AWS Backup restores EFS into (aws-backup-restore_<time>, at the root)")
    return name


def restored_catalog(catalog: tuple[Workload, ...], restores: Mapping[str, str]) -> tuple[Workload, ...]:
    """The catalog with each restored storage pointed at its recovery directory."""
    return tuple(
        replace(item, storage=replace(item.storage, recovery_directory=restores[item.storage.name]))
        if item.storage is not None and item.storage.name in restores
        else item
        for item in catalog
    )
