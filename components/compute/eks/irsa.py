"""IAM roles for Kubernetes service accounts (IRSA): one role per service account, trusted by no one else."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.shared.iam_documents import policy_document


def irsa_trust_policy(oidc_provider_arn: str, oidc_issuer: str, namespace: str, service_account: str) -> str:
    """Trust for exactly `system:serviceaccount:<namespace>:<service_account>` with the STS audience.

    `oidc_issuer` is the issuer without `https://` (as IAM writes condition keys).
    """
    return policy_document(
        {
            "Effect": "Allow",
            "Principal": {"Federated": oidc_provider_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {
                    f"{oidc_issuer}:sub": f"system:serviceaccount:{namespace}:{service_account}",
                    f"{oidc_issuer}:aud": "sts.amazonaws.com",
                }
            },
        }
    )


@dataclass(frozen=True)
class IrsaRoleArgs:
    """A role for one service account; `policy_json` is its own inline policy (least privilege)."""

    role_name: str
    namespace: str
    service_account: str
    oidc_provider_arn: pulumi.Input[str]
    oidc_issuer: pulumi.Input[str]
    policy_json: pulumi.Input[str] | None = None
    managed_policy_arns: Sequence[str] = field(default_factory=tuple)
    description: str = ""


class IrsaRole(pulumi.ComponentResource):
    """The IAM role a pod's service account assumes through the cluster's OIDC provider."""

    role_arn: pulumi.Output[str]
    role_name: pulumi.Output[str]

    def __init__(self, name: str, args: IrsaRoleArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ohmycoins:irsa:IrsaRole", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        trust = pulumi.Output.all(args.oidc_provider_arn, args.oidc_issuer).apply(
            lambda values: irsa_trust_policy(values[0], values[1], args.namespace, args.service_account)
        )
        role = aws.iam.Role(
            f"{name}-role",
            name=args.role_name,
            description=args.description or f"IRSA for {args.namespace}/{args.service_account}",
            assume_role_policy=trust,
            max_session_duration=3600,
            tags={"Name": args.role_name},
            opts=child,
        )
        if args.policy_json is not None:
            aws.iam.RolePolicy(f"{name}-policy", role=role.name, name="least-privilege", policy=args.policy_json, opts=child)
        for index, arn in enumerate(args.managed_policy_arns):
            aws.iam.RolePolicyAttachment(f"{name}-managed-{index}", role=role.name, policy_arn=arn, opts=child)
        self.role_arn = role.arn
        self.role_name = role.name
        self.register_outputs({"role_arn": self.role_arn, "role_name": self.role_name})


def irsa_role(name: str, args: IrsaRoleArgs, opts: pulumi.ResourceOptions | None = None) -> IrsaRole:
    return IrsaRole(name, args, opts)
