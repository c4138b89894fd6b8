"""`tools.adopt` on a staging state written for these tests: what it adopts, how, and what it writes."""

from __future__ import annotations

import json
import re

import yaml

from tools.adopt.fates import HANDED_OFF_REASONS, LEFT_REASONS

from .state_builder import DB_PASSWORD, KEY_ARN, SECRET_ARN, SECRET_VALUES


def _stack(result) -> dict:
    return yaml.safe_load(result.files["Pulumi.staging.yaml"])["config"]


def test_subnets_are_adopted_by_tier_and_zone_with_their_live_cidrs(own):
    plan = own.adoption.plan
    expected = {
        "network-public-a": ("subnet-0a0000000000000a1", "ap-southeast-2a", "10.20.1.0/24"),
        "network-public-b": ("subnet-0a0000000000000b1", "ap-southeast-2b", "10.20.2.0/24"),
        "network-private-app-a": ("subnet-0a0000000000000a2", "ap-southeast-2a", "10.20.11.0/24"),
        "network-private-app-b": ("subnet-0a0000000000000b2", "ap-southeast-2b", "10.20.12.0/24"),
        "network-private-data-a": ("subnet-0a0000000000000a3", "ap-southeast-2a", "10.20.21.0/24"),
        "network-private-data-b": ("subnet-0a0000000000000b3", "ap-southeast-2b", "10.20.22.0/24"),
    }
    for name, (subnet_id, zone, cidr) in expected.items():
        subnet = plan.named(name)
        assert (subnet.importId, subnet.inputs["availabilityZone"], subnet.inputs["cidrBlock"]) == (subnet_id, zone, cidr), name
        assert subnet.inputs["vpcId"] == "vpc-0aa11bb22cc33dd44"
        assert subnet.protect
    vpc = plan.named("network-vpc")
    assert (vpc.importId, vpc.inputs["cidrBlock"]) == ("vpc-0aa11bb22cc33dd44", "10.20.0.0/16")


def test_the_single_nat_keeps_its_zone_which_goes_first(own):
    network = _stack(own)["ohmycoins:network"]
    assert (network["natStrategy"], network["natType"]) == ("single", "gateway")
    assert "natInstanceType" not in network
    assert network["availabilityZones"] == ["ap-southeast-2b", "ap-southeast-2a"]
    assert network["publicSubnets"] == ["10.20.2.0/24", "10.20.1.0/24"]
    plan = own.adoption.plan
    assert plan.named("network-nat-b").importId == "nat-0a00000000000e001"
    assert plan.named("network-nat-eip-b").importId == "eipalloc-0a00000000000f001"
    assert plan.named("network-private-app-egress-a").importId == "rtb-0a00000000000c002_0.0.0.0/0"


def test_the_database_keeps_every_input_aws_fixes_at_creation(own):
    plan = own.adoption.plan
    db = plan.named("database-instance")
    assert db.importId == "ohmycoins-staging-postgres"
    wanted = {
        "identifier": "ohmycoins-staging-postgres",
        "engine": "postgres",
        "engineVersion": "17.4",
        "username": "postgres",
        "dbName": "app",
        "kmsKeyId": KEY_ARN,
        "storageEncrypted": True,
        "dbSubnetGroupName": "ohmycoins-staging-db",
    }
    assert {key: db.inputs.get(key) for key in wanted} == wanted
    # The existing password, from secure config; RDS does not generate a new one.
    assert db.inputs["password"] == "[secret]"
    assert "manageMasterUserPassword" not in db.inputs
    assert plan.named("database-subnets").importId == "ohmycoins-staging-db"
    assert db.protect


def test_the_cache_keeps_its_key_and_group_and_takes_tls_one_step(own):
    group = own.adoption.plan.named("cache-redis")
    assert group.importId == "ohmycoins-staging-redis"
    assert group.inputs["replicationGroupId"] == "ohmycoins-staging-redis"
    assert "kmsKeyId" not in group.inputs  # the AWS-managed key it was created with
    assert group.inputs["subnetGroupName"] == "ohmycoins-staging-cache"
    assert (group.inputs["transitEncryptionEnabled"], group.inputs["transitEncryptionMode"]) == (True, "preferred")
    assert _stack(own)["ohmycoins:cache"]["transitEncryption"] == "preferred"


def test_the_app_secret_is_adopted_and_keeps_its_values(own):
    plan = own.adoption.plan
    assert plan.named("app-secrets-secret").importId == SECRET_ARN
    generators = {r.name for r in plan.resources if r.type.startswith("random:")}
    assert not generators & {"app-secrets-secret-key", "app-secrets-encryption-key", "app-secrets-first-superuser-password"}
    carried = _stack(own)["ohmycoins:appSecretValues"]
    assert set(carried) == {"secretKey", "encryptionKey", "firstSuperuserPassword"}
    assert all(set(value) == {"secure"} for value in carried.values())


def test_every_address_has_a_fate(own):
    fates = {f.address: f for f in own.adoption.fates}
    assert len(fates) == 45  # 44 managed instances and one data source
    assert fates["module.security.aws_security_group_rule.rds_out"].fate == "handed off"
    assert fates["aws_secretsmanager_secret_version.app"].fate == "handed off"
    assert fates["module.security.aws_security_group_rule.alb_out"].fate == "left to Terraform"
    assert fates["module.vpc.aws_route_table.private_db[1]"].fate == "left to Terraform"
    assert fates["module.iam.aws_iam_role.task"].fate == "left to Terraform"
    assert fates["module.iam.data.aws_iam_openid_connect_provider.github"].fate == "data source"
    rules = {f.address.rsplit(".", 1)[1]: f.logical_name for f in fates.values() if f.type == "aws_security_group_rule" and f.logical_name}
    assert rules == {
        "alb_https": "firewall-alb-in-443-internet",
        "alb_http": "firewall-alb-in-80-internet",
        "ecs_backend": "firewall-app-in-8000-alb",
        "rds_from_ecs": "firewall-database-in-app",
        "redis_from_ecs": "firewall-cache-in-app",
    }
    assert fates["module.security.aws_security_group_rule.rds_from_ecs"].import_id == "sgr-0a000000000000005"


def test_every_address_left_to_terraform_or_handed_off_says_why(own):
    report = own.files["report.md"]

    def section(heading: str) -> str:
        return report.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]

    left = re.findall(r"^\| `([^`]+)` \| (.*) \|$", section("Left to Terraform"), re.MULTILINE)
    handed = re.findall(r"^- `([^`]+)`: (.*)$", section("Handing the adopted addresses off"), re.MULTILINE)
    assert len(left) == sum(f.fate == "left to Terraform" for f in own.adoption.fates) > 0
    assert len(handed) == sum(f.fate == "handed off" for f in own.adoption.fates) > 0
    assert all(len(why.strip()) > 10 for _, why in left + handed), left + handed
    # Any type the tool leaves or hands off, not only those in this state, has its reason.
    assert all(len(why) > 10 for why in [*LEFT_REASONS.values(), *HANDED_OFF_REASONS.values()])


def test_no_stateful_resource_is_replaced_or_deleted(own):
    summary = json.loads(own.files["report.json"])["summary"]
    assert summary["stateful resources replaced or deleted"] == 0
    assert summary["replaced"] == 0
    assert "replaced or deleted: 0.**" in own.files["report.md"]
    assert not any(change["replaces"] for f in own.adoption.fates for change in f.changes)


def test_in_place_updates_say_what_they_do(own):
    changes = {f.logical_name: {c["input"]: c for c in f.changes} for f in own.adoption.fates if f.changes}
    assert "next reboot" in changes["database-instance"]["parameterGroupName"]["impact"]
    assert changes["database-instance"]["password"]["live"] == "(sensitive)"
    assert changes["cache-redis"]["transitEncryptionMode"]["program"] == "preferred"
    assert changes["firewall-database"]["egress"]["program"] == "[]"
    # The second data subnet moves to the program's single data route table.
    assert changes["network-private-data-rta-b"]["routeTableId"]["live"] == "rtb-0a00000000000c005"
    assert changes["network-private-data-rta-b"]["routeTableId"]["program"] == "rtb-0a00000000000c004"


def test_log_groups_rds_made_are_imported_from_outside_the_state(own):
    plan = own.adoption.plan
    assert own.adoption.outside_state == {"database-postgresql-logs": "/aws/rds/instance/ohmycoins-staging-postgres/postgresql"}
    assert plan.named("database-postgresql-logs").importId == "/aws/rds/instance/ohmycoins-staging-postgres/postgresql"
    assert plan.named("database-upgrade-logs").importId == ""  # the upgrade export was off: the program creates it


def test_no_written_file_holds_a_secret_value(own):
    secrets = [DB_PASSWORD, *SECRET_VALUES.values()]
    for name, content in own.files.items():
        assert not [s for s in secrets if s in content], name
    script = own.files["set-secrets.sh"]
    # The state's copy of the app secret is current, so it is read from the state file, piped, never echoed.
    assert 'jq -r \'.resources[] | select(.type == "aws_secretsmanager_secret_version" and .name == "app"' in script
    assert "| pulumi config set --secret ohmycoins:databaseMasterPassword -s staging" in script
    assert "carry ENCRYPTION_KEY appSecretValues encryptionKey" in script


def test_the_handoff_forgets_adopted_addresses_only(own):
    script = own.files["handoff.sh"]
    assert "terraform state rm 'module.vpc.aws_subnet.public[0]'" in script
    assert "terraform state rm module.rds.aws_db_instance.this" in script
    assert "module.iam.aws_iam_role.task" not in script
    report = own.files["report.md"]
    assert "removed {\n  from = module.rds.aws_db_instance.this\n  lifecycle {\n    destroy = false\n  }\n}" in report
    # Some instances of the data-tier route tables stay with Terraform: no `removed` block for them.
    assert "from = module.vpc.aws_route_table.private_db\n" not in report
    assert "-target='module.vpc.aws_route_table.private_db[1]'" in report


def test_the_written_files_are_the_returned_ones(own, tmp_path_factory):
    out = own.adoption.plan  # planned from the written stack file itself
    assert out.stack == "staging"
    directory = next(p for p in tmp_path_factory.getbasetemp().glob("own*/out"))
    assert {p.name: p.read_text() for p in directory.iterdir()} == own.files
    assert (directory / "set-secrets.sh").stat().st_mode & 0o111


def test_a_paused_staging_gets_its_nat_back(own_paused):
    network = _stack(own_paused)["ohmycoins:network"]
    assert network["natStrategy"] == "single"
    assert network["availabilityZones"] == ["ap-southeast-2a", "ap-southeast-2b"]
    plan = own_paused.adoption.plan
    # No live NAT to adopt: the committed staging's NAT instance is created, in the first zone.
    assert network["natType"] == "instance"
    assert plan.named("network-nat-instances-eni-a").importId == ""
    assert plan.named("network-private-app-rt-a").importId == ""
    assert plan.named("network-private-app-a").importId == "subnet-0a0000000000000a2"
    assert any("paused by hand" in note for note in own_paused.adoption.notes)


def test_turning_automated_backups_on_is_called_an_outage_and_lengthening_them_is_not():
    from tools.adopt.changes import _difference
    from tools.plan_model import PlannedResource

    database = PlannedResource(urn="urn:db", type="aws:rds/instance:Instance", name="database-instance", parent="", inputs={})
    turned_on = _difference(database, "backupRetentionPeriod", "0", "7", 0)
    assert (turned_on.replaces, turned_on.impact) == (
        False,
        "applied in place with an outage: turning automated backups on restarts the instance",
    )
    assert "outage" not in _difference(database, "backupRetentionPeriod", "5", "7", 5).impact


def test_a_one_block_list_in_the_state_equals_the_programs_single_value():
    from tools.adopt.changes import same

    # Terraform keeps a nested block as a one-element list; the program gives the value itself.
    assert same("enabled", ["enabled"]) and same({"status": "Enabled"}, [{"status": "Enabled"}])
    assert not same("enabled", ["enabled", "disabled"])


def test_the_report_shows_a_mapping_without_its_empty_entries():
    from tools.adopt.changes import _show
    from tools.plan_model import Plan

    empty_plan = Plan(stack="staging", project="ohmycoins", resources=[], outputs={})
    assert _show({"mode": "preferred", "unset": None, "blank": "", "none": [], "nothing": {}}, empty_plan) == "{mode: preferred}"
