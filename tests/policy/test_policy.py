"""The policy pack: every rule catches its violation and passes its fix; both stacks are clean."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

from policy.pack import context_for, environment_of, policies, stack_of
from policy.rules import RULES, Context
from tests.policy.policy_fixtures import FIXTURES
from tools.engine import PROJECT_DIR
from tools.policy_report import evaluate

RULES_BY_ID = {rule.id: rule for rule in RULES}
# The categories the policy pack promises to cover (README "Policy pack").
CATEGORIES = {
    "encryption at rest",
    "encryption in transit",
    "public exposure",
    "resilience and recovery",
    "logging",
    "iam",
    "kubernetes pods",
}


def test_the_pack_has_at_least_30_rules_each_naming_its_control():
    assert len(RULES) >= 30
    assert len(RULES_BY_ID) == len(RULES), "rule ids must be unique"
    assert {rule.category for rule in RULES} == CATEGORIES
    for rule in RULES:
        assert rule.enforcement in ("mandatory", "advisory")
        assert rule.control and any(marker in rule.control for marker in ("FSBP", "CIS", "PSS", "AWS")), rule.id
        assert (rule.check is None) != (rule.stack_check is None), rule.id


def test_every_rule_has_fixtures():
    assert set(FIXTURES) == set(RULES_BY_ID)


@pytest.mark.parametrize("rule_id", sorted(FIXTURES))
def test_rule_catches_its_failing_fixture(rule_id):
    rule = RULES_BY_ID[rule_id]
    environment, failing, _ = FIXTURES[rule_id]
    findings = rule.evaluate(failing, Context(stack=environment, environment=environment))
    assert findings, f"{rule_id} found nothing in its failing fixture"
    if rule.check is not None:
        # Every resource of the rule's types in the failing fixture is a distinct way to violate it.
        flagged = {f.resource_name for f in findings}
        assert flagged == {r.name for r in failing if r.type in rule.types}
    assert all(f.rule == rule_id and f.enforcement == rule.enforcement and f.message for f in findings)


@pytest.mark.parametrize("rule_id", sorted(FIXTURES))
def test_rule_passes_its_passing_fixture(rule_id):
    rule = RULES_BY_ID[rule_id]
    environment, _, passing = FIXTURES[rule_id]
    assert rule.evaluate(passing, Context(stack=environment, environment=environment)) == []


def test_production_only_rules_do_not_apply_to_staging():
    _, failing, _ = FIXTURES["rds-multi-az"]
    rule = RULES_BY_ID["rds-multi-az"]
    assert rule.production_only
    assert rule.evaluate(failing, Context(stack="staging", environment="staging")) == []


def _describe(report) -> str:
    return "\n".join(f"{f.rule} ({f.control}) {f.resource_type} {f.resource_name}: {f.message}" for f in report.mandatory)


def test_both_stacks_have_no_mandatory_violation(any_plan):
    report = evaluate(any_plan)
    assert report.environment == any_plan.stack
    assert not report.mandatory, _describe(report)


def test_the_eks_apps_stack_has_no_mandatory_violation(eks_apps_plan):
    # Its pods, ECS-free workloads and Kubernetes rules are what the pod rules exist for.
    report = evaluate(eks_apps_plan)
    assert not report.mandatory, _describe(report)


def test_the_report_counts_rules_and_findings(staging_plan, production_plan):
    production, staging = evaluate(production_plan), evaluate(staging_plan)
    assert production.rules_evaluated == len(RULES)
    assert staging.rules_evaluated == len([r for r in RULES if not r.production_only])
    assert production.render().endswith(
        f"{len(production.mandatory)} mandatory violations ({len(RULES)} rules evaluated, {len(production.advisory)} advisory findings)\n"
    )


def test_a_plan_with_a_violation_is_reported(production_plan):
    database = production_plan.one("aws:rds/instance:Instance")
    broken = dataclasses.replace(database, inputs={**database.inputs, "publiclyAccessible": True, "multiAz": False})
    plan = dataclasses.replace(production_plan, resources=[broken if r is database else r for r in production_plan.resources])
    before = {(f.rule, f.resource_name) for f in evaluate(production_plan).mandatory}
    after = {(f.rule, f.resource_name) for f in evaluate(plan).mandatory}
    assert after - before == {("rds-not-public", database.name), ("rds-multi-az", database.name)}


def test_cli_policy_flag_prints_the_summary_and_exit_code(production_plan):
    mandatory = len(evaluate(production_plan).mandatory)
    result = subprocess.run(
        [sys.executable, "-m", "tools.plan", "production", "--policy"], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=600
    )
    # Non-zero exactly when a mandatory rule is violated, so CI fails on it.
    assert result.returncode == (1 if mandatory else 0), result.stderr[-3000:]
    assert result.stdout.rstrip().splitlines()[-1].startswith(f"{mandatory} mandatory violations ({len(RULES)} rules evaluated, ")


# The CrossGuard side: the same rules behind the pulumi_policy API.


def test_every_rule_becomes_a_crossguard_policy():
    pack = policies()
    assert [p.name for p in pack] == [rule.id for rule in RULES]
    mandatory = {rule.id for rule in RULES if rule.enforcement == "mandatory"}
    assert {p.name for p in pack if p.enforcement_level.value == "mandatory"} == mandatory


def test_crossguard_reads_stack_and_environment():
    assert stack_of("urn:pulumi:production::ohmycoins::aws:s3/bucket:Bucket::logs") == "production"
    props = {"defaultTags": '{"tags": {"Environment": "production", "Stack": "prod-eu"}}'}
    assert environment_of(props, "prod-eu") == "production"
    assert context_for("urn:pulumi:qa::ohmycoins::aws:s3/bucket:Bucket::logs", None) == Context(stack="qa", environment="qa")


class _Opts:
    protect = False


class _Provider:
    resource_type = "pulumi:providers:aws"
    props = {"defaultTags": {"tags": {"Environment": "production"}}}


class _Args:
    def __init__(self, type_, props, name="db"):
        self.resource_type, self.props, self.name = type_, props, name
        self.urn = f"urn:pulumi:production::ohmycoins::{type_}::{name}"
        self.opts, self.provider, self.dependencies = _Opts(), _Provider(), []


def _validate(policy, args) -> list[str]:
    validate = policy._ResourceValidationPolicy__validate
    validate = validate[0] if isinstance(validate, list) else validate
    reported: list[str] = []
    validate(args, lambda message, urn=None: reported.append(message))
    return reported


def test_crossguard_resource_policy_reports_a_violation():
    policy = next(p for p in policies() if p.name == "rds-multi-az")
    assert _validate(policy, _Args("aws:rds/instance:Instance", {"multiAz": False})) == [
        "AWS FSBP RDS.5: multiAz must be true in production"
    ]
    assert _validate(policy, _Args("aws:rds/instance:Instance", {"multiAz": True})) == []


def test_crossguard_stack_policy_reports_a_violation():
    policy = next(p for p in policies() if p.name == "vpc-flow-logs")
    vpc = _Args("aws:ec2/vpc:Vpc", {"cidrBlock": "10.0.0.0/16"}, name="vpc")
    stack = type("StackArgs", (), {"resources": [vpc]})()
    reported: list[tuple[str, str | None]] = []
    policy._StackValidationPolicy__validate(stack, lambda message, urn=None: reported.append((message, urn)))
    assert reported == [(f"{RULES_BY_ID['vpc-flow-logs'].control}: no aws.ec2.FlowLog for this VPC", vpc.urn)]


def test_readme_lists_every_rule_with_its_control():
    readme = (PROJECT_DIR / "README.md").read_text()
    for rule in RULES:
        assert f"| `{rule.id}` | {rule.category} | {rule.control} |" in readme, rule.id


def test_crossguard_props_become_plain_data_with_unknowns_marked():
    from pulumi_policy import proxy

    from policy.pack import plain

    props = proxy.unknown_checking_proxy(
        {"kmsKeyId": proxy.UNKNOWN_STRING_VALUE, "rules": [{"cidrIpv4": "0.0.0.0/0", "fromPort": 22}], "enabled": True}
    )
    assert plain(props) == {"kmsKeyId": "[unknown]", "rules": [{"cidrIpv4": "0.0.0.0/0", "fromPort": 22}], "enabled": True}
