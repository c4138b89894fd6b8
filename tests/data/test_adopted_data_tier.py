"""Settings for a data tier made elsewhere: existing keys, subnet groups, master password, TLS step, app-secret values."""

from __future__ import annotations

import json

import pytest

from components.data.database_settings import master_password_problem
from components.data.storage_key import check_encryption_key, key_region
from tests.adopting_stack import EXISTING_KEY, PLACEHOLDER
from tests.stack_edits import set_setting

KEY = EXISTING_KEY


def test_the_database_keeps_its_key_subnet_group_and_password(adopting_plan):
    plan, written = adopting_plan
    db = plan.one("aws:rds/instance:Instance")
    assert db.inputs["kmsKeyId"] == KEY
    assert db.inputs["dbSubnetGroupName"] == "legacy-db-subnets"
    assert plan.one("aws:rds/subnetGroup:SubnetGroup").inputs["name"] == "legacy-db-subnets"
    assert db.inputs["password"] == "[secret]"
    assert "manageMasterUserPassword" not in db.inputs and "masterUserSecretKmsKeyId" not in db.inputs
    # The workloads read the password from the stack's own secret, shaped like an RDS-managed one.
    master = plan.named("database-master-secret")
    assert master.inputs["name"] == "ohmycoins-staging-postgres-master"
    assert json.loads(written["database-master-secret-value"]) == {
        "username": "postgres",
        "password": "offline-secret:ohmycoins:databaseMasterPassword",
    }
    # ...and the tasks' execution role may read exactly that secret.
    statements = json.loads(plan.named("ecs-execution-policy").inputs["policy"])["Statement"]
    readable = {plan.references.get(r) for s in statements if "secretsmanager:GetSecretValue" in s["Action"] for r in s["Resource"]}
    assert "database-master-secret" in readable


def test_the_cache_keeps_the_aws_managed_key_and_its_subnet_group_and_accepts_tls_beside_plaintext(adopting_plan):
    plan, _ = adopting_plan
    group = plan.one("aws:elasticache/replicationGroup:ReplicationGroup")
    assert "kmsKeyId" not in group.inputs
    assert group.inputs["subnetGroupName"] == "legacy-cache-subnets"
    assert (group.inputs["transitEncryptionEnabled"], group.inputs["transitEncryptionMode"]) == (True, "preferred")


def test_carried_over_values_replace_the_generated_ones(adopting_plan):
    plan, written = adopting_plan
    document = json.loads(written["app-secrets-secret-value"])
    assert document["ENCRYPTION_KEY"] == "offline-secret:ohmycoins:appSecretValues.encryptionKey"
    assert document["SECRET_KEY"] == "offline-secret:ohmycoins:appSecretValues.secretKey"
    generators = {r.name for r in plan.resources if r.type.startswith("random:")}
    assert "app-secrets-encryption-key" not in generators and "app-secrets-secret-key" not in generators
    assert "app-secrets-first-superuser-password" in generators  # not carried over: still generated


def test_the_default_stacks_keep_their_own_keys_and_managed_password(any_plan):
    db = any_plan.one("aws:rds/instance:Instance")
    assert db.inputs["manageMasterUserPassword"] is True
    assert any_plan.named("kms-key").urn in db.dependencies
    assert any_plan.one("aws:elasticache/replicationGroup:ReplicationGroup").inputs["transitEncryptionMode"] == "required"


@pytest.mark.parametrize(
    "value", ["stack", "aws-managed", KEY, "arn:aws:kms:us-east-1:123456789012:key/mrk-0123456789abcdef0123456789abcdef"]
)
def test_encryption_keys_ec2_and_kms_accept(value):
    assert check_encryption_key(value) == value


@pytest.mark.parametrize(
    "value", ["alias/aws/rds", "arn:aws:kms:ap-southeast-2:123456789012:alias/x", "2189c2f5-19e3-4948-9d79-785ad881b09b"]
)
def test_other_key_references_are_refused(value):
    with pytest.raises(ValueError, match="is not 'stack', 'aws-managed' or a KMS key ARN"):
        check_encryption_key(value)


def test_key_region_comes_from_the_arn():
    assert key_region(KEY) == "ap-southeast-2"
    assert key_region("aws-managed") is None


@pytest.mark.parametrize(
    "password, reason",
    [
        ("short", "is 5 characters long"),
        ("has space inside", "RDS refuses"),
        ("with/slash1", "RDS refuses"),
        ('quote"d-value', "RDS refuses"),
    ],
)
def test_master_passwords_rds_refuses_are_named_without_the_value(password, reason):
    problem = master_password_problem(password)
    assert problem is not None and reason in problem and password not in problem


def test_a_valid_master_password_passes():
    assert master_password_problem("Correct-Horse-9") is None


def _with_placeholder_password(config):
    config["ohmycoins:database"]["masterPasswordSource"] = "stack-secret"


BAD = {
    "stack-secret without the password": (
        "staging",
        _with_placeholder_password,
        "ohmycoins:database.masterPasswordSource",
        "set the password with `pulumi config set --secret ohmycoins:databaseMasterPassword`",
    ),
    "database key in another region": (
        "staging",
        set_setting("database", "encryptionKey", KEY.replace("ap-southeast-2", "us-east-1")),
        "ohmycoins:database.encryptionKey",
        "the key is in us-east-1; a data store can only use a key of its region ap-southeast-2",
    ),
    "cache key as an alias": (
        "staging",
        set_setting("cache", "encryptionKey", "alias/aws/elasticache"),
        "ohmycoins:cache.encryptionKey",
        "is not 'stack', 'aws-managed' or a KMS key ARN",
    ),
    "db subnet group named default": (
        "staging",
        set_setting("database", "subnetGroupName", "default"),
        "ohmycoins:database.subnetGroupName",
        "is not a DB subnet group name",
    ),
    "cache subnet group in capitals": (
        "staging",
        set_setting("cache", "subnetGroupName", "Legacy-Cache"),
        "ohmycoins:cache.subnetGroupName",
        "up to 255 lowercase letters, digits or hyphens",
    ),
    "transit mode unknown": (
        "staging",
        set_setting("cache", "transitEncryption", "disabled"),
        "ohmycoins:cache.transitEncryption",
        "Input should be 'required' or 'preferred'",
    ),
    "production accepts TLS only": (
        "production",
        set_setting("cache", "transitEncryption", "preferred"),
        "ohmycoins:cache.transitEncryption",
        "production accepts TLS connections only",
    ),
    "carried value in plain text": (
        "staging",
        lambda c: c.update({"ohmycoins:appSecretValues": {"encryptionKey": "plain"}}),
        "ohmycoins:appSecretValues",
        "holds plain values",
    ),
    "carried value that is not generated": (
        "staging",
        lambda c: c.update({"ohmycoins:appSecretValues": {"openaiApiKey": PLACEHOLDER}}),
        "ohmycoins:appSecretValues.openaiApiKey",
        "unknown secret; known ones are encryptionKey, firstSuperuserPassword, secretKey",
    ),
    "master password in plain text": (
        "staging",
        lambda c: c.update({"ohmycoins:databaseMasterPassword": "plain-password"}),
        "ohmycoins:databaseMasterPassword",
        "is a secret: set it with `pulumi config set --secret`",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_adoption_settings_are_refused(assert_refused, case):
    assert_refused(*BAD[case])
