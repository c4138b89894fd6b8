"""The runner of the pulumi workflows: CodeBuild in the VPC, reaching the EKS API's private endpoint only."""

from __future__ import annotations

import json
import re

import botocore.session
import pytest

from components.security.ci_runner import runner_role_statements, runs_on_label, workflow_name_pattern
from components.security.ci_runner_settings import CiRunnerSettings
from tests.stack_edits import set_setting

PROJECT = "aws:codebuild/project:Project"
WEBHOOK = "aws:codebuild/webhook:Webhook"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
CONNECTION = "arn:aws:codeconnections:ap-southeast-2:123456789012:connection/00000000-0000-0000-0000-000000000000"
CODEBUILD = botocore.session.get_session().get_service_model("codebuild")


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_builds_run_in_the_private_app_subnets_as_github_runners(request, stack):
    plan = request.getfixturevalue(f"{stack}_plan")
    project = plan.one(PROJECT).inputs
    assert project["name"] == f"ohmycoins-{stack}-ci-runner"
    assert sorted(project["vpcConfig"]["subnets"]) == sorted(plan.outputs["privateAppSubnetIds"])
    assert project["vpcConfig"]["vpcId"] == plan.outputs["vpcId"]
    assert len(project["vpcConfig"]["securityGroupIds"]) == 1
    assert plan.one("aws:ec2/securityGroup:SecurityGroup", "ci-runner-sg").urn in plan.one(PROJECT).dependencies
    assert project["source"] == {
        "type": "GITHUB",
        "location": "https://github.com/MarkLimmage/ohmycoins.git",
        "gitCloneDepth": 1,
        "auth": {"type": "CODECONNECTIONS", "resource": CONNECTION},
    }
    environment = project["environment"]
    assert (environment["type"], environment["computeType"], environment["image"]) == (
        "LINUX_CONTAINER",
        "BUILD_GENERAL1_MEDIUM",
        "aws/codebuild/standard:7.0",
    )
    assert environment["privilegedMode"] is False
    assert project["artifacts"] == {"type": "NO_ARTIFACTS"}
    assert (project["buildTimeout"], project["queuedTimeout"], project["concurrentBuildLimit"]) == (120, 60, 3)
    assert plan.outputs["ciRunnerLabel"] == f"codebuild-ohmycoins-{stack}-ci-runner-${{{{ github.run_id }}}}-${{{{ github.run_attempt }}}}"


def test_only_queued_jobs_of_the_pulumi_workflows_start_builds(any_plan):
    webhook = any_plan.one(WEBHOOK).inputs
    assert webhook["buildType"] == "BUILD"
    [group] = webhook["filterGroups"]
    assert group["filters"] == [
        {"type": "EVENT", "pattern": "WORKFLOW_JOB_QUEUED"},
        {"type": "WORKFLOW_NAME", "pattern": "^(deploy|drift|preview)$"},
    ]
    assert any_plan.one(PROJECT).urn in any_plan.one(WEBHOOK).dependencies


def test_the_runner_sends_https_only_and_the_cluster_admits_it_on_443(any_plan):
    group = any_plan.one("aws:ec2/securityGroup:SecurityGroup", "ci-runner-sg")
    assert group.inputs["vpcId"] == any_plan.outputs["vpcId"] and "egress" not in group.inputs
    [egress] = [r for r in any_plan.all(EGRESS) if group.urn in r.dependencies]
    assert (egress.inputs["ipProtocol"], egress.inputs["fromPort"], egress.inputs["toPort"], egress.inputs["cidrIpv4"]) == (
        "tcp",
        443,
        443,
        "0.0.0.0/0",
    )
    admitted = [r for r in any_plan.all(INGRESS) if group.urn in r.dependencies]
    assert [(r.inputs["securityGroupId"], r.inputs["fromPort"], r.inputs["toPort"]) for r in admitted] == [
        (any_plan.outputs["eksClusterSecurityGroupId"], 443, 443)
    ]


def test_the_cluster_endpoint_stays_private_plus_the_ops_range_only(any_plan):
    cluster = any_plan.one("eks:index:Cluster").inputs
    assert cluster["endpointPrivateAccess"] is True
    assert cluster["publicAccessCidrs"] == ["198.51.100.0/24"]


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_the_role_trusts_codebuild_for_this_project_only(request, stack):
    plan = request.getfixturevalue(f"{stack}_plan")
    role = plan.one("aws:iam/role:Role", "ci-runner-role").inputs
    assert role["name"] == f"ohmycoins-{stack}-ci-runner"
    [statement] = json.loads(role["assumeRolePolicy"])["Statement"]
    assert statement["Principal"] == {"Service": "codebuild.amazonaws.com"}
    assert statement["Condition"] == {
        "StringEquals": {
            "aws:SourceAccount": "123456789012",
            "aws:SourceArn": f"arn:aws:codebuild:ap-southeast-2:123456789012:project/ohmycoins-{stack}-ci-runner",
        }
    }


def test_the_role_writes_its_logs_uses_its_subnets_and_connection_and_nothing_else(any_plan):
    statements = {
        s["Sid"]: s
        for s in json.loads(any_plan.one("aws:iam/rolePolicy:RolePolicy", "ci-runner-role-policy").inputs["policy"])["Statement"]
    }
    assert set(statements) == {"BuildLogs", "BuildNetworkInterfaces", "AttachInOwnSubnetsOnly", "GitHubConnection"}
    log_group = any_plan.one("aws:cloudwatch/logGroup:LogGroup", "ci-runner-logs")
    assert log_group.inputs["name"] == f"/aws/codebuild/ohmycoins-{any_plan.stack}-ci-runner"
    assert log_group.inputs["kmsKeyId"] == any_plan.outputs["kmsKeyArn"]
    policy = any_plan.one("aws:iam/rolePolicy:RolePolicy", "ci-runner-role-policy")
    assert log_group.urn in policy.dependencies
    group_arn, streams = statements["BuildLogs"]["Resource"]
    assert streams == f"{group_arn}:*" and statements["BuildLogs"]["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    attach = statements["AttachInOwnSubnetsOnly"]
    assert attach["Condition"]["StringEquals"]["ec2:AuthorizedService"] == "codebuild.amazonaws.com"
    assert sorted(s.rsplit("/", 1)[1] for s in attach["Condition"]["StringEquals"]["ec2:Subnet"]) == sorted(
        any_plan.outputs["privateAppSubnetIds"]
    )
    assert statements["GitHubConnection"] == {
        "Sid": "GitHubConnection",
        "Effect": "Allow",
        "Action": ["codeconnections:GetConnectionToken", "codeconnections:GetConnection"],
        "Resource": CONNECTION,
    }
    assert not any(a.startswith(("iam:", "sts:", "eks:", "s3:", "kms:")) for s in statements.values() for a in _actions(s))


def _actions(statement):
    return [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]


def test_an_older_codestar_connection_gets_codestar_actions():
    statements = runner_role_statements(
        "arn:aws:logs:ap-southeast-2:123456789012:log-group:x",
        "ap-southeast-2",
        "123456789012",
        ["subnet-1"],
        "arn:aws:codestar-connections:ap-southeast-2:123456789012:connection/x",
        "codestar-connections",
    )
    [connection] = [s for s in statements if s["Sid"] == "GitHubConnection"]
    assert connection["Action"] == ["codestar-connections:GetConnectionToken", "codestar-connections:GetConnection"]


def test_the_label_and_the_workflow_filter_are_exact():
    assert runs_on_label("p") == "codebuild-p-${{ github.run_id }}-${{ github.run_attempt }}"
    pattern = re.compile(workflow_name_pattern(["preview", "deploy"]))
    assert pattern.fullmatch("deploy") and pattern.fullmatch("preview")
    assert not pattern.search("deploy-apps") and not pattern.search("test")


def test_every_value_the_project_sends_is_one_codebuild_accepts(any_plan):
    """Checked against CodeBuild's API model (botocore), not against the mocks."""
    project = any_plan.one(PROJECT).inputs
    shapes = {name: CODEBUILD.shape_for(name) for name in ("ComputeType", "EnvironmentType", "SourceAuthType", "ImagePullCredentialsType")}
    assert project["environment"]["computeType"] in shapes["ComputeType"].enum
    assert project["environment"]["type"] in shapes["EnvironmentType"].enum
    assert project["source"]["auth"]["type"] in shapes["SourceAuthType"].enum
    assert project["environment"]["imagePullCredentialsType"] in shapes["ImagePullCredentialsType"].enum
    name = CODEBUILD.shape_for("ProjectName").metadata
    assert re.fullmatch(name["pattern"], project["name"]) and len(project["name"]) <= name["max"]
    filters = CODEBUILD.shape_for("WebhookFilterType").enum
    assert {f["type"] for f in any_plan.one(WEBHOOK).inputs["filterGroups"][0]["filters"]} <= set(filters)
    assert any_plan.one(WEBHOOK).inputs["buildType"] in CODEBUILD.shape_for("WebhookBuildType").enum


def test_the_settings_bounds_are_codebuilds():
    create = CODEBUILD.operation_model("CreateProject").input_shape.members
    fields = CiRunnerSettings.model_fields
    for member, field in (("timeoutInMinutes", "timeout_minutes"), ("queuedTimeoutInMinutes", "queued_timeout_minutes")):
        bounds = {type(m).__name__: m for m in fields[field].metadata}
        assert (bounds["Ge"].ge, bounds["Le"].le) == (create[member].metadata["min"], create[member].metadata["max"]), member
    assert set(CiRunnerSettings.model_fields["compute_type"].annotation.__args__) <= set(CODEBUILD.shape_for("ComputeType").enum)


@pytest.mark.parametrize(
    "change, key, reason",
    [
        (lambda c: c["ohmycoins:ciRunner"].pop("connectionArn"), "ohmycoins:ciRunner.connectionArn", "required when the runner is enabled"),
        (
            set_setting("ciRunner", "connectionArn", "arn:aws:iam::123456789012:role/x"),
            "ohmycoins:ciRunner.connectionArn",
            "is not a CodeConnections connection ARN",
        ),
        (
            set_setting("ciRunner", "image", "aws/codebuild/amazonlinux-x86_64-standard:5.0"),
            "ohmycoins:ciRunner.image",
            "setup-python needs Ubuntu",
        ),
        (set_setting("ciRunner", "computeType", "BUILD_GENERAL1_XLARGE"), "ohmycoins:ciRunner.computeType", "Input should be"),
        (set_setting("ciRunner", "timeoutMinutes", 3000), "ohmycoins:ciRunner.timeoutMinutes", "less than or equal to 2160"),
        (set_setting("network", "natStrategy", "none"), "ohmycoins:ciRunner.enabled", "natStrategy is none"),
    ],
)
def test_bad_runner_settings_are_refused_naming_the_key(assert_refused, change, key, reason):
    assert_refused("staging", change, key, reason)


def test_a_stack_without_the_runner_has_no_codebuild(plan_variant):
    plan = plan_variant("staging", lambda c: c.update({"ohmycoins:ciRunner": {"enabled": False}}))
    assert plan.all(PROJECT) == [] and plan.all(WEBHOOK) == []
    assert "ciRunnerLabel" not in plan.outputs
    assert not [r for r in plan.all(INGRESS) if r.name == "eks-api-from-ci-runner"]
