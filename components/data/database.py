"""PostgreSQL 17 on RDS: private, encrypted with the stack's key, TLS only, password owned by RDS."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.data.database_settings import DatabaseSettings, database_identifier
from components.data.database_state import DatabaseState, DatabaseStateArgs
from components.data.json_secret import json_secret
from components.data.maintenance_windows import rotation_schedule
from components.data.restore_settings import DatabaseRestore
from components.data.storage_key import storage_key_arn
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


def restore_arguments(restore: DatabaseRestore | None) -> dict:
    """The instance's inputs that create it from a snapshot or a point in time; none for a new, empty one."""
    if restore is None:
        return {}
    if restore.snapshot is not None:
        return {"snapshot_identifier": restore.snapshot}
    point = restore.point_in_time
    assert point is not None
    source = (
        {"source_db_instance_automated_backups_arn": point.source}
        if point.source.startswith("arn:")
        else {"source_db_instance_identifier": point.source}
    )
    when = {"use_latest_restorable_time": True} if point.time == "latest" else {"restore_time": point.time}
    return {"restore_to_point_in_time": aws.rds.InstanceRestoreToPointInTimeArgs(**source, **when)}


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
    # The existing master password (secure config), for `masterPasswordSource: stack-secret`.
    master_password: pulumi.Input[str] | None = None
    secret_recovery_window_days: int = 0
    # Paused: the instance is stopped; its storage, backups and endpoint stay.
    paused: bool = False


class Database(pulumi.ComponentResource):
    """The primary (Multi-AZ where the stack asks), its parameters, logs and monitoring."""

    address: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    port: int
    database_name: str
    master_username: str
    instance_identifier: pulumi.Output[str]
    instance_arn: pulumi.Output[str]
    resource_id: pulumi.Output[str]
    master_secret_arn: pulumi.Output[str]
    subnet_group_name: pulumi.Output[str]
    parameter_group_name: pulumi.Output[str]

    def __init__(self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ohmycoins:database:Database", name, None, opts)
        settings = args.settings
        child = pulumi.ResourceOptions(parent=self)
        restore = settings.restore_from
        identifier = database_identifier(args.name_prefix, restore)
        tags = {"Name": identifier}
        storage_key = storage_key_arn(settings.encryption_key, args.kms_key_arn)

        subnet_group = aws.rds.SubnetGroup(
            f"{name}-subnets",
            name=settings.subnet_group_name or f"{args.name_prefix}-postgres",
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
                # A restore renames the instance; the replaced one keeps exporting here while it is kept.
                opts=pulumi.ResourceOptions(parent=self, retain_on_delete=args.protect),
            )
            for export in LOG_EXPORTS
        ]
        monitoring_role = self._monitoring_role(name, args) if settings.monitoring_interval_seconds else None
        password, stack_secret_arn = self._master_password(name, identifier, args)

        # Where stateful resources are protected, an instance replaced by a restore stays in AWS
        # (retainOnDelete) instead of being deleted; see README "Restoring the database".
        stateful = pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.protect, depends_on=log_groups)
        # A restored instance takes its database and master user from the backup.
        created_empty = {"db_name": settings.database_name, "username": settings.master_username} if restore is None else {}
        instance = aws.rds.Instance(
            f"{name}-instance",
            identifier=identifier,
            engine="postgres",
            engine_version=settings.engine_version,
            instance_class=settings.instance_class,
            port=POSTGRES_PORT,
            **created_empty,
            **restore_arguments(restore),
            **password,
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
            kms_key_id=storage_key,
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

        if stack_secret_arn is None and not args.paused:
            # RDS rotates the password it manages (every 7 days unless told otherwise). Rotating inside the
            # maintenance window puts the restart of its readers (components/compute/ecs/rollover.py, the
            # Reloader on EKS) in the hour when a short blip is expected anyway. A stopped instance cannot
            # take a new password: while paused, rotation is off and resumes with the stack.
            schedule, duration = rotation_schedule(settings.maintenance_window)
            aws.secretsmanager.SecretRotation(
                f"{name}-password-rotation",
                secret_id=instance.master_user_secrets.apply(lambda secrets: secrets[0].secret_arn),
                rotation_rules={"schedule_expression": schedule, "duration": duration},
                # The first rotation waits for the window too, instead of happening during `pulumi up`.
                rotate_immediately=False,
                opts=child,
            )

        self.state = state.state
        self.address = instance.address
        self.endpoint = instance.endpoint
        self.port = POSTGRES_PORT
        self.database_name = settings.database_name
        self.master_username = settings.master_username
        self.instance_identifier = instance.identifier
        self.instance_arn = instance.arn
        self.resource_id = instance.resource_id
        self.master_secret_arn = (
            stack_secret_arn if stack_secret_arn is not None else instance.master_user_secrets.apply(lambda secrets: secrets[0].secret_arn)
        )
        self.subnet_group_name = subnet_group.name
        self.parameter_group_name = parameter_group.name
        self.register_outputs(
            {
                "address": self.address,
                "endpoint": self.endpoint,
                "port": self.port,
                "database_name": self.database_name,
                "master_secret_arn": self.master_secret_arn,
            }
        )

    def _master_password(self, name: str, identifier: str, args: DatabaseArgs) -> tuple[dict[str, pulumi.Input], pulumi.Output[str] | None]:
        """The instance's password inputs, and with `stack-secret` the ARN of the secret workloads read it from."""
        if args.settings.master_password_source == "rds-managed":
            # RDS generates the password and keeps it in Secrets Manager, encrypted with our key.
            return {"manage_master_user_password": True, "master_user_secret_kms_key_id": args.kms_key_arn}, None
        if args.master_password is None:
            raise ValueError("masterPasswordSource is stack-secret, but no master password was given")
        # The same JSON keys as an RDS-managed master secret, so consumers read either the same way.
        secret = json_secret(
            f"{name}-master-secret",
            name=f"{identifier}-master",
            description=f"Master user of the RDS instance {identifier} (JSON keys username, password); managed by Pulumi",
            values={"username": args.settings.master_username, "password": args.master_password},
            kms_key_arn=args.kms_key_arn,
            recovery_window_days=args.secret_recovery_window_days,
            parent=self,
        )
        return {"password": pulumi.Output.secret(args.master_password)}, secret.arn

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
