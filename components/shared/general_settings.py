"""`ohmycoins:general`: what kind of environment a stack is and how its resources are named and kept."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from components.shared.settings_model import Model, Problem, check_aws_name

# Derived names (ALB, target groups, ElastiCache ids) must fit AWS's 32-40 character limits.
NAME_PREFIX_MAX = 20

_TAG_KEY = re.compile(r"^[\w .:/=+\-@]{1,128}$")


class GeneralSettings(Model):
    environment: Literal["staging", "production"]
    # Default `ohmycoins-<stack>`; set it when the stack name is not a valid AWS name.
    name_prefix: str | None = None
    # `protect` on databases, caches, keys, buckets and volumes: `pulumi destroy` refuses them.
    protect_stateful_resources: bool
    # Added to the provider's default tags (Project, Environment, ManagedBy, Stack).
    extra_tags: dict[str, str] = Field(default_factory=dict)
    # The stack at its lowest monthly cost with every byte of data kept (README "Pause and resume").
    paused: bool = False
    # A paused production serves nobody: production refuses `paused` unless this says so too.
    allow_production_pause: bool = False
    # CPU architecture of the Fargate tasks and EKS nodes (arm64: Graviton); images must be multi-arch.
    architecture: Literal["x86_64", "arm64"] = "x86_64"

    @field_validator("name_prefix")
    @classmethod
    def _valid_prefix(cls, value: str | None) -> str | None:
        return None if value is None else check_aws_name(value, NAME_PREFIX_MAX)

    @field_validator("extra_tags")
    @classmethod
    def _valid_tags(cls, tags: dict[str, str]) -> dict[str, str]:
        for key, value in tags.items():
            if key.lower().startswith("aws:") or not _TAG_KEY.match(key):
                raise ValueError(f"'{key}' is not a tag key AWS accepts (1-128 characters, not starting with 'aws:')")
            if len(value) > 256:
                raise ValueError(f"the value of tag '{key}' is longer than 256 characters")
        return tags

    def problems(self) -> list[Problem]:
        if self.environment == "production" and not self.protect_stateful_resources:
            return [Problem(("protectStatefulResources",), "production must protect its stateful resources")]
        return []

    @property
    def pausable(self) -> bool:
        """Whether a pause may delete what it snapshots first (the cache, the cluster, the ALB)."""
        return self.environment != "production" or self.allow_production_pause

    def production_problems(self) -> list[Problem]:
        if self.paused and not self.allow_production_pause:
            reason = "a paused production serves nobody; set ohmycoins:general.allowProductionPause: true as well to mean it"
            return [Problem(("paused",), reason)]
        return []
