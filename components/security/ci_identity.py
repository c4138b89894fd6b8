"""What GitHub Actions may do in this stack's account: preview, deploy, and push images, each its own role.

Every role trusts the GitHub Actions OIDC provider for exactly one `sub` of exactly one repository
(StringEquals on `aud` and `sub`, no wildcards), so no other repository, branch or environment can
assume it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.security.ci_settings import CiSettings
from components.security.permissions_boundary import (
    BOUNDED_ROLE_ACTIONS,
    ROLE_TAG_ACTIONS,
    guardrail_statements,
    role_management_statements,
)
from components.shared.iam_documents import policy_document

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
GITHUB_OIDC_URL = f"https://{GITHUB_OIDC_HOST}"
STS_AUDIENCE = "sts.amazonaws.com"

READ_ONLY_ACCESS = "arn:aws:iam::aws:policy/ReadOnlyAccess"
# Everything except IAM, Organizations and account management; IAM is granted below, fenced to
# this stack's own roles and policies and to its permissions boundary.
POWER_USER_ACCESS = "arn:aws:iam::aws:policy/PowerUserAccess"

CI_ROLES = ("preview", "deploy", "image-push")
# Every write to a role, the boundary-keyed ones and the rest.
CI_ROLE_WRITE_ACTIONS = sorted({*BOUNDED_ROLE_ACTIONS, *ROLE_TAG_ACTIONS, "iam:DeleteRolePermissionsBoundary", "iam:PassRole"})

ECR_PUSH_ACTIONS = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:CompleteLayerUpload",
    "ecr:DescribeImages",
    "ecr:DescribeRepositories",
    "ecr:GetDownloadUrlForLayer",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
]


@dataclass(frozen=True)
class IdentityArgs:
    settings: CiSettings
    stack: str  # the GitHub environment of the deploy job has this name
    name_prefix: str  # `ohmycoins-<stack>`
    region: str
    account_id: pulumi.Input[str]
    # This stack's ECR repositories: the only ones the image-push role may write.
    ecr_repository_arns: Sequence[pulumi.Input[str]]
    protect: bool


def subjects(repository: str, stack: str, branch: str) -> dict[str, tuple[str, ...]]:
    """The exact `sub` claims each role accepts."""
    return {
        # Pull requests preview their change; the nightly drift check previews the deploy branch.
        "preview": (f"repo:{repository}:pull_request", f"repo:{repository}:ref:refs/heads/{branch}"),
        "deploy": (f"repo:{repository}:environment:{stack}",),
        "image-push": (f"repo:{repository}:ref:refs/heads/{branch}",),
    }


def github_trust_policy(provider_arn: str, subjects: Sequence[str]) -> str:
    """StringEquals on `aud` and on the listed `sub` values: any one of them, each matched exactly."""
    sub: str | list[str] = subjects[0] if len(subjects) == 1 else list(subjects)
    return policy_document(
        {
            "Effect": "Allow",
            "Principal": {"Federated": provider_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {f"{GITHUB_OIDC_HOST}:aud": STS_AUDIENCE, f"{GITHUB_OIDC_HOST}:sub": sub}},
        }
    )


def state_statements(settings: CiSettings, account: str, region: str, write: bool) -> list[dict[str, Any]]:
    """The Pulumi S3 backend and the awskms secrets provider, read-only (preview) or read-write (deploy)."""
    bucket = f"arn:aws:s3:::{settings.state_bucket}"
    statements: list[dict[str, Any]] = [
        {"Sid": "StateList", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"], "Resource": bucket},
        {"Sid": "StateRead", "Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion"], "Resource": f"{bucket}/*"},
        {
            # A preview takes the stack's lock too.
            "Sid": "StateWrite" if write else "StateLock",
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:DeleteObject"],
            "Resource": f"{bucket}/*" if write else f"{bucket}/.pulumi/locks/*",
        },
        {
            "Sid": "SecretsProviderKey",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:DescribeKey", *(["kms:Encrypt", "kms:GenerateDataKey"] if write else [])],
            "Resource": f"arn:aws:kms:{region}:{account}:key/*",
            "Condition": {"ForAnyValue:StringEquals": {"kms:ResourceAliases": settings.secrets_provider_key_alias}},
        },
    ]
    return statements


def ci_role_name(name_prefix: str, purpose: str) -> str:
    return f"{name_prefix}-ci-{purpose}"


def deploy_iam_statements(account: str, region: str, name_prefix: str, stack: str) -> list[dict[str, Any]]:
    """IAM for `pulumi up`: this stack's roles while they keep its boundary; never the CI roles themselves.

    The deploy role would otherwise widen its own policy (or the other CI roles') and act through it.
    """
    ci_roles = [f"arn:aws:iam::{account}:role/{ci_role_name(name_prefix, purpose)}" for purpose in CI_ROLES]
    return [
        *role_management_statements(account, region, name_prefix, stack),
        *guardrail_statements(account, name_prefix),
        {"Sid": "NoChangesToTheCiRoles", "Effect": "Deny", "Action": list(CI_ROLE_WRITE_ACTIONS), "Resource": ci_roles},
    ]


def image_push_statements(repository_arns: list[str]) -> list[dict[str, Any]]:
    return [
        # The registry login token is not tied to a repository: AWS only accepts `*` here.
        {"Sid": "RegistryLogin", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
        {"Sid": "PushToThisStacksRepositories", "Effect": "Allow", "Action": ECR_PUSH_ACTIONS, "Resource": repository_arns},
    ]


class Identity(pulumi.ComponentResource):
    """The GitHub Actions OIDC provider (or the account's existing one) and this stack's three CI roles."""

    oidc_provider_arn: pulumi.Output[str]
    preview_role_arn: pulumi.Output[str]
    deploy_role_arn: pulumi.Output[str]
    image_push_role_arn: pulumi.Output[str]

    def __init__(self, name: str, args: IdentityArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ohmycoins:identity:Identity", name, None, opts)
        self._name = name
        self._args = args
        settings = args.settings
        child = pulumi.ResourceOptions(parent=self)

        if settings.oidc_provider == "create":
            provider = aws.iam.OpenIdConnectProvider(
                f"{name}-github-oidc",
                url=GITHUB_OIDC_URL,
                client_id_lists=[STS_AUDIENCE],
                tags={"Name": f"{args.name_prefix}-github-oidc"},
                # Every stack of the account trusts this provider: keep it when this stack goes.
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=True),
            )
            self.oidc_provider_arn = provider.arn
        else:
            self.oidc_provider_arn = aws.iam.get_open_id_connect_provider_output(
                url=GITHUB_OIDC_URL, opts=pulumi.InvokeOutputOptions(parent=self)
            ).arn

        sub = subjects(settings.github_repository, args.stack, settings.deploy_branch)
        account = pulumi.Output.from_input(args.account_id)

        preview = self._role("preview", sub["preview"], "pull requests and the drift check: pulumi preview")
        aws.iam.RolePolicyAttachment(f"{name}-preview-read-only", role=preview.name, policy_arn=READ_ONLY_ACCESS, opts=child)
        aws.iam.RolePolicy(
            f"{name}-preview-state",
            role=preview.id,
            policy=account.apply(lambda a: policy_document(*state_statements(settings, a, args.region, write=False))),
            opts=child,
        )

        deploy = self._role("deploy", sub["deploy"], f"GitHub environment {args.stack}: pulumi up")
        aws.iam.RolePolicyAttachment(f"{name}-deploy-power-user", role=deploy.name, policy_arn=POWER_USER_ACCESS, opts=child)
        aws.iam.RolePolicy(
            f"{name}-deploy-state-and-iam",
            role=deploy.id,
            policy=account.apply(
                lambda a: policy_document(
                    *state_statements(settings, a, args.region, write=True),
                    *deploy_iam_statements(a, args.region, args.name_prefix, args.stack),
                )
            ),
            opts=child,
        )

        push = self._role("image-push", sub["image-push"], f"{settings.deploy_branch} branch: push images")
        if args.ecr_repository_arns:
            aws.iam.RolePolicy(
                f"{name}-image-push-ecr",
                role=push.id,
                policy=pulumi.Output.all(*args.ecr_repository_arns).apply(lambda arns: policy_document(*image_push_statements(list(arns)))),
                opts=child,
            )

        self.preview_role_arn = preview.arn
        self.deploy_role_arn = deploy.arn
        self.image_push_role_arn = push.arn
        self.register_outputs(
            {
                "oidc_provider_arn": self.oidc_provider_arn,
                "preview_role_arn": self.preview_role_arn,
                "deploy_role_arn": self.deploy_role_arn,
                "image_push_role_arn": self.image_push_role_arn,
            }
        )

    def _role(self, purpose: str, subject: Sequence[str], description: str) -> aws.iam.Role:
        role_name = ci_role_name(self._args.name_prefix, purpose)
        return aws.iam.Role(
            f"{self._name}-{purpose}",
            name=role_name,
            description=f"GitHub Actions, {description}",
            assume_role_policy=self.oidc_provider_arn.apply(lambda arn: github_trust_policy(arn, subject)),
            max_session_duration=3600,
            tags={"Name": role_name},
            opts=pulumi.ResourceOptions(parent=self),
        )
