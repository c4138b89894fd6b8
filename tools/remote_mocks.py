"""Mocks of remote (multi-language) components, whose children the engine never sees.

Under the mock runtime a remote component's registration reaches the mocks with `custom=False`,
and nothing inside it runs: the mock returns the outputs the program reads. Resources such a
component exposes as outputs (`eks.Cluster.eks_cluster`) are resource references; the SDK
rehydrates them with the `pulumi:pulumi:getResource` invoke, so their state is kept in
`RemoteContext.nested_resources` for the monitor to answer it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockResourceArgs


@dataclass(frozen=True)
class RemoteContext:
    """What a remote component's mock knows of the mocked account, and where it keeps nested state."""

    region: str
    account: str
    # URN -> (id, state) of resources inside remote components, for `pulumi:pulumi:getResource`.
    nested_resources: dict[str, tuple[str, dict[str, Any]]]


def _digest(text: str, length: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def _resource_reference(urn: str, resource_id: str) -> dict[str, str]:
    return {rpc._special_sig_key: rpc._special_resource_sig, "urn": urn, "id": resource_id}


def _kubeconfig(cluster_name: str, endpoint: str, ca_data: str) -> dict[str, Any]:
    """The shape pulumi-eks writes: token from `aws eks get-token`, no credential inside."""
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "kubernetes", "cluster": {"server": endpoint, "certificate-authority-data": ca_data}}],
        "contexts": [{"name": "aws", "context": {"cluster": "kubernetes", "user": "aws"}}],
        "current-context": "aws",
        "preferences": {},
        "users": [
            {
                "name": "aws",
                "user": {
                    "exec": {
                        "apiVersion": "client.authentication.k8s.io/v1beta1",
                        "command": "aws",
                        "args": ["eks", "get-token", "--cluster-name", cluster_name, "--output", "json"],
                        "env": [{"name": "KUBERNETES_EXEC_INFO", "value": '{"apiVersion": "client.authentication.k8s.io/v1beta1"}'}],
                    }
                },
            }
        ],
    }


def eks_cluster(mocks: RemoteContext, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
    """`eks:index:Cluster`: the EKS cluster, its OIDC provider and the EKS-created security group."""
    inputs = args.inputs
    name = inputs.get("name") if isinstance(inputs.get("name"), str) else f"{args.name}-eksCluster-{_digest(args.name, 7)}"
    region = mocks.region
    oidc_id = _digest(name + "oidc", 32).upper()
    issuer = f"oidc.eks.{region}.amazonaws.com/id/{oidc_id}"
    endpoint = f"https://{_digest(name, 32).upper()}.gr7.{region}.eks.amazonaws.com"
    ca_data = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk9GRkxJTkUtUExBTi1DQQotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0tCg=="
    cluster_sg = "sg-" + _digest(name + "cluster-sg", 17)
    nested_urn = (
        f"urn:pulumi:{pulumi.get_stack()}::{pulumi.get_project()}::eks:index:Cluster$aws:eks/cluster:Cluster::{args.name}-eksCluster"
    )
    nested_state = {
        "id": name,
        "name": name,
        "arn": f"arn:aws:eks:{region}:{mocks.account}:cluster/{name}",
        "endpoint": endpoint,
        "version": inputs.get("version", "1.33"),
        "platformVersion": "eks.1",
        "status": "ACTIVE",
        "roleArn": f"arn:aws:iam::{mocks.account}:role/{name}-eksRole",
        "certificateAuthority": {"data": ca_data},
        "identities": [{"oidcs": [{"issuer": f"https://{issuer}"}]}],
        "vpcConfig": {
            "clusterSecurityGroupId": cluster_sg,
            "vpcId": inputs.get("vpcId", ""),
            "subnetIds": inputs.get("privateSubnetIds", []),
            "endpointPrivateAccess": inputs.get("endpointPrivateAccess", False),
            "endpointPublicAccess": inputs.get("endpointPublicAccess", True),
            "publicAccessCidrs": inputs.get("publicAccessCidrs", []),
        },
    }
    mocks.nested_resources[nested_urn] = (name, nested_state)
    kubeconfig = _kubeconfig(name, endpoint, ca_data)
    state = {
        "kubeconfig": kubeconfig,
        "kubeconfigJson": json.dumps(kubeconfig),
        "eksCluster": _resource_reference(nested_urn, name),
        "clusterSecurityGroupId": cluster_sg,
        "nodeSecurityGroupId": "",
        "oidcProviderArn": f"arn:aws:iam::{mocks.account}:oidc-provider/{issuer}",
        "oidcProviderUrl": f"https://{issuer}",
        "oidcIssuer": issuer,
        "defaultNodeGroupAsgName": "",
        "autoModeNodeRoleName": "",
        "clusterIngressRuleId": "",
        "fargateProfileId": "",
        "fargateProfileStatus": "",
    }
    return "", state


# Remote component type -> mock returning (id, outputs).
REMOTE_COMPONENTS: dict[str, Callable[[RemoteContext, MockResourceArgs], tuple[str, dict[str, Any]]]] = {
    "eks:index:Cluster": eks_cluster,
}
