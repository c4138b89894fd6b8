"""Monthly cost of a stack from its offline plan: per priced resource, per component, in total.

python -m tools.cost STACK [--stack-file F] [--all]   (running and paused side by side, and each saving)
python -m tools.cost --compare STACK_A STACK_B

Prices and usage assumptions live in tools/prices/<region>.yaml (each price with its source and
date). Every resource type in a plan is either priced here (PRICERS) or listed in the data file's
`free` section with the reason it costs nothing; `unpriced_types(plan)` names any other.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from .compare import STACK_COMPONENT, component_label
from .cost_recovery import selection_lines, state_machine_lines
from .plan_model import Plan, PlannedResource

PRICES_DIR = Path(__file__).resolve().parent / "prices"
TOP_LINES = 8


@dataclass(frozen=True)
class CostLine:
    resource: str
    type: str
    component: str
    what: str
    monthly: float
    # Price lines (tools/prices) behind this resource's cost not checked against their source.
    unchecked: tuple[str, ...] = ()


@dataclass(frozen=True)
class PriceBook:
    """Prices (keys like `vpc.nat_gateway_hour`, `ec2.instance_hour` + variant) and the usage assumptions of one stack."""

    prices: dict[str, Any]
    usage: dict[str, Any]
    free: dict[str, str]
    # Every price line read since the list was last cleared: (key, entry).
    used: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def price(self, key: str, variant: str | None = None) -> float:
        """One price line's figure; `variant` picks an entry of a table (an instance type, a node type)."""
        service, _, item = key.partition(".")
        entry = self.prices[service][item]
        if variant is not None:
            entry = entry[variant]
            key = f"{key}.{variant}"
        self.used.append((key, entry))
        return entry["usd"] if "usd" in entry else entry["fraction"]

    def use(self, key: str, name: str | None = None) -> Any:
        value = self.usage[key]
        if isinstance(value, dict) and name is not None and "default" in value:
            return next((v for k, v in value.items() if k != "default" and k in name), value["default"])
        return value

    @property
    def hours(self) -> float:
        return self.usage["hours_per_month"]


@cache
def _document(region: str) -> dict[str, Any]:
    return yaml.safe_load((PRICES_DIR / f"{region}.yaml").read_text())


def price_book(stack: str, region: str = "ap-southeast-2", paused: bool = False) -> PriceBook:
    """A stack's prices and usage: the defaults, the stack's own, then (paused) the paused stack's."""
    document = _document(region)
    usage = dict(document["usage"]["default"])
    usage.update(document["usage"].get(stack) or {})
    if paused:
        usage.update(document["usage"]["paused"])
    return PriceBook(prices=document["prices"], usage=usage, free=document["free"])


def is_paused(plan: Plan) -> bool:
    return plan.outputs.get("paused") is True


# Pricers: (resource, plan, book) -> [(what, monthly USD)]. Pure functions of the plan's inputs.
Pricer = Callable[[PlannedResource, Plan, PriceBook], list[tuple[str, float]]]


def _nat_gateway(r: PlannedResource, plan: Plan, book: PriceBook) -> list[tuple[str, float]]:
    gb = book.use("nat_gb_per_gateway")
    return [
        (f"{book.hours:.0f} h", book.price("vpc.nat_gateway_hour") * book.hours),
        (f"{gb} GB processed", book.price("vpc.nat_gateway_gb_processed") * gb),
    ]


def _eip(r: PlannedResource, plan: Plan, book: PriceBook) -> list[tuple[str, float]]:
    return [("public IPv4 address", book.price("vpc.public_ipv4_hour") * book.hours)]


def _vpc_endpoint(r: PlannedResource, plan: Plan, book: PriceBook) -> list[tuple[str, float]]:
    if r.inputs.get("vpcEndpointType", "Gateway") != "Interface":
        return [("gateway endpoint (free)", 0.0)]
    azs = max(1, len(r.inputs.get("subnetIds") or []))
    gb = book.use("interface_endpoint_gb")
    return [
        (f"interface endpoint in {azs} AZ", book.price("vpc.interface_endpoint_az_hour") * azs * book.hours),
        (f"{gb} GB processed", book.price("vpc.interface_endpoint_gb") * gb),
    ]


def _load_balancer(r: PlannedResource, plan: Plan, book: PriceBook) -> list[tuple[str, float]]:
    kind = "nlb" if r.inputs.get("loadBalancerType") == "network" else "alb"
    lcu = book.use("alb_average_lcu")
    lines = [
        (f"{kind.upper()} {book.hours:.0f} h", book.price(f"elb.{kind}_hour") * book.hours),
        (f"{lcu} LCU average", book.price(f"elb.{kind}_lcu_hour") * lcu * book.hours),
    ]
    if not r.inputs.get("internal"):
        gb = book.use("internet_egress_gb")
        lines.append((f"{gb} GB out to the internet", book.price("data_transfer.internet_out_gb") * gb))
        if _public_ipv4_count(r) is not None:
            ips = _public_ipv4_count(r)
            lines.append((f"{ips} public IPv4 addresses", book.price("vpc.public_ipv4_hour") * ips * book.hours))
    return lines


def _public_ipv4_count(r: PlannedResource) -> int | None:
    """An internet-facing load balancer holds one public IPv4 address per subnet (AZ)."""
    subnets = r.inputs.get("subnets") or r.inputs.get("subnetMappings") or []
    return len(subnets) or None


def _ec2_hour(book: PriceBook, instance_type: str) -> float:
    try:
        return book.price("ec2.instance_hour", instance_type)
    except KeyError:
        raise KeyError(f"no EC2 price for {instance_type}: add it to tools/prices") from None


def _node_group(r: PlannedResource, plan: Plan, book: PriceBook) -> list[tuple[str, float]]:
    scaling = r.inputs.get("scalingConfig") or {}
    desired = scaling.get("desiredSize", 0) or 0
    types = r.inputs.get("instanceTypes") or [_launch_template_instance_type(r, plan) or "t3.medium"]
    hourly = _ec2_hour(book, types[0])
    extra = book.use("autoscaled_node_hours", r.name) if (scaling.get("maxSize") or 0) > desired else 0
    node_hours = desired * book.hours + extra
    spot = r.inputs.get("capacityType") == "SPOT"
    factor = book.use("spot_fraction_of_on_demand") if spot else 1.0
    disk = r.inputs.get("diskSize") or _launch_template_disk(r, plan) or book.use("node_disk_gb_default")
    label = f"{desired} x {types[0]}{' spot' if spot else ''}" + (f" + {extra} autoscaled h" if extra else "")
    return [
        (label, hourly * node_hours * factor),
        (f"{disk} GB gp3 per node", book.price("ebs.gp3_gb_month") * disk * node_hours / book.hours),
    ]


def _launch_template(r: PlannedResource, plan: Plan) -> PlannedResource | None:
    templates = [plan.by_urn(u) for u in r.dependencies if u in {t.urn for t in plan.all("aws:ec2/launchTemplate:LaunchTemplate")}]
    return templates[0] if templates else None


def _launch_template_instance_type(r: PlannedResource, plan: Plan) -> str | None:
    template = _launch_template(r, plan)
    return template.inputs.get("instanceType") if template else None


def _launch_template_disk(r: PlannedResource, plan: Plan) -> int | None:
    template = _launch_template(r, plan)
    for mapping in (template.inputs.get("blockDeviceMappings") or []) if template else []:
        if size := (mapping.get("ebs") or {}).get("volumeSize"):
            return size
    return None


def _eks_cluster(r: PlannedResource, plan: Plan, book: PriceBook) -> list[tuple[str, float]]:
    lines = [("control plane", book.price("eks.cluster_hour") * book.hours)]
    # pulumi-eks makes a default node group (2 x t3.medium) unless told not to.
    if r.type == "eks:index:Cluster" and not r.inputs.get("skipDefaultNodeGroup"):
        count = r.inputs.get("desiredCapacity", 2)
        instance = r.inputs.get("instanceType", "t3.medium")
        lines.append((f"default node group {count} x {instance}", _ec2_hour(book, instance) * count * book.hours))
    return lines


def _ebs_volume(r: PlannedResource, plan: Plan, book: PriceBook) -> list[tuple[str, float]]:
    size = r.inputs.get("size", 0)
    kind = r.inputs.get("type", "gp3")
    return [(f"{size} GB {kind}", book.price(f"ebs.{kind}_gb_month") * size)]


def _task_definition(r: PlannedResource, plan: Plan, key: str) -> PlannedResource | None:
    definitions = {t.urn: t for t in plan.all("aws:ecs/taskDefinition:TaskDefinition")}
    found = [definitions[u] for u in r.dependencies if u in definitions]
    if not found:
        reference = str(_dig(r.inputs, key) or "")
        found = [t for t in definitions.values() if t.inputs.get("family") and f"/{t.inputs['family']}:" in reference]
    return found[0] if found else None


def _dig(value: Any, path: str) -> Any:
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _task_size(definition: PlannedResource | None) -> tuple[float, float, bool]:
    """(vCPU, GB, arm) of a Fargate task definition."""
    if definition is None:
        return 0.25, 0.5, False
    cpu = float(definition.inputs.get("cpu", 256)) / 1024
    memory = float(definition.inputs.get("memory", 512)) / 1024
    arm = (definition.inputs.get("runtimePlatform") or {}).get("cpuArchitecture") == "ARM64"
    return cpu, memory, arm


def _fargate_hour(book: PriceBook, cpu: float, memory: float, arm: bool, spot: bool) -> float:
    kind = "spot" if spot else ("arm" if arm else "x86")
    return cpu * book.price(f"fargate.{kind}_vcpu_hour") + memory * book.price(f"fargate.{kind}_gb_hour")


def spot_split(count: int, strategies: list[dict[str, Any]] | None) -> tuple[float, float]:
    """(on-demand tasks, spot tasks) of `count` tasks under ECS capacity provider strategies."""
    if not strategies:
        return float(count), 0.0
    on_demand = spot = 0.0
    remaining = float(count)
    for strategy in strategies:
        base = min(remaining, strategy.get("base", 0) or 0)
        remaining -= base
        if strategy.get("capacityProvider") == "FARGATE_SPOT":
            spot += base
        else:
            on_demand += base
    total_weight = sum(s.get("weight", 0) or 0 for s in strategies) or 1
    for strategy in strategies:
        share = remaining * (strategy.get("weight", 0) or 0) / total_weight
        if strategy.get("capacityProvider") == "FARGATE_SPOT":
            spot += share
        else:
            on_demand += share
    return on_demand, spot


def _running_tasks(service: PlannedResource, plan: Plan) -> int:
    """The desired count, moved inside the bounds of the service's autoscaling target (as AWS does)."""
    count = service.inputs.get("desiredCount", 1)
    for target in plan.all("aws:appautoscaling/target:Target"):
        if service.urn in target.dependencies:
            count = min(max(count, target.inputs.get("minCapacity", 0)), target.inputs.get("maxCapacity", count))
    return count


def _ecs_service(r: PlannedResource, plan: Plan, book: PriceBook) -> list[tuple[str, float]]:
    count = _running_tasks(r, plan)
    cpu, memory, arm = _task_size(_task_definition(r, plan, "taskDefinition"))
    on_demand, spot = spot_split(count, r.inputs.get("capacityProviderStrategies"))
    lines = []
    size = f"{cpu:g} vCPU {memory:g} GB"
    if on_demand:
        lines.append((f"{on_demand:g} task(s) {size}", on_demand * _fargate_hour(book, cpu, memory, arm, False) * book.hours))
    if spot:
        lines.append((f"{spot:g} Spot task(s) {size}", spot * _fargate_hour(book, cpu, memory, arm, True) * book.hours))
    return lines or [("0 tasks", 0.0)]


_FIELD = re.compile(r"^(\*|\?|[\d,\-/*A-Z]+)$")


def _field_count(field: str, span: int) -> float:
    """How many values a cron field takes: '*' -> span, '*/15' -> span/15, '1,5' -> 2, '1-5' -> 5."""
    if field in ("*", "?"):
        return span
    total = 0.0
    for part in field.split(","):
        base, _, step = part.partition("/")
        if base == "*":
            length = span
        elif "-" in base:
            low, high = base.split("-")
            length = int(high) - int(low) + 1 if low.isdigit() and high.isdigit() else 5
        else:
            length = 1 if not step else span
        total += length / int(step) if step else length
    return total


def runs_per_month(expression: str, hours: float = 730) -> float:
    """EventBridge Scheduler expressions: rate(5 minutes), cron(0 */6 * * ? *), at(...)."""
    if expression.startswith("at("):
        return 0.0
    if match := re.match(r"rate\((\d+)\s+(minute|hour|day)s?\)", expression):
        every = int(match.group(1)) * {"minute": 1, "hour": 60, "day": 1440}[match.group(2)]
        return hours * 60 / every
    if match := re.match(r"cron\((.+)\)", expression):
        minute, hour, day, _month, weekday, *_ = match.group(1).split()
        per_day = _field_count(minute, 60) * _field_count(hour, 24)
        days = hours / 24
        if weekday not in ("*", "?"):
            days = days * _field_count(weekday, 7) / 7
        elif day not in ("*", "?"):
            days = _field_count(day, 30) * days / 30
        return per_day * days
    raise ValueError(f"not a schedule expression: {expression}")


def _schedule(r: PlannedResource, plan: Plan, book: PriceBook) -> list[tuple[str, float]]:
    ecs = _dig(r.inputs, "target.ecsParameters")
    if r.inputs.get("state") == "DISABLED":
        return [("disabled: no runs", 0.0)]
    if not ecs:
        return [("invocations within the free 14 million", 0.0)]
    runs = runs_per_month(r.inputs.get("scheduleExpression", ""), book.hours)
    minutes = book.use("scheduled_task_minutes")
    cpu, memory, arm = _task_size(_task_definition(r, plan, "target.ecsParameters.taskDefinitionArn"))
    on_demand, spot = spot_split(ecs.get("taskCount", 1), ecs.get("capacityProviderStrategies"))
    task_hours = runs * minutes / 60
    cost = task_hours * (on_demand * _fargate_hour(book, cpu, memory, arm, False) + spot * _fargate_hour(book, cpu, memory, arm, True))
    return [(f"{runs:.0f} runs x {minutes} min, {cpu:g} vCPU {memory:g} GB{' Spot' if spot else ''}", cost)]


def _rds_instance(r: PlannedResource, plan: Plan, book: PriceBook) -> list[tuple[str, float]]:
    instance_class = r.inputs.get("instanceClass", "")
    try:
        hourly = book.price("rds.instance_hour", instance_class)
    except KeyError:
        raise KeyError(f"no RDS price for {instance_class}: add it to tools/prices") from None
    copies = 2 if r.inputs.get("multiAz") else 1
    storage = r.inputs.get("allocatedStorage", 20)
    storage = int(storage) if str(storage).isdigit() else 20
    az = "Multi-AZ" if copies == 2 else "single-AZ"
    # A stopped instance bills its storage (and backups) only.
    compute = (f"{instance_class} {az} stopped", 0.0) if _stopped(r, plan) else (f"{instance_class} {az}", hourly * copies * book.hours)
    return [compute, (f"{storage} GB gp3 {az}", book.price("rds.gp3_gb_month") * storage * copies)]


def _stopped(instance: PlannedResource, plan: Plan) -> bool:
    """Whether the plan holds the instance in the `stopped` state (aws.rds.InstanceDesiredState)."""
    return any(
        state.inputs.get("state") == "stopped" and instance.urn in state.dependencies
        for state in plan.all("aws:rds/instanceDesiredState:InstanceDesiredState")
    )


def _replication_group(r: PlannedResource, plan: Plan, book: PriceBook) -> list[tuple[str, float]]:
    node_type = r.inputs.get("nodeType", "")
    try:
        hourly = book.price("elasticache.node_hour", node_type)
    except KeyError:
        raise KeyError(f"no ElastiCache price for {node_type}: add it to tools/prices") from None
    if r.inputs.get("engine") == "valkey":
        hourly *= 1 - book.price("elasticache.valkey_discount")
    nodes = r.inputs.get("numCacheClusters") or (r.inputs.get("numNodeGroups", 1) * (1 + r.inputs.get("replicasPerNodeGroup", 0)))
    return [(f"{nodes} x {node_type}", hourly * nodes * book.hours)]


def _log_group(r: PlannedResource, plan: Plan, book: PriceBook) -> list[tuple[str, float]]:
    gb = book.use("log_gb_month", r.name)
    retention = r.inputs.get("retentionInDays") or 3653
    stored = gb * min(retention, 365) / 30 * book.use("log_compression")
    return [
        (f"{gb} GB ingested", book.price("cloudwatch.logs_ingest_gb") * gb),
        (f"{stored:.1f} GB stored ({retention} d)", book.price("cloudwatch.logs_storage_gb_month") * stored),
    ]


def _metric_alarm(r: PlannedResource, plan: Plan, book: PriceBook) -> list[tuple[str, float]]:
    high = (r.inputs.get("period") or 60) < 60
    key = "cloudwatch.high_resolution_alarm_month" if high else "cloudwatch.alarm_month"
    metrics = len([m for m in r.inputs.get("metricQueries") or [] if m.get("metric")]) or 1
    return [(f"alarm on {metrics} metric(s)", book.price(key) * metrics)]


def _flat(key: str, what: str) -> Pricer:
    return lambda r, plan, book: [(what, book.price(key))]


def _kms_key(r: PlannedResource, plan: Plan, book: PriceBook) -> list[tuple[str, float]]:
    requests = book.use("kms_requests_10k_per_key")
    return [("key", book.price("kms.key_month")), (f"{requests}0k requests", book.price("kms.requests_10k") * requests)]


def _secret(r: PlannedResource, plan: Plan, book: PriceBook) -> list[tuple[str, float]]:
    calls = book.use("secrets_api_calls_10k_per_secret")
    return [
        ("secret", book.price("secretsmanager.secret_month")),
        (f"{calls}0k API calls", book.price("secretsmanager.api_calls_10k") * calls),
    ]


def _web_acl(r: PlannedResource, plan: Plan, book: PriceBook) -> list[tuple[str, float]]:
    rules = len(r.inputs.get("rules") or [])
    requests = book.use("waf_requests_million")
    return [
        ("web ACL", book.price("waf.web_acl_month")),
        (f"{rules} rules", book.price("waf.rule_month") * rules),
        (f"{requests} M requests", book.price("waf.requests_million") * requests),
    ]


def _zone(r: PlannedResource, plan: Plan, book: PriceBook) -> list[tuple[str, float]]:
    queries = book.use("route53_queries_million")
    return [
        ("hosted zone", book.price("route53.hosted_zone_month")),
        (f"{queries} M queries", book.price("route53.standard_queries_million") * queries),
    ]


def _guardduty(r: PlannedResource, plan: Plan, book: PriceBook) -> list[tuple[str, float]]:
    use = book.use("guardduty")
    lines = [
        (
            f"{use['cloudtrail_events_million']} M management events",
            book.price("guardduty.cloudtrail_events_million") * use["cloudtrail_events_million"],
        ),
        (f"{use['vpc_dns_logs_gb']} GB flow and DNS logs", book.price("guardduty.vpc_dns_logs_gb") * use["vpc_dns_logs_gb"]),
        (
            f"{use['s3_data_events_million']} M S3 data events",
            book.price("guardduty.s3_data_events_million") * use["s3_data_events_million"],
        ),
        (
            f"{use['eks_audit_events_million']} M EKS audit events",
            book.price("guardduty.eks_audit_events_million") * use["eks_audit_events_million"],
        ),
    ]
    if use["runtime_vcpus"]:
        lines.append(
            (f"runtime monitoring of {use['runtime_vcpus']} vCPU", book.price("guardduty.runtime_vcpu_month") * use["runtime_vcpus"])
        )
    return lines


def _config_recorder(r: PlannedResource, plan: Plan, book: PriceBook) -> list[tuple[str, float]]:
    items = book.use("config_items_per_month")
    return [(f"{items} configuration items", book.price("config.configuration_item") * items)]


def _config_rule(r: PlannedResource, plan: Plan, book: PriceBook) -> list[tuple[str, float]]:
    evaluations = book.use("config_evaluations_per_rule")
    return [(f"{evaluations} evaluations", book.price("config.rule_evaluation") * evaluations)]


def _bucket(r: PlannedResource, plan: Plan, book: PriceBook) -> list[tuple[str, float]]:
    gb = book.use("s3_gb_per_bucket", r.name)
    puts = book.use("s3_puts_1k_per_bucket")
    return [(f"{gb} GB Standard", book.price("s3.standard_gb_month") * gb), (f"{puts}k PUTs", book.price("s3.put_requests_1k") * puts)]


def _ecr_repository(r: PlannedResource, plan: Plan, book: PriceBook) -> list[tuple[str, float]]:
    gb = book.use("ecr_gb_per_repository")
    return [(f"{gb} GB images", book.price("ecr.storage_gb_month") * gb)]


def _efs(r: PlannedResource, plan: Plan, book: PriceBook) -> list[tuple[str, float]]:
    gb, transfer = book.use("efs_gb"), book.use("efs_transfer_gb")
    lines = [(f"{gb} GB Standard", book.price("efs.standard_gb_month") * gb)]
    if r.inputs.get("throughputMode", "elastic") == "elastic":
        lines.append((f"{transfer} GB elastic throughput", book.price("efs.elastic_throughput_gb") * transfer))
    return lines


def _pvc(r: PlannedResource, plan: Plan, book: PriceBook) -> list[tuple[str, float]]:
    class_name = _dig(r.inputs, "spec.storageClassName")
    provisioners = {
        _dig(c.inputs, "metadata.name"): c.inputs.get("provisioner") for c in plan.all("kubernetes:storage.k8s.io/v1:StorageClass")
    }
    if provisioners.get(class_name) == "efs.csi.aws.com" or "efs" in str(class_name):
        return [("on EFS (priced on the file system)", 0.0)]
    request = str(_dig(r.inputs, "spec.resources.requests.storage") or "0Gi")
    gb = float(re.sub(r"[^\d.]", "", request) or 0) * (1024 if request.endswith("Ti") else 1)
    return [(f"{gb:g} GB gp3 volume", book.price("ebs.gp3_gb_month") * gb)]


def _k8s_service(r: PlannedResource, plan: Plan, book: PriceBook) -> list[tuple[str, float]]:
    if _dig(r.inputs, "spec.type") != "LoadBalancer":
        return [("cluster-internal service", 0.0)]
    return [("network load balancer", book.price("elb.nlb_hour") * book.hours)]


def _codebuild_project(r: PlannedResource, plan: Plan, book: PriceBook) -> list[tuple[str, float]]:
    compute = (r.inputs.get("environment") or {}).get("computeType", "")
    try:
        per_minute = book.price("codebuild.build_minute", compute)
    except KeyError:
        raise KeyError(f"no CodeBuild price for {compute}: add it to tools/prices") from None
    minutes, gb = book.use("ci_runner_build_minutes"), book.use("ci_runner_nat_gb")
    lines = [(f"{minutes} build minutes {compute}", per_minute * minutes)]
    if (r.inputs.get("vpcConfig") or {}).get("subnets"):
        # Builds in private subnets download the CLI, plugins and packages through the NAT gateway.
        lines.append((f"{gb} GB downloads through NAT", book.price("vpc.nat_gateway_gb_processed") * gb))
    return lines


def _cloudmap_service(r: PlannedResource, plan: Plan, book: PriceBook) -> list[tuple[str, float]]:
    instances = book.use("cloudmap_instances_per_service")
    return [(f"{instances} registered instance(s)", book.price("cloudmap.registered_instance_month") * instances)]


def _ec2_instance(r: PlannedResource, plan: Plan, book: PriceBook) -> list[tuple[str, float]]:
    instance_type = r.inputs.get("instanceType") or _launch_template_instance_type(r, plan) or "t3.micro"
    disk = _launch_template_disk(r, plan) or 8
    return [
        (f"{instance_type} {book.hours:.0f} h", _ec2_hour(book, instance_type) * book.hours),
        (f"{disk} GB gp3 root volume", book.price("ebs.gp3_gb_month") * disk),
    ]


def _budget(r: PlannedResource, plan: Plan, book: PriceBook) -> list[tuple[str, float]]:
    days = book.hours / 24
    return [(f"{days:.1f} budget days", book.price("budgets.budget_day") * days)]


PRICERS: dict[str, Pricer] = {
    "aws:ec2/natGateway:NatGateway": _nat_gateway,
    "aws:ec2/eip:Eip": _eip,
    "aws:ec2/vpcEndpoint:VpcEndpoint": _vpc_endpoint,
    "aws:lb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:alb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:eks/nodeGroup:NodeGroup": _node_group,
    "aws:eks/cluster:Cluster": _eks_cluster,
    "eks:index:Cluster": _eks_cluster,
    "aws:ebs/volume:Volume": _ebs_volume,
    "aws:ecs/service:Service": _ecs_service,
    "aws:scheduler/schedule:Schedule": _schedule,
    "aws:rds/instance:Instance": _rds_instance,
    "aws:elasticache/replicationGroup:ReplicationGroup": _replication_group,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:cloudwatch/metricAlarm:MetricAlarm": _metric_alarm,
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": _flat("cloudwatch.composite_alarm_month", "composite alarm"),
    "aws:cloudwatch/dashboard:Dashboard": _flat("cloudwatch.dashboard_month", "dashboard"),
    "aws:kms/key:Key": _kms_key,
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:wafv2/webAcl:WebAcl": _web_acl,
    "aws:wafv2/ruleGroup:RuleGroup": _flat("waf.rule_month", "rule group"),
    "aws:route53/zone:Zone": _zone,
    "aws:route53/healthCheck:HealthCheck": _flat("route53.health_check_month", "health check"),
    "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace": _flat("route53.hosted_zone_month", "private hosted zone"),
    "aws:servicediscovery/service:Service": _cloudmap_service,
    "aws:guardduty/detector:Detector": _guardduty,
    "aws:cfg/recorder:Recorder": _config_recorder,
    "aws:cfg/rule:Rule": _config_rule,
    "aws:s3/bucket:Bucket": _bucket,
    "aws:s3/bucketV2:BucketV2": _bucket,
    "aws:ecr/repository:Repository": _ecr_repository,
    "aws:efs/fileSystem:FileSystem": _efs,
    "aws:codebuild/project:Project": _codebuild_project,
    "kubernetes:core/v1:PersistentVolumeClaim": _pvc,
    "kubernetes:core/v1:Service": _k8s_service,
    "aws:backup/selection:Selection": lambda r, plan, book: selection_lines(r, plan, book, runs_per_month),
    "aws:sfn/stateMachine:StateMachine": lambda r, plan, book: state_machine_lines(r, plan, book, runs_per_month),
    "aws:ec2/instance:Instance": _ec2_instance,
    "aws:budgets/budget:Budget": _budget,
}


# Remote components create AWS resources the engine cannot see (pulumi-eks's control plane).
PRICED_COMPONENTS = frozenset({"eks:index:Cluster"})


def billable(resource: PlannedResource) -> bool:
    """Our components and providers are not AWS resources; remote components hide real ones."""
    return (resource.custom and not resource.type.startswith("pulumi:")) or resource.type in PRICED_COMPONENTS


def unpriced_types(plan: Plan, book: PriceBook | None = None) -> list[str]:
    book = book or price_book(plan.stack)
    return sorted({r.type for r in plan.resources if billable(r) and r.type not in PRICERS and r.type not in book.free})


def cost_lines(plan: Plan, book: PriceBook | None = None) -> list[CostLine]:
    book = book or price_book(plan.stack, paused=is_paused(plan))
    lines = []
    for resource in plan.resources:
        if not billable(resource) or resource.type not in PRICERS:
            continue
        label = component_label(plan, resource)
        book.used.clear()
        priced = PRICERS[resource.type](resource, plan, book)
        unchecked = tuple(sorted({key for key, entry in book.used if not entry.get("checked")}))
        for what, monthly in priced:
            lines.append(CostLine(resource.name, resource.type, label, what, round(monthly, 4), unchecked))
    return lines


@dataclass(frozen=True)
class CostReport:
    stack: str
    lines: list[CostLine]
    unpriced: list[str]
    paused: bool = False

    @property
    def unchecked(self) -> list[str]:
        """The price lines (tools/prices) behind this report that were not checked against their source."""
        return sorted({key for line in self.lines for key in line.unchecked})

    def resource_unchecked(self, resource: str, type_: str) -> bool:
        return any(line.unchecked for line in self.lines if line.resource == resource and line.type == type_)

    @property
    def total(self) -> float:
        return sum(line.monthly for line in self.lines)

    def by_component(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for line in self.lines:
            totals[line.component] = totals.get(line.component, 0.0) + line.monthly
        return dict(sorted(totals.items(), key=lambda kv: -kv[1]))

    def by_resource(self) -> list[tuple[str, str, str, float]]:
        """(component, type, resource, monthly), most expensive first."""
        totals: dict[tuple[str, str, str], float] = {}
        for line in self.lines:
            key = (line.component, line.type, line.resource)
            totals[key] = totals.get(key, 0.0) + line.monthly
        return sorted(((*k, v) for k, v in totals.items()), key=lambda row: (-row[3], row[2]))


def cost_report(plan: Plan) -> CostReport:
    book = price_book(plan.stack, paused=is_paused(plan))
    return CostReport(plan.stack, cost_lines(plan, book), unpriced_types(plan, book), paused=is_paused(plan))


def _short(component: str) -> str:
    return component if component == STACK_COMPONENT else component.split(" ", 1)[1]


def render_summary(report: CostReport, top: int = TOP_LINES) -> str:
    """What `make plan` ends with: the monthly total and the most expensive resources."""
    lines = [f"Monthly cost of stack '{report.stack}': ${report.total:,.2f} (on-demand, ap-southeast-2; tools/prices)"]
    for component, type_, resource, monthly in report.by_resource()[:top]:
        lines.append(f"  ${monthly:>9,.2f}  {resource}  ({type_.split(':')[-1]}, {_short(component)})")
    if report.unpriced:
        lines.append(f"  UNPRICED types: {', '.join(report.unpriced)}")
    return "\n".join(lines) + "\n"


UNCHECKED_MARK = "*"


def unchecked_note(report: CostReport) -> list[str]:
    """Which price lines behind the report were never checked against their source (marked *)."""
    if not report.unchecked:
        return ["Every price line behind this report was checked against its source (tools/prices)."]
    return [
        f"{UNCHECKED_MARK} priced with lines of tools/prices not checked against their source ({len(report.unchecked)}):",
        *(f"    {key}" for key in report.unchecked),
    ]


def render_report(report: CostReport, every_line: bool = False) -> str:
    state = "paused" if report.paused else "running"
    lines = [f"Monthly cost of stack '{report.stack}', {state} (USD, on-demand, ap-southeast-2)", ""]
    for component, total in report.by_component().items():
        lines.append(f"{_short(component):<28} ${total:>10,.2f}")
        for c, type_, resource, monthly in report.by_resource():
            if c != component:
                continue
            mark = UNCHECKED_MARK if report.resource_unchecked(resource, type_) else " "
            lines.append(f"    {resource:<40} ${monthly:>9,.2f}{mark} {type_}")
            if every_line:
                lines += [
                    f"        {line.what}: ${line.monthly:,.2f}"
                    for line in report.lines
                    if line.resource == resource and line.type == type_
                ]
    lines += ["", f"{'TOTAL':<28} ${report.total:>10,.2f}"]
    if report.unpriced:
        lines.append(f"UNPRICED types (add a price or a reason in tools/prices): {', '.join(report.unpriced)}")
    return "\n".join(lines) + "\n"


def render_running_and_paused(running: CostReport, paused: CostReport, savings: list[tuple[str, float]]) -> str:
    """The stack's monthly cost running and paused, by component, then what each saving brings."""
    a, b = running.by_component(), paused.by_component()
    width = max([len(_short(c)) for c in a | b] + [16])
    lines = [
        f"Stack '{running.stack}' per month, running and paused (ohmycoins:general.paused):",
        "",
        f"{'component':<{width}}  {'running':>10}  {'paused':>10}",
    ]
    for component in sorted(a.keys() | b.keys(), key=lambda c: -(a.get(c, 0.0) + b.get(c, 0.0))):
        lines.append(f"{_short(component):<{width}}  {a.get(component, 0.0):>10,.2f}  {b.get(component, 0.0):>10,.2f}")
    lines.append(f"{'TOTAL / month':<{width}}  {running.total:>10,.2f}  {paused.total:>10,.2f}")
    if savings:
        lines += ["", "Savings of this stack's settings (the running stack with each one turned back, per month):"]
        lines += [f"  ${saved:>8,.2f}  {what}" for what, saved in sorted(savings, key=lambda s: -s[1])]
    merged = CostReport(running.stack, running.lines + paused.lines, [])
    lines += ["", *unchecked_note(merged)]
    return "\n".join(lines) + "\n"


def render_comparison(first: CostReport, second: CostReport) -> str:
    a, b = first.by_component(), second.by_component()
    width = max([len(_short(c)) for c in a | b] + [10])
    lines = [f"{'component':<{width}}  {first.stack:>12}  {second.stack:>12}  {'difference':>12}"]
    for component in sorted(a.keys() | b.keys(), key=lambda c: -(b.get(c, 0) + a.get(c, 0))):
        x, y = a.get(component, 0.0), b.get(component, 0.0)
        lines.append(f"{_short(component):<{width}}  {x:>12,.2f}  {y:>12,.2f}  {y - x:>+12,.2f}")
    lines.append(f"{'TOTAL / month':<{width}}  {first.total:>12,.2f}  {second.total:>12,.2f}  {second.total - first.total:>+12,.2f}")
    for report in (first, second):
        lines.append(
            f"{report.stack}: unpriced billable types: {', '.join(report.unpriced)}"
            if report.unpriced
            else f"{report.stack}: every billable resource priced"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    from components.settings import SettingsError

    from .engine import run_stack
    from .savings import savings
    from .variants import running_and_paused, stack_document

    parser = argparse.ArgumentParser(prog="python -m tools.cost", description="Monthly cost of a stack from its offline plan.")
    parser.add_argument("stack", nargs="?", help="stack name, e.g. staging")
    parser.add_argument("--stack-file", type=Path, help="cost this stack file instead of Pulumi.<stack>.yaml")
    parser.add_argument("--all", action="store_true", help="show every priced line with its usage assumption")
    parser.add_argument("--compare", nargs=2, metavar="STACK", help="the monthly cost of two stacks side by side")
    args = parser.parse_args(argv)
    try:
        if args.compare:
            first, second = (cost_report(run_stack(stack)) for stack in args.compare)
            sys.stdout.write(render_comparison(first, second))
            return 1 if first.unpriced or second.unpriced else 0
        if not args.stack:
            parser.error("give a stack name, or --compare STACK STACK")
        running_plan, paused_plan = running_and_paused(args.stack, args.stack_file)
        running, paused = cost_report(running_plan), cost_report(paused_plan)
        config = stack_document(args.stack, args.stack_file).get("config") or {}
        found = savings(args.stack, config, running.total, lambda plan: cost_report(plan).total, args.stack_file)
    except SettingsError as error:
        sys.stderr.write(f"{error}\n")
        return 2
    sys.stdout.write(render_report(running, every_line=args.all) + "\n" + render_running_and_paused(running, paused, found))
    return 1 if running.unpriced or paused.unpriced else 0


if __name__ == "__main__":
    sys.exit(main())
