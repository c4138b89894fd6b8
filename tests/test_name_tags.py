"""Every AWS resource that takes tags carries a Name tag (beside the provider's default tags)."""

from __future__ import annotations

import importlib
import inspect
from functools import cache

# Resources that take tags but get no Name yet (scaling targets, EKS add-ons, the EFS access
# rules): listed so that any new one fails here instead of slipping through.
WITHOUT_NAME = {
    "agents-scaling-target",
    "backend-scaling-target",
    "frontend-scaling-target",
    "agents-agent-artifacts-app-to-nfs",
    "eks-efs-agent-artifacts-app-to-nfs",
    "eks-addons-aws-ebs-csi-driver",
    "eks-addons-aws-efs-csi-driver",
    "eks-addons-coredns",
    "eks-addons-kube-proxy",
    "eks-addons-vpc-cni",
}


@cache
def takes_tags(type_: str) -> bool:
    """Whether the pulumi-aws resource of `aws:<module>/<name>:<Class>` has a `tags` input."""
    _, module, class_name = type_.split(":")
    resource_class = getattr(importlib.import_module(f"pulumi_aws.{module.split('/')[0]}"), class_name)
    return "tags" in inspect.signature(resource_class._internal_init).parameters


def unnamed(plan) -> set[str]:
    return {
        r.name
        for r in plan.resources
        if r.type.startswith("aws:") and takes_tags(r.type) and "Name" not in (r.inputs.get("tags") or {}) and r.name not in WITHOUT_NAME
    }


def test_every_taggable_resource_has_a_name(any_plan):
    assert unnamed(any_plan) == set()


def test_and_with_the_apps_on_eks(eks_apps_plan):
    assert unnamed(eks_apps_plan) == set()


def test_the_check_knows_taggable_types():
    assert takes_tags("aws:ecs/cluster:Cluster") and takes_tags("aws:rds/instance:Instance")
    assert not takes_tags("aws:iam/rolePolicy:RolePolicy") and not takes_tags("aws:ec2/route:Route")
