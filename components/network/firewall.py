"""Security groups of the request path and the data tier: each admits only the tier in front of it."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partialmethod
from typing import TypeVar

import pulumi
import pulumi_aws as aws

from components.network.firewall_settings import FirewallSettings, GroupRole

POSTGRES_PORT = 5432
REDIS_PORT = 6379
# The data-tier groups other components may admit a source to, and the port each one serves.
DATA_TARGETS = {"database": POSTGRES_PORT, "cache": REDIS_PORT}
INTERNET = "0.0.0.0/0"

RuleT = TypeVar("RuleT", aws.vpc.SecurityGroupIngressRule, aws.vpc.SecurityGroupEgressRule)


def vpc_resolver(vpc_cidr: str) -> str:
    """'10.0.0.0/16' -> '10.0.0.2/32': the Amazon DNS server sits at the VPC's base address plus two."""
    return f"{ipaddress.IPv4Network(vpc_cidr).network_address + 2}/32"


def check_targets(targets: Sequence[str]) -> None:
    """`allow_from` admits to the data tier only: ('database',), ('cache',) or both."""
    if not targets or any(t not in DATA_TARGETS for t in targets) or len(set(targets)) != len(targets):
        raise ValueError(f"allow_from targets must be distinct names among {sorted(DATA_TARGETS)}, got {list(targets)}")


@dataclass(frozen=True)
class FirewallArgs:
    settings: FirewallSettings
    name_prefix: str  # `ohmycoins-<stack>`
    vpc_id: pulumi.Input[str]
    vpc_cidr: str
    # Container ports the ALB forwards to: the workload catalog's routed ports (frontend 80, backend 8000).
    app_ports: Sequence[int]
    # Ports workloads call each other on inside the app tier (backend <-> agents): the catalog's service ports.
    internal_ports: Sequence[int] = ()
    # The SMTP server's port (`ohmycoins:email.smtpPort`) when the app sends mail; None: no SMTP egress.
    smtp_port: int | None = None
    # Paused: there is no load balancer, so nothing is open to the internet.
    paused: bool = False


class Firewall(pulumi.ComponentResource):
    """alb <- internet (80/443); app <- alb (and app, on its internal ports); database and cache <- app.

    Other consumers of the data tier (EKS nodes) are admitted explicitly with `allow_from`.

    Rules are separate resources, never inline, so other components can add theirs beside them.
    """

    alb_security_group_id: pulumi.Output[str]
    app_security_group_id: pulumi.Output[str]
    database_security_group_id: pulumi.Output[str]
    cache_security_group_id: pulumi.Output[str]

    def __init__(self, name: str, args: FirewallArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ohmycoins:firewall:Firewall", name, None, opts)
        self._name = name
        self._args = args
        ports = sorted(set(args.app_ports))
        if not ports:
            raise ValueError("FirewallArgs.app_ports is empty: the ALB would have nothing to forward to")

        alb = self._group("alb", "Application load balancer: HTTP and HTTPS from the internet")
        app = self._group("app", "Application workloads: from the load balancer and from each other")
        # No egress at all (an empty list also removes AWS's default allow-all rule): the data
        # tier answers connections, it never opens any.
        database = self._group("database", "PostgreSQL: from the application tier only", closed_egress=True)
        cache = self._group("cache", "Redis: from the application tier only", closed_egress=True)
        self.alb_security_group_id = alb.id
        self.app_security_group_id = app.id
        self.database_security_group_id = database.id
        self.cache_security_group_id = cache.id
        self._targets = {"database": database.id, "cache": cache.id}

        for port in () if args.paused else (80, 443):
            self._ingress(f"alb-in-{port}-internet", alb.id, port, f"{'HTTP' if port == 80 else 'HTTPS'} from the internet", cidr=INTERNET)
        for port in ports:
            self._egress(f"alb-out-{port}-app", alb.id, port, f"Forward to the application on {port}", group=app.id)
            self._ingress(f"app-in-{port}-alb", app.id, port, f"Port {port} from the load balancer", group=alb.id)
        for port in sorted(set(args.internal_ports)):
            self._ingress(f"app-in-{port}-app", app.id, port, f"Port {port} from other workloads of the app tier", group=app.id)
            self._egress(f"app-out-{port}-app", app.id, port, f"Port {port} to other workloads of the app tier", group=app.id)

        self._egress("app-out-postgres", app.id, POSTGRES_PORT, "PostgreSQL to the database", group=database.id)
        self._egress("app-out-redis", app.id, REDIS_PORT, "Redis (TLS) to the cache", group=cache.id)
        self._egress("app-out-https", app.id, 443, "HTTPS to AWS APIs, image registries and third-party APIs", cidr=INTERNET)
        if args.smtp_port is not None and args.smtp_port != 443:
            self._egress("app-out-smtp", app.id, args.smtp_port, "SMTP to the mail server", cidr=INTERNET)
        resolver = vpc_resolver(args.vpc_cidr)
        for protocol in ("udp", "tcp"):
            self._egress(
                f"app-out-dns-{protocol}", app.id, 53, f"DNS ({protocol.upper()}) to the VPC resolver", cidr=resolver, protocol=protocol
            )

        self._ingress("database-in-app", database.id, POSTGRES_PORT, "PostgreSQL from the application tier", group=app.id)
        for cidr in args.settings.database_management_cidrs:
            self._ingress(
                f"database-in-mgmt-{str(cidr).replace('.', '-').replace('/', '-')}",
                database.id,
                POSTGRES_PORT,
                f"PostgreSQL from the management range {cidr}",
                cidr=str(cidr),
            )
        self._ingress("cache-in-app", cache.id, REDIS_PORT, "Redis (TLS) from the application tier", group=app.id)

        self.register_outputs(
            {
                "alb_security_group_id": self.alb_security_group_id,
                "app_security_group_id": self.app_security_group_id,
                "database_security_group_id": self.database_security_group_id,
                "cache_security_group_id": self.cache_security_group_id,
            }
        )

    def allow_from(
        self, source: str, source_security_group_id: pulumi.Input[str], targets: Sequence[str] = ("database", "cache")
    ) -> list[aws.vpc.SecurityGroupIngressRule]:
        """Admits another security group (EKS nodes, a bastion) to the database and/or cache port, and nothing else.

        `source` names the consumer; it becomes part of the rule names and descriptions.
        """
        check_targets(targets)
        return [
            self._ingress(
                f"{target}-in-{source}",
                self._targets[target],
                DATA_TARGETS[target],
                f"{'PostgreSQL' if target == 'database' else 'Redis (TLS)'} from {source}",
                group=source_security_group_id,
            )
            for target in targets
        ]

    def admit_scraper(
        self, source: str, source_security_group_id: pulumi.Input[str], ports: Sequence[int]
    ) -> list[aws.vpc.SecurityGroupIngressRule]:
        """Admits a metrics scraper (Prometheus on the EKS cluster) to the workloads' metrics ports, and nothing else."""
        return [
            self._ingress(
                f"app-in-{port}-{source}",
                self.app_security_group_id,
                port,
                f"Metrics on {port} from {source}",
                group=source_security_group_id,
            )
            for port in sorted(set(ports))
        ]

    def _group(self, role: GroupRole, description: str, closed_egress: bool = False) -> aws.ec2.SecurityGroup:
        # An adopted group keeps the name and description it was created with.
        identity = self._args.settings.groups.get(role)
        return aws.ec2.SecurityGroup(
            f"{self._name}-{role}",
            name=identity.name if identity else f"{self._args.name_prefix}-{role}",
            description=identity.description if identity else description,
            vpc_id=self._args.vpc_id,
            egress=[] if closed_egress else None,
            tags={"Name": f"{self._args.name_prefix}-{role}-sg"},
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _rule(
        self,
        kind: type[RuleT],
        rule: str,
        group_id: pulumi.Input[str],
        port: int,
        description: str,
        *,
        cidr: str | None = None,
        group: pulumi.Input[str] | None = None,
        protocol: str = "tcp",
    ) -> RuleT:
        """One port of one protocol, from or to a CIDR or another security group."""
        return kind(
            f"{self._name}-{rule}",
            security_group_id=group_id,
            description=description,
            ip_protocol=protocol,
            from_port=port,
            to_port=port,
            cidr_ipv4=cidr,
            referenced_security_group_id=group,
            tags={"Name": f"{self._args.name_prefix}-{rule}"},
            opts=pulumi.ResourceOptions(parent=self),
        )

    _ingress = partialmethod(_rule, aws.vpc.SecurityGroupIngressRule)
    _egress = partialmethod(_rule, aws.vpc.SecurityGroupEgressRule)
