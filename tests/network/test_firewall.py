"""Security groups: each tier admits only the tier in front of it, every rule described, data tier closed."""

from __future__ import annotations

import ipaddress
import re

import pytest

from components.network.firewall import check_targets, vpc_resolver
from tests.data.data_tier import EGRESS, INGRESS, SECURITY_GROUP, all_rules_of, describe, group_ids, rules_of

ROUTED_PORTS = {80, 8000}  # frontend and backend: what the ALB forwards to
SERVICE_PORTS = {80, 8000, 8001}  # every port a workload listens on (agents: 8001)


def _rules(plan, type_, role):
    ids = group_ids(plan)
    names = {group_id: role for role, group_id in ids.items()}
    return {describe(rule, names) for rule in rules_of(plan, type_, ids[role])}


def test_vpc_resolver_is_the_base_address_plus_two():
    assert vpc_resolver("10.0.0.0/16") == "10.0.0.2/32"
    assert vpc_resolver("10.1.0.0/20") == "10.1.0.2/32"


@pytest.mark.parametrize("targets", [(), ("app",), ("database", "database"), ("alb", "cache")])
def test_allow_from_admits_to_the_data_tier_only(targets):
    with pytest.raises(ValueError, match="allow_from targets"):
        check_targets(targets)
    check_targets(("database", "cache"))


def test_the_four_groups_live_in_the_vpc_and_are_named_for_the_stack(any_plan):
    groups = {g.name: g for g in any_plan.all(SECURITY_GROUP) if g.name.startswith("firewall-")}
    assert sorted(groups) == ["firewall-alb", "firewall-app", "firewall-cache", "firewall-database"]
    for name, group in groups.items():
        assert group.inputs["vpcId"] == any_plan.outputs["vpcId"]
        assert group.inputs["name"] == f"ohmycoins-{any_plan.stack}-{name.removeprefix('firewall-')}"
        assert group.inputs["description"]
        # Rules are separate resources, so nobody's inline list fights them.
        assert "ingress" not in group.inputs or group.inputs["ingress"] in (None, [])


def test_alb_takes_http_and_https_from_the_internet_and_forwards_to_the_app_only(any_plan):
    assert _rules(any_plan, INGRESS, "alb") == {("tcp", 80, 80, "0.0.0.0/0"), ("tcp", 443, 443, "0.0.0.0/0")}
    assert _rules(any_plan, EGRESS, "alb") == {("tcp", port, port, "sg:app") for port in ROUTED_PORTS}


def test_app_takes_traffic_from_the_alb_its_own_tier_and_the_metrics_scraper_only(any_plan):
    expected = {("tcp", port, port, "sg:alb") for port in ROUTED_PORTS} | {("tcp", port, port, "sg:app") for port in SERVICE_PORTS}
    # Both stacks run the apps on ECS: Prometheus on the EKS cluster (its security group, checked by
    # tests/compute/eks/test_eks.py) scrapes the backend's and the agents' metrics ports.
    expected |= {("tcp", 8000, 8000, "sg:other"), ("tcp", 8001, 8001, "sg:other")}
    assert _rules(any_plan, INGRESS, "app") == expected


def test_app_reaches_the_data_tier_https_smtp_and_dns_only(any_plan):
    resolver = "10.1.0.2/32" if any_plan.stack == "staging" else "10.0.0.2/32"
    assert _rules(any_plan, EGRESS, "app") == {
        ("tcp", 5432, 5432, "sg:database"),
        ("tcp", 6379, 6379, "sg:cache"),
        ("tcp", 443, 443, "0.0.0.0/0"),
        # The SMTP server of ohmycoins:email (both stacks: 587, STARTTLS).
        ("tcp", 587, 587, "0.0.0.0/0"),
        ("udp", 53, 53, resolver),
        ("tcp", 53, 53, resolver),
        *{("tcp", port, port, "sg:app") for port in SERVICE_PORTS},
    }


@pytest.mark.parametrize("role, port", [("database", 5432), ("cache", 6379)])
def test_data_tier_admits_its_port_from_security_groups_only_and_opens_nothing(any_plan, role, port):
    rules = _rules(any_plan, INGRESS, role)
    assert ("tcp", port, port, "sg:app") in rules
    # Besides the app tier, only sources admitted through `allow_from` (other security groups,
    # same port); the stack files configure no management ranges.
    assert all(rule[:3] == ("tcp", port, port) and rule[3].startswith("sg:") for rule in rules)
    group = any_plan.named(f"firewall-{role}")
    assert group.inputs["egress"] == []
    # Nobody, not even another component, gives the data tier a way out.
    assert all_rules_of(any_plan, EGRESS, group_ids(any_plan)[role]) == []


def test_every_rule_says_why_it_exists_and_is_named_for_the_stack(any_plan):
    rules = any_plan.all(INGRESS) + any_plan.all(EGRESS)
    assert rules and all(rule.inputs.get("description") for rule in rules)
    firewall = [rule for rule in rules if rule.name.startswith("firewall-")]
    assert firewall and all(
        rule.inputs["tags"] == {"Name": f"ohmycoins-{any_plan.stack}-{rule.name.removeprefix('firewall-')}"} for rule in firewall
    )


# What EC2 accepts in security group and rule descriptions.
_EC2_DESCRIPTION = re.compile(r"^[a-zA-Z0-9. _\-:/()#,@\[\]+=&;{}!$*]{0,255}$")


def test_descriptions_are_ones_ec2_accepts(any_plan):
    for resource in any_plan.all(SECURITY_GROUP) + any_plan.all(INGRESS) + any_plan.all(EGRESS):
        assert _EC2_DESCRIPTION.match(resource.inputs.get("description") or ""), (resource.name, resource.inputs.get("description"))


def test_nothing_but_the_alb_listens_to_the_internet(any_plan):
    open_rules = [
        (rule.name, rule.inputs["fromPort"])
        for rule in any_plan.all(INGRESS)
        if rule.inputs.get("cidrIpv4") == "0.0.0.0/0" or rule.inputs.get("cidrIpv6") == "::/0"
    ]
    assert sorted(open_rules) == [("firewall-alb-in-443-internet", 443), ("firewall-alb-in-80-internet", 80)]
    for group in any_plan.all(SECURITY_GROUP):
        for rule in group.inputs.get("ingress") or []:
            assert "0.0.0.0/0" not in (rule.get("cidrBlocks") or []), group.name


def test_data_tier_is_unreachable_from_outside_the_vpc(any_plan):
    vpc = ipaddress.ip_network(any_plan.outputs["vpcCidr"])
    ids = group_ids(any_plan)
    for role in ("database", "cache"):
        for rule in all_rules_of(any_plan, INGRESS, ids[role]):
            cidr = rule.inputs.get("cidrIpv4")
            assert cidr is None or ipaddress.ip_network(cidr).subnet_of(vpc) or ipaddress.ip_network(cidr).is_private
    data_subnets = sorted(any_plan.outputs["privateDataSubnetIds"])
    assert sorted(any_plan.named("database-subnets").inputs["subnetIds"]) == data_subnets
    assert sorted(any_plan.named("cache-subnets").inputs["subnetIds"]) == data_subnets
    assert any_plan.named("database-instance").inputs["publiclyAccessible"] is False
    assert any_plan.named("database-instance").inputs["vpcSecurityGroupIds"] == [ids["database"]]
    assert any_plan.named("cache-redis").inputs["securityGroupIds"] == [ids["cache"]]


def test_management_ranges_reach_the_database_port_only(staging_extras):
    ids = group_ids(staging_extras)
    names = {group_id: role for role, group_id in ids.items()}
    rules = {describe(rule, names) for rule in rules_of(staging_extras, INGRESS, ids["database"])}
    assert ("tcp", 5432, 5432, "10.50.0.0/16") in rules
    cache_rules = {describe(rule, names) for rule in rules_of(staging_extras, INGRESS, ids["cache"])}
    assert not any(peer == "10.50.0.0/16" for *_, peer in cache_rules)


def test_adopted_groups_keep_the_name_and_description_they_were_created_with(adopting_plan):
    plan, _ = adopting_plan
    groups = {g.name: (g.inputs["name"], g.inputs["description"]) for g in plan.all(SECURITY_GROUP) if g.name.startswith("firewall-")}
    assert groups == {
        "firewall-alb": ("ohmycoins-staging-alb", "Application load balancer: HTTP and HTTPS from the internet"),
        "firewall-app": ("ohmycoins-staging-ecs-sg", "Security group for ECS tasks"),
        "firewall-cache": ("ohmycoins-staging-cache", "Redis: from the application tier only"),
        "firewall-database": ("ohmycoins-staging-rds-sg", "Security group for RDS PostgreSQL"),
    }


@pytest.mark.parametrize(
    "groups, key, reason",
    [
        ({"app": {"name": "sg-legacy", "description": "x"}}, "ohmycoins:firewall.groups.app.name", "must not be empty or start with 'sg-'"),
        (
            {"app": {"name": "legacy", "description": "tabs\tare not allowed"}},
            "ohmycoins:firewall.groups.app.description",
            "not valid for a VPC",
        ),
        (
            {"web": {"name": "legacy", "description": "x"}},
            "ohmycoins:firewall.groups.web",
            "Input should be 'alb', 'app', 'database' or 'cache'",
        ),
        ({"cache": {"name": "x" * 256, "description": "x"}}, "ohmycoins:firewall.groups.cache.name", "up to 255"),
    ],
)
def test_group_names_and_descriptions_ec2_refuses_are_refused(assert_refused, groups, key, reason):
    assert_refused("staging", lambda config: config["ohmycoins:firewall"].update(groups=groups), key, reason)
