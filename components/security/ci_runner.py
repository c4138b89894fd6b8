"""Where the pulumi workflows run: CodeBuild-hosted GitHub Actions runners in the private-app subnets.

A workflow job that asks for `runs-on: codebuild-<project>-${{ github.run_id }}-${{ github.run_attempt }}`
makes GitHub send a `workflow_job` event; the project's webhook starts a build, the build registers as
a just-in-time runner for that job and ends with it. Builds run in the stack's VPC, so they reach
the EKS API through its private endpoint (the cluster admits this group on 443) and the endpoint is
never opened to the internet. The runner does not live on the cluster it deploys: a broken cluster
can still be repaired from CI.

The project's role only runs builds (its log group, network interfaces in its subnets, the GitHub
connection). What a job may do in AWS comes from the OIDC role it assumes (preview or deploy),
exactly as on a GitHub-hosted runner.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.security.ci_runner_settings import CiRunnerSettings
from components.shared.iam_documents import policy_document, service_trust

# The `name:` of the workflows whose jobs run here (the webhook starts builds for no other).
PULUMI_WORKFLOWS = ("deploy", "drift", "preview")

VPC_DESCRIBE_ACTIONS = [
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
]


def runner_project_name(name_prefix: str) -> str:
    return f"{name_prefix}-ci-runner"


def runs_on_label(project_name: str) -> str:
    """The `runs-on` label of a job on this runner: one build per job, never shared between runs."""
    return f"codebuild-{project_name}-${{{{ github.run_id }}}}-${{{{ github.run_attempt }}}}"


def workflow_name_pattern(workflows: Sequence[str]) -> str:
    """The webhook's WORKFLOW_NAME filter: exactly these workflow names."""
    return "^(" + "|".join(sorted(workflows)) + ")$"


def runner_role_statements(
    log_group_arn: str, region: str, account: str, subnet_ids: Sequence[str], connection_arn: str, connection_service: str
) -> list[dict[str, Any]]:
    """Write its own logs, put build containers in its subnets, take GitHub tokens from its connection."""
    return [
        {
            "Sid": "BuildLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [log_group_arn, f"{log_group_arn}:*"],
        },
        # CodeBuild's documented VPC permissions; EC2 offers no resource scoping for the describes.
        {"Sid": "BuildNetworkInterfaces", "Effect": "Allow", "Action": VPC_DESCRIBE_ACTIONS, "Resource": "*"},
        {
            "Sid": "AttachInOwnSubnetsOnly",
            "Effect": "Allow",
            "Action": "ec2:CreateNetworkInterfacePermission",
            "Resource": f"arn:aws:ec2:{region}:{account}:network-interface/*",
            "Condition": {
                "StringEquals": {
                    "ec2:Subnet": [f"arn:aws:ec2:{region}:{account}:subnet/{subnet}" for subnet in subnet_ids],
                    "ec2:AuthorizedService": "codebuild.amazonaws.com",
                }
            },
        },
        {
            # The action prefix must match the connection ARN's service (codeconnections or codestar-connections).
            "Sid": "GitHubConnection",
            "Effect": "Allow",
            "Action": [f"{connection_service}:GetConnectionToken", f"{connection_service}:GetConnection"],
            "Resource": connection_arn,
        },
    ]


@dataclass(frozen=True)
class DeployRunnerArgs:
    settings: CiRunnerSettings
    github_repository: str  # owner/name, the repository whose workflows run here
    name_prefix: str
    region: str
    account_id: pulumi.Input[str]
    vpc_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]  # the private-app subnets (NAT egress)
    kms_key_arn: pulumi.Input[str]  # encrypts the build log group


class DeployRunner(pulumi.ComponentResource):
    """A CodeBuild project with a workflow-job webhook, its security group, log group and role."""

    project_name: str
    runs_on: str
    security_group_id: pulumi.Output[str]

    def __init__(self, name: str, args: DeployRunnerArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ohmycoins:ci:DeployRunner", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        settings = args.settings
        assert settings.connection_arn is not None, "settings validation requires connectionArn when the runner is enabled"
        project_name = runner_project_name(args.name_prefix)
        account = pulumi.Output.from_input(args.account_id)

        group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            name=project_name,
            description="CodeBuild-hosted GitHub Actions runner: HTTPS out only",
            vpc_id=args.vpc_id,
            tags={"Name": f"{project_name}-sg"},
            opts=child,
        )
        # GitHub, the Pulumi CLI and plugins, PyPI, AWS APIs and the EKS endpoint are all HTTPS.
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-https-out",
            security_group_id=group.id,
            cidr_ipv4="0.0.0.0/0",
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            description="HTTPS to GitHub, package registries, AWS APIs and the EKS private endpoint",
            tags={"Name": f"{project_name}-https-out"},
            opts=child,
        )

        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"/aws/codebuild/{project_name}",
            retention_in_days=settings.log_retention_days,
            kms_key_id=args.kms_key_arn,
            tags={"Name": f"{project_name}-logs"},
            opts=child,
        )

        role = aws.iam.Role(
            f"{name}-role",
            name=project_name,
            description="CodeBuild runs the GitHub Actions runner builds of this stack's project",
            assume_role_policy=account.apply(
                lambda a: service_trust(
                    "codebuild.amazonaws.com", a, f"arn:aws:codebuild:{args.region}:{a}:project/{project_name}", arn_operator="StringEquals"
                )
            ),
            tags={"Name": project_name},
            opts=child,
        )
        policy = aws.iam.RolePolicy(
            f"{name}-role-policy",
            role=role.id,
            policy=pulumi.Output.all(log_group.arn, account, *args.subnet_ids).apply(
                lambda v: policy_document(
                    *runner_role_statements(v[0], args.region, v[1], v[2:], settings.connection_arn, settings.service_prefix)
                )
            ),
            opts=child,
        )

        project = aws.codebuild.Project(
            f"{name}-project",
            name=project_name,
            description="GitHub Actions runner of the pulumi workflows (preview, deploy, drift), inside the VPC",
            service_role=role.arn,
            source=aws.codebuild.ProjectSourceArgs(
                type="GITHUB",
                location=f"https://github.com/{args.github_repository}.git",
                git_clone_depth=1,
                auth=aws.codebuild.ProjectSourceAuthArgs(type="CODECONNECTIONS", resource=settings.connection_arn),
            ),
            artifacts=aws.codebuild.ProjectArtifactsArgs(type="NO_ARTIFACTS"),
            environment=aws.codebuild.ProjectEnvironmentArgs(
                type="LINUX_CONTAINER",
                compute_type=settings.compute_type,
                image=settings.image,
                image_pull_credentials_type="CODEBUILD",
                # No Docker daemon: the pulumi jobs build no images.
                privileged_mode=False,
            ),
            vpc_config=aws.codebuild.ProjectVpcConfigArgs(vpc_id=args.vpc_id, subnets=list(args.subnet_ids), security_group_ids=[group.id]),
            logs_config=aws.codebuild.ProjectLogsConfigArgs(
                cloudwatch_logs=aws.codebuild.ProjectLogsConfigCloudwatchLogsArgs(group_name=log_group.name, status="ENABLED"),
                s3_logs=aws.codebuild.ProjectLogsConfigS3LogsArgs(status="DISABLED"),
            ),
            build_timeout=settings.timeout_minutes,
            queued_timeout=settings.queued_timeout_minutes,
            concurrent_build_limit=settings.concurrent_builds,
            tags={"Name": project_name},
            # CodeBuild checks the VPC settings with the role when the project is created.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )
        aws.codebuild.Webhook(
            f"{name}-webhook",
            project_name=project.name,
            build_type="BUILD",
            filter_groups=[
                aws.codebuild.WebhookFilterGroupArgs(
                    filters=[
                        aws.codebuild.WebhookFilterGroupFilterArgs(type="EVENT", pattern="WORKFLOW_JOB_QUEUED"),
                        aws.codebuild.WebhookFilterGroupFilterArgs(type="WORKFLOW_NAME", pattern=workflow_name_pattern(PULUMI_WORKFLOWS)),
                    ]
                )
            ],
            opts=child,
        )

        self.project_name = project_name
        self.runs_on = runs_on_label(project_name)
        self.security_group_id = group.id
        self.register_outputs({"project_name": self.project_name, "runs_on": self.runs_on, "security_group_id": self.security_group_id})
