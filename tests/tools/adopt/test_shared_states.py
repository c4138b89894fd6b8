"""`tools.adopt` on the realistic states of the live staging, when the shared fixtures are present (CI has them)."""

from __future__ import annotations

import json

import pytest
import yaml

from tools.adopt.run import adopt
from tools.engine import PROJECT_DIR

SHARED_STATES = PROJECT_DIR.parent / "shared" / "fixtures" / "terraform"
STATES = ("original-staging.tfstate", "original-staging-paused.tfstate", "original-staging-variant.tfstate")
TIERS = {"public": "public", "private_app": "private-app", "private_db": "private-data"}

pytestmark = pytest.mark.skipif(not SHARED_STATES.exists(), reason="the shared Terraform states are not on this machine")


@pytest.fixture(scope="module", params=STATES)
def adopted(request, tmp_path_factory):
    path = SHARED_STATES / request.param
    result = adopt(path, "staging", tmp_path_factory.mktemp("shared") / "out")
    state = {}
    for resource in json.loads(path.read_text())["resources"]:
        for instance in resource["instances"]:
            state[(resource["type"], resource["name"], instance.get("index_key"))] = instance["attributes"]
    return request.param, result, state


def _one(state, type_):
    (found,) = [attributes for (t, _, _), attributes in state.items() if t == type_]
    return found


def test_the_network_carries_import_ids_and_the_live_cidrs_and_zones(adopted):
    _, result, state = adopted
    plan = result.adoption.plan
    vpc = _one(state, "aws_vpc")
    assert (plan.named("network-vpc").importId, plan.named("network-vpc").inputs["cidrBlock"]) == (vpc["id"], vpc["cidr_block"])
    subnets = [(name, attributes) for (t, name, _), attributes in state.items() if t == "aws_subnet"]
    assert len(subnets) == 6
    for name, attributes in subnets:
        planned = plan.named(f"network-{TIERS[name]}-{attributes['availability_zone'][-1]}")
        assert planned.importId == attributes["id"]
        assert (planned.inputs["cidrBlock"], planned.inputs["availabilityZone"]) == (
            attributes["cidr_block"],
            attributes["availability_zone"],
        )


def test_the_database_keeps_identifier_engine_user_key_and_subnet_group(adopted):
    _, result, state = adopted
    live = _one(state, "aws_db_instance")
    db = result.adoption.plan.named("database-instance")
    assert db.importId == live["identifier"]
    for program, attribute in (
        ("identifier", "identifier"),
        ("engine", "engine"),
        ("username", "username"),
        ("kmsKeyId", "kms_key_id"),
        ("dbSubnetGroupName", "db_subnet_group_name"),
        ("dbName", "db_name"),
    ):
        assert db.inputs[program] == live[attribute], program
    assert db.protect


def test_the_cache_keeps_group_id_key_subnet_group_and_takes_the_legal_tls_step(adopted):
    _, result, state = adopted
    live = _one(state, "aws_elasticache_replication_group")
    cache = result.adoption.plan.named("cache-redis")
    assert cache.importId == live["replication_group_id"]
    assert cache.inputs["replicationGroupId"] == live["replication_group_id"]
    assert cache.inputs["subnetGroupName"] == live["subnet_group_name"]
    assert live["kms_key_id"] == "" and "kmsKeyId" not in cache.inputs  # the AWS-managed key stays
    assert live["transit_encryption_enabled"] is False and cache.inputs["transitEncryptionMode"] == "preferred"


def test_the_app_secret_is_adopted_with_its_values_carried_over(adopted):
    _, result, state = adopted
    live = _one(state, "aws_secretsmanager_secret")
    plan = result.adoption.plan
    assert plan.named("app-secrets-secret").importId == live["arn"]
    assert not {r.name for r in plan.resources if r.type.startswith("random:")} & {
        "app-secrets-secret-key",
        "app-secrets-encryption-key",
        "app-secrets-first-superuser-password",
    }
    config = yaml.safe_load(result.files["Pulumi.staging.yaml"])["config"]
    assert set(config["ohmycoins:appSecretValues"]) == {"secretKey", "encryptionKey", "firstSuperuserPassword"}
    # The state's copy of the value is stale in two of the states (AWSPREVIOUS): then Secrets Manager is read.
    version = _one(state, "aws_secretsmanager_secret_version")
    reads_live = "aws secretsmanager get-secret-value" in result.files["set-secrets.sh"]
    assert reads_live == ("AWSCURRENT" not in version["version_stages"])


def test_no_stateful_resource_is_replaced_or_deleted_and_no_secret_is_written(adopted):
    _, result, state = adopted
    summary = json.loads(result.files["report.json"])["summary"]
    assert summary["stateful resources replaced or deleted"] == 0 and summary["replaced"] == 0
    password = _one(state, "aws_db_instance")["password"]
    secret_string = _one(state, "aws_secretsmanager_secret_version")["secret_string"]
    for content in result.files.values():
        assert password not in content and secret_string not in content


# The live staging of January 2026 (rebuilt on 2026-01-11, the paused one too) and the earlier one.
NETWORKS = {
    "original-staging.tfstate": ("10.0.0.0/16", "10.0"),
    "original-staging-paused.tfstate": ("10.0.0.0/16", "10.0"),
    "original-staging-variant.tfstate": ("10.1.0.0/16", "10.1"),
}


def test_the_stack_file_describes_the_live_network_and_database(adopted):
    name, result, _ = adopted
    vpc, net = NETWORKS[name]
    config = yaml.safe_load(result.files["Pulumi.staging.yaml"])["config"]
    network = config["ohmycoins:network"]
    assert network["vpcCidr"] == vpc
    assert network["publicSubnets"] == [f"{net}.1.0/24", f"{net}.2.0/24"]
    assert network["privateAppSubnets"] == [f"{net}.11.0/24", f"{net}.12.0/24"]
    assert network["privateDataSubnets"] == [f"{net}.21.0/24", f"{net}.22.0/24"]
    database = config["ohmycoins:database"]
    assert (database["masterUsername"], database["engineVersion"], database["masterPasswordSource"]) == ("postgres", "17.2", "stack-secret")
    paused = name == "original-staging-paused.tfstate"
    plan = result.adoption.plan
    if paused:
        # Nothing to adopt: the committed staging's NAT instance is created.
        assert network["natType"] == "instance" and plan.named("network-nat-instances-eni-a").importId == ""
    else:
        assert network["natType"] == "gateway" and plan.named("network-nat-a").importId.startswith("nat-")
