"""The restore drill as a Step Functions state machine of AWS SDK integrations (no code of ours runs).

Find the database's newest completed recovery point in the vault, restore it into a temporary
instance, wait until RDS reports it available, delete it, and tell the alert topic how it went.
Every path that may have created the temporary instance goes through a delete of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SDK = "arn:aws:states:::aws-sdk:"
PUBLISH = "arn:aws:states:::sns:publish"
WAIT_SECONDS = 300
# RDS statuses from which a restore never becomes available.
DEAD_STATUSES = (
    "failed",
    "incompatible-restore",
    "incompatible-parameters",
    "incompatible-network",
    "inaccessible-encryption-credentials",
    "restore-error",
    "storage-full",
)
PURPOSE_TAG = {"Key": "Purpose", "Value": "restore-drill"}


@dataclass(frozen=True)
class DrillTarget:
    """Where the drill restores from and into; resolved values."""

    stack: str  # the name prefix, for messages
    vault_name: str
    database_arn: str
    instance_identifier: str  # the temporary instance
    instance_class: str
    subnet_group_name: str
    security_group_id: str
    parameter_group_name: str
    topic_arn: str
    timeout_minutes: int


def _catch(failure: str, next_state: str) -> list[dict[str, Any]]:
    """On any error: remember what failed (with AWS's cause) and go on to `next_state`."""
    return [
        {
            "ErrorEquals": ["States.ALL"],
            "Assign": {"failure": "{% '" + failure + ": ' & $states.errorOutput.Error & ' ' & $states.errorOutput.Cause %}"},
            "Next": next_state,
        }
    ]


def _delete(target: DrillTarget) -> dict[str, Any]:
    return {
        "DbInstanceIdentifier": target.instance_identifier,
        "SkipFinalSnapshot": True,
        "DeleteAutomatedBackups": True,
    }


# A freshly restored instance takes its first automated backup; RDS refuses deletes until it is done.
_BUSY_RETRY = [{"ErrorEquals": ["Rds.InvalidDbInstanceStateException"], "IntervalSeconds": 60, "MaxAttempts": 30, "BackoffRate": 1.0}]
_PUBLISH_RETRY = [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 30, "MaxAttempts": 3, "BackoffRate": 2.0}]


def drill_definition(target: DrillTarget) -> dict[str, Any]:
    """The Amazon States Language document (JSONata) of the drill."""
    checks = max(1, target.timeout_minutes * 60 // WAIT_SECONDS)
    temporary = target.instance_identifier
    dead = ", ".join(f"'{status}'" for status in DEAD_STATUSES)
    return {
        "Comment": f"Restore drill of {target.stack}: the database's latest recovery point must restore into a working instance",
        "QueryLanguage": "JSONata",
        "TimeoutSeconds": (target.timeout_minutes + 60) * 60,
        "StartAt": "FindRecoveryPoints",
        "States": {
            "FindRecoveryPoints": {
                "Type": "Task",
                "Resource": f"{SDK}backup:listRecoveryPointsByBackupVault",
                "Arguments": {"BackupVaultName": target.vault_name, "ByResourceArn": target.database_arn, "MaxResults": 1000},
                "Assign": {"points": "{% [$states.result.RecoveryPoints[Status = 'COMPLETED']] %}", "checks": 0},
                "Catch": _catch("listing the recovery points failed", "ReportFailure"),
                "Next": "AnyRecoveryPoint",
            },
            "AnyRecoveryPoint": {
                "Type": "Choice",
                "Choices": [
                    {
                        "Condition": "{% $count($points) > 0 %}",
                        "Assign": {"recoveryPoint": "{% ($points^(>CreationDate))[0].RecoveryPointArn %}"},
                        "Next": "RestoreLatest",
                    }
                ],
                "Default": "NoRecoveryPoint",
            },
            "NoRecoveryPoint": {
                "Type": "Pass",
                "Assign": {"failure": f"vault {target.vault_name} holds no completed recovery point of {target.database_arn}"},
                "Next": "ReportFailure",
            },
            "RestoreLatest": {
                "Type": "Task",
                "Resource": f"{SDK}rds:restoreDBInstanceFromDBSnapshot",
                "Arguments": {
                    "DbInstanceIdentifier": temporary,
                    "DbSnapshotIdentifier": "{% $recoveryPoint %}",
                    "DbInstanceClass": target.instance_class,
                    "DbSubnetGroupName": target.subnet_group_name,
                    "VpcSecurityGroupIds": [target.security_group_id],
                    "DbParameterGroupName": target.parameter_group_name,
                    "MultiAZ": False,
                    "PubliclyAccessible": False,
                    "DeletionProtection": False,
                    "AutoMinorVersionUpgrade": False,
                    "CopyTagsToSnapshot": False,
                    "Tags": [{"Key": "Name", "Value": temporary}, PURPOSE_TAG],
                },
                "Assign": {"started": "{% $now() %}"},
                "Catch": [
                    {
                        # A temporary instance left by an earlier run: remove it, and report this run as failed.
                        "ErrorEquals": ["Rds.DbInstanceAlreadyExistsException"],
                        "Assign": {"failure": f"{temporary} was left over from an earlier drill; it is deleted now, the next run restores"},
                        "Next": "CleanUp",
                    },
                    *_catch("the restore did not start", "ReportFailure"),
                ],
                "Next": "WaitForInstance",
            },
            "WaitForInstance": {"Type": "Wait", "Seconds": WAIT_SECONDS, "Next": "CheckInstance"},
            "CheckInstance": {
                "Type": "Task",
                "Resource": f"{SDK}rds:describeDBInstances",
                "Arguments": {"DbInstanceIdentifier": temporary},
                "Assign": {"status": "{% $states.result.DbInstances[0].DbInstanceStatus %}", "checks": "{% $checks + 1 %}"},
                "Catch": _catch("checking the restored instance failed", "CleanUp"),
                "Next": "IsAvailable",
            },
            "IsAvailable": {
                "Type": "Choice",
                "Choices": [
                    {
                        "Condition": "{% $status = 'available' %}",
                        "Assign": {"minutes": "{% $round(($toMillis($now()) - $toMillis($started)) / 60000) %}"},
                        "Next": "DeleteInstance",
                    },
                    {
                        "Condition": "{% $status in [" + dead + "] %}",
                        "Assign": {"failure": "{% 'the restored instance ended in status ' & $status %}"},
                        "Next": "CleanUp",
                    },
                    {
                        "Condition": f"{{% $checks >= {checks} %}}",
                        "Assign": {
                            "failure": "{% 'the restored instance was still ' & $status & ' after "
                            + str(target.timeout_minutes)
                            + " minutes' %}"
                        },
                        "Next": "CleanUp",
                    },
                ],
                "Default": "WaitForInstance",
            },
            "DeleteInstance": {
                "Type": "Task",
                "Resource": f"{SDK}rds:deleteDBInstance",
                "Arguments": _delete(target),
                "Retry": _BUSY_RETRY,
                "Catch": _catch(f"the drill restored but could not delete {temporary}: delete it by hand", "ReportFailure"),
                "Next": "ReportSuccess",
            },
            "ReportSuccess": {
                "Type": "Task",
                "Resource": PUBLISH,
                "Arguments": {
                    "TopicArn": target.topic_arn,
                    "Subject": f"{target.stack}: restore drill passed",
                    "Message": "{% 'Restored ' & $recoveryPoint & ' into "
                    + temporary
                    + ": available after ' & $string($minutes) & ' minutes, then deleted.' %}",
                },
                "Retry": _PUBLISH_RETRY,
                "End": True,
            },
            "CleanUp": {
                "Type": "Task",
                "Resource": f"{SDK}rds:deleteDBInstance",
                "Arguments": _delete(target),
                "Retry": _BUSY_RETRY,
                "Catch": [
                    {"ErrorEquals": ["Rds.DbInstanceNotFoundException"], "Next": "ReportFailure"},
                    {
                        "ErrorEquals": ["States.ALL"],
                        "Assign": {"failure": "{% $failure & '; deleting " + temporary + " failed too: delete it by hand' %}"},
                        "Next": "ReportFailure",
                    },
                ],
                "Next": "ReportFailure",
            },
            "ReportFailure": {
                "Type": "Task",
                "Resource": PUBLISH,
                "Arguments": {
                    "TopicArn": target.topic_arn,
                    "Subject": f"{target.stack}: restore drill FAILED",
                    "Message": "{% $failure %}",
                },
                "Retry": _PUBLISH_RETRY,
                "Next": "Failed",
            },
            "Failed": {"Type": "Fail", "Error": "RestoreDrillFailed", "Cause": "{% $failure %}"},
        },
    }
