"""`ohmycoins:ci`: the GitHub repository whose workflows may assume this stack's CI roles, and what they reach."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import field_validator

from components.shared.settings_model import Model

_REPOSITORY = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")
_BRANCH = re.compile(r"^[A-Za-z0-9._/-]+$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_ALIAS = re.compile(r"^alias/[A-Za-z0-9/_-]{1,250}$")


class CiSettings(Model):
    # owner/name; every trust policy pins it exactly.
    github_repository: str
    # The branch images are pushed from; the GitHub environment named after the stack must only
    # allow deployments from it (GitHub setting, see README).
    deploy_branch: str = "main"
    # Pulumi state backend bucket (`pulumi login s3://<stateBucket>`).
    state_bucket: str
    # Alias of the KMS key that is the stacks' secrets provider (`awskms://alias/...`).
    secrets_provider_key_alias: str
    # The GitHub Actions OIDC provider is one per account: create it here or use the existing one.
    oidc_provider: Literal["create", "existing"]

    @field_validator("github_repository")
    @classmethod
    def _repository(cls, value: str) -> str:
        if not _REPOSITORY.match(value) or "*" in value:
            raise ValueError(f"'{value}' is not a GitHub repository as owner/name")
        return value

    @field_validator("deploy_branch")
    @classmethod
    def _branch(cls, value: str) -> str:
        if not _BRANCH.match(value) or value.startswith(("/", "refs/")) or ".." in value:
            raise ValueError(f"'{value}' is not a branch name (give it without refs/heads/, no wildcards)")
        return value

    @field_validator("state_bucket")
    @classmethod
    def _bucket(cls, value: str) -> str:
        if not _BUCKET.match(value) or ".." in value:
            raise ValueError(f"'{value}' is not an S3 bucket name")
        return value

    @field_validator("secrets_provider_key_alias")
    @classmethod
    def _alias(cls, value: str) -> str:
        if not _ALIAS.match(value) or value.startswith("alias/aws/"):
            raise ValueError(f"'{value}' is not a customer KMS key alias like alias/pulumi-secrets")
        return value
