"""Public exposure."""

from __future__ import annotations

from .base import as_list, is_false, is_true, of_type, refers_to, resource_rule, stack_rule
from .types import (
    BUCKET_PAB,
    BUCKETS,
    DEFAULT_SG,
    ECS_SERVICE,
    EKS_CLUSTER,
    EKS_COMPONENT,
    LOAD_BALANCERS,
    RDS_CLUSTER,
    RDS_INSTANCE,
    SECURITY_GROUP,
    SG_INGRESS_RULE,
    SG_RULE,
    SUBNET,
    VPC,
)

CATEGORY = "public exposure"
ANYWHERE = {"0.0.0.0/0", "::/0"}
# The internet-facing ALB is the one thing that may listen to everyone, on these ports only.
PUBLIC_WEB_PORTS = {80, 443}


@resource_rule(
    "rds-not-public", "Databases are not publicly accessible", "AWS FSBP RDS.2", CATEGORY, "mandatory", [RDS_INSTANCE, RDS_CLUSTER]
)
def rds_not_public(r, ctx):
    if is_true(r.get("publiclyAccessible")):
        yield "publiclyAccessible must be false"


def _open_ingress(resources):
    """(security group resource or rule, from_port, to_port, where) for every ingress open to the internet."""
    for sg in of_type(resources, SECURITY_GROUP):
        for index, rule in enumerate(as_list(sg.get("ingress"))):
            cidrs = set(as_list(rule.get("cidrBlocks"))) | set(as_list(rule.get("ipv6CidrBlocks")))
            if cidrs & ANYWHERE:
                yield sg, sg, rule.get("fromPort"), rule.get("toPort"), f"ingress[{index}]"
    groups = of_type(resources, SECURITY_GROUP)
    for rule in of_type(resources, SG_INGRESS_RULE):
        if {rule.get("cidrIpv4"), rule.get("cidrIpv6")} & ANYWHERE:
            owner = next((g for g in groups if refers_to(rule, g, "securityGroupId")), None)
            yield rule, owner, rule.get("fromPort"), rule.get("toPort"), "rule"
    for rule in of_type(resources, SG_RULE):
        cidrs = set(as_list(rule.get("cidrBlocks"))) | set(as_list(rule.get("ipv6CidrBlocks")))
        if rule.get("type") == "ingress" and cidrs & ANYWHERE:
            owner = next((g for g in groups if refers_to(rule, g, "securityGroupId")), None)
            yield rule, owner, rule.get("fromPort"), rule.get("toPort"), "rule"


def _is_alb_group(group, resources) -> bool:
    albs = [lb for lb in of_type(resources, *LOAD_BALANCERS) if lb.get("loadBalancerType", default="application") == "application"]
    return group is not None and any(group.urn and group.urn in lb.dependencies for lb in albs)


@stack_rule(
    "sg-no-open-ingress",
    "No security group admits 0.0.0.0/0 or ::/0, except the ALB on 80/443",
    "AWS FSBP EC2.18 / EC2.19 / EC2.53 / CIS AWS v1.4 5.2",
    CATEGORY,
    "mandatory",
)
def sg_no_open_ingress(resources, ctx):
    for where, group, from_port, to_port, label in _open_ingress(resources):
        web_only = from_port == to_port and from_port in PUBLIC_WEB_PORTS
        if not (web_only and _is_alb_group(group, resources)):
            yield where, f"{label}: ports {from_port}-{to_port} open to the internet"


@stack_rule("s3-public-access-block", "Every S3 bucket blocks public access", "AWS FSBP S3.8 / CIS AWS v1.4 2.1.5", CATEGORY, "mandatory")
def s3_public_access_block(resources, ctx):
    blocks = of_type(resources, *BUCKET_PAB)
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    for bucket in of_type(resources, *BUCKETS):
        own = [b for b in blocks if refers_to(b, bucket, "bucket")]
        if not any(all(is_true(b.get(flag)) for flag in flags) for b in own):
            yield bucket, "needs a BucketPublicAccessBlock with all four settings true"


@resource_rule(
    "eks-endpoint-restricted",
    "The EKS API is private or limited to known CIDRs",
    "AWS FSBP EKS.1",
    CATEGORY,
    "mandatory",
    [EKS_CLUSTER, EKS_COMPONENT],
)
def eks_endpoint(r, ctx):
    if r.type == EKS_COMPONENT:
        public, cidrs = r.get("endpointPublicAccess", default=True), r.get("publicAccessCidrs")
    else:
        public, cidrs = r.get("vpcConfig", "endpointPublicAccess", default=True), r.get("vpcConfig", "publicAccessCidrs")
    if not is_false(public) and (not cidrs or set(as_list(cidrs)) & ANYWHERE):
        yield "the public endpoint is open to the internet: disable it or set publicAccessCidrs"


@resource_rule("subnet-no-auto-public-ip", "Subnets do not hand out public IPs", "AWS FSBP EC2.15", CATEGORY, "mandatory", [SUBNET])
def subnet_public_ip(r, ctx):
    if is_true(r.get("mapPublicIpOnLaunch")):
        yield "mapPublicIpOnLaunch must be false"


@stack_rule(
    "default-sg-closed", "Each VPC's default security group has no rules", "AWS FSBP EC2.2 / CIS AWS v1.4 5.3", CATEGORY, "mandatory"
)
def default_sg_closed(resources, ctx):
    defaults = of_type(resources, DEFAULT_SG)
    for vpc in of_type(resources, VPC):
        own = [d for d in defaults if refers_to(d, vpc, "vpcId")]
        if not any(not as_list(d.get("ingress")) and not as_list(d.get("egress")) for d in own):
            yield vpc, "manage the VPC's default security group with no ingress and no egress"


@resource_rule("ecs-no-public-ip", "ECS services get no public IP", "AWS FSBP ECS.2", CATEGORY, "mandatory", [ECS_SERVICE])
def ecs_public_ip(r, ctx):
    if is_true(r.get("networkConfiguration", "assignPublicIp")):
        yield "networkConfiguration.assignPublicIp must be false"
