"""One resource set that violates each policy rule and one that satisfies it.

`FIXTURES[rule_id] = (environment, failing, passing)`; the test runs the rule on both.
"""

from __future__ import annotations

import json

from policy.rules import Resource
from policy.rules import types as t


def res(type_: str, name: str = "r", protect: bool = False, depends: tuple[str, ...] = (), **inputs) -> Resource:
    return Resource(
        type=type_, name=name, inputs=inputs, urn=f"urn:pulumi:test::ohmycoins::{type_}::{name}", protect=protect, dependencies=depends
    )


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:test::ohmycoins::{type_}::{name}"


BUCKET = t.BUCKETS[0]
BUCKET_URN = urn(BUCKET, "logs")
bucket = res(BUCKET, "logs", bucket="logs-bucket")
VPC_URN = urn(t.VPC, "vpc")
vpc = res(t.VPC, "vpc", cidrBlock="10.0.0.0/16")
ALB_SG_URN = urn(t.SECURITY_GROUP, "alb-sg")
alb_sg = res(t.SECURITY_GROUP, "alb-sg")
app_sg = res(t.SECURITY_GROUP, "app-sg")
alb = res(t.LOAD_BALANCERS[0], "alb", depends=(ALB_SG_URN,), loadBalancerType="application")
ACL_URN = urn(t.WEB_ACL, "waf")
acl = res(t.WEB_ACL, "waf", scope="REGIONAL")


def open_rule(port: int, group_urn: str, name: str = "in") -> Resource:
    return res(t.SG_INGRESS_RULE, name, depends=(group_urn,), cidrIpv4="0.0.0.0/0", fromPort=port, toPort=port, ipProtocol="tcp")


def policy_doc(*statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def github_trust(condition) -> str:
    return policy_doc(
        {
            "Effect": "Allow",
            "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": condition,
        }
    )


GH = "token.actions.githubusercontent.com"
RESTRICTED = {
    "allowPrivilegeEscalation": False,
    "runAsNonRoot": True,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}
GOOD_CONTAINER = {
    "name": "app",
    "image": "123456789012.dkr.ecr.ap-southeast-2.amazonaws.com/backend:1.4.2",
    "securityContext": RESTRICTED,
    "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}},
}


def deployment(name: str = "app", spec_extra: dict | None = None, **container) -> Resource:
    spec = {"containers": [{**GOOD_CONTAINER, **container}], **(spec_extra or {})}
    return res("kubernetes:apps/v1:Deployment", name, spec={"replicas": 2, "template": {"spec": spec}})


def cronjob(**container) -> Resource:
    spec = {"containers": [{**GOOD_CONTAINER, **container}]}
    return res("kubernetes:batch/v1:CronJob", "job", spec={"jobTemplate": {"spec": {"template": {"spec": spec}}}})


def task(**container) -> Resource:
    definition = {"name": "app", "image": GOOD_CONTAINER["image"], **container}
    return res(t.ECS_TASK_DEFINITION, "task", containerDefinitions=json.dumps([definition]))


PROD, STG = "production", "staging"
DB = t.RDS_INSTANCE
GOOD_DB = dict(
    engine="postgres",
    storageEncrypted=True,
    publiclyAccessible=False,
    multiAz=True,
    backupRetentionPeriod=30,
    deletionProtection=True,
    skipFinalSnapshot=False,
    finalSnapshotIdentifier="final",
    enabledCloudwatchLogsExports=["postgresql", "upgrade"],
)
GOOD_CACHE = dict(
    atRestEncryptionEnabled=True,
    transitEncryptionEnabled=True,
    automaticFailoverEnabled=True,
    multiAzEnabled=True,
    snapshotRetentionLimit=7,
)
GOOD_TRAIL = dict(
    isMultiRegionTrail=True,
    enableLogFileValidation=True,
    kmsKeyId="arn:key",
    cloudWatchLogsGroupArn="arn:lg:*",
    cloudWatchLogsRoleArn="arn:role",
)
GOOD_EKS = dict(
    encryptionConfig={"resources": ["secrets"], "provider": {"keyArn": "arn:key"}},
    vpcConfig={"endpointPublicAccess": False, "endpointPrivateAccess": True},
    enabledClusterLogTypes=["api", "audit", "authenticator", "controllerManager", "scheduler"],
)
PAB = dict(blockPublicAcls=True, blockPublicPolicy=True, ignorePublicAcls=True, restrictPublicBuckets=True)
TLS_POLICY = policy_doc(
    {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
)


def named_bucket(name: str) -> Resource:
    return res(BUCKET, name, bucket=f"{name}-bucket")


def bucket_logging(source: str, target: str) -> Resource:
    return res(
        t.BUCKET_LOGGING[0],
        f"{source}-logging",
        depends=(urn(BUCKET, source), urn(BUCKET, target)),
        bucket=f"{source}-bucket",
        targetBucket=f"{target}-bucket",
        targetPrefix=f"{source}-bucket/",
    )


def bucket_encryption(name: str, algorithm: str) -> Resource:
    return res(
        t.BUCKET_SSE[0],
        f"{name}-sse",
        depends=(urn(BUCKET, name),),
        bucket=f"{name}-bucket",
        rules=[{"applyServerSideEncryptionByDefault": {"sseAlgorithm": algorithm}}],
    )


BOUNDARY_ARN = "arn:aws:iam::123456789012:policy/ohmycoins-staging-permissions-boundary"


def without(values: dict, key: str, replacement=None) -> dict:
    changed = dict(values)
    if replacement is None:
        changed.pop(key, None)
    else:
        changed[key] = replacement
    return changed


FIXTURES: dict[str, tuple[str, list[Resource], list[Resource]]] = {
    # encryption at rest
    "rds-storage-encrypted": (STG, [res(DB, **without(GOOD_DB, "storageEncrypted", False))], [res(DB, **GOOD_DB)]),
    "elasticache-at-rest-encryption": (
        STG,
        [res(t.REPLICATION_GROUP, **without(GOOD_CACHE, "atRestEncryptionEnabled", False))],
        [res(t.REPLICATION_GROUP, **GOOD_CACHE)],
    ),
    "efs-encrypted": (STG, [res(t.EFS, encrypted=False)], [res(t.EFS, encrypted=True, kmsKeyId="arn:key")]),
    "s3-default-encryption": (
        STG,
        [bucket],
        [
            bucket,
            res(
                t.BUCKET_SSE[0],
                "sse",
                depends=(BUCKET_URN,),
                bucket="[unknown]",
                rules=[{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}}],
            ),
        ],
    ),
    "log-group-kms": (STG, [res(t.LOG_GROUP, retentionInDays=30)], [res(t.LOG_GROUP, retentionInDays=30, kmsKeyId="arn:key")]),
    "sns-topic-encrypted": (STG, [res(t.SNS_TOPIC, name="alerts")], [res(t.SNS_TOPIC, kmsMasterKeyId="arn:key")]),
    "eks-secrets-encryption": (
        STG,
        [res(t.EKS_CLUSTER, **without(GOOD_EKS, "encryptionConfig")), res(t.EKS_COMPONENT, "c")],
        [res(t.EKS_CLUSTER, **GOOD_EKS), res(t.EKS_COMPONENT, "c", encryptionConfigKeyArn="arn:key")],
    ),
    "ebs-volumes-encrypted": (
        STG,
        [res(t.LAUNCH_TEMPLATE, blockDeviceMappings=[{"deviceName": "/dev/xvda", "ebs": {"volumeSize": 20}}])],
        [res(t.LAUNCH_TEMPLATE, blockDeviceMappings=[{"deviceName": "/dev/xvda", "ebs": {"volumeSize": 20, "encrypted": "true"}}])],
    ),
    "kms-key-rotation": (STG, [res(t.KMS_KEY, enableKeyRotation=False)], [res(t.KMS_KEY, enableKeyRotation=True)]),
    "secrets-manager-cmk": (STG, [res(t.SECRET, name="s")], [res(t.SECRET, name="s", kmsKeyId="arn:key")]),
    # encryption in transit
    "elasticache-transit-encryption": (
        STG,
        [
            res(t.REPLICATION_GROUP, **without(GOOD_CACHE, "transitEncryptionEnabled", False)),
            res(t.REPLICATION_GROUP, "p", **GOOD_CACHE, transitEncryptionMode="preferred"),
        ],
        [res(t.REPLICATION_GROUP, **GOOD_CACHE, transitEncryptionMode="required")],
    ),
    "rds-force-ssl": (
        STG,
        [
            res(t.RDS_PARAMETER_GROUP, family="postgres17", parameters=[{"name": "rds.force_ssl", "value": "0"}]),
            res(t.RDS_PARAMETER_GROUP, "old", family="postgres14"),
        ],
        [
            res(t.RDS_PARAMETER_GROUP, family="postgres17", parameters=[{"name": "log_connections", "value": "1"}]),
            res(t.RDS_PARAMETER_GROUP, "old", family="postgres14", parameters=[{"name": "rds.force_ssl", "value": "1"}]),
        ],
    ),
    "alb-https-modern-tls": (
        STG,
        [res(t.LISTENERS[0], protocol="HTTPS", port=443, sslPolicy="ELBSecurityPolicy-2016-08")],
        [res(t.LISTENERS[0], protocol="HTTPS", port=443, sslPolicy="ELBSecurityPolicy-TLS13-1-2-2021-06")],
    ),
    "alb-http-redirects-only": (
        STG,
        [res(t.LISTENERS[0], protocol="HTTP", port=80, defaultActions=[{"type": "forward", "targetGroupArn": "arn:tg"}])],
        [
            res(
                t.LISTENERS[0],
                protocol="HTTP",
                port=80,
                defaultActions=[{"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}],
            )
        ],
    ),
    "alb-drops-invalid-headers": (
        STG,
        [res(t.LOAD_BALANCERS[0], loadBalancerType="application")],
        [res(t.LOAD_BALANCERS[0], loadBalancerType="application", dropInvalidHeaderFields=True)],
    ),
    "s3-tls-only": (
        STG,
        [bucket],
        # A bucket policy resource, or the policy given inline on the bucket.
        [bucket, res(t.BUCKET_POLICY[0], "bp", depends=(BUCKET_URN,), policy=TLS_POLICY), res(BUCKET, "inline", policy=TLS_POLICY)],
    ),
    # public exposure
    "rds-not-public": (STG, [res(DB, **without(GOOD_DB, "publiclyAccessible", True))], [res(DB, **GOOD_DB)]),
    "sg-no-open-ingress": (
        STG,
        [
            alb_sg,
            alb,
            open_rule(22, ALB_SG_URN, "ssh"),
            app_sg,
            open_rule(443, urn(t.SECURITY_GROUP, "app-sg"), "app-https"),
            res(t.SECURITY_GROUP, "inline", ingress=[{"protocol": "tcp", "fromPort": 5432, "toPort": 5432, "ipv6CidrBlocks": ["::/0"]}]),
        ],
        [
            alb_sg,
            alb,
            open_rule(443, ALB_SG_URN, "https"),
            open_rule(80, ALB_SG_URN, "http"),
            app_sg,
            res(t.SG_INGRESS_RULE, "from-alb", depends=(ALB_SG_URN,), referencedSecurityGroupId="sg-alb", fromPort=8000, toPort=8000),
        ],
    ),
    "s3-public-access-block": (
        STG,
        [bucket, res(t.BUCKET_PAB[0], "pab", depends=(BUCKET_URN,), **without(PAB, "restrictPublicBuckets", False))],
        [bucket, res(t.BUCKET_PAB[0], "pab", depends=(BUCKET_URN,), **PAB)],
    ),
    "eks-endpoint-restricted": (
        STG,
        [
            res(t.EKS_CLUSTER, vpcConfig={"endpointPublicAccess": True}),
            res(t.EKS_COMPONENT, "c", endpointPublicAccess=True, publicAccessCidrs=["0.0.0.0/0"]),
        ],
        [res(t.EKS_CLUSTER, **GOOD_EKS), res(t.EKS_COMPONENT, "c", endpointPublicAccess=True, publicAccessCidrs=["198.51.100.0/24"])],
    ),
    "subnet-no-auto-public-ip": (STG, [res(t.SUBNET, mapPublicIpOnLaunch=True)], [res(t.SUBNET, mapPublicIpOnLaunch=False)]),
    "default-sg-closed": (
        STG,
        [
            vpc,
            res(
                t.DEFAULT_SG,
                "default",
                depends=(VPC_URN,),
                ingress=[{"protocol": "-1", "self": True, "fromPort": 0, "toPort": 0}],
                egress=[],
            ),
        ],
        [vpc, res(t.DEFAULT_SG, "default", depends=(VPC_URN,), ingress=[], egress=[])],
    ),
    "ecs-no-public-ip": (
        STG,
        [res(t.ECS_SERVICE, networkConfiguration={"assignPublicIp": True})],
        [res(t.ECS_SERVICE, networkConfiguration={"assignPublicIp": False})],
    ),
    # resilience and recovery
    "rds-multi-az": (PROD, [res(DB, protect=True, **without(GOOD_DB, "multiAz", False))], [res(DB, protect=True, **GOOD_DB)]),
    "rds-backup-retention": (
        PROD,
        [res(DB, protect=True, **without(GOOD_DB, "backupRetentionPeriod", 7))],
        [res(DB, protect=True, **GOOD_DB)],
    ),
    "rds-deletion-protection": (
        PROD,
        [res(DB, protect=True, **without(GOOD_DB, "deletionProtection", False))],
        [res(DB, protect=True, **GOOD_DB)],
    ),
    "rds-final-snapshot": (
        PROD,
        [res(DB, protect=True, **without(GOOD_DB, "skipFinalSnapshot", True))],
        [res(DB, protect=True, **GOOD_DB)],
    ),
    "elasticache-automatic-failover": (
        PROD,
        [res(t.REPLICATION_GROUP, protect=True, **without(GOOD_CACHE, "automaticFailoverEnabled", False))],
        [res(t.REPLICATION_GROUP, protect=True, **GOOD_CACHE)],
    ),
    "elasticache-backups": (
        PROD,
        [res(t.REPLICATION_GROUP, protect=True, **without(GOOD_CACHE, "snapshotRetentionLimit", 0))],
        [res(t.REPLICATION_GROUP, protect=True, **GOOD_CACHE)],
    ),
    "stateful-protected": (
        PROD,
        [res(DB, **GOOD_DB), res(t.KMS_KEY, enableKeyRotation=True)],
        # A cache whose protection a pause-allowing production lifted (and tagged) is accepted.
        [res(DB, protect=True, **GOOD_DB), res(t.KMS_KEY, protect=True), res(t.REPLICATION_GROUP, "cache", tags={"PauseAllowed": "true"})],
    ),
    "alb-deletion-protection": (
        PROD,
        [res(t.LOAD_BALANCERS[0], loadBalancerType="application", dropInvalidHeaderFields=True, accessLogs={"enabled": True})],
        [
            res(t.LOAD_BALANCERS[0], loadBalancerType="application", enableDeletionProtection=True),
            res(t.LOAD_BALANCERS[0], "pausable", loadBalancerType="application", tags={"PauseAllowed": "true"}),
        ],
    ),
    "s3-versioning": (
        STG,
        [bucket, res(t.BUCKET_VERSIONING[0], "v", depends=(BUCKET_URN,), versioningConfiguration={"status": "Suspended"})],
        [bucket, res(t.BUCKET_VERSIONING[0], "v", depends=(BUCKET_URN,), versioningConfiguration={"status": "Enabled"})],
    ),
    # logging
    "vpc-flow-logs": (STG, [vpc], [vpc, res(t.FLOW_LOG, "fl", depends=(VPC_URN,), trafficType="ALL")]),
    "alb-access-logs": (
        PROD,
        [res(t.LOAD_BALANCERS[0], loadBalancerType="application", accessLogs={"enabled": False, "bucket": "b"})],
        [res(t.LOAD_BALANCERS[0], loadBalancerType="application", accessLogs={"enabled": True, "bucket": "b"})],
    ),
    "cloudtrail-multi-region": (STG, [res(t.TRAIL, **without(GOOD_TRAIL, "isMultiRegionTrail", False))], [res(t.TRAIL, **GOOD_TRAIL)]),
    "cloudtrail-log-validation": (STG, [res(t.TRAIL, **without(GOOD_TRAIL, "enableLogFileValidation"))], [res(t.TRAIL, **GOOD_TRAIL)]),
    "cloudtrail-encrypted": (STG, [res(t.TRAIL, **without(GOOD_TRAIL, "kmsKeyId"))], [res(t.TRAIL, **GOOD_TRAIL)]),
    "cloudtrail-cloudwatch-logs": (STG, [res(t.TRAIL, **without(GOOD_TRAIL, "cloudWatchLogsRoleArn"))], [res(t.TRAIL, **GOOD_TRAIL)]),
    "eks-control-plane-logs": (
        STG,
        [res(t.EKS_CLUSTER, **without(GOOD_EKS, "enabledClusterLogTypes", ["api", "audit"])), res(t.EKS_COMPONENT, "c")],
        [res(t.EKS_CLUSTER, **GOOD_EKS), res(t.EKS_COMPONENT, "c", enabledClusterLogTypes=GOOD_EKS["enabledClusterLogTypes"])],
    ),
    "waf-logging": (STG, [acl], [acl, res(t.WEB_ACL_LOGGING, "waf-logs", depends=(ACL_URN,), resourceArn="[unknown]")]),
    "log-group-retention": (STG, [res(t.LOG_GROUP, kmsKeyId="arn:key")], [res(t.LOG_GROUP, kmsKeyId="arn:key", retentionInDays=90)]),
    "guardduty-enabled": (STG, [res(t.GUARDDUTY_DETECTOR, enable=False)], [res(t.GUARDDUTY_DETECTOR, enable=True)]),
    "config-records-everything": (
        STG,
        [res(t.CONFIG_RECORDER, recordingGroup={"allSupported": True, "includeGlobalResourceTypes": False})],
        [res(t.CONFIG_RECORDER, recordingGroup={"allSupported": True, "includeGlobalResourceTypes": True})],
    ),
    "s3-access-logging": (
        STG,
        [
            # Nothing records who reads the data bucket.
            named_bucket("data"),
            # A bucket that logs into itself.
            named_bucket("self"),
            bucket_logging("self", "self"),
            # A log destination encrypted with KMS, which S3 log delivery does not support.
            named_bucket("app"),
            named_bucket("kms-logs"),
            bucket_logging("app", "kms-logs"),
            bucket_encryption("kms-logs", "aws:kms"),
        ],
        [
            named_bucket("app"),
            named_bucket("access-logs"),
            bucket_logging("app", "access-logs"),
            bucket_encryption("app", "aws:kms"),
            bucket_encryption("access-logs", "AES256"),
        ],
    ),
    "rds-log-exports": (STG, [res(DB, **without(GOOD_DB, "enabledCloudwatchLogsExports"))], [res(DB, **GOOD_DB)]),
    # iam
    "iam-no-star-on-star": (
        STG,
        [
            res("aws:iam/rolePolicy:RolePolicy", policy=policy_doc({"Effect": "Allow", "Action": "*", "Resource": "*"})),
            # Managed, user and group policies carry documents too.
            *(
                res(type_, type_.rsplit(":", 1)[1], policy=policy_doc({"Effect": "Allow", "Action": "*:*", "Resource": "*"}))
                for type_ in ("aws:iam/policy:Policy", "aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy")
            ),
            res(
                t.IAM_ROLE,
                "inline",
                inlinePolicies=[{"name": "admin", "policy": policy_doc({"Effect": "Allow", "Action": ["*"], "Resource": ["*"]})}],
            ),
        ],
        [
            res(
                "aws:iam/rolePolicy:RolePolicy",
                policy=policy_doc(
                    {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
                    {"Effect": "Deny", "Action": "*", "Resource": "*"},
                ),
            )
        ],
    ),
    "iam-no-admin-attachment": (
        STG,
        [
            res(t.IAM_ATTACHMENTS[0], role="ci", policyArn="arn:aws:iam::aws:policy/AdministratorAccess"),
            res(t.IAM_ROLE, "legacy", managedPolicyArns=["arn:aws:iam::aws:policy/IAMFullAccess"]),
        ],
        [res(t.IAM_ATTACHMENTS[0], role="ci", policyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")],
    ),
    "iam-no-user-policies": (
        STG,
        [res(t.IAM_USER_POLICIES[0], user="bob", policy="{}")],
        [res(t.IAM_ATTACHMENTS[0], role="ci", policyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")],
    ),
    "github-oidc-trust-pinned": (
        STG,
        [
            # The original's trust: any branch, any workflow of the repository.
            res(
                t.IAM_ROLE,
                "original",
                assumeRolePolicy=github_trust(
                    {"StringEquals": {f"{GH}:aud": "sts.amazonaws.com"}, "StringLike": {f"{GH}:sub": "repo:MarkLimmage/ohmycoins:*"}}
                ),
            ),
            res(
                t.IAM_ROLE,
                "no-aud",
                assumeRolePolicy=github_trust({"StringEquals": {f"{GH}:sub": "repo:MarkLimmage/ohmycoins:pull_request"}}),
            ),
            res(
                t.IAM_ROLE,
                "wildcard",
                assumeRolePolicy=github_trust(
                    {"StringEquals": {f"{GH}:aud": "sts.amazonaws.com", f"{GH}:sub": "repo:MarkLimmage/*:ref:refs/heads/main"}}
                ),
            ),
        ],
        [
            res(
                t.IAM_ROLE,
                "pinned",
                assumeRolePolicy=github_trust(
                    {"StringEquals": {f"{GH}:aud": "sts.amazonaws.com", f"{GH}:sub": "repo:MarkLimmage/ohmycoins:environment:production"}}
                ),
            )
        ],
    ),
    "iam-role-permissions-boundary": (
        STG,
        [res(t.IAM_ROLE, "unbounded", assumeRolePolicy="{}")],
        [
            res(t.IAM_ROLE, "bounded", assumeRolePolicy="{}", permissionsBoundary=BOUNDARY_ARN),
            # A first preview: the boundary policy is created in the same run.
            res(t.IAM_ROLE, "first-preview", assumeRolePolicy="{}", permissionsBoundary="[unknown]"),
        ],
    ),
    # kubernetes pods
    "pod-security-restricted": (
        STG,
        [
            deployment(securityContext={"runAsNonRoot": True}),
            cronjob(securityContext={**RESTRICTED, "capabilities": {"drop": ["ALL"], "add": ["SYS_ADMIN"]}}),
        ],
        [deployment(), cronjob()],
    ),
    "pod-no-privileged": (
        STG,
        [
            deployment(securityContext={**RESTRICTED, "privileged": True}),
            # `kubectl debug` adds ephemeral containers to a running pod's spec.
            deployment(
                "debugged",
                spec_extra={
                    "ephemeralContainers": [{**GOOD_CONTAINER, "name": "debug", "securityContext": {**RESTRICTED, "privileged": True}}]
                },
            ),
        ],
        [deployment()],
    ),
    "pod-no-host-namespaces": (
        STG,
        [deployment(spec_extra={"hostNetwork": True}), deployment("b", spec_extra={"hostPID": True})],
        [deployment()],
    ),
    "pod-resource-limits": (STG, [deployment(resources={"requests": {"cpu": "100m"}})], [deployment()]),
    "pod-no-hostpath": (
        STG,
        [deployment(spec_extra={"volumes": [{"name": "logs", "hostPath": {"path": "/var/log"}}]})],
        [deployment(spec_extra={"volumes": [{"name": "tmp", "emptyDir": {}}]})],
    ),
    "image-tag-pinned": (
        PROD,
        [
            deployment(image="123456789012.dkr.ecr.ap-southeast-2.amazonaws.com/backend:latest"),
            cronjob(image="ghcr.io/marklimmage/ohmycoins-backend"),
            task(image="backend:latest"),
        ],
        [deployment(), cronjob(image="123456789012.dkr.ecr.ap-southeast-2.amazonaws.com/backend@sha256:" + "a" * 64), task()],
    ),
    "image-digest-pinned": (
        PROD,
        [
            deployment(),
            cronjob(image="123456789012.dkr.ecr.ap-southeast-2.amazonaws.com/backend:1.4.2@sha256:" + "A" * 64),
            task(image="123456789012.dkr.ecr.ap-southeast-2.amazonaws.com/backend@sha256:abc"),
        ],
        [
            deployment(image="123456789012.dkr.ecr.ap-southeast-2.amazonaws.com/backend@sha256:" + "0a" * 32),
            cronjob(image="ghcr.io/marklimmage/backend:1.4.2@sha256:" + "b" * 64),
            task(image="123456789012.dkr.ecr.ap-southeast-2.amazonaws.com/backend@sha256:" + "c" * 64),
        ],
    ),
    "ecs-no-privileged": (STG, [task(privileged=True)], [task(privileged=False)]),
    "read-only-root-filesystem": (
        STG,
        [
            task(readonlyRootFilesystem=False),
            res(t.ECS_TASK_DEFINITION, "unset", containerDefinitions=json.dumps([{"name": "app", "image": GOOD_CONTAINER["image"]}])),
            deployment(securityContext={**RESTRICTED, "readOnlyRootFilesystem": False}),
            cronjob(securityContext=RESTRICTED),
        ],
        [
            task(readonlyRootFilesystem=True, mountPoints=[{"sourceVolume": "scratch-0", "containerPath": "/tmp", "readOnly": False}]),
            deployment(securityContext={**RESTRICTED, "readOnlyRootFilesystem": True}),
            cronjob(securityContext={**RESTRICTED, "readOnlyRootFilesystem": True}),
        ],
    ),
}
