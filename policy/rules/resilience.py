"""Resilience and recovery; most rules apply to production only."""

from __future__ import annotations

from .base import is_false, is_true, of_type, refers_to, resource_rule, stack_rule
from .types import (
    BUCKET_VERSIONING,
    BUCKETS,
    DYNAMODB_TABLE,
    EFS,
    KMS_KEY,
    LOAD_BALANCERS,
    RDS_CLUSTER,
    RDS_INSTANCE,
    REPLICATION_GROUP,
)

CATEGORY = "resilience and recovery"

# A stack that allows pausing production (ohmycoins:general.allowProductionPause) lifts the
# protection of exactly what a pause deletes after snapshotting it, and tags it so
# (components/shared/pause.py PAUSE_ALLOWED_TAG; the pack imports nothing from the program).
PAUSE_ALLOWED_TAG = "PauseAllowed"


def pause_allowed(r) -> bool:
    return r.get("tags", PAUSE_ALLOWED_TAG) == "true"


PRODUCTION_BACKUP_DAYS = 30
STATEFUL = (RDS_INSTANCE, RDS_CLUSTER, REPLICATION_GROUP, EFS, KMS_KEY, DYNAMODB_TABLE, *BUCKETS)


@resource_rule(
    "rds-multi-az", "Production databases are Multi-AZ", "AWS FSBP RDS.5", CATEGORY, "mandatory", [RDS_INSTANCE], production_only=True
)
def rds_multi_az(r, ctx):
    if not is_true(r.get("multiAz")):
        yield "multiAz must be true in production"


@resource_rule(
    "rds-backup-retention",
    "Automated backups: 30 days in production, on everywhere",
    "AWS FSBP RDS.11",
    CATEGORY,
    "mandatory",
    [RDS_INSTANCE, RDS_CLUSTER],
)
def rds_backups(r, ctx):
    if r.type == RDS_INSTANCE and r.get("replicateSourceDb"):
        return
    days = r.get("backupRetentionPeriod", default=0)
    minimum = PRODUCTION_BACKUP_DAYS if ctx.is_production else 1
    if not isinstance(days, int) or days < minimum:
        yield f"backupRetentionPeriod is {days}; {ctx.environment} needs at least {minimum}"


@resource_rule(
    "rds-deletion-protection",
    "Production databases have deletion protection",
    "AWS FSBP RDS.8",
    CATEGORY,
    "mandatory",
    [RDS_INSTANCE, RDS_CLUSTER],
    production_only=True,
)
def rds_deletion_protection(r, ctx):
    if not is_true(r.get("deletionProtection")):
        yield "deletionProtection must be true in production"


@resource_rule(
    "rds-final-snapshot",
    "Production databases take a final snapshot",
    "AWS Well-Architected REL09-BP01 (no FSBP control)",
    CATEGORY,
    "mandatory",
    [RDS_INSTANCE, RDS_CLUSTER],
    production_only=True,
)
def rds_final_snapshot(r, ctx):
    if r.type == RDS_INSTANCE and r.get("replicateSourceDb"):
        return
    if not is_false(r.get("skipFinalSnapshot", default=False)) or not r.get("finalSnapshotIdentifier"):
        yield "skipFinalSnapshot must be false with a finalSnapshotIdentifier in production"


@resource_rule(
    "elasticache-automatic-failover",
    "Production Redis fails over automatically across AZs",
    "AWS FSBP ElastiCache.3",
    CATEGORY,
    "mandatory",
    [REPLICATION_GROUP],
    production_only=True,
)
def cache_failover(r, ctx):
    if not is_true(r.get("automaticFailoverEnabled")) or not is_true(r.get("multiAzEnabled")):
        yield "automaticFailoverEnabled and multiAzEnabled must be true in production"


@resource_rule(
    "elasticache-backups",
    "Production Redis keeps automatic snapshots",
    "AWS FSBP ElastiCache.1",
    CATEGORY,
    "mandatory",
    [REPLICATION_GROUP],
    production_only=True,
)
def cache_backups(r, ctx):
    if not isinstance(r.get("snapshotRetentionLimit"), int) or r.get("snapshotRetentionLimit") < 1:
        yield "snapshotRetentionLimit must be at least 1 in production"


@resource_rule(
    "stateful-protected",
    "Production stateful resources carry `protect`",
    "Project convention; AWS Well-Architected REL09 (no FSBP control)",
    CATEGORY,
    "mandatory",
    STATEFUL,
    production_only=True,
)
def stateful_protected(r, ctx):
    if not r.protect and not pause_allowed(r):
        yield "stateful resource without protect=True; `pulumi destroy` or a replacement would delete its data"


@resource_rule(
    "alb-deletion-protection",
    "The production ALB has deletion protection",
    "AWS FSBP ELB.6",
    CATEGORY,
    "mandatory",
    LOAD_BALANCERS,
    production_only=True,
)
def alb_deletion_protection(r, ctx):
    if not is_true(r.get("enableDeletionProtection")) and not pause_allowed(r):
        yield "enableDeletionProtection must be true in production"


@stack_rule("s3-versioning", "S3 buckets keep object versions", "AWS FSBP S3.14", CATEGORY, "advisory")
def s3_versioning(resources, ctx):
    configs = of_type(resources, *BUCKET_VERSIONING)
    for bucket in of_type(resources, *BUCKETS):
        own = [c for c in configs if refers_to(c, bucket, "bucket")]
        if not any((c.get("versioningConfiguration") or {}).get("status") == "Enabled" for c in own):
            yield bucket, "versioning is not enabled"
