"""AWS Backup for the stack's stateful resources: vault, plan, selections, copies to a second region, failure alerts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.observability.event_alerts import events_to_alerts
from components.recovery.backup_settings import BackupRule, BackupSettings
from components.shared.iam_documents import document
from components.shared.service_role import service_role

# AWS keeps these in step with what AWS Backup calls in each service (RDS, EFS, copies, tags);
# the roles are assumable by AWS Backup only, and Backup acts only on what this plan selects.
BACKUP_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"
RESTORE_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores"
# Job states that mean a recovery point is missing or incomplete.
FAILED_JOB_STATES = ("FAILED", "ABORTED", "EXPIRED", "PARTIAL")
KEY_USE_ACTIONS = (
    "kms:Decrypt",
    "kms:Encrypt",
    "kms:GenerateDataKey*",
    "kms:ReEncrypt*",
    "kms:DescribeKey",
    "kms:CreateGrant",
    "kms:RetireGrant",
)


@dataclass(frozen=True)
class BackupsArgs:
    settings: BackupSettings
    name_prefix: str
    account_id: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]  # the stack's key: encrypts the vault
    key_deletion_window_days: int  # of the copy region's key, like the stack's
    database_arn: pulumi.Input[str]
    file_system_arns: Sequence[pulumi.Input[str]]  # the workloads' EFS file systems
    alert_topic_arn: pulumi.Input[str]
    protect: bool
    copy_provider: aws.Provider | None = None  # the provider of settings.copy_region


def key_use_policy(key_arns: Sequence[str]) -> dict[str, Any]:
    """AWS Backup and the services it drives may use exactly the vaults' keys (the managed policies grant KMS only partly)."""
    return document({"Sid": "UseTheVaultKeys", "Effect": "Allow", "Action": list(KEY_USE_ACTIONS), "Resource": sorted(key_arns)})


def copy_key_policy(account: str) -> dict[str, Any]:
    """Administered by the account; IAM decides who uses it (the backup role's policy names this key)."""
    return document(
        {
            # Without this statement nobody, not even the account, could ever change the key again.
            "Sid": "AccountAdministersTheKey",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    )


def failed_jobs_pattern(role_arn: str) -> dict[str, Any]:
    """Backup and copy jobs of this stack's plan (they run as its role) that did not leave a complete recovery point."""
    return {
        "source": ["aws.backup"],
        "detail-type": ["Backup Job State Change", "Copy Job State Change"],
        "detail": {"state": list(FAILED_JOB_STATES), "iamRoleArn": [role_arn]},
    }


def rule_lifecycle(rule: BackupRule) -> dict[str, Any]:
    return {"delete_after": rule.retention_days, "cold_storage_after": rule.cold_storage_after_days}


class Backups(pulumi.ComponentResource):
    """A vault encrypted with the stack's key (locked where configured), a plan of the configured rules,
    selections by ARN of the database and the file systems, and the copy vault in the second region."""

    vault_name: pulumi.Output[str]
    vault_arn: pulumi.Output[str]
    copy_vault_arn: pulumi.Output[str] | None
    plan_id: pulumi.Output[str]
    role_arn: pulumi.Output[str]
    restore_role_arn: pulumi.Output[str]

    def __init__(self, name: str, args: BackupsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ohmycoins:recovery:Backups", name, None, opts)
        settings = args.settings
        child = pulumi.ResourceOptions(parent=self)
        # Recovery points must outlive the stack: a destroyed stack leaves its vaults, which expire them by their lifecycle.
        kept = pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=True)
        vault_name = f"{args.name_prefix}-backups"

        vault = aws.backup.Vault(
            f"{name}-vault", name=vault_name, kms_key_arn=args.kms_key_arn, force_destroy=False, tags={"Name": vault_name}, opts=kept
        )
        self._lock(f"{name}-vault-lock", vault.name, settings, pulumi.ResourceOptions(parent=self, protect=args.protect))
        key_arns: list[pulumi.Input[str]] = [args.kms_key_arn]

        self.copy_vault_arn = None
        if settings.copy_region is not None:
            if args.copy_provider is None:
                raise ValueError("copy_region is set but no provider for it was given")
            copy_vault, copy_key_arn = self._copy_vault(name, args, vault_name)
            self.copy_vault_arn = copy_vault.arn
            key_arns.append(copy_key_arn)

        role = service_role(
            f"{name}-role",
            f"{args.name_prefix}-backup",
            "AWS Backup takes and copies the stack's recovery points",
            "backup.amazonaws.com",
            # AWS Backup sends no source account or ARN when it assumes a role, so the trust cannot pin one;
            # only principals allowed iam:PassRole on this role can hand it to a backup plan.
            None,
            parent=self,
        )
        restore_role = service_role(
            f"{name}-restore-role",
            f"{args.name_prefix}-backup-restore",
            "AWS Backup restores the stack's recovery points (README: restoring the file systems)",
            "backup.amazonaws.com",
            None,
            parent=self,
        )
        keys_policy = pulumi.Output.all(*key_arns).apply(lambda arns: json.dumps(key_use_policy(arns)))
        for role_name, each, managed in (("role", role, BACKUP_POLICY_ARN), ("restore-role", restore_role, RESTORE_POLICY_ARN)):
            aws.iam.RolePolicyAttachment(f"{name}-{role_name}-managed", role=each.name, policy_arn=managed, opts=child)
            aws.iam.RolePolicy(f"{name}-{role_name}-keys", role=each.id, policy=keys_policy, opts=child)

        plan = aws.backup.Plan(
            f"{name}-plan",
            name=vault_name,
            rules=[
                aws.backup.PlanRuleArgs(
                    rule_name=rule_name,
                    target_vault_name=vault.name,
                    schedule=rule.expression,
                    schedule_expression_timezone="Etc/UTC",
                    start_window=settings.start_window_minutes,
                    completion_window=settings.completion_window_minutes,
                    lifecycle=aws.backup.PlanRuleLifecycleArgs(**rule_lifecycle(rule)),
                    copy_actions=(
                        [
                            aws.backup.PlanRuleCopyActionArgs(
                                destination_vault_arn=self.copy_vault_arn,
                                lifecycle=aws.backup.PlanRuleCopyActionLifecycleArgs(**rule_lifecycle(rule)),
                            )
                        ]
                        if rule.copy_to_second_region and self.copy_vault_arn is not None
                        else []
                    ),
                )
                for rule_name, rule in settings.rules.items()
            ],
            tags={"Name": vault_name},
            opts=child,
        )
        selections = {"database": [args.database_arn], "file-systems": list(args.file_system_arns)}
        for selection, arns in selections.items():
            if not arns:
                continue
            aws.backup.Selection(
                f"{name}-{selection}",
                name=f"{args.name_prefix}-{selection}",
                plan_id=plan.id,
                iam_role_arn=role.arn,
                resources=arns,
                # AWS Backup cannot update a selection (a restore changes the database's ARN): the
                # new one takes the old one's name, so the old one goes first; no recovery point is touched.
                opts=pulumi.ResourceOptions(parent=self, delete_before_replace=True),
            )

        events_to_alerts(
            f"{name}-failed-jobs",
            f"{args.name_prefix}-backup-failures",
            "Backup and copy jobs of the stack's plan that failed, were aborted, expired or are partial",
            role.arn.apply(lambda arn: json.dumps(failed_jobs_pattern(arn))),
            args.alert_topic_arn,
            {
                "kind": "$.detail-type",
                "state": "$.detail.state",
                "resource": "$.detail.resourceArn",
                "message": "$.detail.statusMessage",
                "account": "$.account",
                "region": "$.region",
            },
            "AWS Backup: <kind> <state> for <resource> in <account>/<region>: <message>",
            parent=self,
        )

        self.vault_name = vault.name
        self.vault_arn = vault.arn
        self.plan_id = plan.id
        self.role_arn = role.arn
        self.restore_role_arn = restore_role.arn
        self.register_outputs(
            {
                "vault_name": self.vault_name,
                "vault_arn": self.vault_arn,
                "copy_vault_arn": self.copy_vault_arn,
                "plan_id": self.plan_id,
                "restore_role_arn": self.restore_role_arn,
            }
        )

    def _lock(self, name: str, vault_name: pulumi.Input[str], settings: BackupSettings, opts: pulumi.ResourceOptions) -> None:
        lock = settings.vault_lock
        if lock is None:
            return
        # changeable_for_days makes it compliance mode: after that many days nobody can change or remove it.
        aws.backup.VaultLockConfiguration(
            name,
            backup_vault_name=vault_name,
            min_retention_days=lock.min_retention_days,
            max_retention_days=lock.max_retention_days,
            changeable_for_days=lock.changeable_for_days,
            opts=opts,
        )

    def _copy_vault(self, name: str, args: BackupsArgs, vault_name: str) -> tuple[aws.backup.Vault, pulumi.Output[str]]:
        """The second region's key and vault; the copies are encrypted with that region's own key."""
        there = pulumi.ResourceOptions(parent=self, provider=args.copy_provider)
        kept_there = pulumi.ResourceOptions(parent=self, provider=args.copy_provider, protect=args.protect, retain_on_delete=True)
        key = aws.kms.Key(
            f"{name}-copy-key",
            description=f"{args.name_prefix}: backup copies outside the stack's region",
            enable_key_rotation=True,
            rotation_period_in_days=365,
            deletion_window_in_days=args.key_deletion_window_days,
            policy=pulumi.Output.from_input(args.account_id).apply(lambda account: json.dumps(copy_key_policy(account))),
            tags={"Name": f"{vault_name}-copies"},
            opts=pulumi.ResourceOptions(parent=self, provider=args.copy_provider, protect=args.protect),
        )
        aws.kms.Alias(f"{name}-copy-key-alias", name=f"alias/{vault_name}-copies", target_key_id=key.key_id, opts=there)
        vault = aws.backup.Vault(
            f"{name}-copy-vault",
            name=vault_name,
            kms_key_arn=key.arn,
            force_destroy=False,
            tags={"Name": f"{vault_name}-copies"},
            opts=kept_there,
        )
        self._lock(
            f"{name}-copy-vault-lock",
            vault.name,
            args.settings,
            pulumi.ResourceOptions(parent=self, provider=args.copy_provider, protect=args.protect),
        )
        return vault, key.arn
