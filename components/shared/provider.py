"""The one explicit AWS provider: region from the stack, account from the caller's credentials."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.settings import Settings


def aws_provider(settings: Settings) -> aws.Provider:
    """Default tags land on every taggable resource, so cost and ownership reports need no per-resource work."""
    tags = {
        **settings.general.extra_tags,
        "Project": settings.project,
        "Environment": settings.general.environment,
        "ManagedBy": "pulumi",
        "Stack": settings.stack,
    }
    return aws.Provider("aws", region=settings.region, default_tags=aws.ProviderDefaultTagsArgs(tags=tags))


def account_id(provider: aws.Provider) -> pulumi.Output[str]:
    """The account the credentials belong to; never written in code or config."""
    return aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(provider=provider)).account_id
