"""The explicit AWS providers: the stack's region, and the second region backups are copied to; account from the credentials."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.settings import Settings


def default_tags(settings: Settings) -> aws.ProviderDefaultTagsArgs:
    """Default tags land on every taggable resource, so cost and ownership reports need no per-resource work."""
    tags = {
        **settings.general.extra_tags,
        "Project": settings.project,
        "Environment": settings.general.environment,
        "ManagedBy": "pulumi",
        "Stack": settings.stack,
    }
    return aws.ProviderDefaultTagsArgs(tags=tags)


def aws_provider(settings: Settings) -> aws.Provider:
    return aws.Provider("aws", region=settings.region, default_tags=default_tags(settings))


def copy_region_provider(settings: Settings) -> aws.Provider | None:
    """The provider of `ohmycoins:backup.copyRegion`, tagged like the stack's; None when backups stay in the region."""
    region = settings.backup.copy_region
    if region is None:
        return None
    return aws.Provider(f"aws-{region}", region=region, default_tags=default_tags(settings))


def account_id(provider: aws.Provider) -> pulumi.Output[str]:
    """The account the credentials belong to; never written in code or config."""
    return aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(provider=provider)).account_id
