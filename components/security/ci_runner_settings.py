"""`ohmycoins:ciRunner`: the GitHub Actions runner that runs `pulumi` against the stack from inside its VPC."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator

from components.network.vpc_settings import NetworkSettings
from components.shared.settings_model import Model, Problem, check_log_retention

# A CodeConnections connection (the service was renamed from CodeStar Connections; both ARN forms
# are still issued and CodeBuild accepts either).
_CONNECTION_ARN = re.compile(r"^arn:aws:(codeconnections|codestar-connections):[a-z]{2}(-[a-z]+)+-\d:\d{12}:connection/[0-9a-f-]{36}$")
# CodeBuild's Ubuntu images: actions/setup-python installs its prebuilt Pythons on Ubuntu only.
_UBUNTU_IMAGE = re.compile(r"^aws/codebuild/standard:\d+\.0$")

# On-demand Linux container sizes (CodeBuild API ComputeType): 3 GB/2 vCPU, 7 GB/4 vCPU, 15 GB/8 vCPU.
ComputeType = Literal["BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM", "BUILD_GENERAL1_LARGE"]


class CiRunnerSettings(Model):
    # A CodeBuild project in the private-app subnets whose builds are ephemeral GitHub Actions runners.
    enabled: bool
    # The CodeConnections connection to GitHub (created and approved once by hand, see README).
    connection_arn: str | None = None
    compute_type: ComputeType = "BUILD_GENERAL1_MEDIUM"
    image: str = "aws/codebuild/standard:7.0"
    # A build longer than this is stopped; the workflows' `timeout-minutes` (90 at most) stay below it.
    timeout_minutes: int = Field(default=120, ge=5, le=2160)
    # How long a queued job may wait for a build to start.
    queued_timeout_minutes: int = Field(default=60, ge=5, le=480)
    # Builds of this project at once (preview, deploy and drift of one stack).
    concurrent_builds: int = Field(default=3, ge=1, le=20)
    log_retention_days: Annotated[int, AfterValidator(check_log_retention)] = 30

    @field_validator("connection_arn")
    @classmethod
    def _connection(cls, value: str | None) -> str | None:
        if value is not None and not _CONNECTION_ARN.match(value):
            raise ValueError(
                f"'{value}' is not a CodeConnections connection ARN like arn:aws:codeconnections:<region>:<account>:connection/<id>"
            )
        return value

    @field_validator("image")
    @classmethod
    def _image(cls, value: str) -> str:
        if not _UBUNTU_IMAGE.match(value):
            raise ValueError(f"'{value}' is not a CodeBuild Ubuntu image like aws/codebuild/standard:7.0 (setup-python needs Ubuntu)")
        return value

    def problems(self) -> list[Problem]:
        if self.enabled and self.connection_arn is None:
            return [Problem(("connectionArn",), "required when the runner is enabled: CodeBuild reaches GitHub through it (see README)")]
        if not self.enabled and self.connection_arn is not None:
            return [Problem(("connectionArn",), "has no effect while enabled is false")]
        return []

    @property
    def service_prefix(self) -> str:
        """The IAM action prefix of the connection: it must match the ARN's service."""
        assert self.connection_arn is not None
        return self.connection_arn.split(":")[2]


def ci_runner_problems(runner: CiRunnerSettings, network: NetworkSettings) -> list[Problem]:
    """Builds download the Pulumi CLI, plugins and packages and talk to GitHub: they need egress."""
    if runner.enabled and network.nat_strategy == "none":
        return [
            Problem(
                ("enabled",),
                "the runner needs internet egress (GitHub, PyPI, the Pulumi CLI) but ohmycoins:network.natStrategy is none",
            )
        ]
    return []
