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


def readme_rules() -> dict[str, tuple[str, str, str, bool]]:
    """The README's rule table, the pack's promise: id -> (category, control, enforcement, production only)."""
    rows = {}
    for line in (PROJECT_DIR / "README.md").read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0].startswith("`") and cells[3].startswith(("mandatory", "advisory")):
            enforcement, _, scope = cells[3].partition(" ")
            rows[cells[0].strip("`")] = (cells[1], cells[2], enforcement, scope == "(production)")
    return rows


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


def test_the_pack_is_the_readmes_table():
    promised = readme_rules()
    assert len(promised) >= 55
    assert len(RULES_BY_ID) == len(RULES), "rule ids must be unique"
    assert {rule.id: (rule.category, rule.control, rule.enforcement, rule.production_only) for rule in RULES} == promised
    assert {category for category, *_ in promised.values()} == CATEGORIES
    for rule in RULES:
        assert any(marker in rule.control for marker in ("FSBP", "CIS", "PSS", "AWS")), rule.id
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


def test_a_setting_resource_finds_its_bucket_by_name_without_a_dependency():
    """An existing bucket's settings name it by its bucket name; no dependency links them."""
    from policy.rules.base import refers_to
    from tests.policy.policy_fixtures import PAB, STG, bucket, res

    by_name = res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "pab", bucket="logs-bucket", **PAB)
    assert refers_to(by_name, bucket, "bucket")
    assert not refers_to(dataclasses.replace(by_name, inputs={**by_name.inputs, "bucket": "other-bucket"}), bucket, "bucket")
    rule = RULES_BY_ID["s3-public-access-block"]
    assert rule.evaluate([bucket, by_name], Context(stack=STG, environment=STG)) == []


def test_open_ingress_is_found_over_ipv4_and_ipv6_in_rules_and_inline():
    rule = RULES_BY_ID["sg-no-open-ingress"]
    environment, failing, _ = FIXTURES["sg-no-open-ingress"]
    findings = rule.evaluate(failing, Context(stack=environment, environment=environment))
    assert {f.resource_name for f in findings} == {"ssh", "app-https", "inline"}


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
    promised = readme_rules()
    production, staging = evaluate(production_plan), evaluate(staging_plan)
    assert production.rules_evaluated == len(promised)
    assert staging.rules_evaluated == len(promised) - sum(production_only for *_, production_only in promised.values())
    assert production.render().endswith(
        f"0 mandatory violations ({len(promised)} rules evaluated, {len(production.advisory)} advisory findings)\n"
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
    promised = readme_rules()
    pack = policies()
    assert [p.name for p in pack] == list(promised)
    assert {p.name: p.enforcement_level.value for p in pack} == {rule: enforcement for rule, (_, _, enforcement, _) in promised.items()}
    assert all(p.description for p in pack)


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
    # A resource of a type the rule does not judge is left alone, whatever its inputs.
    assert _validate(policy, _Args("aws:rds/clusterInstance:ClusterInstance", {"multiAz": False})) == []


def test_crossguard_stack_policy_reports_a_violation():
    policy = next(p for p in policies() if p.name == "vpc-flow-logs")
    vpc = _Args("aws:ec2/vpc:Vpc", {"cidrBlock": "10.0.0.0/16"}, name="vpc")
    stack = type("StackArgs", (), {"resources": [vpc]})()
    reported: list[tuple[str, str | None]] = []
    policy._StackValidationPolicy__validate(stack, lambda message, urn=None: reported.append((message, urn)))
    assert reported == [(f"{RULES_BY_ID['vpc-flow-logs'].control}: no aws.ec2.FlowLog for this VPC", vpc.urn)]


def test_crossguard_props_become_plain_data_with_unknowns_marked():
    from pulumi_policy import proxy

    from policy.pack import plain

    props = proxy.unknown_checking_proxy(
        {"kmsKeyId": proxy.UNKNOWN_STRING_VALUE, "rules": [{"cidrIpv4": "0.0.0.0/0", "fromPort": 22}], "enabled": True}
    )
    assert plain(props) == {"kmsKeyId": "[unknown]", "rules": [{"cidrIpv4": "0.0.0.0/0", "fromPort": 22}], "enabled": True}


@pytest.mark.parametrize("flag", ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"])
def test_a_public_access_block_needs_all_four_settings(flag):
    rule = RULES_BY_ID["s3-public-access-block"]
    environment, _, passing = FIXTURES["s3-public-access-block"]
    bucket, block = passing
    weakened = dataclasses.replace(block, inputs={**block.inputs, flag: False})
    findings = rule.evaluate([bucket, weakened], Context(stack=environment, environment=environment))
    assert [(f.resource_name, f.message) for f in findings] == [
        (bucket.name, "needs a BucketPublicAccessBlock with all four settings true")
    ]


def test_crossguard_stack_policies_see_each_resources_inputs_and_dependencies():
    policy = next(p for p in policies() if p.name == "s3-public-access-block")
    bucket = _Args("aws:s3/bucket:Bucket", {"bucket": "logs"}, name="logs")
    flags = {"blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True, "restrictPublicBuckets": True}
    block = _Args("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", flags, name="block")
    block.dependencies = [bucket]
    reported: list[tuple[str, str | None]] = []
    stack = type("StackArgs", (), {"resources": [bucket, block]})()
    policy._StackValidationPolicy__validate(stack, lambda message, urn=None: reported.append((message, urn)))
    assert reported == []
    block.props = {**flags, "ignorePublicAcls": False}
    policy._StackValidationPolicy__validate(stack, lambda message, urn=None: reported.append((message, urn)))
    assert reported == [("AWS FSBP S3.8 / CIS AWS v1.4 2.1.5: needs a BucketPublicAccessBlock with all four settings true", bucket.urn)]


def test_config_records_all_resources_unless_told_otherwise():
    """AWS Config's recording group defaults to all supported types; only the global ones must be asked for."""
    rule = RULES_BY_ID["config-records-everything"]
    environment, failing, _ = FIXTURES["config-records-everything"]
    recorder = dataclasses.replace(failing[0], inputs={"recordingGroup": {"includeGlobalResourceTypes": True}})
    assert rule.evaluate([recorder], Context(stack=environment, environment=environment)) == []


def test_pod_rules_read_a_bare_pods_own_spec():
    pod = dataclasses.replace(FIXTURES["pod-no-privileged"][1][0], type="kubernetes:core/v1:Pod")
    spec = pod.inputs["spec"]["template"]["spec"]
    bare = dataclasses.replace(pod, inputs={"spec": spec})
    assert [f.resource_name for f in RULES_BY_ID["pod-no-privileged"].evaluate([bare], Context(stack="s", environment="staging"))] == [
        bare.name
    ]


def test_a_read_replica_inherits_its_primarys_encryption_but_a_cluster_does_not():
    from tests.policy.policy_fixtures import res

    rule = RULES_BY_ID["rds-storage-encrypted"]
    context = Context(stack="s", environment="staging")
    replica = res("aws:rds/instance:Instance", "replica", replicateSourceDb="primary")
    cluster = res("aws:rds/cluster:Cluster", "cluster", replicateSourceDb="primary")
    assert [f.resource_name for f in rule.evaluate([replica, cluster], context)] == ["cluster"]


def test_containers_may_inherit_run_as_non_root_from_their_pod_but_not_override_it():
    from tests.policy.policy_fixtures import GOOD_CONTAINER, deployment

    rule = RULES_BY_ID["pod-security-restricted"]
    context = Context(stack="s", environment="staging")
    own = {k: v for k, v in GOOD_CONTAINER["securityContext"].items() if k != "runAsNonRoot"}
    pod = {"securityContext": {"runAsNonRoot": True}}
    inherits = deployment("inherits", spec_extra=pod, securityContext=own)
    overrides = deployment("overrides", spec_extra=pod, securityContext={**own, "runAsNonRoot": False})
    findings = rule.evaluate([inherits, overrides], context)
    assert [(f.resource_name, f.message) for f in findings] == [("overrides", "container app: runAsNonRoot must be true")]


@pytest.mark.parametrize("missing", ["api", "audit", "authenticator", "controllerManager", "scheduler"])
def test_eks_must_log_every_control_plane_component(missing):
    from tests.policy.policy_fixtures import GOOD_EKS

    rule = RULES_BY_ID["eks-control-plane-logs"]
    environment, _, passing = FIXTURES["eks-control-plane-logs"]
    types = [t for t in GOOD_EKS["enabledClusterLogTypes"] if t != missing]
    broken = [dataclasses.replace(r, inputs={**r.inputs, "enabledClusterLogTypes": types}) for r in passing]
    assert {f.resource_name for f in rule.evaluate(broken, Context(stack=environment, environment=environment))} == {
        r.name for r in passing
    }


@pytest.mark.parametrize("days, violates", [(0, True), (1, False), (7, False)])
def test_production_cache_keeps_at_least_one_days_snapshots(days, violates):
    rule = RULES_BY_ID["elasticache-backups"]
    environment, _, (group,) = FIXTURES["elasticache-backups"]
    changed = dataclasses.replace(group, inputs={**group.inputs, "snapshotRetentionLimit": days})
    assert bool(rule.evaluate([changed], Context(stack=environment, environment=environment))) is violates


def test_bucket_rules_cover_the_v2_bucket_type_too():
    from tests.policy.policy_fixtures import res

    bucket = res("aws:s3/bucketV2:BucketV2", "logs", bucket="logs-bucket")
    for rule_id in ("s3-public-access-block", "s3-default-encryption", "s3-tls-only"):
        findings = RULES_BY_ID[rule_id].evaluate([bucket], Context(stack="s", environment="staging"))
        assert [f.resource_name for f in findings] == ["logs"], rule_id
