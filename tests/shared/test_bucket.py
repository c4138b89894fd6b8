"""Every S3 bucket of the estate is a PrivateBucket: private, owner-enforced, encrypted, versioned, TLS only,
its requests logged to the stack's access-log bucket (which logs nothing itself)."""

from __future__ import annotations

import json
import re

import pytest

from components.shared.bucket import bucket_policy
from tests.conftest import stack_config
from tests.stack_edits import set_setting

COMPONENT = "ohmycoins:bucket:PrivateBucket"
BUCKET = "aws:s3/bucket:Bucket"
BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
POLICY = "aws:s3/bucketPolicy:BucketPolicy"
LOGGING = "aws:s3/bucketLogging:BucketLogging"
ACCESS_LOG_BUCKET = "s3-access-logs-store"


def expected(stack: str) -> dict[str, dict]:
    """Component name -> KMS?, current-version expiry, noncurrent and abort-multipart days, retained when
    protected, emptied by `pulumi destroy` when unprotected."""
    config = stack_config(stack)
    buckets = {
        ACCESS_LOG_BUCKET: dict(
            kms=False, expiry=config["ohmycoins:buckets"]["accessLogExpiryDays"], noncurrent=7, abort=1, retain=True, emptied=True
        ),
        "edge-access-logs": dict(
            kms=False, expiry=config["ohmycoins:edge"]["accessLogExpiryDays"], noncurrent=1, abort=1, retain=True, emptied=True
        ),
    }
    audit = config["ohmycoins:audit"]
    for thing, switch in (("cloudtrail", "cloudTrail"), ("config", "awsConfig")):
        if audit[switch] == "create":
            buckets[f"audit-{thing}"] = dict(
                kms=True, expiry=audit["bucketRetentionDays"], noncurrent=90, abort=7, retain=False, emptied=False
            )
    if config["ohmycoins:monitoring"]["lokiStorage"] == "s3":
        buckets["monitoring-loki-storage"] = dict(kms=True, expiry=None, noncurrent=7, abort=1, retain=True, emptied=True)
    return buckets


def parts(plan, component) -> dict:
    children = plan.children(component)
    return {
        type_: next(c for c in children if c.type == type_)
        for type_ in (BUCKET, BLOCK, OWNERSHIP, ENCRYPTION, VERSIONING, LIFECYCLE, POLICY)
    }


def test_every_bucket_is_a_private_bucket(any_plan):
    components = {c.urn for c in any_plan.all(COMPONENT)}
    assert all(b.parent in components for b in any_plan.all(BUCKET))
    assert {c.name for c in any_plan.all(COMPONENT)} == set(expected(any_plan.stack))


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_private_buckets_are_hardened_as_configured(request, stack):
    plan = request.getfixturevalue(f"{stack}_plan")
    protect = stack_config(stack)["ohmycoins:general"]["protectStatefulResources"]
    for name, want in expected(stack).items():
        r = parts(plan, plan.one(COMPONENT, name))
        bucket = r[BUCKET]
        assert bucket.protect is protect, name
        assert bucket.retainOnDelete is (protect and want["retain"]), name
        # Unprotected log buckets go with the stack; the audit buckets are never emptied by Pulumi.
        assert bucket.inputs.get("forceDestroy") == ((not protect) if want["emptied"] else None), name

        block = r[BLOCK].inputs
        assert all(block[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")), name
        assert r[OWNERSHIP].inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}, name
        [sse] = r[ENCRYPTION].inputs["rules"]
        default = sse["applyServerSideEncryptionByDefault"]
        if want["kms"]:
            assert default["sseAlgorithm"] == "aws:kms" and default["kmsMasterKeyId"], name
            assert sse["bucketKeyEnabled"] is True, name
        else:
            assert default == {"sseAlgorithm": "AES256"}, name
        assert r[VERSIONING].inputs["versioningConfiguration"]["status"] == "Enabled", name

        [rule] = r[LIFECYCLE].inputs["rules"]
        assert rule["status"] == "Enabled" and rule["filter"] == {"prefix": ""}, name
        assert (rule.get("expiration") or {}).get("days") == want["expiry"], name
        assert rule["noncurrentVersionExpiration"]["noncurrentDays"] == want["noncurrent"], name
        assert rule["abortIncompleteMultipartUpload"]["daysAfterInitiation"] == want["abort"], name

        # All six settings apply to this one bucket.
        assert len({r[part].inputs["bucket"] for part in (BLOCK, OWNERSHIP, ENCRYPTION, VERSIONING, LIFECYCLE, POLICY)}) == 1, name
        policy = r[POLICY]
        # S3 refuses a bucket policy while the public access block is being applied.
        assert r[BLOCK].urn in policy.dependencies, name
        deny = json.loads(policy.inputs["policy"])["Statement"][0]
        assert deny["Sid"] == "DenyInsecureTransport" and deny["Effect"] == "Deny" and deny["Principal"] == "*", name
        assert deny["Action"] == "s3:*" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}, name
        arn = f"arn:aws:s3:::{bucket.inputs['bucket']}"
        assert deny["Resource"] == [arn, f"{arn}/*"], name


@pytest.mark.parametrize("stack", ["staging", "production", "eks_apps"])
def test_every_bucket_but_the_access_log_bucket_logs_its_requests_there(request, stack):
    any_plan = request.getfixturevalue(f"{stack}_plan")
    logs = parts(any_plan, any_plan.one(COMPONENT, ACCESS_LOG_BUCKET))[BUCKET]
    assert re.fullmatch(rf"ohmycoins-{any_plan.stack}-s3-access-logs-\d{{12}}", logs.inputs["bucket"])
    logged = {}
    for entry in any_plan.all(LOGGING):
        assert entry.inputs["targetBucket"] == logs.inputs["bucket"], entry.name
        # One folder per source bucket, named after it.
        assert entry.inputs["targetPrefix"] == f"{entry.inputs['bucket']}/", entry.name
        assert "targetGrants" not in entry.inputs, "bucket-owner-enforced targets take no ACL grants"
        logged[entry.inputs["bucket"]] = entry
    buckets = {b.inputs["bucket"] for b in any_plan.all(BUCKET)}
    assert set(logged) == buckets - {logs.inputs["bucket"]}
    # Logging is switched on once the target's policy admits S3's log delivery.
    target_policy = parts(any_plan, any_plan.one(COMPONENT, ACCESS_LOG_BUCKET))[POLICY]
    assert all(target_policy.urn in entry.dependencies for entry in logged.values())


def test_only_this_stacks_buckets_may_deliver_access_logs(any_plan):
    r = parts(any_plan, any_plan.one(COMPONENT, ACCESS_LOG_BUCKET))
    arn = f"arn:aws:s3:::{r[BUCKET].inputs['bucket']}"
    account = r[BUCKET].inputs["bucket"].rsplit("-", 1)[1]
    deny, delivery = json.loads(r[POLICY].inputs["policy"])["Statement"]
    assert deny["Sid"] == "DenyInsecureTransport"
    assert delivery == {
        "Sid": "S3ServerAccessLogDelivery",
        "Effect": "Allow",
        "Principal": {"Service": "logging.s3.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": f"{arn}/ohmycoins-{any_plan.stack}-*/*",
        "Condition": {
            "StringEquals": {"aws:SourceAccount": account},
            "ArnLike": {"aws:SourceArn": f"arn:aws:s3:::ohmycoins-{any_plan.stack}-*"},
        },
    }


def test_access_logs_are_kept_as_long_as_each_stack_says(staging_plan, production_plan):
    for plan, days in ((staging_plan, 30), (production_plan, 365)):
        [rule] = parts(plan, plan.one(COMPONENT, ACCESS_LOG_BUCKET))[LIFECYCLE].inputs["rules"]
        assert rule["expiration"] == {"days": days}


def test_policy_puts_the_tls_only_deny_first_then_the_callers_statements():
    extra = {"Sid": "Reader", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:GetObject"}
    deny = {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::logs", "arn:aws:s3:::logs/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    document = bucket_policy("arn:aws:s3:::logs", [extra])
    assert document["Version"] == "2012-10-17"
    assert document["Statement"] == [deny, extra]
    assert bucket_policy("arn:aws:s3:::logs")["Statement"] == [deny]


@pytest.mark.parametrize(
    "stack, days, reason",
    [
        ("staging", 0, "Input should be greater than or equal to 1"),
        ("staging", 3651, "Input should be less than or equal to 3650"),
        ("production", 30, "production keeps S3 access logs at least 90 days"),
    ],
)
def test_access_log_expiry_is_checked(assert_refused, stack, days, reason):
    assert_refused(stack, set_setting("buckets", "accessLogExpiryDays", days), "ohmycoins:buckets.accessLogExpiryDays", reason)
