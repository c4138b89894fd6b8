"""Serving a workload's shared storage from an AWS Backup restore of its file system.

AWS Backup never overwrites an EFS file system: it restores into a new directory
`aws-backup-restore_<time>` at the root. Moving the workload's access point into that directory
puts the restored files in front of the workload, and leaves the current ones where they are.
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


def restored_root(root_directory: str, recovery_directory: str) -> str:
    """'/agents' restored into 'aws-backup-restore_x' -> '/aws-backup-restore_x/agents' (AWS Backup keeps the hierarchy)."""
    return f"/{recovery_directory}{root_directory.rstrip('/')}"


def restored_catalog(catalog: tuple[Workload, ...], restores: Mapping[str, str]) -> tuple[Workload, ...]:
    """The catalog with each restored storage's root moved into its recovery directory."""
    return tuple(
        replace(item, storage=replace(item.storage, root_directory=restored_root(item.storage.root_directory, restores[item.storage.name])))
        if item.storage is not None and item.storage.name in restores
        else item
        for item in catalog
    )
