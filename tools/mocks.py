"""Mocks that answer like AWS: realistic ids, ARNs, names and endpoints, and the invokes the program calls.

Outputs are derived from the resource's URN, so every run of a stack gets the same values.
Add a type's special outputs to OUTPUTS when the program starts reading them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs, Mocks

from .mocks_data import OUTPUTS as DATA_OUTPUTS
from .mocks_recovery import ID_FORMAT as RECOVERY_ID_FORMAT
from .mocks_recovery import OUTPUTS as RECOVERY_OUTPUTS
from .mocks_workloads import ID_PREFIX as WORKLOAD_ID_PREFIX
from .mocks_workloads import INVOKES as WORKLOAD_INVOKES
from .mocks_workloads import OUTPUTS as WORKLOAD_OUTPUTS
from .remote_mocks import REMOTE_COMPONENTS, RemoteContext

ACCOUNT_ID = "123456789012"  # AWS's documentation account: never a real one

# AWS id prefixes of the types whose ids people recognise.
ID_PREFIX = {
    "aws:ec2/vpc:Vpc": "vpc",
    "aws:ec2/subnet:Subnet": "subnet",
    "aws:ec2/internetGateway:InternetGateway": "igw",
    "aws:ec2/natGateway:NatGateway": "nat",
    "aws:ec2/eip:Eip": "eipalloc",
    "aws:ec2/routeTable:RouteTable": "rtb",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "rtbassoc",
    "aws:ec2/route:Route": "r",
    "aws:ec2/securityGroup:SecurityGroup": "sg",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "sg",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce",
    "aws:ec2/flowLog:FlowLog": "fl",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "sgr",
    "aws:ec2/launchTemplate:LaunchTemplate": "lt",
    "aws:ec2/networkInterface:NetworkInterface": "eni",
    "aws:ec2/instance:Instance": "i",
    "aws:efs/fileSystem:FileSystem": "fs",
    "aws:efs/accessPoint:AccessPoint": "fsap",
    "aws:efs/mountTarget:MountTarget": "fsmt",
    "aws:kms/key:Key": "",
}


@dataclass(frozen=True)
class MockContext:
    """What an output calculator knows about the resource being created."""

    type: str
    name: str
    inputs: dict[str, Any]
    id: str
    physical_name: str
    region: str
    account: str = ACCOUNT_ID

    def arn(self, service: str, resource: str, region: bool = True) -> str:
        return f"arn:aws:{service}:{self.region if region else ''}:{self.account}:{resource}"


def _digest(text: str, length: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def _generic_arn(ctx: MockContext) -> str:
    """arn:aws:<module>:<region>:<account>:<type>/<name> for types without a special form."""
    module = ctx.type.split(":")[1].split("/")[0]
    kind = ctx.type.split(":")[-1]
    kind = kind[0].lower() + kind[1:]
    return ctx.arn(module, f"{kind}/{ctx.physical_name}")


def _eks_node_group(c: MockContext) -> dict[str, Any]:
    name = c.inputs.get("nodeGroupNamePrefix", "") + _digest(c.name, 20)
    return {
        "nodeGroupName": name,
        "arn": c.arn("eks", f"nodegroup/{c.inputs.get('clusterName')}/{name}/{_digest(c.name, 8)}"),
        "resources": [{"autoscalingGroups": [{"name": f"eks-{name}-{_digest(c.name, 8)}"}]}],
        "status": "ACTIVE",
    }


OUTPUTS: dict[str, Callable[[MockContext], dict[str, Any]]] = {
    "aws:iam/role:Role": lambda c: {
        "arn": c.arn("iam", f"role/{c.physical_name}", region=False),
        "uniqueId": "AROA" + _digest(c.name, 16).upper(),
    },
    "aws:iam/policy:Policy": lambda c: {"arn": c.arn("iam", f"policy/{c.physical_name}", region=False)},
    "aws:cloudwatch/logGroup:LogGroup": lambda c: {"arn": c.arn("logs", f"log-group:{c.physical_name}")},
    "aws:ec2/eip:Eip": lambda c: {"publicIp": f"203.0.113.{int(_digest(c.name, 2), 16) % 254 + 1}", "allocationId": c.id},
    "aws:ec2/vpc:Vpc": lambda c: {
        "arn": c.arn("ec2", f"vpc/{c.id}"),
        "defaultSecurityGroupId": "sg-" + _digest(c.name + "default", 17),
        "mainRouteTableId": "rtb-" + _digest(c.name + "main", 17),
    },
    "aws:ec2/subnet:Subnet": lambda c: {"arn": c.arn("ec2", f"subnet/{c.id}")},
    "aws:ec2/securityGroup:SecurityGroup": lambda c: {"arn": c.arn("ec2", f"security-group/{c.id}")},
    "aws:kms/key:Key": lambda c: {"arn": c.arn("kms", f"key/{c.id}"), "keyId": c.id},
    "aws:ec2/launchTemplate:LaunchTemplate": lambda c: {"latestVersion": 1, "defaultVersion": 1},
    # EKS names a managed node group's Auto Scaling group `eks-<nodegroup>-<uuid>`.
    "aws:eks/nodeGroup:NodeGroup": lambda c: _eks_node_group(c),
    "aws:eks/addon:Addon": lambda c: {
        "arn": c.arn("eks", f"addon/{c.inputs.get('clusterName')}/{c.inputs.get('addonName')}/{_digest(c.name, 8)}")
    },
    "aws:sns/topic:Topic": lambda c: {"arn": c.arn("sns", c.physical_name)},
    # An S3 bucket's id is its name; the name input is `bucket`.
    "aws:s3/bucket:Bucket": lambda c: {
        "arn": f"arn:aws:s3:::{c.inputs.get('bucket', c.physical_name)}",
        "bucket": c.inputs.get("bucket", c.physical_name),
    },
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": lambda c: {
        "arn": c.arn("iam", f"oidc-provider/{c.inputs['url'].removeprefix('https://')}", region=False)
    },
    "aws:guardduty/detector:Detector": lambda c: {"accountId": c.account},
}


class AwsMocks(Mocks):
    def __init__(self, region: str):
        self.region = region
        # URN -> (id, state) of resources inside remote components, for `pulumi:pulumi:getResource`.
        self.nested_resources: dict[str, tuple[str, dict[str, Any]]] = {}
        # Provider id -> its region: resources of a second-region provider get that region's ARNs.
        self.provider_regions: dict[str, str] = {}

    def new_resource(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        if args.typ.startswith("pulumi:providers:"):
            if isinstance(args.inputs.get("region"), str):
                self.provider_regions[f"{args.name}-provider"] = args.inputs["region"]
            return f"{args.name}-provider", {}
        if not args.custom:
            remote = REMOTE_COMPONENTS.get(args.typ)
            return remote(RemoteContext(self.region, ACCOUNT_ID, self.nested_resources), args) if remote else ("", {})
        digest = _digest(f"{args.typ}::{args.name}", 17)
        prefix = ID_PREFIX.get(args.typ)
        if args.resource_id:
            # An imported resource keeps the id it is imported by, as it does in AWS.
            resource_id = args.resource_id
        elif args.typ in RECOVERY_ID_FORMAT:
            resource_id = RECOVERY_ID_FORMAT[args.typ](args.name)
        elif prefix is None:
            resource_id = f"{args.name}-{digest[:7]}"
        elif prefix == "":
            # KMS keys and similar have UUID ids.
            resource_id = f"{digest[:8]}-{digest[8:12]}-4{digest[12:15]}-8{digest[15:17]}0-{_digest(args.name, 12)}"
        else:
            resource_id = f"{prefix}-{digest}"
        # Pulumi auto-names a resource `<logical>-<7 hex>` unless the program gives a name.
        physical = args.inputs.get("name") if isinstance(args.inputs.get("name"), str) else f"{args.name}-{digest[:7]}"
        region = self.provider_regions.get((args.provider or "").rsplit("::", 1)[-1], self.region)
        ctx = MockContext(type=args.typ, name=args.name, inputs=args.inputs, id=resource_id, physical_name=physical, region=region)
        state = {**args.inputs, "id": resource_id, "name": physical, "arn": _generic_arn(ctx)}
        special = OUTPUTS.get(args.typ)
        if special is not None:
            state.update(special(ctx))
        if resource_id.startswith("arn:"):
            # Imported by ARN (load balancers, listeners, secrets): that ARN is the resource's.
            state["arn"] = resource_id
            if "arnSuffix" in state:
                # ELB's suffix: the resource part, without `loadbalancer/` for load balancers.
                state["arnSuffix"] = resource_id.split(":", 5)[5].removeprefix("loadbalancer/")
        return resource_id, state

    def call(self, args: MockCallArgs) -> dict[str, Any]:
        answer = INVOKES.get(args.token)
        if answer is None:
            raise NotImplementedError(f"the offline engine has no mock for the invoke {args.token}; add it to tools/mocks.py")
        return answer(self, args.args)


INVOKES: dict[str, Callable[[AwsMocks, dict[str, Any]], dict[str, Any]]] = {
    "aws:index/getCallerIdentity:getCallerIdentity": lambda m, a: {
        "accountId": ACCOUNT_ID,
        "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/offline-plan",
        "userId": "AIDAOFFLINEPLAN",
        "id": ACCOUNT_ID,
    },
    "aws:index/getRegion:getRegion": lambda m, a: {
        "name": m.region,
        "region": m.region,
        "id": m.region,
        "endpoint": f"ec2.{m.region}.amazonaws.com",
        "description": m.region,
    },
    "aws:guardduty/getDetector:getDetector": lambda m, a: {
        "id": "12abc34d567e8fa901bc2d34e56789f0",
        "findingPublishingFrequency": "FIFTEEN_MINUTES",
        "status": "ENABLED",
        "serviceRoleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty",
    },
    "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider": lambda m, a: {
        "arn": f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{a['url'].removeprefix('https://')}",
        "id": f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{a['url'].removeprefix('https://')}",
        "url": a["url"].removeprefix("https://"),
        "clientIdLists": ["sts.amazonaws.com"],
        "thumbprintLists": [],
        "tags": {},
    },
    "aws:index/getPartition:getPartition": lambda m, a: {
        "partition": "aws",
        "dnsSuffix": "amazonaws.com",
        "id": "aws",
        "reverseDnsPrefix": "com.amazonaws",
    },
}

# Edge and ECS: ALB, ACM, Route53, WAF, S3, ECS, ECR, EFS, Scheduler.
ID_PREFIX.update(WORKLOAD_ID_PREFIX)
OUTPUTS.update(WORKLOAD_OUTPUTS)
# Data tier: RDS, ElastiCache, Secrets Manager, KMS alias, pulumi-random.
OUTPUTS.update(DATA_OUTPUTS)
# Backups and the restore drill: AWS Backup, Step Functions.
OUTPUTS.update(RECOVERY_OUTPUTS)
INVOKES.update(WORKLOAD_INVOKES)
