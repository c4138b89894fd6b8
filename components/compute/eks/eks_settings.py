"""`ohmycoins:eks`: the EKS cluster (runners, monitoring and, when `apps.platform` is eks, the apps)."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator

from components.shared.settings_model import Model, Problem, check_log_retention

_VERSION = re.compile(r"^1\.\d{2}$")
_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
_INSTANCE_TYPE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")

# Kubernetes minors this program supports, with the cluster-autoscaler release that matches each
# (the autoscaler tracks Kubernetes minors). Add a line here to allow an upgrade.
AUTOSCALER_RELEASES = {"1.32": "v1.32.0", "1.33": "v1.33.0"}


def _role_name(value: str) -> str:
    if not _ROLE_NAME.match(value):
        raise ValueError(f"'{value}' is not an IAM role name (1-64 of letters, digits and +=,.@_-); give the name, not the ARN")
    return value


RoleName = Annotated[str, AfterValidator(_role_name)]


class NodeGroupSettings(Model):
    instance_types: list[str] = Field(min_length=1)
    min_size: int = Field(ge=0, le=100)
    desired_size: int = Field(ge=0, le=100)
    max_size: int = Field(ge=1, le=100)
    disk_size_gib: int = Field(default=50, ge=20, le=1000)
    # SPOT: up to 90 % cheaper, reclaimed with two minutes' notice; list several instance types of
    # the same size so EKS can draw from more Spot pools.
    capacity_type: Literal["ON_DEMAND", "SPOT"] = "ON_DEMAND"

    @field_validator("instance_types")
    @classmethod
    def _types(cls, values: list[str]) -> list[str]:
        for value in values:
            if not _INSTANCE_TYPE.match(value):
                raise ValueError(f"'{value}' is not an EC2 instance type like t3.large")
        return values

    def problems(self) -> list[Problem]:
        if not self.min_size <= self.desired_size <= self.max_size:
            return [Problem(("desiredSize",), f"must be between minSize ({self.min_size}) and maxSize ({self.max_size})")]
        return []


class NodeGroupsSettings(Model):
    # Tainted CriticalAddonsOnly: CoreDNS, the controllers and the autoscaler.
    system: NodeGroupSettings
    # Untainted: application pods and monitoring. Absent: no apps group (the apps run on ECS) and
    # the monitoring pods tolerate the system taint and run on the system nodes.
    apps: NodeGroupSettings | None = None
    # Tainted github-runners: CI runner pods only; scales from zero.
    runners: NodeGroupSettings

    def problems(self) -> list[Problem]:
        problems = []
        for group, size in self.present().items():
            if group != "runners" and size.min_size < 1:
                problems.append(Problem((group, "minSize"), "must be at least 1: cluster add-ons and workloads need a node to start on"))
        if self.runners.min_size != 0:
            problems.append(Problem(("runners", "minSize"), "must be 0: runner nodes exist only while CI jobs run"))
        for group, size in self.present().items():
            problems += [Problem((group, *p.path), p.reason) for p in size.problems()]
        return problems

    def present(self) -> dict[str, NodeGroupSettings]:
        """The node groups the stack has, by name (apps may be absent)."""
        groups = {"system": self.system, "apps": self.apps, "runners": self.runners}
        return {name: size for name, size in groups.items() if size is not None}


class EksSettings(Model):
    enabled: bool
    # Pinned minor version ("1.33"); upgrades are a reviewed config change, one minor at a time.
    version: str
    # IAM roles (names, in this account) given cluster-admin through EKS access entries.
    admin_role_names: list[RoleName] = Field(min_length=1)
    # The CI deploy role (`pulumi up` from GitHub Actions) also needs the cluster; None: no entry.
    deploy_role_name: RoleName | None = None
    # The CI preview role (pull request previews, the nightly drift check) reads the cluster,
    # Secrets and Helm releases included, and changes nothing; None: no entry.
    preview_role_name: RoleName | None = None
    # The API endpoint is always private; the public endpoint, when on, only for these CIDRs.
    endpoint_public_access: bool = True
    public_access_cidrs: list[ipaddress.IPv4Network] = Field(default_factory=list)
    log_retention_days: Annotated[int, AfterValidator(check_log_retention)] = 30
    # Replicas of the cluster's controllers (LB controller, ESO, ...); 2+ survives a node drain.
    controller_replicas: int = Field(default=1, ge=1, le=5)
    node_groups: NodeGroupsSettings

    @field_validator("version")
    @classmethod
    def _version(cls, value: str) -> str:
        if not _VERSION.match(value):
            raise ValueError(f"'{value}' is not a Kubernetes minor version like 1.33")
        if value not in AUTOSCALER_RELEASES:
            raise ValueError(f"{value} has no pinned cluster-autoscaler release; supported: {', '.join(AUTOSCALER_RELEASES)}")
        return value

    def problems(self) -> list[Problem]:
        problems = [Problem(("nodeGroups", *p.path), p.reason) for p in self.node_groups.problems()]
        if self.endpoint_public_access and not self.public_access_cidrs:
            problems.append(
                Problem(
                    ("publicAccessCidrs",), "list the CIDRs allowed to reach the public API endpoint, or set endpointPublicAccess: false"
                )
            )
        if not self.endpoint_public_access and self.public_access_cidrs:
            problems.append(Problem(("publicAccessCidrs",), "has no effect while endpointPublicAccess is false"))
        for index in self.open_to_internet() if self.endpoint_public_access else []:
            # The policy pack's eks-endpoint-restricted (AWS FSBP EKS.1) refuses it in every stack.
            reason = "must not open the Kubernetes API to the whole internet: list the VPN or office ranges that need it"
            problems.append(Problem(("publicAccessCidrs", index), reason))
        return problems

    def open_to_internet(self) -> list[int]:
        """Indexes of public access CIDRs that admit the whole internet."""
        return [i for i, cidr in enumerate(self.public_access_cidrs) if cidr.prefixlen == 0]
