"""Mock outputs of backups and the restore drill (AWS Backup, Step Functions), in the shapes AWS returns.

`tools/mocks.py` merges this table into its own.
"""

from __future__ import annotations

import hashlib
from typing import Any


def _uuid(text: str) -> str:
    h = hashlib.sha256(text.encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-8{h[17:20]}-{h[20:32]}"


def _plan(c) -> dict[str, Any]:
    plan_id = _uuid(c.name)
    return {"arn": c.arn("backup", f"backup-plan:{plan_id}"), "version": _uuid(c.name + "version")[:32].replace("-", "")}


OUTPUTS = {
    "aws:backup/vault:Vault": lambda c: {"arn": c.arn("backup", f"backup-vault:{c.physical_name}"), "recoveryPoints": 0},
    "aws:backup/plan:Plan": _plan,
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration": lambda c: {
        "backupVaultArn": c.arn("backup", f"backup-vault:{c.inputs.get('backupVaultName', '')}")
    },
    "aws:sfn/stateMachine:StateMachine": lambda c: {
        "arn": c.arn("states", f"stateMachine:{c.physical_name}"),
        "status": "ACTIVE",
        "revisionId": _uuid(c.name),
    },
}

# AWS Backup plan and selection ids are UUIDs.
ID_FORMAT = {"aws:backup/plan:Plan": _uuid, "aws:backup/selection:Selection": _uuid}
