"""PostgreSQL 17 on RDS: private, encrypted with the stack's key, TLS only, password owned by RDS."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.data.database_settings import DatabaseSettings
from components.data.database_state import DatabaseState, DatabaseStateArgs
from components.network.firewall import POSTGRES_PORT
from components.shared.iam_documents import service_trust

LOG_EXPORTS = ("postgresql", "upgrade")
MONITORING_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"


def parameters(settings: DatabaseSettings) -> list[dict[str, str]]:
    """The parameter group's settings: TLS only, connections and slow statements logged, pg_stat_statements."""
    values = {
        "rds.force_ssl": ("1", "immediate"),
        "log_connections": ("1", "immediate"),
        "log_disconnections": ("1", "immediate"),
        # Slow statements only: logging every duration (the original's log_duration) floods the logs.
        "log_min_duration_statement": (str(settings.slow_statement_ms), "immediate"),
        # A static parameter: it takes effect at the next reboot.
        "shared_preload_libraries": ("pg_stat_statements", "pending-reboot"),
    }
    return [{"name": key, "value": value, "apply_method": method} for key, (value, method) in values.items()]


@dataclass(frozen=True)
class DatabaseArgs:
    settings: DatabaseSettings
    name_prefix: str
    account_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]  # the private-data subnets
    security_group_id: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    protect: bool
    region: str
    # Paused: the instance is stopped; its storage, backups and endpoint stay.
    paused: bool = False


class Database(pulumi.ComponentResource):
    """The primary (Multi-AZ where the stack asks), its parameters, logs, monitoring and an optional replica."""

    address: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    port: int
    database_name: str
    master_username: str
    instance_identifier: pulumi.Output[str]
    instance_arn: pulumi.Output[str]
    resource_id: pulumi.Output[str]
    master_secret_arn: pulumi.Output[str]
    replica_address: pulumi.Output[str] | None

    def __init__(self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ohmycoins:database:Database", name, None, opts)
        settings = args.settings
        child = pulumi.ResourceOptions(parent=self)
        identifier = f"{args.name_prefix}-postgres"
        tags = {"Name": identifier}

        subnet_group = aws.rds.SubnetGroup(
            f"{name}-subnets",
            name=f"{args.name_prefix}-postgres",
            description="Private data subnets: no route to or from the internet",
            subnet_ids=list(args.subnet_ids),
            tags=tags,
            opts=child,
        )
        parameter_group = aws.rds.ParameterGroup(
            f"{name}-parameters",
            name=f"{args.name_prefix}-{settings.parameter_family}",
            family=settings.parameter_family,
            description=f"{args.name_prefix}: TLS only, connection and slow-statement logging, pg_stat_statements",
            parameters=parameters(settings),
            tags=tags,
            opts=child,
        )
        # Created here rather than by RDS so they are KMS-encrypted and keep the stack's retention.
        log_groups = [
            aws.cloudwatch.LogGroup(
                f"{name}-{export}-logs",
                name=f"/aws/rds/instance/{identifier}/{export}",
                retention_in_days=settings.log_retention_days,
                kms_key_id=args.kms_key_arn,
                tags={"Name": f"{identifier}-{export}-logs"},
                opts=child,
            )
            for export in LOG_EXPORTS
        ]
        monitoring_role = self._monitoring_role(name, args) if settings.monitoring_interval_seconds else None

        stateful = pulumi.ResourceOptions(parent=self, protect=args.protect, depends_on=log_groups)
        instance = aws.rds.Instance(
            f"{name}-instance",
            identifier=identifier,
            engine="postgres",
            engine_version=settings.engine_version,
            instance_class=settings.instance_class,
            port=POSTGRES_PORT,
            db_name=settings.database_name,
            username=settings.master_username,
            # RDS generates the password and keeps it in Secrets Manager, encrypted with our key.
            manage_master_user_password=True,
            master_user_secret_kms_key_id=args.kms_key_arn,
            iam_database_authentication_enabled=True,
            db_subnet_group_name=subnet_group.name,
            vpc_security_group_ids=[args.security_group_id],
            parameter_group_name=parameter_group.name,
            publicly_accessible=False,
            multi_az=settings.multi_az,
            storage_type="gp3",
            allocated_storage=settings.allocated_storage_gb,
            max_allocated_storage=settings.max_allocated_storage_gb,
            storage_encrypted=True,
            kms_key_id=args.kms_key_arn,
            auto_minor_version_upgrade=True,
            allow_major_version_upgrade=False,
            backup_retention_period=settings.backup_retention_days,
            backup_window=settings.backup_window,
            maintenance_window=settings.maintenance_window,
            copy_tags_to_snapshot=True,
            delete_automated_backups=not settings.final_snapshot,
            deletion_protection=settings.deletion_protection,
            skip_final_snapshot=not settings.final_snapshot,
            # Stable, so a plan never shows a diff (the original used timestamp()).
            final_snapshot_identifier=f"{identifier}-final" if settings.final_snapshot else None,
            enabled_cloudwatch_logs_exports=list(LOG_EXPORTS),
            monitoring_interval=settings.monitoring_interval_seconds,
            monitoring_role_arn=monitoring_role.arn if monitoring_role else None,
            performance_insights_enabled=settings.performance_insights,
            performance_insights_kms_key_id=args.kms_key_arn if settings.performance_insights else None,
            performance_insights_retention_period=settings.performance_insights_retention_days if settings.performance_insights else None,
            apply_immediately=settings.apply_immediately,
            tags=tags,
            opts=stateful,
        )

        state = DatabaseState(
            f"{name}-state",
            DatabaseStateArgs(
                name_prefix=args.name_prefix,
                region=args.region,
                account_id=args.account_id,
                identifier=instance.identifier,
                instance_arn=instance.arn,
                paused=args.paused,
            ),
            opts=child,
        )

        # RDS cannot stop an instance that has a read replica: the settings refuse a pause with one.
        self.replica_address = None
        if settings.read_replica_instance_class:
            replica_id = f"{identifier}-replica"
            replica = aws.rds.Instance(
                f"{name}-replica",
                identifier=replica_id,
                replicate_source_db=instance.identifier,
                instance_class=settings.read_replica_instance_class,
                vpc_security_group_ids=[args.security_group_id],
                parameter_group_name=parameter_group.name,
                publicly_accessible=False,
                multi_az=False,
                storage_type="gp3",
                max_allocated_storage=settings.max_allocated_storage_gb,
                storage_encrypted=True,
                kms_key_id=args.kms_key_arn,
                iam_database_authentication_enabled=True,
                auto_minor_version_upgrade=True,
                copy_tags_to_snapshot=True,
                # A replica holds nothing the primary does not: no backups, no final snapshot.
                backup_retention_period=0,
                skip_final_snapshot=True,
                deletion_protection=settings.deletion_protection,
                monitoring_interval=settings.monitoring_interval_seconds,
                monitoring_role_arn=monitoring_role.arn if monitoring_role else None,
                performance_insights_enabled=settings.performance_insights,
                performance_insights_kms_key_id=args.kms_key_arn if settings.performance_insights else None,
                performance_insights_retention_period=(
                    settings.performance_insights_retention_days if settings.performance_insights else None
                ),
                apply_immediately=settings.apply_immediately,
                tags={"Name": replica_id},
                # A replica can only be made of a running primary.
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect, depends_on=[state.desired_state]),
            )
            self.replica_address = replica.address

        self.state = state.state
        self.address = instance.address
        self.endpoint = instance.endpoint
        self.port = POSTGRES_PORT
        self.database_name = settings.database_name
        self.master_username = settings.master_username
        self.instance_identifier = instance.identifier
        self.instance_arn = instance.arn
        self.resource_id = instance.resource_id
        self.master_secret_arn = instance.master_user_secrets.apply(lambda secrets: secrets[0].secret_arn)
        self.register_outputs(
            {
                "address": self.address,
                "endpoint": self.endpoint,
                "port": self.port,
                "database_name": self.database_name,
                "master_secret_arn": self.master_secret_arn,
                "replica_address": self.replica_address,
            }
        )

    def _monitoring_role(self, name: str, args: DatabaseArgs) -> aws.iam.Role:
        trust = pulumi.Output.from_input(args.account_id).apply(lambda account: service_trust("monitoring.rds.amazonaws.com", account))
        role = aws.iam.Role(
            f"{name}-monitoring-role",
            name=f"{args.name_prefix}-rds-monitoring",
            description="RDS enhanced monitoring publishes OS metrics to CloudWatch Logs",
            assume_role_policy=trust,
            tags={"Name": f"{args.name_prefix}-rds-monitoring"},
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.iam.RolePolicyAttachment(
            f"{name}-monitoring-policy", role=role.name, policy_arn=MONITORING_POLICY_ARN, opts=pulumi.ResourceOptions(parent=self)
        )
        return role
