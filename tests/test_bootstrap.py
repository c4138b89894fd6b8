"""bootstrap/: the state bucket and secrets key, planned by the same offline engine as the main program."""

from __future__ import annotations

import json

import pytest
import yaml

from tools.engine import PROJECT_DIR, run_stack

BOOTSTRAP = PROJECT_DIR / "bootstrap"


@pytest.fixture(scope="module")
def plan():
    return run_stack("account", project_dir=BOOTSTRAP)


def test_it_is_its_own_pulumi_project():
    project = yaml.safe_load((BOOTSTRAP / "Pulumi.yaml").read_text())
    assert project["name"] == "ohmycoins-bootstrap"
    assert project["runtime"]["name"] == "python"
    pins = (BOOTSTRAP / "requirements.txt").read_text().split()
    main_pins = (PROJECT_DIR / "requirements.txt").read_text().split()
    assert pins and all(pin in main_pins for pin in pins), "bootstrap uses the same SDK versions as the program"


def test_state_bucket_is_versioned_encrypted_private_and_protected(plan):
    bucket = plan.one("aws:s3/bucket:Bucket", "state-bucket")
    key = plan.one("aws:kms/key:Key")
    assert bucket.protect and key.protect
    assert bucket.inputs["bucket"] == "ohmycoins-pulumi-state"
    assert bucket.inputs.get("forceDestroy") in (None, False)
    assert (
        plan.one("aws:s3/bucketVersioning:BucketVersioning", "state-bucket-versioning").inputs["versioningConfiguration"]["status"]
        == "Enabled"
    )
    encryption = plan.one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "state-bucket-encryption"
    )
    (rule,) = encryption.inputs["rules"]
    # Encrypted with the bootstrap's own key.
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "aws:kms"
    assert key.urn in encryption.dependencies
    block = plan.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "state-bucket-public-access-block").inputs
    assert all(block[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"))
    assert (
        plan.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "state-bucket-ownership").inputs["rule"]["objectOwnership"]
        == "BucketOwnerEnforced"
    )


def test_bucket_policy_denies_anything_but_tls(plan):
    policy = json.loads(plan.one("aws:s3/bucketPolicy:BucketPolicy", "state-bucket-policy").inputs["policy"])
    (statement,) = policy["Statement"]
    assert statement["Effect"] == "Deny" and statement["Principal"] == "*" and statement["Action"] == "s3:*"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert len(statement["Resource"]) == 2 and statement["Resource"][1].endswith("/*")


def test_secrets_key_rotates_and_has_the_alias_the_stacks_use(plan):
    key = plan.one("aws:kms/key:Key")
    assert key.inputs["enableKeyRotation"] is True
    assert key.inputs["deletionWindowInDays"] == 30
    alias = plan.one("aws:kms/alias:Alias")
    assert alias.inputs["name"] == "alias/ohmycoins-pulumi-secrets"
    for stack in ("staging", "production"):
        ci = yaml.safe_load((PROJECT_DIR / f"Pulumi.{stack}.yaml").read_text())["config"].get("ohmycoins:ci", {})
        if ci:
            assert ci["stateBucket"] == plan.one("aws:s3/bucket:Bucket", "state-bucket").inputs["bucket"]
            assert ci["secretsProviderKeyAlias"] == alias.inputs["name"]


def test_exports_what_login_and_stack_init_need(plan):
    assert plan.outputs["backendUrl"] == "s3://ohmycoins-pulumi-state?region=ap-southeast-2"
    assert plan.outputs["secretsProvider"] == "awskms://alias/ohmycoins-pulumi-secrets?region=ap-southeast-2"
    assert plan.outputs["secretsKeyArn"] not in (None, "")


def test_every_request_to_the_state_is_logged_to_its_own_sse_s3_bucket(plan):
    (logs,) = [b for b in plan.all("aws:s3/bucket:Bucket") if b.inputs["bucket"] == "ohmycoins-pulumi-state-access-logs"]
    assert logs.protect and logs.retainOnDelete
    assert plan.outputs["stateAccessLogBucket"] == "ohmycoins-pulumi-state-access-logs"
    logging = plan.one("aws:s3/bucketLogging:BucketLogging")
    assert logging.inputs == {
        "bucket": "ohmycoins-pulumi-state",
        "targetBucket": "ohmycoins-pulumi-state-access-logs",
        "targetPrefix": "ohmycoins-pulumi-state/",
    }
    children = {r.type: r for r in plan.children(plan.one("ohmycoins:bucket:PrivateBucket"))}
    (rule,) = children["aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"].inputs["rules"]
    # The only default encryption AWS supports on a server access log destination.
    assert rule["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}
    block = children["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"].inputs
    assert all(block[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"))
    (lifecycle,) = children["aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"].inputs["rules"]
    assert lifecycle["expiration"] == {"days": 365}
    policy = children["aws:s3/bucketPolicy:BucketPolicy"]
    assert policy.urn in logging.dependencies
    deny, delivery = json.loads(policy.inputs["policy"])["Statement"]
    assert deny["Sid"] == "DenyInsecureTransport"
    assert delivery["Principal"] == {"Service": "logging.s3.amazonaws.com"} and delivery["Action"] == "s3:PutObject"
    assert delivery["Resource"] == "arn:aws:s3:::ohmycoins-pulumi-state-access-logs/ohmycoins-pulumi-state/*"
    assert delivery["Condition"]["ArnLike"] == {"aws:SourceArn": "arn:aws:s3:::ohmycoins-pulumi-state"}
    assert set(delivery["Condition"]["StringEquals"]) == {"aws:SourceAccount"}
