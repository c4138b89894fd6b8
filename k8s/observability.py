"""The monitoring stack on EKS: Prometheus, Alertmanager and Grafana (kube-prometheus-stack),
the 13 alert rules, Loki for logs and Grafana Alloy shipping every node's pod logs to it.

Alertmanager publishes to the stack's SNS topic with an IRSA role trusted only by its service
account; Loki keeps its logs in S3 through its own IRSA role (production) or on a volume (staging).
Only Grafana is reachable from outside the cluster, and only when the stack publishes it: the Edge's
ALB (HTTPS, WAF) forwards its host to the Grafana pods through a TargetGroupBinding. Otherwise it is
opened with `kubectl port-forward`.

While the stack is paused there is no cluster: only what outlives it stays here, the Grafana admin
password (the same one after a resume) and, with S3 storage, Loki's bucket and its logs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from components.compute.eks.irsa import IrsaRole, IrsaRoleArgs
from components.compute.workloads import Workload
from components.observability.monitoring_settings import MonitoringSettings
from components.shared.bucket import AccessLogDestination, PrivateBucket, PrivateBucketArgs
from components.shared.iam_documents import policy_document

from . import manifests
from .alert_rules import alert_rule_groups
from .alertmanager import RECEIVER_SECRET, SLACK_URL_KEY, SMTP_PASSWORD_KEY, Receivers, alertmanager_config
from .chart_values import (
    ALERTMANAGER_SERVICE_ACCOUNT,
    CHARTS,
    GRAFANA_ADMIN_SECRET,
    GRAFANA_GITHUB_SECRET,
    GRAFANA_GITHUB_SECRET_KEY,
    GRAFANA_SERVICE,
    GRAFANA_SERVICE_ACCOUNT,
    GRAFANA_SERVICE_PORT,
    LOG_SHIPPER_RELEASE,
    LOKI_RELEASE,
    LOKI_SERVICE_ACCOUNT,
    MONITORING_NAMESPACE,
    PROMETHEUS_STACK_RELEASE,
    DnsScrape,
    ServiceScrape,
    alloy_values,
    loki_values,
    prometheus_stack_values,
)
from .job_metrics import EXPORTER_RELEASE, EXPORTER_SERVICE_ACCOUNT, exporter_policy_statements, exporter_values
from .manifests import NAME_LABEL


def helm_release(
    name: str, chart_key: str, release: str, namespace: str, values: pulumi.Input[Mapping], opts: pulumi.ResourceOptions
) -> k8s.helm.v3.Release:
    """A pinned chart from CHARTS, rolled back if it does not become ready."""
    chart = CHARTS[chart_key]
    return k8s.helm.v3.Release(
        name,
        name=release,
        chart=chart.chart,
        version=chart.version,
        repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=chart.repository) if chart.repository else None,
        namespace=namespace,
        create_namespace=False,
        values=values,
        atomic=True,
        cleanup_on_fail=True,
        timeout=900,
        opts=opts,
    )


def sns_publish_policy(topic_arn: str, kms_key_arn: str) -> str:
    """Publish to the one alert topic; its messages are encrypted with the stack key."""
    return policy_document(
        {"Sid": "PublishAlerts", "Effect": "Allow", "Action": "sns:Publish", "Resource": topic_arn},
        {"Sid": "EncryptForTopic", "Effect": "Allow", "Action": ["kms:GenerateDataKey*", "kms:Decrypt"], "Resource": kms_key_arn},
    )


def grafana_cloudwatch_policy(region: str, account: str, log_group_prefixes: Sequence[str]) -> str:
    """Grafana reads the stack's log groups (Logs Insights queries) and CloudWatch metrics, and writes nothing.

    CloudWatch's metric reads and Logs Insights' query handles have no resource-level permissions (`*`).
    """
    groups = sorted(f"arn:aws:logs:{region}:{account}:log-group:{prefix}*" for prefix in log_group_prefixes)
    return policy_document(
        {
            "Sid": "ReadMetrics",
            "Effect": "Allow",
            "Action": [
                "cloudwatch:DescribeAlarmHistory",
                "cloudwatch:DescribeAlarms",
                "cloudwatch:DescribeAlarmsForMetric",
                "cloudwatch:GetMetricData",
                "cloudwatch:ListMetrics",
            ],
            "Resource": "*",
        },
        {
            "Sid": "ListLogGroups",
            "Effect": "Allow",
            "Action": ["logs:DescribeLogGroups", "logs:GetQueryResults", "logs:StopQuery"],
            "Resource": "*",
        },
        {
            "Sid": "ReadAppLogs",
            "Effect": "Allow",
            "Action": ["logs:FilterLogEvents", "logs:GetLogEvents", "logs:GetLogGroupFields", "logs:StartQuery"],
            "Resource": [*groups, *(f"{group}:log-stream:*" for group in groups)],
        },
    )


def loki_bucket_policy(bucket_arn: str, kms_key_arn: str) -> str:
    """Loki lists, reads, writes and deletes its own objects, encrypted with the stack key."""
    return policy_document(
        {"Sid": "ListBucket", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket_arn},
        {"Sid": "Objects", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], "Resource": f"{bucket_arn}/*"},
        {"Sid": "EncryptObjects", "Effect": "Allow", "Action": ["kms:GenerateDataKey*", "kms:Decrypt"], "Resource": kms_key_arn},
    )


@dataclass(frozen=True)
class ObservabilityArgs:
    settings: MonitoringSettings
    name_prefix: str
    environment: str
    region: str
    account_id: pulumi.Input[str]
    cluster_name: pulumi.Input[str]
    oidc_provider_arn: pulumi.Input[str]
    oidc_issuer: pulumi.Input[str]
    storage_class: str
    topic_arn: pulumi.Input[str]
    # The stack key: encrypts the alert topic and the Loki bucket.
    kms_key_arn: pulumi.Input[str]
    protect: bool
    # The stack's S3 access-log bucket (the Loki bucket logs its requests there).
    access_logs: AccessLogDestination
    # Where the apps run on EKS and what Prometheus scrapes there (empty when apps run on ECS).
    apps_namespace: str = "apps"
    scrapes: Sequence[ServiceScrape] = ()
    # Scheduled job -> 5-field cron, on either platform (the collector alert rules).
    job_schedules: Mapping[str, str] = field(default_factory=dict)
    # Apps on ECS: their tasks by Cloud Map name, scraped by Prometheus (the Firewall admits the cluster).
    dns_scrapes: Sequence[DnsScrape] = ()
    # Log groups Grafana's CloudWatch data source may read (`/ecs/<prefix>/`, ...).
    log_group_prefixes: Sequence[str] = ()
    # Apps on ECS: job name -> its Step Functions state machine, whose run metrics the exporter reads.
    job_runner_arns: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    slack_webhook_url: pulumi.Input[str] | None = None
    smtp_password: pulumi.Input[str] | None = None
    # The Edge's target group for Grafana (settings.grafana set) and the GitHub OAuth App's secret.
    grafana_target_group_arn: pulumi.Input[str] | None = None
    grafana_github_client_secret: pulumi.Input[str] | None = None
    # The release that installs the TargetGroupBinding CRD Grafana's binding is an object of.
    load_balancer_controller: Sequence[pulumi.Resource] = ()
    depends_on: Sequence[pulumi.Resource] = ()
    # Tolerations of the monitoring pods: the system nodes' taint when the cluster has no apps group.
    tolerations: Sequence[Mapping[str, str]] = ()
    paused: bool = False


class Observability(pulumi.ComponentResource):
    """Metrics, alerts, dashboards and logs for the cluster and the apps on it."""

    namespace: str
    grafana_admin_secret: str
    alertmanager_role_arn: pulumi.Output[str]
    loki_bucket: pulumi.Output[str] | None

    def __init__(self, name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ohmycoins:k8s:Observability", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        settings = args.settings
        password = random.RandomPassword(f"{name}-grafana-admin-password", length=32, special=False, opts=child)
        self._bucket = self._loki_bucket(name, args) if settings.loki_storage == "s3" else None
        self.loki_bucket = self._bucket.bucket_name if self._bucket is not None else None
        if args.paused:
            self.register_outputs({"loki_bucket": self.loki_bucket})
            return

        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=MONITORING_NAMESPACE,
                # The node exporter (host network/PID) and the log shipper (host /var/log) need it.
                labels={"pod-security.kubernetes.io/enforce": "privileged", "pod-security.kubernetes.io/warn": "baseline"},
            ),
            opts=child,
        )
        in_namespace = pulumi.ResourceOptions(parent=self, depends_on=[namespace])
        grafana_secret = k8s.core.v1.Secret(
            f"{name}-grafana-admin",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=GRAFANA_ADMIN_SECRET, namespace=MONITORING_NAMESPACE),
            type="Opaque",
            string_data={"admin-user": "admin", "admin-password": password.result},
            opts=in_namespace,
        )

        alertmanager_role = self._irsa_role(
            name,
            args,
            "alertmanager",
            ALERTMANAGER_SERVICE_ACCOUNT,
            pulumi.Output.all(args.topic_arn, args.kms_key_arn).apply(lambda v: sns_publish_policy(v[0], v[1])),
            "Alertmanager publishes alerts to the stack's SNS topic",
        )

        grafana_role = self._irsa_role(
            name,
            args,
            "grafana",
            GRAFANA_SERVICE_ACCOUNT,
            pulumi.Output.from_input(args.account_id).apply(
                lambda account: grafana_cloudwatch_policy(args.region, account, args.log_group_prefixes)
            ),
            "Grafana reads the stack's application logs and CloudWatch metrics",
        )

        receiver_secret = self._receiver_secret(name, args, in_namespace)
        receivers_settings = dict(
            region=args.region,
            slack_channel=settings.slack_channel,
            email_to=tuple(settings.alert_emails),
            smtp_smarthost=settings.smtp.smarthost if settings.smtp else None,
            smtp_from=settings.smtp.from_ if settings.smtp else None,
            smtp_username=settings.smtp.username if settings.smtp else None,
        )
        rules = alert_rule_groups(
            args.apps_namespace,
            [s.name for s in (*args.scrapes, *args.dns_scrapes)],
            args.job_schedules,
            "step-functions" if args.job_runner_arns else "kubernetes",
        )
        prometheus_values = pulumi.Output.all(args.topic_arn, alertmanager_role.role_arn, args.cluster_name, grafana_role.role_arn).apply(
            lambda v: prometheus_stack_values(
                settings=settings,
                cluster=v[2],
                environment=args.environment,
                storage_class=args.storage_class,
                alertmanager_config=alertmanager_config(Receivers(topic_arn=v[0], **receivers_settings)),
                alertmanager_role_arn=v[1],
                receiver_secret=RECEIVER_SECRET if receiver_secret is not None else None,
                alert_rule_groups=rules,
                apps_namespace=args.apps_namespace,
                scrapes=args.scrapes,
                dns_scrapes=args.dns_scrapes,
                grafana_role_arn=v[3],
                region=args.region,
                tolerations=args.tolerations,
                retain_volumes=args.protect,
            )
        )
        github_secret = self._grafana_github_secret(name, args, in_namespace)
        secrets = [s for s in (receiver_secret, github_secret) if s is not None]
        waits_for = [namespace, grafana_secret, *secrets, *args.depends_on]
        prometheus = helm_release(
            f"{name}-kube-prometheus-stack",
            "kube-prometheus-stack",
            PROMETHEUS_STACK_RELEASE,
            MONITORING_NAMESPACE,
            prometheus_values,
            pulumi.ResourceOptions(parent=self, depends_on=waits_for),
        )

        loki_role_arn: pulumi.Input[str | None] = None
        if self._bucket is not None:
            bucket_arn = self._bucket.arn
            loki_role = self._irsa_role(
                name,
                args,
                "loki",
                LOKI_SERVICE_ACCOUNT,
                pulumi.Output.all(bucket_arn, args.kms_key_arn).apply(lambda v: loki_bucket_policy(v[0], v[1])),
                "Loki reads and writes its chunks and index in its bucket",
            )
            loki_role_arn = loki_role.role_arn
        loki_chart_values = pulumi.Output.all(self.loki_bucket, loki_role_arn).apply(
            lambda v: loki_values(settings, args.storage_class, args.region, bucket=v[0], role_arn=v[1], tolerations=args.tolerations)
        )
        helm_release(
            f"{name}-loki",
            "loki",
            LOKI_RELEASE,
            MONITORING_NAMESPACE,
            loki_chart_values,
            pulumi.ResourceOptions(parent=self, depends_on=[namespace, *args.depends_on]),
        )
        helm_release(
            f"{name}-alloy",
            "alloy",
            LOG_SHIPPER_RELEASE,
            MONITORING_NAMESPACE,
            pulumi.Output.from_input(args.cluster_name).apply(alloy_values),
            # Not after Loki: Alloy is ready without it and retries its pushes until Loki answers.
            pulumi.ResourceOptions(parent=self, depends_on=[namespace, *args.depends_on]),
        )

        if args.grafana_target_group_arn is not None:
            k8s.apiextensions.CustomResource(
                f"{name}-grafana-target-group-binding",
                **manifests.service_target_group_binding(
                    "grafana", MONITORING_NAMESPACE, GRAFANA_SERVICE, GRAFANA_SERVICE_PORT, args.grafana_target_group_arn
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[namespace, *args.load_balancer_controller]),
            )
        if args.job_runner_arns:
            self._job_metrics_exporter(name, args, prometheus)

        self.namespace = MONITORING_NAMESPACE
        self.grafana_admin_secret = GRAFANA_ADMIN_SECRET
        self.alertmanager_role_arn = alertmanager_role.role_arn
        self.prometheus_release = prometheus
        self.register_outputs(
            {"namespace": self.namespace, "alertmanager_role_arn": self.alertmanager_role_arn, "loki_bucket": self.loki_bucket}
        )

    def _irsa_role(
        self, name: str, args: ObservabilityArgs, app: str, service_account: str, policy_json: pulumi.Input[str], description: str
    ) -> IrsaRole:
        """A role only `monitoring/<service_account>` can assume, with its own inline policy."""
        return IrsaRole(
            f"{name}-{app}-irsa",
            IrsaRoleArgs(
                role_name=f"{args.name_prefix}-{app}",
                namespace=MONITORING_NAMESPACE,
                service_account=service_account,
                oidc_provider_arn=args.oidc_provider_arn,
                oidc_issuer=args.oidc_issuer,
                policy_json=policy_json,
                description=description,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _job_metrics_exporter(self, name: str, args: ObservabilityArgs, prometheus: k8s.helm.v3.Release) -> None:
        """The CloudWatch exporter that turns the ECS jobs' run metrics into the series the collector rules read."""
        role = self._irsa_role(
            name,
            args,
            "cloudwatch-exporter",
            EXPORTER_SERVICE_ACCOUNT,
            policy_document(*exporter_policy_statements()),
            "The CloudWatch exporter reads the scheduled jobs' run metrics",
        )
        names = sorted(args.job_runner_arns)
        values = pulumi.Output.all(role.role_arn, *(args.job_runner_arns[n] for n in names)).apply(
            lambda v: exporter_values(args.region, dict(zip(names, v[1:], strict=True)), v[0], args.name_prefix, args.apps_namespace)
        )
        # After kube-prometheus-stack: its ServiceMonitor needs the CRD that release installs.
        helm_release(
            f"{name}-cloudwatch-exporter",
            "prometheus-cloudwatch-exporter",
            EXPORTER_RELEASE,
            MONITORING_NAMESPACE,
            values,
            pulumi.ResourceOptions(parent=self, depends_on=[prometheus]),
        )

    def _receiver_secret(self, name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions) -> k8s.core.v1.Secret | None:
        """Slack webhook and SMTP password as files for Alertmanager (`*_file` settings)."""
        data: dict[str, pulumi.Input[str]] = {}
        if args.settings.slack_channel and args.slack_webhook_url is not None:
            data[SLACK_URL_KEY] = args.slack_webhook_url
        if args.settings.smtp is not None and args.settings.smtp.username and args.smtp_password is not None:
            data[SMTP_PASSWORD_KEY] = args.smtp_password
        if not data:
            return None
        return k8s.core.v1.Secret(
            f"{name}-alertmanager-receivers",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=RECEIVER_SECRET, namespace=MONITORING_NAMESPACE),
            type="Opaque",
            string_data={key: pulumi.Output.secret(value) for key, value in data.items()},
            opts=opts,
        )

    def _grafana_github_secret(self, name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions) -> k8s.core.v1.Secret | None:
        """The GitHub OAuth App's secret as Grafana's environment (envFromSecret)."""
        grafana = args.settings.grafana
        if grafana is None or grafana.github is None or args.grafana_github_client_secret is None:
            return None
        return k8s.core.v1.Secret(
            f"{name}-grafana-github-oauth",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=GRAFANA_GITHUB_SECRET, namespace=MONITORING_NAMESPACE),
            type="Opaque",
            string_data={GRAFANA_GITHUB_SECRET_KEY: pulumi.Output.secret(args.grafana_github_client_secret)},
            opts=opts,
        )

    def _loki_bucket(self, name: str, args: ObservabilityArgs) -> PrivateBucket:
        """Loki's chunks and index: private, KMS-encrypted, versioned; the compactor deletes by retention."""
        return PrivateBucket(
            f"{name}-loki-storage",
            PrivateBucketArgs(
                bucket=pulumi.Output.concat(args.name_prefix, "-loki-", args.account_id),
                kms_key_arn=args.kms_key_arn,
                lifecycle_rule_id="expire-deleted-chunks",
                # The compactor deletes expired chunks; versioning keeps them a week longer.
                noncurrent_version_days=7,
                abort_multipart_days=1,
                access_logs=args.access_logs,
                protect=args.protect,
                tags={"Name": f"{args.name_prefix}-loki"},
            ),
            pulumi.ResourceOptions(parent=self),
        )


def service_scrapes(catalog: Sequence[Workload]) -> list[ServiceScrape]:
    """A ServiceMonitor per service that serves metrics (k8s/workloads.py names each Service after
    its workload, selects it by NAME_LABEL and calls its port `http`)."""
    return [
        ServiceScrape(name=item.name, selector={NAME_LABEL: item.name}, port="http", path=item.metrics_path)  # type: ignore[arg-type]
        for item in metrics_services(catalog)
    ]


def job_schedules(catalog: Sequence[Workload]) -> dict[str, str]:
    """Scheduled job (CronJob or ECS job, named after the workload) -> its schedule, for the collector rules."""
    return {item.name: item.schedule for item in catalog if item.kind == "job" and item.schedule}


def metrics_services(catalog: Sequence[Workload]) -> list[Workload]:
    """The services that serve Prometheus metrics on their port."""
    return [item for item in catalog if item.kind == "service" and item.port is not None and item.metrics_path]


def dns_scrapes(catalog: Sequence[Workload], discovery_namespace: str) -> list[DnsScrape]:
    """Apps on ECS: each metrics-serving service by its Cloud Map name (`<workload>.<namespace>`)."""
    return [
        DnsScrape(name=item.name, dns_name=f"{item.name}.{discovery_namespace}", port=item.port, path=item.metrics_path)  # type: ignore[arg-type]
        for item in metrics_services(catalog)
    ]
