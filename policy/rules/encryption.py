"""Encryption at rest."""

from __future__ import annotations

from .base import as_list, is_true, is_unknown, of_type, refers_to, resource_rule, stack_rule
from .types import (
    BUCKET_SSE,
    BUCKETS,
    EFS,
    EKS_CLUSTER,
    EKS_COMPONENT,
    KMS_KEY,
    LAUNCH_TEMPLATE,
    LOG_GROUP,
    RDS_CLUSTER,
    RDS_INSTANCE,
    REPLICATION_GROUP,
    SECRET,
    SNS_TOPIC,
)

CATEGORY = "encryption at rest"


@resource_rule("rds-storage-encrypted", "RDS storage is encrypted", "AWS FSBP RDS.3", CATEGORY, "mandatory", [RDS_INSTANCE, RDS_CLUSTER])
def rds_storage_encrypted(r, ctx):
    if r.type == RDS_INSTANCE and r.get("replicateSourceDb"):
        return
    if not is_true(r.get("storageEncrypted")):
        yield "storageEncrypted must be true"


@resource_rule(
    "elasticache-at-rest-encryption",
    "ElastiCache encrypts data at rest",
    "AWS FSBP ElastiCache.4",
    CATEGORY,
    "mandatory",
    [REPLICATION_GROUP],
)
def elasticache_at_rest(r, ctx):
    if not is_true(r.get("atRestEncryptionEnabled")):
        yield "atRestEncryptionEnabled must be true"


@resource_rule("efs-encrypted", "EFS file systems are encrypted", "AWS FSBP EFS.1", CATEGORY, "mandatory", [EFS])
def efs_encrypted(r, ctx):
    if not is_true(r.get("encrypted")):
        yield "encrypted must be true"


@stack_rule(
    "s3-default-encryption",
    "Every S3 bucket has default server-side encryption",
    "CIS AWS v1.4 2.1.1 (was AWS FSBP S3.4)",
    CATEGORY,
    "mandatory",
)
def s3_default_encryption(resources, ctx):
    configs = of_type(resources, *BUCKET_SSE)
    for bucket in of_type(resources, *BUCKETS):
        if bucket.get("serverSideEncryptionConfiguration"):
            continue
        if not any(refers_to(c, bucket, "bucket") for c in configs):
            yield bucket, "no BucketServerSideEncryptionConfiguration for this bucket"


@resource_rule(
    "log-group-kms",
    "CloudWatch log groups use a customer KMS key",
    "AWS Config cloudwatch-log-group-encrypted",
    CATEGORY,
    "advisory",
    [LOG_GROUP],
)
def log_group_kms(r, ctx):
    if is_unknown(r.get("kmsKeyId")) and "kmsKeyId" not in r.inputs:
        yield "kmsKeyId is not set (log events use the service key)"


@resource_rule("sns-topic-encrypted", "SNS topics are encrypted with KMS", "AWS FSBP SNS.1", CATEGORY, "mandatory", [SNS_TOPIC])
def sns_encrypted(r, ctx):
    if "kmsMasterKeyId" not in r.inputs:
        yield "kmsMasterKeyId must be set"


@resource_rule(
    "eks-secrets-encryption",
    "EKS encrypts Kubernetes secrets with KMS",
    "AWS FSBP EKS.3",
    CATEGORY,
    "mandatory",
    [EKS_CLUSTER, EKS_COMPONENT],
)
def eks_secrets_encryption(r, ctx):
    if r.type == EKS_COMPONENT:
        if "encryptionConfigKeyArn" not in r.inputs:
            yield "encryptionConfigKeyArn must be set"
        return
    if "secrets" not in as_list(r.get("encryptionConfig", "resources")):
        yield "encryptionConfig must cover resources ['secrets']"


@resource_rule(
    "ebs-volumes-encrypted",
    "Launch templates encrypt their EBS volumes",
    "AWS FSBP EC2.7 / CIS AWS v1.4 2.2.1",
    CATEGORY,
    "mandatory",
    [LAUNCH_TEMPLATE],
)
def ebs_encrypted(r, ctx):
    for index, mapping in enumerate(as_list(r.get("blockDeviceMappings"))):
        ebs = mapping.get("ebs") if isinstance(mapping, dict) else None
        if ebs is not None and not is_true(ebs.get("encrypted")):
            yield f"blockDeviceMappings[{index}].ebs.encrypted must be true"


@resource_rule(
    "kms-key-rotation", "Symmetric KMS keys rotate yearly", "AWS FSBP KMS.4 / CIS AWS v1.4 3.8", CATEGORY, "mandatory", [KMS_KEY]
)
def kms_rotation(r, ctx):
    if (
        r.get("customerMasterKeySpec", default="SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT"
        and r.get("keySpec", default="SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT"
    ):
        if not is_true(r.get("enableKeyRotation")):
            yield "enableKeyRotation must be true"


@resource_rule(
    "secrets-manager-cmk",
    "Secrets Manager secrets use a customer KMS key",
    "AWS Config secretsmanager-using-cmk",
    CATEGORY,
    "advisory",
    [SECRET],
)
def secret_cmk(r, ctx):
    if "kmsKeyId" not in r.inputs:
        yield "kmsKeyId is not set (the secret uses aws/secretsmanager)"
