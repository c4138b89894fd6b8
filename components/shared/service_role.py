"""A role an AWS service assumes for this account (and, where it says so, one resource of it): made one way everywhere."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.shared.iam_documents import service_trust


def service_role(
    name: str,
    role_name: str,
    description: str,
    service: str,
    account_id: pulumi.Input[str] | None,
    source_arn: str | None = None,
    *,
    parent: pulumi.Resource,
    arn_operator: str = "ArnLike",
) -> aws.iam.Role:
    """A role `service` assumes for this account; `source_arn` (with `{account}` in it) pins the calling resource."""
    if account_id is None:
        trust: pulumi.Input[str] = service_trust(service, None)
    else:
        trust = pulumi.Output.from_input(account_id).apply(
            lambda account: service_trust(
                service, account, source_arn.format(account=account) if source_arn else None, arn_operator=arn_operator
            )
        )
    return aws.iam.Role(
        name,
        name=role_name,
        description=description,
        assume_role_policy=trust,
        tags={"Name": role_name},
        opts=pulumi.ResourceOptions(parent=parent),
    )
