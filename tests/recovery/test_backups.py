"""AWS Backup on the offline plans: vault and key, rules, selections, the production copy in a second region, alerts."""

from __future__ import annotations

import json

import pytest

from tools.plan_model import Plan, PlannedResource

VAULT = "aws:backup/vault:Vault"
LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration"
SELECTION = "aws:backup/selection:Selection"
PROVIDER = "pulumi:providers:aws"


def depends_on(resource: PlannedResource, plan: Plan, name: str) -> bool:
    return plan.named(name).urn in resource.dependencies


def rules(plan: Plan) -> dict[str, dict]:
    return {rule["ruleName"]: rule for rule in plan.named("backups-plan").inputs["rules"]}


def test_the_vault_is_encrypted_with_the_stacks_key_and_outlives_the_stack(any_plan):
    vault = any_plan.named("backups-vault")
    assert vault.inputs["name"] == f"ohmycoins-{any_plan.stack}-backups"
    assert vault.inputs["kmsKeyArn"] == any_plan.outputs["kmsKeyArn"]
    assert depends_on(vault, any_plan, "kms-key")
    assert vault.inputs["forceDestroy"] is False
    assert vault.retainOnDelete is True
    assert vault.protect is (any_plan.stack == "production")


def test_staging_keeps_a_week_of_daily_backups_in_the_region(staging_plan):
    assert rules(staging_plan) == {
        "daily": {
            "ruleName": "daily",
            "targetVaultName": "ohmycoins-staging-backups",
            "schedule": "cron(0 14 * * ? *)",
            "scheduleExpressionTimezone": "Etc/UTC",
            "startWindow": 60,
            "completionWindow": 480,
            "lifecycle": {"deleteAfter": 7},
            "copyActions": [],
        }
    }
    assert not staging_plan.all(LOCK)
    assert len(staging_plan.all(VAULT)) == 1
    assert "backupCopyVaultArn" not in staging_plan.outputs


def test_production_keeps_daily_and_monthly_backups_and_copies_both(production_plan):
    found = rules(production_plan)
    assert set(found) == {"daily", "monthly"}
    assert found["daily"]["schedule"] == "cron(0 14 * * ? *)"
    assert found["daily"]["lifecycle"] == {"deleteAfter": 35}
    assert found["monthly"]["schedule"] == "cron(0 15 1 * ? *)"
    assert found["monthly"]["lifecycle"] == {"deleteAfter": 365, "coldStorageAfter": 30}
    for rule in found.values():
        assert [copy["lifecycle"] for copy in rule["copyActions"]] == [rule["lifecycle"]]
    plan_resource = production_plan.named("backups-plan")
    assert depends_on(plan_resource, production_plan, "backups-copy-vault")


def test_production_copies_go_to_a_vault_in_the_second_region_under_its_own_key(production_plan):
    home = production_plan.one(PROVIDER, "aws")
    there = production_plan.one(PROVIDER, "aws-ap-southeast-4")
    assert there.inputs["region"] == "ap-southeast-4"
    assert json.loads(there.inputs["defaultTags"]) == json.loads(home.inputs["defaultTags"])
    key, vault = production_plan.named("backups-copy-key"), production_plan.named("backups-copy-vault")
    assert key.provider == there.urn and vault.provider == there.urn
    assert production_plan.named("backups-copy-vault-lock").provider == there.urn
    assert depends_on(vault, production_plan, "backups-copy-key")
    assert not depends_on(vault, production_plan, "kms-key")
    assert key.inputs["enableKeyRotation"] is True
    assert key.protect and vault.protect and vault.retainOnDelete
    assert production_plan.named("backups-copy-key-alias").inputs["name"] == "alias/ohmycoins-production-backups-copies"


def test_production_locks_both_vaults_in_compliance_mode(production_plan):
    locks = {lock.name: lock for lock in production_plan.all(LOCK)}
    assert set(locks) == {"backups-vault-lock", "backups-copy-vault-lock"}
    for lock in locks.values():
        # changeableForDays is what makes it compliance mode rather than governance mode.
        assert lock.inputs["changeableForDays"] == 3
        assert lock.inputs["minRetentionDays"] == 7
        assert lock.inputs["maxRetentionDays"] == 1095
        assert lock.protect
    assert depends_on(locks["backups-vault-lock"], production_plan, "backups-vault")
    assert depends_on(locks["backups-copy-vault-lock"], production_plan, "backups-copy-vault")


def test_selections_cover_the_database_and_the_agents_file_system(any_plan):
    selections = {s.name: s for s in any_plan.all(SELECTION)}
    assert set(selections) == {"backups-database", "backups-file-systems"}
    database, file_systems = selections["backups-database"], selections["backups-file-systems"]
    assert database.inputs["name"] == f"ohmycoins-{any_plan.stack}-database"
    assert len(database.inputs["resources"]) == 1 and depends_on(database, any_plan, "database-instance")
    assert len(file_systems.inputs["resources"]) == 1 and depends_on(file_systems, any_plan, "agents-agent-artifacts-fs")
    for selection in selections.values():
        assert depends_on(selection, any_plan, "backups-plan") and depends_on(selection, any_plan, "backups-role")


def test_with_the_apps_on_eks_the_selection_covers_the_clusters_file_system(eks_apps_plan):
    file_systems = eks_apps_plan.named("backups-file-systems")
    assert len(file_systems.inputs["resources"]) == 1
    assert depends_on(file_systems, eks_apps_plan, "eks-efs-agent-artifacts-fs")


def test_efs_automatic_backups_are_off_because_the_plan_backs_it_up(any_plan):
    for policy in any_plan.all("aws:efs/backupPolicy:BackupPolicy"):
        assert policy.inputs["backupPolicy"] == {"status": "DISABLED"}


@pytest.mark.parametrize("role, managed", [("backups-role", "ForBackup"), ("backups-restore-role", "ForRestores")])
def test_backup_roles_are_for_aws_backup_only_and_use_exactly_the_vault_keys(production_plan, role, managed):
    trust = json.loads(production_plan.named(role).inputs["assumeRolePolicy"])
    assert [s["Principal"] for s in trust["Statement"]] == [{"Service": "backup.amazonaws.com"}]
    attachment = production_plan.named(f"{role}-managed")
    assert attachment.inputs["policyArn"] == f"arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicy{managed}"
    keys = production_plan.named(f"{role}-keys")
    statements = json.loads(keys.inputs["policy"])["Statement"]
    assert len(statements) == 1 and len(statements[0]["Resource"]) == 2
    assert all(action.startswith("kms:") for action in statements[0]["Action"])
    assert depends_on(keys, production_plan, "kms-key") and depends_on(keys, production_plan, "backups-copy-key")


def test_failed_backup_and_copy_jobs_of_this_plan_reach_the_alert_topic(any_plan):
    rule = any_plan.named("backups-failed-jobs")
    pattern = json.loads(rule.inputs["eventPattern"])
    assert pattern["source"] == ["aws.backup"]
    assert pattern["detail-type"] == ["Backup Job State Change", "Copy Job State Change"]
    assert pattern["detail"]["state"] == ["FAILED", "ABORTED", "EXPIRED", "PARTIAL"]
    # Jobs run as the plan's role: other stacks' jobs in the same account do not alert here.
    assert len(pattern["detail"]["iamRoleArn"]) == 1 and depends_on(rule, any_plan, "backups-role")
    target = any_plan.named("backups-failed-jobs-to-alerts")
    assert target.inputs["arn"] == any_plan.outputs["alertTopicArn"]
