"""Oh My Coins on AWS: settings -> components -> exports. Composition only; logic lives in components/."""

import pulumi

from components.compute.ecs.workloads import EcsWorkloads, EcsWorkloadsArgs
from components.compute.eks.cluster import KubernetesPlatform, KubernetesPlatformArgs
from components.compute.file_system import SharedFileSystem, SharedFileSystemArgs
from components.compute.registry import ContainerRegistry, ContainerRegistryArgs, image_pins, image_references
from components.compute.workloads import IMAGES, RuntimeContext, routed, routed_ports, service_ports
from components.data.app_secrets import AppSecrets, AppSecretsArgs
from components.data.cache import Cache, CacheArgs
from components.data.cache_settings import replication_group_id
from components.data.database import Database, DatabaseArgs
from components.data.kms import EncryptionKey, EncryptionKeyArgs
from components.edge.edge import ClusterSite, Edge, EdgeArgs
from components.network.firewall import Firewall, FirewallArgs
from components.network.vpc import Network, NetworkArgs
from components.observability.alarms import Alarms, AlarmsArgs, cache_member_cluster_ids
from components.observability.alert_topic import AlertTopic, AlertTopicArgs
from components.observability.budget import Budget, BudgetArgs
from components.recovery.backup import Backups, BackupsArgs
from components.recovery.drill import RestoreDrill, RestoreDrillArgs
from components.recovery.file_system_restores import restored_catalog
from components.recovery.objectives import objectives_output, recovery_objectives
from components.security.audit import Audit, AuditArgs
from components.security.ci_identity import Identity, IdentityArgs
from components.security.ci_runner import DeployRunner, DeployRunnerArgs
from components.security.permissions_boundary import PermissionsBoundary, PermissionsBoundaryArgs, bound_every_role
from components.settings import load_settings
from components.shared.access_logs import AccessLogBucket, AccessLogBucketArgs
from components.shared.adoption import adopt
from components.shared.pause import pause_protection
from components.shared.provider import account_id, aws_provider, copy_region_provider
from k8s.chart_values import GRAFANA_HEALTH_PATH, GRAFANA_POD_PORT
from k8s.network_policies import NetworkContext
from k8s.observability import Observability, ObservabilityArgs, dns_scrapes, job_schedules, metrics_services, service_scrapes
from k8s.runners import Runners, RunnersArgs
from k8s.workloads import KubernetesApps, KubernetesAppsArgs

settings = load_settings()
# Resources the stack adopts from elsewhere get Pulumi's `import` option (ohmycoins:adoption).
adoption = adopt(settings.adoption)
provider = aws_provider(settings)
on_aws = pulumi.ResourceOptions(providers=[provider])
account = account_id(provider)
protect = settings.general.protect_stateful_resources
# Paused: minimum monthly cost, every byte of data kept (README "Pause and resume").
paused = settings.general.paused
# What a pause deletes after snapshotting it (cache, cluster, ALB) loses its protection where pausing is allowed.
deletable_by_pause = pause_protection(protect, settings.general.pausable)

# Every IAM role registered after this line carries the stack's permissions boundary.
boundary = PermissionsBoundary(
    "boundary",
    PermissionsBoundaryArgs(name_prefix=settings.prefix, stack=settings.stack, region=settings.region, account_id=account, protect=protect),
    opts=on_aws,
)
bound_every_role(boundary)

key = EncryptionKey(
    "kms",
    EncryptionKeyArgs(settings=settings.kms, name_prefix=settings.prefix, region=settings.region, account_id=account, protect=protect),
    opts=on_aws,
)

network = Network(
    "network",
    NetworkArgs(
        settings=settings.network,
        name_prefix=settings.prefix,
        region=settings.region,
        account_id=account,
        kms_key_arn=key.arn,
        paused=paused,
        egress_while_paused=settings.ci_runner.enabled,
    ),
    opts=on_aws,
)

firewall = Firewall(
    "firewall",
    FirewallArgs(
        settings=settings.firewall,
        name_prefix=settings.prefix,
        vpc_id=network.vpc_id,
        vpc_cidr=network.vpc_cidr,
        app_ports=routed_ports(settings.apps.catalog),
        internal_ports=service_ports(settings.apps.catalog),
        smtp_port=settings.email.smtp_port if settings.email.enabled else None,
        paused=paused,
    ),
    opts=on_aws,
)

app_secrets = AppSecrets(
    "app-secrets",
    AppSecretsArgs(
        settings=settings.secrets,
        credentials=settings.credentials,
        name_prefix=settings.prefix,
        kms_key_arn=key.arn,
        carried_over=settings.carried_over_secrets,
    ),
    opts=on_aws,
)

database = Database(
    "database",
    DatabaseArgs(
        settings=settings.database,
        name_prefix=settings.prefix,
        account_id=account,
        subnet_ids=network.private_data_subnet_ids,
        security_group_id=firewall.database_security_group_id,
        kms_key_arn=key.arn,
        protect=protect,
        master_password=settings.secret("databaseMasterPassword"),
        secret_recovery_window_days=settings.secrets.recovery_window_days,
        region=settings.region,
        paused=paused,
    ),
    opts=on_aws,
)

cache = Cache(
    "cache",
    CacheArgs(
        settings=settings.cache,
        name_prefix=settings.prefix,
        subnet_ids=network.private_data_subnet_ids,
        security_group_id=firewall.cache_security_group_id,
        kms_key_arn=key.arn,
        secret_recovery_window_days=settings.secrets.recovery_window_days,
        protection=deletable_by_pause,
        paused=paused,
        snapshot_name=settings.cache.restore_from.snapshot if settings.cache.restore_from else None,
        replication_group_id=replication_group_id(settings.prefix, settings.cache.restore_from),
    ),
    opts=on_aws,
)

# Every other bucket's server access logs go here.
access_logs = AccessLogBucket(
    "s3-access-logs",
    AccessLogBucketArgs(
        bucket=pulumi.Output.concat(settings.prefix, "-s3-access-logs-", account),
        source_buckets=f"{settings.prefix}-*",
        account_id=account,
        expiry_days=settings.buckets.access_log_expiry_days,
        protect=protect,
        name_tag=f"{settings.prefix}-s3-access-logs",
    ),
    opts=on_aws,
)

alerts = AlertTopic(
    "alerts",
    AlertTopicArgs(settings=settings.alerts, name_prefix=settings.prefix, region=settings.region, account_id=account, kms_key_arn=key.arn),
    opts=on_aws,
)

# Grafana on the cluster, published through the ALB when the stack asks.
grafana = settings.monitoring.grafana if settings.eks.enabled and settings.monitoring.enabled else None
grafana_sites = (
    (ClusterSite("grafana", grafana.host, GRAFANA_POD_PORT, GRAFANA_HEALTH_PATH, tuple(str(c) for c in grafana.allowed_cidrs)),)
    if grafana is not None
    else ()
)

edge = Edge(
    "edge",
    EdgeArgs(
        settings=settings.edge,
        name_prefix=settings.prefix,
        region=settings.region,
        account_id=account,
        alb_protection=pause_protection(settings.is_production, settings.general.pausable),
        protect=protect,
        vpc_id=network.vpc_id,
        public_subnet_ids=network.public_subnet_ids,
        alb_security_group_id=firewall.alb_security_group_id,
        kms_key_arn=key.arn,
        services=routed(settings.apps.catalog),
        sites=grafana_sites,
        access_logs=access_logs.destination,
        paused=paused,
    ),
    opts=on_aws,
)

registry = ContainerRegistry(
    "ecr",
    ContainerRegistryArgs(
        name_prefix=settings.prefix,
        images=IMAGES,
        kms_key_arn=key.arn,
        immutable_tags=settings.is_production,
        keep_images=settings.apps.keep_images,
        protect=protect,
    ),
    opts=on_aws,
)

# What every workload is told about the stack, and the images it runs, whichever platform runs it.
runtime = RuntimeContext(
    environment=settings.general.environment,
    project_name="Oh My Coins",
    domain=edge.domain,
    frontend_url=edge.frontend_url,
    cors_origins=(*edge.browser_origins, *settings.apps.extra_cors_origins),
    database_host=database.address,
    database_port=database.port,
    database_name=database.database_name,
    database_user=database.master_username,
    cache_host=cache.primary_endpoint,
    cache_port=cache.port,
    cache_tls=cache.tls,
    mail_environment=settings.email.environment(),
    llm_environment=settings.apps.llm_environment(),
)
images = image_references(settings.apps, registry.repository_urls)
# The catalog with shared storage moved onto any file system restore the stack names (ohmycoins:backup.fileSystemRestores).
catalog = restored_catalog(settings.apps.catalog, settings.backup.file_system_restores)

# The workload catalog on ECS Fargate, when the stack runs its apps there (otherwise on EKS, below).
ecs = None
if settings.apps.platform == "ecs":
    ecs = EcsWorkloads(
        "ecs",
        EcsWorkloadsArgs(
            settings=settings.apps,
            catalog=catalog,
            name_prefix=settings.prefix,
            region=settings.region,
            account_id=account,
            kms_key_arn=key.arn,
            vpc_id=network.vpc_id,
            subnet_ids=network.private_app_subnet_ids,
            app_security_group_id=firewall.app_security_group_id,
            repository_arns=registry.repository_arns,
            images=images,
            app_secret_arn=app_secrets.secret_arn,
            app_secret_keys=app_secrets.keys,
            database_secret_arn=database.master_secret_arn,
            cache_secret_arn=cache.auth_secret_arn,
            runtime=runtime,
            target_group_arns=edge.target_group_arns,
            listeners=edge.listeners,
            protect=protect,
            alert_topic_arn=alerts.topic_arn,
            architecture=settings.general.architecture,
            paused=paused,
        ),
        opts=on_aws,
    )

identity = Identity(
    "ci",
    IdentityArgs(
        settings=settings.ci,
        stack=settings.stack,
        name_prefix=settings.prefix,
        region=settings.region,
        account_id=account,
        ecr_repository_arns=list(registry.repository_arns.values()),
        protect=protect,
    ),
    opts=on_aws,
)

audit = Audit(
    "audit",
    AuditArgs(
        settings=settings.audit,
        name_prefix=settings.prefix,
        region=settings.region,
        account_id=account,
        alert_topic_arn=alerts.topic_arn,
        is_production=settings.is_production,
        protect=protect,
        access_logs=access_logs.destination,
    ),
    opts=on_aws,
)

# The runner of the pulumi workflows, in the VPC: it reaches the cluster's private endpoint.
ci_runner = None
if settings.ci_runner.enabled:
    ci_runner = DeployRunner(
        "ci-runner",
        DeployRunnerArgs(
            settings=settings.ci_runner,
            github_repository=settings.ci.github_repository,
            name_prefix=settings.prefix,
            region=settings.region,
            account_id=account,
            vpc_id=network.vpc_id,
            subnet_ids=network.private_app_subnet_ids,
            kms_key_arn=key.arn,
        ),
        opts=on_aws,
    )

# EKS: runners and monitoring always; the applications too when apps.platform is eks. Paused: no cluster.
platform = None
if settings.eks.enabled:
    platform = KubernetesPlatform(
        "eks",
        KubernetesPlatformArgs(
            settings=settings.eks,
            name_prefix=settings.prefix,
            region=settings.region,
            account_id=account,
            vpc_id=network.vpc_id,
            private_subnet_ids=network.private_app_subnet_ids,
            kms_key_arn=key.arn,
            secret_arns=[app_secrets.secret_arn, database.master_secret_arn, cache.auth_secret_arn],
            firewall=firewall,
            protect=protect,
            protection=deletable_by_pause,
            architecture=settings.general.architecture,
            paused=paused,
        ),
        opts=on_aws,
    )

cluster_up = platform is not None and platform.active
if cluster_up and ci_runner is not None:
    platform.admit_api_client("ci-runner", ci_runner.security_group_id)
# The ALB sends to pods: the routed apps' ports when they run on EKS, Grafana's when it is published.
if cluster_up:
    pod_ports = [*(routed_ports(settings.apps.catalog) if settings.apps.platform == "eks" else ()), *(s.port for s in grafana_sites)]
    if pod_ports:
        platform.admit_load_balancer(firewall.alb_security_group_id, pod_ports)

# The workload catalog on EKS, when the stack runs its apps there; the ALB, WAF and DNS stay the Edge's.
k8s_apps = None
k8s_file_systems: dict[str, SharedFileSystem] = {}
if platform is not None and settings.apps.platform == "eks":
    # The agents' files outlive the cluster: while paused, the file system stays (reachable from
    # the app group only) for the resumed cluster's volume to bind to again.
    k8s_file_systems = {
        item.storage.name: SharedFileSystem(
            f"eks-efs-{item.storage.name}",
            SharedFileSystemArgs(
                storage=item.storage,
                name_prefix=f"{settings.prefix}-eks",
                vpc_id=network.vpc_id,
                subnet_ids=network.private_app_subnet_ids,
                client_security_group_id=platform.cluster_security_group_id if platform.active else firewall.app_security_group_id,
                kms_key_arn=key.arn,
                protect=protect,
            ),
            opts=on_aws,
        )
        for item in catalog
        if item.storage is not None
    }
if cluster_up and settings.apps.platform == "eks":
    k8s_apps = KubernetesApps(
        "k8s-apps",
        KubernetesAppsArgs(
            catalog=settings.apps.catalog,
            namespace=settings.prefix,
            runtime=runtime,
            images=images,
            image_pins=image_pins(settings.apps, IMAGES, registry.tags_immutable),
            app_secret_keys=app_secrets.keys,
            secret_sources={
                "app": app_secrets.secret_arn,
                "database-password": database.master_secret_arn,
                "cache-auth-token": cache.auth_secret_arn,
            },
            secret_store=platform.secret_store_name,
            target_group_arns=edge.target_group_arns,
            network=NetworkContext(
                namespace=settings.prefix,
                vpc_cidr=network.vpc_cidr,
                load_balancer_cidrs=network.public_subnet_cidrs,
                data_cidrs=network.private_data_subnet_cidrs,
                smtp_port=settings.email.smtp_port if settings.email.enabled else None,
            ),
            volume_handles={
                name: pulumi.Output.concat(fs.file_system_id, "::", fs.access_point_id) for name, fs in k8s_file_systems.items()
            },
            protect=protect,
            k8s_provider=platform.k8s_provider,
            depends_on=platform.addons_ready,
        ),
    )

# Metrics, alerts, dashboards and logs, and the CI runners, on the cluster (while paused, only
# what outlives the cluster: Grafana's password, Loki's bucket).
observability = None
runners = None
if platform is not None:
    active = platform.active
    on_cluster = pulumi.ResourceOptions(providers=[provider, platform.k8s_provider]) if active else on_aws
    apps_on_eks = settings.apps.platform == "eks"
    if settings.monitoring.enabled and ecs is not None and active:
        # Prometheus on the cluster scrapes the ECS tasks' metrics through their Cloud Map names.
        firewall.admit_scraper(
            "eks-prometheus", platform.cluster_security_group_id, [w.port for w in metrics_services(settings.apps.catalog)]
        )
    if settings.monitoring.enabled:
        observability = Observability(
            "monitoring",
            ObservabilityArgs(
                settings=settings.monitoring,
                name_prefix=settings.prefix,
                environment=settings.general.environment,
                region=settings.region,
                account_id=account,
                cluster_name=platform.cluster_name if active else "",
                oidc_provider_arn=platform.oidc_provider_arn if active else "",
                oidc_issuer=platform.oidc_issuer if active else "",
                storage_class=platform.gp3_storage_class_name if active else "",
                topic_arn=alerts.topic_arn,
                kms_key_arn=key.arn,
                protect=protect,
                access_logs=access_logs.destination,
                apps_namespace=settings.prefix,
                scrapes=service_scrapes(settings.apps.catalog) if apps_on_eks else (),
                job_schedules=job_schedules(settings.apps.catalog),
                dns_scrapes=dns_scrapes(settings.apps.catalog, ecs.namespace_name) if ecs is not None else (),
                log_group_prefixes=(f"/ecs/{settings.prefix}/", f"/aws/rds/instance/{settings.prefix}-postgres/"),
                job_runner_arns=ecs.job_runner_arns if ecs is not None else {},
                slack_webhook_url=settings.secret("alertmanagerSlackWebhookUrl"),
                smtp_password=settings.secret("alertmanagerSmtpPassword"),
                grafana_target_group_arn=edge.site_target_group_arns.get("grafana"),
                grafana_github_client_secret=settings.secret("grafanaGithubClientSecret"),
                load_balancer_controller=[platform.controllers.releases["aws-load-balancer-controller"]] if active else (),
                depends_on=platform.nodes_ready if active else (),
                # No apps node group: the monitoring pods run on the system nodes.
                tolerations=platform.system_tolerations if active and settings.eks.node_groups.apps is None else (),
                paused=not active,
            ),
            opts=on_cluster,
        )
    if settings.runners.enabled and active:
        runners = Runners(
            "runners",
            RunnersArgs(
                settings=settings.runners,
                github_app_private_key=settings.secret("runnersGithubAppPrivateKey"),
                node_selector=platform.runner_node_selector,
                tolerations=platform.runner_tolerations,
                depends_on=platform.nodes_ready,
            ),
            opts=on_cluster,
        )

# AWS Backup of the database and the workloads' file systems, copies to a second region, the restore drill.
backups = Backups(
    "backups",
    BackupsArgs(
        settings=settings.backup,
        name_prefix=settings.prefix,
        account_id=account,
        kms_key_arn=key.arn,
        key_deletion_window_days=settings.kms.deletion_window_days,
        database_arn=database.instance_arn,
        file_system_arns=[*(ecs.file_system_arns if ecs is not None else []), *(fs.file_system_arn for fs in k8s_file_systems.values())],
        alert_topic_arn=alerts.topic_arn,
        protect=protect,
        copy_provider=copy_region_provider(settings),
    ),
    opts=on_aws,
)
drill = None
if settings.backup.drill.enabled:
    drill = RestoreDrill(
        "restore-drill",
        RestoreDrillArgs(
            settings=settings.backup.drill,
            name_prefix=settings.prefix,
            region=settings.region,
            account_id=account,
            kms_key_arn=key.arn,
            vault_name=backups.vault_name,
            vault_arn=backups.vault_arn,
            database_arn=database.instance_arn,
            subnet_group_name=database.subnet_group_name,
            security_group_id=firewall.database_security_group_id,
            parameter_group_name=database.parameter_group_name,
            alert_topic_arn=alerts.topic_arn,
        ),
        opts=on_aws,
    )

# Paused, nothing is there to watch (the budget still is): no alarms, no dashboard.
alarms = None
if not paused:
    alarms = Alarms(
        "alarms",
        AlarmsArgs(
            settings=settings.alarms,
            name_prefix=settings.prefix,
            region=settings.region,
            topic_arn=alerts.topic_arn,
            database_instance_id=database.instance_identifier,
            cache_member_cluster_ids=cache_member_cluster_ids(cache.replication_group_id, settings.cache.nodes),
            alb_arn_suffix=edge.alb_arn_suffix,
            target_group_arn_suffixes=edge.target_group_arn_suffixes,
            ecs_cluster_name=ecs.cluster_name if ecs is not None else None,
            ecs_service_names=ecs.service_names if ecs is not None else {},
            ecs_container_insights=settings.apps.container_insights != "disabled",
        ),
        opts=on_aws,
    )

budget = Budget(
    "budget",
    BudgetArgs(settings=settings.budget, stack=settings.stack, name_prefix=settings.prefix, topic_arn=alerts.topic_arn),
    opts=on_aws,
)

pulumi.export("paused", paused)
pulumi.export("budgetName", budget.budget_name)

pulumi.export("vpcId", network.vpc_id)
pulumi.export("vpcCidr", network.vpc_cidr)
pulumi.export("publicSubnetIds", network.public_subnet_ids)
pulumi.export("privateAppSubnetIds", network.private_app_subnet_ids)
pulumi.export("privateDataSubnetIds", network.private_data_subnet_ids)
pulumi.export("natGatewayIds", network.nat_gateway_ids)
pulumi.export("kmsKeyArn", key.arn)
pulumi.export("albSecurityGroupId", firewall.alb_security_group_id)
pulumi.export("appSecurityGroupId", firewall.app_security_group_id)
pulumi.export("databaseSecurityGroupId", firewall.database_security_group_id)
pulumi.export("cacheSecurityGroupId", firewall.cache_security_group_id)
pulumi.export("appSecretArn", app_secrets.secret_arn)
pulumi.export("appSecretKeys", app_secrets.keys)
pulumi.export("databaseAddress", database.address)
pulumi.export("databasePort", database.port)
pulumi.export("databaseName", database.database_name)
pulumi.export("databaseMasterSecretArn", database.master_secret_arn)
pulumi.export("cachePrimaryEndpoint", cache.primary_endpoint)
pulumi.export("cacheReaderEndpoint", cache.reader_endpoint)
pulumi.export("cachePort", cache.port)
pulumi.export("cacheAuthSecretArn", cache.auth_secret_arn)
pulumi.export("alertTopicArn", alerts.topic_arn)
if edge.alb_dns_name is not None:
    pulumi.export("albDnsName", edge.alb_dns_name)
pulumi.export("apiUrl", edge.api_url)
pulumi.export("frontendUrl", edge.frontend_url)
pulumi.export("ecrRepositoryUrls", registry.repository_urls)
if ecs is not None:
    pulumi.export("ecsClusterName", ecs.cluster_name)
    pulumi.export("ecsServiceNames", ecs.service_names)
    pulumi.export("serviceDiscoveryNamespace", ecs.namespace_name)
pulumi.export("ciPreviewRoleArn", identity.preview_role_arn)
pulumi.export("ciDeployRoleArn", identity.deploy_role_arn)
pulumi.export("ciImagePushRoleArn", identity.image_push_role_arn)
if ci_runner is not None:
    pulumi.export("ciRunnerProject", ci_runner.project_name)
    # What a workflow job that runs pulumi against this stack puts in `runs-on`.
    pulumi.export("ciRunnerLabel", ci_runner.runs_on)
pulumi.export("githubOidcProviderArn", identity.oidc_provider_arn)
pulumi.export("guardDutyDetectorId", audit.guardduty_detector_id)
if audit.trail_arn is not None:
    pulumi.export("cloudTrailArn", audit.trail_arn)
if cluster_up:
    pulumi.export("eksClusterName", platform.cluster_name)
    pulumi.export("eksOidcProviderArn", platform.oidc_provider_arn)
    pulumi.export("eksClusterSecurityGroupId", platform.cluster_security_group_id)
    # Secret: `pulumi stack output kubeconfig --show-secrets > kubeconfig` (README "Reaching the cluster").
    pulumi.export("kubeconfig", platform.kubeconfig)
if alarms is not None and alarms.dashboard_name is not None:
    pulumi.export("dashboardName", alarms.dashboard_name)
if runners is not None:
    pulumi.export("runnerScaleSets", runners.scale_set_names)
if "grafana" in edge.site_urls:
    pulumi.export("grafanaUrl", edge.site_urls["grafana"])
pulumi.export("backupVaultName", backups.vault_name)
pulumi.export("backupRestoreRoleArn", backups.restore_role_arn)
if backups.copy_vault_arn is not None:
    pulumi.export("backupCopyVaultArn", backups.copy_vault_arn)
if drill is not None:
    pulumi.export("restoreDrillStateMachineArn", drill.state_machine_arn)
pulumi.export("recoveryObjectives", objectives_output(recovery_objectives(settings.database, settings.cache, settings.backup)))

adoption.check_complete()
