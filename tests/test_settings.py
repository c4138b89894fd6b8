"""Stack files load; every kind of bad stack file is refused with the key path and the reason."""

from __future__ import annotations

import subprocess
import sys

import pytest

from components.settings import SettingsError
from tests.stack_edits import set_setting
from tools.engine import PROJECT_DIR


def test_both_stack_files_load(staging_plan, production_plan):
    assert staging_plan.resources and production_plan.resources


def _replace(key: str, value):
    def change(config):
        if value is None:
            del config[key]
        else:
            config[key] = value

    return change


BAD_CONFIGS = {
    "unknown key in an area": (
        "staging",
        set_setting("network", "vpcCidrr", "10.1.0.0/16"),
        "ohmycoins:network.vpcCidrr",
        "unknown setting",
    ),
    "unknown area": ("staging", _replace("ohmycoins:netwrk", {"vpcCidr": "10.1.0.0/16"}), "ohmycoins:netwrk", "unknown setting"),
    "overlapping subnets": (
        "staging",
        set_setting("network", "privateAppSubnets", ["10.1.0.0/20", "10.1.8.0/24"]),
        "ohmycoins:network.privateAppSubnets[1]",
        "overlaps privateAppSubnets[0]",
    ),
    "subnet list shorter than the AZ list": (
        "production",
        set_setting("network", "publicSubnets", ["10.0.161.0/24", "10.0.162.0/24"]),
        "ohmycoins:network.publicSubnets",
        "has 2 subnets but 3 availability zones",
    ),
    "subnet outside the VPC": (
        "staging",
        set_setting("network", "privateDataSubnets", ["10.1.200.0/24", "10.9.1.0/24"]),
        "ohmycoins:network.privateDataSubnets[1]",
        "not inside the VPC CIDR 10.1.0.0/16",
    ),
    "explicit subnet overlapping a carved one": (
        "staging",
        set_setting("network", "publicSubnets", ["10.1.1.0/24", "10.1.2.0/24"]),
        "ohmycoins:network.publicSubnets[0]",
        "overlaps the carved private-app subnet 10.1.0.0/19",
    ),
    "NAT strategy": (
        "staging",
        set_setting("network", "natStrategy", "double"),
        "ohmycoins:network.natStrategy",
        "'none', 'single' or 'per-az'",
    ),
    "log retention not allowed by CloudWatch": (
        "staging",
        set_setting("network", "flowLogRetentionDays", 10),
        "ohmycoins:network.flowLogRetentionDays",
        "not a CloudWatch Logs retention",
    ),
    "VPC CIDR with host bits": ("staging", set_setting("network", "vpcCidr", "10.1.0.1/16"), "ohmycoins:network.vpcCidr", "IPv4 network"),
    "VPC too large": ("staging", set_setting("network", "vpcCidr", "10.0.0.0/8"), "ohmycoins:network.vpcCidr", "/16 to /23"),
    "AZ outside the region": (
        "staging",
        set_setting("network", "availabilityZones", ["ap-southeast-2a", "us-east-1b"]),
        "ohmycoins:network.availabilityZones[1]",
        "not in the stack's region ap-southeast-2",
    ),
    "repeated AZ": (
        "staging",
        set_setting("network", "availabilityZones", ["ap-southeast-2a", "ap-southeast-2a"]),
        "ohmycoins:network.availabilityZones",
        "must not repeat",
    ),
    "one AZ only": (
        "staging",
        set_setting("network", "availabilityZones", ["ap-southeast-2a"]),
        "ohmycoins:network.availabilityZones",
        "at least 2",
    ),
    "unknown interface endpoint": (
        "production",
        set_setting("network", "interfaceEndpoints", ["logs", "s3"]),
        "ohmycoins:network.interfaceEndpoints[1]",
        "'ecr.api', 'ecr.dkr', 'logs', 'secretsmanager' or 'sts'",
    ),
    "environment name": (
        "staging",
        set_setting("general", "environment", "prod"),
        "ohmycoins:general.environment",
        "'staging' or 'production'",
    ),
    "unprotected production": (
        "production",
        set_setting("general", "protectStatefulResources", False),
        "ohmycoins:general.protectStatefulResources",
        "production must protect",
    ),
    "name prefix not valid for AWS": (
        "staging",
        set_setting("general", "namePrefix", "OhMyCoins_Staging"),
        "ohmycoins:general.namePrefix",
        "not a valid AWS name",
    ),
    "reserved tag key": (
        "staging",
        set_setting("general", "extraTags", {"aws:owner": "me"}),
        "ohmycoins:general.extraTags",
        "not a tag key AWS accepts",
    ),
    "missing region": ("staging", _replace("aws:region", None), "aws:region", "required setting is missing"),
    "missing area": ("staging", _replace("ohmycoins:network", None), "ohmycoins:network", "required setting is missing"),
    "area not an object": ("staging", _replace("ohmycoins:network", "10.1.0.0/16"), "ohmycoins:network", "must be an object of settings"),
    "area a list": ("staging", _replace("ohmycoins:kms", [7]), "ohmycoins:kms", "must be an object of settings"),
    "platform secret in plain text": (
        "staging",
        _replace("ohmycoins:runnersGithubAppPrivateKey", "-----BEGIN KEY-----"),
        "ohmycoins:runnersGithubAppPrivateKey",
        "is a secret: set it with `pulumi config set --secret`",
    ),
    "missing key in an area": (
        "staging",
        lambda c: c["ohmycoins:network"].pop("natStrategy"),
        "ohmycoins:network.natStrategy",
        "required setting is missing",
    ),
    "secure value in a plain area": (
        "staging",
        set_setting("general", "extraTags", {"Owner": {"secure": "v1:abc"}}),
        "ohmycoins:general",
        "not secret",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_bad_config_is_refused_naming_the_key(assert_refused, case):
    base, change, key, reason = BAD_CONFIGS[case]
    assert_refused(base, change, key, reason)


def test_every_problem_is_reported_at_once(plan_variant):
    def break_three_things(config):
        config["ohmycoins:network"]["natStrategy"] = "double"
        config["ohmycoins:network"]["flowLogRetentionDays"] = 10
        config["ohmycoins:general"]["colour"] = "blue"

    with pytest.raises(SettingsError) as caught:
        plan_variant("staging", break_three_things)
    assert [k for k, _ in caught.value.problems] == [
        "ohmycoins:general.colour",
        "ohmycoins:network.natStrategy",
        "ohmycoins:network.flowLogRetentionDays",
    ]


def test_bad_stack_file_ends_the_cli_with_one_message_and_no_traceback(tmp_path):
    stack_file = tmp_path / "Pulumi.staging.yaml"
    original = (PROJECT_DIR / "Pulumi.staging.yaml").read_text()
    stack_file.write_text(original.replace("natStrategy: single", "natStrategy: single\n    natStrategyy: single"))
    result = subprocess.run(
        [sys.executable, "-m", "tools.plan", "staging", "--stack-file", str(stack_file)],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "ohmycoins:network.natStrategyy: unknown setting" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.count("invalid setting") == 1
