"""Staging as a stack that adopts resources Terraform built: the settings an adoption writes, by hand.

Planned once per session (`adopting_plan` in conftest.py); the secret strings the program writes to
Secrets Manager are recorded where the mocks receive them, before the engine masks them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tools import mocks
from tools.engine import run_stack
from tools.plan_model import Plan

PLACEHOLDER = {"secure": "v1:REPLACE-WITH-PULUMI-CONFIG-SET-SECRET"}
EXISTING_KEY = "arn:aws:kms:ap-southeast-2:123456789012:key/0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9"
IMPORTS = {"network-vpc": "vpc-0123456789abcdef0", "network-public-a": "subnet-0123456789abcdef0"}


def adopting(config: dict) -> None:
    config["ohmycoins:firewall"]["groups"] = {
        "app": {"name": "ohmycoins-staging-ecs-sg", "description": "Security group for ECS tasks"},
        "database": {"name": "ohmycoins-staging-rds-sg", "description": "Security group for RDS PostgreSQL"},
    }
    config["ohmycoins:database"].update(
        subnetGroupName="legacy-db-subnets", encryptionKey=EXISTING_KEY, masterPasswordSource="stack-secret", masterUsername="postgres"
    )
    config["ohmycoins:databaseMasterPassword"] = PLACEHOLDER
    config["ohmycoins:cache"].update(subnetGroupName="legacy-cache-subnets", encryptionKey="aws-managed", transitEncryption="preferred")
    config["ohmycoins:appSecretValues"] = {"encryptionKey": PLACEHOLDER, "secretKey": PLACEHOLDER}
    config["ohmycoins:adoption"] = {"imports": dict(IMPORTS)}


def plan_recording_secrets(path: Path) -> tuple[Plan, dict[str, str]]:
    """The plan of a stack file, and the secret string of every SecretVersion it declares."""
    written: dict[str, str] = {}
    original = mocks.AwsMocks.new_resource

    def recording(self, args):
        if args.typ == "aws:secretsmanager/secretVersion:SecretVersion":
            value = args.inputs["secretString"]
            # A secret input arrives wrapped: {<signature>: <secret sig>, "value": ...}.
            written[args.name] = value["value"] if isinstance(value, dict) else value
        return original(self, args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(mocks.AwsMocks, "new_resource", recording)
        return run_stack("staging", path), written


def write_adopting_stack(config: dict, path: Path) -> Path:
    adopting(config)
    path.write_text(yaml.safe_dump({"config": config}))
    return path
