"""Redis 7 on ElastiCache: private, TLS and AUTH in every stack, failover where the stack asks.

ElastiCache cannot stop a cache, so a paused stack deletes the replication group into a final
snapshot and a resume creates it again from that snapshot, under the same id (hence the same
endpoints), with the same AUTH token (kept with its secret, the parameter and subnet groups and the
log groups). Two SSM parameters remember across the pause what the group no longer can: which
snapshot to restore from, and the endpoints to keep handing to the apps (components/data/cache_pause.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.data.cache_pause import PauseMemory, PauseMemoryArgs
from components.data.cache_settings import CacheSettings
from components.data.json_secret import json_secret
from components.data.storage_key import storage_key_arn
from components.network.firewall import REDIS_PORT
from components.shared.pause import PauseProtection

# ElastiCache accepts printable ASCII in an AUTH token except space, '"', '/' and '@'; these
# specials are the ones it documents, so the token also survives URLs and shells.
AUTH_TOKEN_SPECIALS = "!&#$^<>-"
AUTH_SECRET_KEY = "REDIS_PASSWORD"
LOG_TYPES = ("slow-log", "engine-log")


@dataclass(frozen=True)
class CacheArgs:
    settings: CacheSettings
    name_prefix: str
    subnet_ids: Sequence[pulumi.Input[str]]  # the private-data subnets
    security_group_id: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    secret_recovery_window_days: int
    # `protect` of the replication group (components/shared/pause.py lifts it where a pause may delete it).
    protection: PauseProtection
    # Paused: the replication group is deleted into a final snapshot it is restored from on resume.
    paused: bool = False
    # Create the replication group from this ElastiCache snapshot (a restore, or coming back from a
    # final snapshot); None creates it empty.
    snapshot_name: str | None = None
    # The group's id when it must differ from `<prefix>-redis` (a restore beside the group it replaces).
    replication_group_id: str | None = None


class Cache(pulumi.ComponentResource):
    """Sessions, queues and agent state: a replication group whose AUTH token lives in Secrets Manager."""

    primary_endpoint: pulumi.Output[str]
    reader_endpoint: pulumi.Output[str]
    port: int
    tls: bool
    auth_secret_arn: pulumi.Output[str]
    auth_secret_key: str
    replication_group_id: pulumi.Output[str]

    def __init__(self, name: str, args: CacheArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ohmycoins:cache:Cache", name, None, opts)
        settings = args.settings
        child = pulumi.ResourceOptions(parent=self)
        # Only the group itself takes a restore's id: its subnets, parameters, AUTH secret and logs stay.
        base_id = f"{args.name_prefix}-redis"
        group_id = args.replication_group_id or base_id

        subnet_group = aws.elasticache.SubnetGroup(
            f"{name}-subnets",
            name=settings.subnet_group_name or base_id,
            description="Private data subnets: no route to or from the internet",
            subnet_ids=list(args.subnet_ids),
            tags={"Name": base_id},
            opts=child,
        )
        parameter_group = aws.elasticache.ParameterGroup(
            f"{name}-parameters",
            name=f"{args.name_prefix}-{settings.parameter_family}",
            family=settings.parameter_family,
            description=f"{args.name_prefix}: evict least-recently-used keys when memory is full",
            parameters=[aws.elasticache.ParameterGroupParameterArgs(name="maxmemory-policy", value="allkeys-lru")],
            tags={"Name": f"{base_id}-parameters"},
            opts=child,
        )

        token = random.RandomPassword(
            f"{name}-auth-token",
            length=settings.auth_token_length,
            special=True,
            override_special=AUTH_TOKEN_SPECIALS,
            min_lower=2,
            min_upper=2,
            min_numeric=2,
            opts=child,
        )
        secret = json_secret(
            f"{name}-auth-secret",
            name=f"{base_id}-auth",
            description=f"AUTH token of the Redis replication group {base_id} (JSON key {AUTH_SECRET_KEY}); managed by Pulumi",
            values={AUTH_SECRET_KEY: token.result},
            kms_key_arn=args.kms_key_arn,
            recovery_window_days=args.secret_recovery_window_days,
            parent=self,
        )

        log_groups = {
            log_type: aws.cloudwatch.LogGroup(
                f"{name}-{log_type}",
                name=f"/aws/elasticache/{args.name_prefix}/{log_type}",
                retention_in_days=settings.log_retention_days,
                kms_key_id=args.kms_key_arn,
                tags={"Name": f"{base_id}-{log_type}"},
                opts=child,
            )
            for log_type in LOG_TYPES
        }

        memory = PauseMemory(
            f"{name}-pause-memory",
            PauseMemoryArgs(name_prefix=args.name_prefix, group_id=group_id, paused=args.paused),
            opts=child,
        )
        if args.paused:
            self.primary_endpoint, self.reader_endpoint = memory.remembered_endpoints()
            self.replication_group_id = pulumi.Output.from_input(group_id)
        else:
            group = aws.elasticache.ReplicationGroup(
                f"{name}-redis",
                replication_group_id=group_id,
                description=f"Oh My Coins Redis ({args.name_prefix})",
                engine="redis",
                engine_version=settings.engine_version,
                node_type=settings.node_type,
                num_cache_clusters=settings.nodes,
                port=REDIS_PORT,
                parameter_group_name=parameter_group.name,
                subnet_group_name=subnet_group.name,
                security_group_ids=[args.security_group_id],
                at_rest_encryption_enabled=True,
                kms_key_id=storage_key_arn(settings.encryption_key, args.kms_key_arn),
                transit_encryption_enabled=True,
                transit_encryption_mode=settings.transit_encryption,
                auth_token=token.result,
                auth_token_update_strategy="ROTATE",
                automatic_failover_enabled=settings.automatic_failover,
                multi_az_enabled=settings.multi_az,
                snapshot_retention_limit=settings.snapshot_retention_days,
                snapshot_window=settings.snapshot_window,
                maintenance_window=settings.maintenance_window,
                # Every deletion (pause, restore or destroy) leaves this snapshot; a resume restores from the last one.
                snapshot_name=args.snapshot_name or memory.restore_from,
                final_snapshot_identifier=memory.final_snapshot_name,
                auto_minor_version_upgrade=True,
                apply_immediately=settings.apply_immediately,
                log_delivery_configurations=[
                    aws.elasticache.ReplicationGroupLogDeliveryConfigurationArgs(
                        destination=log_groups[log_type].name,
                        destination_type="cloudwatch-logs",
                        log_format="json",
                        log_type=log_type,
                    )
                    for log_type in LOG_TYPES
                ],
                tags={"Name": group_id, **args.protection.tags},
                opts=pulumi.ResourceOptions(parent=self, protect=args.protection.protect),
            )

            self.primary_endpoint = group.primary_endpoint_address
            self.reader_endpoint = group.reader_endpoint_address
            self.replication_group_id = group.replication_group_id
            memory.remember_endpoints(self.primary_endpoint, self.reader_endpoint)
        self.port = REDIS_PORT
        self.tls = True
        self.auth_secret_arn = secret.arn
        self.auth_secret_key = AUTH_SECRET_KEY
        self.register_outputs(
            {
                "primary_endpoint": self.primary_endpoint,
                "reader_endpoint": self.reader_endpoint,
                "port": self.port,
                "auth_secret_arn": self.auth_secret_arn,
            }
        )
