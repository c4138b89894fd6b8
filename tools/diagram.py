"""The architecture picture of a stack, drawn from its offline plan: SVG for people, Mermaid for PRs.

python -m tools.plan STACK --diagram FILE.svg [--mermaid FILE.md]

Components are groups, their main resources are nodes (repeated ones summarised as one node
with a count), and curated traffic edges join them: internet -> WAF -> ALB -> services ->
database and cache; CI runners and monitoring on the cluster; alarms -> alert topic. The
layout is columns by tier, left to right as traffic flows; the SVG is written by hand (no
Graphviz or other binary needed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from .plan_model import Plan, PlannedResource

INTERNET = "internet"

# Resources that are wiring, not architecture: counted in the group title, not drawn.
MINOR_TYPES = frozenset(
    {
        "aws:ec2/route:Route",
        "aws:ec2/routeTableAssociation:RouteTableAssociation",
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
        "aws:ec2/launchTemplate:LaunchTemplate",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
        "aws:ec2/securityGroupRule:SecurityGroupRule",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:iam/policy:Policy",
        "aws:kms/alias:Alias",
        "aws:secretsmanager/secretVersion:SecretVersion",
        "aws:lb/listener:Listener",
        "aws:lb/listenerRule:ListenerRule",
        "aws:lb/targetGroup:TargetGroup",
        "aws:acm/certificateValidation:CertificateValidation",
        "aws:wafv2/webAclAssociation:WebAclAssociation",
        "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
        "aws:cloudwatch/logMetricFilter:LogMetricFilter",
        "aws:cloudwatch/eventTarget:EventTarget",
        "aws:cfg/deliveryChannel:DeliveryChannel",
        "aws:cfg/recorderStatus:RecorderStatus",
        "aws:guardduty/detectorFeature:DetectorFeature",
        "aws:sns/topicPolicy:TopicPolicy",
        "aws:sns/topicSubscription:TopicSubscription",
        "aws:autoscaling/tag:Tag",
        "aws:rds/subnetGroup:SubnetGroup",
        "aws:rds/parameterGroup:ParameterGroup",
        "aws:elasticache/subnetGroup:SubnetGroup",
        "aws:elasticache/parameterGroup:ParameterGroup",
        "aws:appautoscaling/target:Target",
        "aws:appautoscaling/policy:Policy",
        "aws:efs/mountTarget:MountTarget",
        "aws:ecr/lifecyclePolicy:LifecyclePolicy",
        "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
        "aws:eks/accessEntry:AccessEntry",
        "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
        "aws:eks/podIdentityAssociation:PodIdentityAssociation",
        "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
        "aws:rds/instanceDesiredState:InstanceDesiredState",
        "aws:secretsmanager/secretRotation:SecretRotation",
        "aws:ssm/parameter:Parameter",
        "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
        "aws:costexplorer/costAllocationTag:CostAllocationTag",
        "aws:codebuild/webhook:Webhook",
        "aws:ec2/eipAssociation:EipAssociation",
        "aws:ec2/networkInterface:NetworkInterface",
    }
)
MINOR_PREFIXES = ("aws:s3/bucket", "random:", "tls:", "pulumi:providers:", "kubernetes:")
# Kubernetes objects worth a node; the rest (config maps, RBAC, policies...) are wiring.
KUBERNETES_DRAWN = frozenset(
    {
        "kubernetes:apps/v1:Deployment",
        "kubernetes:apps/v1:StatefulSet",
        "kubernetes:apps/v1:DaemonSet",
        "kubernetes:batch/v1:CronJob",
        "kubernetes:helm.sh/v3:Release",
        "kubernetes:core/v1:PersistentVolumeClaim",
    }
)
# Supporting resources drawn only in a component that has nothing more important to show.
SUPPORTING_TYPES = frozenset(
    {
        "aws:cloudwatch/logGroup:LogGroup",
        "aws:iam/role:Role",
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:ec2/routeTable:RouteTable",
        "aws:ec2/eip:Eip",
        "aws:ec2/flowLog:FlowLog",
        "aws:efs/accessPoint:AccessPoint",
        "aws:efs/backupPolicy:BackupPolicy",
        "aws:efs/fileSystemPolicy:FileSystemPolicy",
        "aws:ecs/taskDefinition:TaskDefinition",
        "aws:ecs/cluster:Cluster",
        "aws:acm/certificate:Certificate",
        "aws:secretsmanager/secret:Secret",
        "aws:eks/addon:Addon",
        "aws:scheduler/scheduleGroup:ScheduleGroup",
    }
)

LABELS = {
    "aws:ec2/vpc:Vpc": "VPC",
    "aws:ec2/subnet:Subnet": "subnets",
    "aws:ec2/routeTable:RouteTable": "route tables",
    "aws:ec2/internetGateway:InternetGateway": "internet gateway",
    "aws:ec2/natGateway:NatGateway": "NAT gateway",
    "aws:ec2/eip:Eip": "Elastic IP",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "VPC endpoints",
    "aws:ec2/flowLog:FlowLog": "flow log",
    "aws:ec2/securityGroup:SecurityGroup": "security groups",
    "aws:cloudwatch/logGroup:LogGroup": "log groups",
    "aws:cloudwatch/metricAlarm:MetricAlarm": "alarms",
    "aws:cloudwatch/dashboard:Dashboard": "dashboard",
    "aws:cloudwatch/eventRule:EventRule": "EventBridge rules",
    "aws:lb/loadBalancer:LoadBalancer": "ALB",
    "aws:wafv2/webAcl:WebAcl": "WAF web ACL",
    "aws:acm/certificate:Certificate": "ACM certificate",
    "aws:route53/record:Record": "DNS records",
    "aws:route53/zone:Zone": "hosted zone",
    "aws:s3/bucket:Bucket": "S3 buckets",
    "aws:rds/instance:Instance": "RDS PostgreSQL",
    "aws:elasticache/replicationGroup:ReplicationGroup": "ElastiCache Redis",
    "aws:secretsmanager/secret:Secret": "secrets",
    "aws:kms/key:Key": "KMS key",
    "aws:iam/role:Role": "IAM roles",
    "aws:sns/topic:Topic": "SNS alert topic",
    "aws:guardduty/detector:Detector": "GuardDuty",
    "aws:cloudtrail/trail:Trail": "CloudTrail",
    "aws:cfg/recorder:Recorder": "Config recorder",
    "aws:cfg/rule:Rule": "Config rules",
    "eks:index:Cluster": "EKS control plane",
    "aws:eks/cluster:Cluster": "EKS control plane",
    "aws:eks/nodeGroup:NodeGroup": "node group",
    "aws:eks/addon:Addon": "EKS add-ons",
    "kubernetes:helm.sh/v3:Release": "Helm",
    "aws:ecs/cluster:Cluster": "ECS cluster",
    "aws:ecs/service:Service": "ECS service",
    "aws:ecs/taskDefinition:TaskDefinition": "task definitions",
    "aws:scheduler/schedule:Schedule": "scheduled tasks",
    "aws:ecr/repository:Repository": "ECR repositories",
    "aws:efs/fileSystem:FileSystem": "EFS",
    "aws:efs/accessPoint:AccessPoint": "EFS access points",
    "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace": "Cloud Map namespace",
    "aws:servicediscovery/service:Service": "Cloud Map services",
    "aws:sfn/stateMachine:StateMachine": "Step Functions",
    "aws:sqs/queue:Queue": "SQS queue",
    "aws:wafv2/ipSet:IpSet": "WAF IP set",
    "aws:backup/vault:Vault": "backup vaults",
    "aws:backup/plan:Plan": "backup plan",
    "aws:backup/selection:Selection": "backup selections",
    "aws:budgets/budget:Budget": "cost budget",
    "aws:codebuild/project:Project": "CodeBuild project",
    "aws:ec2/instance:Instance": "EC2 instance",
}

# Types drawn one node per resource (named) while there are at most this many of them.
INDIVIDUAL_TYPES = {"aws:eks/nodeGroup:NodeGroup": 4, "aws:ec2/instance:Instance": 4}
# Supporting types still shown beside main ones: what a reader looks for in the picture.
KEEP_WITH_MAIN = frozenset({"aws:secretsmanager/secret:Secret", "aws:acm/certificate:Certificate"})

# Column by tier, from the component's module in its type token `ohmycoins:<module>:<Type>`.
COLUMNS = [
    ("edge", "network"),
    ("ecs", "workloads", "apps", "eks", "k8s", "kubernetes", "platform", "runners", "observability", "monitoring"),
    ("database", "cache", "secrets", "kms", "firewall", "data", "storage"),
]
OPS_COLUMN = len(COLUMNS) + 1

# (from type, to type, label, dashed, which pairs). Pairs: ANY; SAME, nodes of one component;
# USES, the target's resources depend on one of the source's (the key a database names, not
# every key); BESIDE + a type, sources whose component also holds that type (the collectors'
# schedules beside the services, not a schedule that stops the database); a word, nodes whose
# component or label contain (each node but INTERNET). INTERNET is the outside world.
ANY, SAME, USES, BESIDE = "any", "same", "uses", "beside "
FLOWS = [
    (INTERNET, "aws:route53/record:Record", "DNS", False, ANY),
    (INTERNET, "aws:wafv2/webAcl:WebAcl", "HTTPS", False, ANY),
    ("aws:wafv2/webAcl:WebAcl", "aws:lb/loadBalancer:LoadBalancer", "filtered", False, ANY),
    ("aws:lb/loadBalancer:LoadBalancer", "aws:ecs/service:Service", "HTTP", False, ANY),
    ("aws:lb/loadBalancer:LoadBalancer", "kubernetes:apps/v1:Deployment", "HTTP", False, ANY),
    ("aws:lb/loadBalancer:LoadBalancer", "aws:s3/bucket:Bucket", "access logs", True, SAME),
    ("aws:ecs/service:Service", "aws:rds/instance:Instance", "5432 TLS", False, ANY),
    ("aws:ecs/service:Service", "aws:elasticache/replicationGroup:ReplicationGroup", "6379 TLS", False, ANY),
    ("aws:ecs/service:Service", "aws:efs/fileSystem:FileSystem", "NFS", False, ANY),
    ("aws:scheduler/schedule:Schedule", "aws:rds/instance:Instance", "5432 TLS", False, BESIDE + "aws:ecs/service:Service"),
    ("kubernetes:apps/v1:Deployment", "aws:rds/instance:Instance", "5432 TLS", False, ANY),
    ("kubernetes:apps/v1:Deployment", "aws:elasticache/replicationGroup:ReplicationGroup", "6379 TLS", False, ANY),
    ("eks:index:Cluster", "aws:eks/nodeGroup:NodeGroup", "schedules", False, ANY),
    ("aws:eks/cluster:Cluster", "aws:eks/nodeGroup:NodeGroup", "schedules", False, ANY),
    ("kubernetes:helm.sh/v3:Release", "eks:index:Cluster", "runs on", True, ANY),
    ("kubernetes:helm.sh/v3:Release", "aws:eks/nodeGroup:NodeGroup", "runner pods", True, "runner"),
    ("aws:ec2/natGateway:NatGateway", INTERNET, "egress", True, ANY),
    ("aws:ec2/instance:Instance", INTERNET, "egress", True, "nat"),
    ("aws:kms/key:Key", "aws:rds/instance:Instance", "encrypts", True, USES),
    ("aws:kms/key:Key", "aws:elasticache/replicationGroup:ReplicationGroup", "encrypts", True, USES),
    ("aws:kms/key:Key", "aws:secretsmanager/secret:Secret", "encrypts", True, SAME),
    ("aws:cloudwatch/metricAlarm:MetricAlarm", "aws:sns/topic:Topic", "alarms", False, ANY),
    ("aws:cloudwatch/eventRule:EventRule", "aws:sns/topic:Topic", "findings", False, ANY),
    ("aws:guardduty/detector:Detector", "aws:cloudwatch/eventRule:EventRule", "findings", False, SAME),
]


@dataclass
class Node:
    id: str
    label: str
    detail: str
    type: str
    group: str
    count: int
    resources: list[PlannedResource] = field(default_factory=list)


@dataclass
class Group:
    id: str
    title: str
    column: int
    total: int
    nodes: list[Node] = field(default_factory=list)


@dataclass
class Edge:
    source: str
    target: str
    label: str
    dashed: bool


@dataclass
class Diagram:
    stack: str
    groups: list[Group]
    edges: list[Edge]

    def node(self, node_id: str) -> Node | None:
        return next((n for g in self.groups for n in g.nodes if n.id == node_id), None)


def is_minor(type_: str) -> bool:
    if type_ in KUBERNETES_DRAWN or type_ == "aws:s3/bucket:Bucket":
        return False
    return type_ in MINOR_TYPES or type_.startswith(MINOR_PREFIXES)


def label_of(type_: str) -> str:
    if type_ in LABELS:
        return LABELS[type_]
    kind = type_.split(":")[-1]
    return re.sub(r"(?<!^)(?=[A-Z])", " ", kind).lower()


def column_of(component: PlannedResource) -> int:
    module = component.type.split(":")[1] if component.type.count(":") == 2 else component.type
    for index, keywords in enumerate(COLUMNS, start=1):
        if any(word in module.lower() for word in keywords):
            return index
    return OPS_COLUMN


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "_", text)


def _detail(type_: str, resources: list[PlannedResource]) -> str:
    first = resources[0].inputs
    if type_ == "aws:rds/instance:Instance":
        return f"{first.get('instanceClass', '')}{' Multi-AZ' if first.get('multiAz') else ''}"
    if type_ == "aws:elasticache/replicationGroup:ReplicationGroup":
        return f"{first.get('numCacheClusters', 1)} x {first.get('nodeType', '')}"
    if type_ == "aws:eks/nodeGroup:NodeGroup":
        scaling = first.get("scalingConfig") or {}
        types = ",".join(first.get("instanceTypes") or [])
        return f"{types} {scaling.get('minSize', '?')}-{scaling.get('maxSize', '?')}"
    if type_ == "aws:ecs/service:Service":
        return ", ".join(sorted(_short_name(r) for r in resources))
    if type_ == "aws:scheduler/schedule:Schedule":
        return ", ".join(sorted(_short_name(r) for r in resources))
    if type_ == "kubernetes:helm.sh/v3:Release":
        return ", ".join(sorted(str(r.inputs.get("name", r.name)) for r in resources))
    if type_ == "aws:ec2/vpc:Vpc":
        return str(first.get("cidrBlock", ""))
    if type_ == "eks:index:Cluster":
        return f"Kubernetes {first.get('version', '')}".strip()
    return ""


def _short_name(resource: PlannedResource) -> str:
    """'backend-service' -> 'backend', 'sec-api-schedule' -> 'sec-api': the name without its kind."""
    return re.sub(r"-(service|schedule)$", "", resource.name)


def build(plan: Plan) -> Diagram:
    tops = [r for r in plan.resources if r.is_component and plan.component_of(r) is r]
    groups: dict[str, Group] = {}
    members: dict[str, dict[str, list[PlannedResource]]] = {}
    for component in sorted(tops, key=lambda c: c.name):
        label = component.type.split(":")[-1]
        groups[component.urn] = Group(_slug(component.name), f"{component.name} ({label})", column_of(component), 0)
        members[component.urn] = {}
    for resource in plan.resources:
        top = plan.component_of(resource)
        if top is None or top is resource:
            continue
        groups[top.urn].total += 0 if resource.is_component else 1
        drawn = (not resource.is_component and not is_minor(resource.type)) or resource.type in LABELS
        if drawn:
            members[top.urn].setdefault(resource.type, []).append(resource)

    for urn, by_type in members.items():
        group = groups[urn]
        if any(t not in SUPPORTING_TYPES for t in by_type):
            by_type = {t: rs for t, rs in by_type.items() if t not in SUPPORTING_TYPES or t in KEEP_WITH_MAIN}
        for type_, resources in sorted(by_type.items(), key=lambda kv: _type_order(kv[0])):
            resources.sort(key=lambda r: r.name)
            if len(resources) <= INDIVIDUAL_TYPES.get(type_, 0):
                for r in resources:
                    short = r.name.removeprefix(f"{group.id}-").removeprefix("nodes-")
                    node_id = _slug(f"{group.id}_{r.name}")
                    group.nodes.append(Node(node_id, f"{label_of(type_)}: {short}", _detail(type_, [r]), type_, group.id, 1, [r]))
            else:
                node_id = _slug(f"{group.id}_{type_}")
                group.nodes.append(Node(node_id, label_of(type_), _detail(type_, resources), type_, group.id, len(resources), resources))

    ordered = sorted(groups.values(), key=lambda g: (g.column, -len(g.nodes), g.id))
    nodes = [n for g in ordered for n in g.nodes]
    edges = []
    for source_type, target_type, label, dashed, pairs in FLOWS:
        sources = [INTERNET] if source_type == INTERNET else [n for n in nodes if n.type == source_type]
        targets = [INTERNET] if target_type == INTERNET else [n for n in nodes if n.type == target_type]
        for s in sources:
            for t in targets:
                if pairs == ANY or _paired(s, t, pairs, nodes):
                    edges.append(Edge(s if s == INTERNET else s.id, t if t == INTERNET else t.id, label, dashed))
    return Diagram(plan.stack, ordered, _dedupe(edges))


def _paired(source: Node | str, target: Node | str, pairs: str, nodes: list[Node]) -> bool:
    ends = [n for n in (source, target) if n != INTERNET]
    if pairs in (SAME, USES) and len(ends) < 2:
        return False
    if pairs == SAME:
        return source.group == target.group
    if pairs == USES:
        urns = {r.urn for r in source.resources}
        return any(urns.intersection(r.dependencies) for r in target.resources)
    if pairs.startswith(BESIDE):
        return source != INTERNET and any(n.group == source.group and n.type == pairs.removeprefix(BESIDE) for n in nodes)
    return all(pairs in n.group + n.label for n in ends)


def _dedupe(edges: list[Edge]) -> list[Edge]:
    seen, out = set(), []
    for e in edges:
        if (e.source, e.target) not in seen:
            seen.add((e.source, e.target))
            out.append(e)
    return out


_ORDER = [
    "aws:wafv2/webAcl:WebAcl",
    "aws:lb/loadBalancer:LoadBalancer",
    "aws:route53/record:Record",
    "eks:index:Cluster",
    "aws:eks/cluster:Cluster",
    "aws:eks/nodeGroup:NodeGroup",
    "kubernetes:helm.sh/v3:Release",
    "aws:ecs/service:Service",
    "aws:rds/instance:Instance",
    "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:ec2/vpc:Vpc",
    "aws:ec2/subnet:Subnet",
    "aws:ec2/natGateway:NatGateway",
]


def _type_order(type_: str) -> tuple[int, str]:
    return (_ORDER.index(type_) if type_ in _ORDER else len(_ORDER), label_of(type_))


def node_text(node: Node) -> str:
    return node.label + (f" x{node.count}" if node.count > 1 else "")


# ---------------------------------------------------------------- Mermaid


def to_mermaid(diagram: Diagram) -> str:
    lines = ["```mermaid", "flowchart LR", f'  {INTERNET}(("internet"))']
    for group in diagram.groups:
        if not group.nodes:
            continue
        # Prefixed: a component named like a Mermaid keyword (`end`, `graph`) would break the chart.
        lines.append(f'  subgraph g_{group.id}["{group.title}, {group.total} resources"]')
        for node in group.nodes:
            text = node_text(node) + (f"<br/><small>{node.detail}</small>" if node.detail else "")
            lines.append(f'    {node.id}["{text.replace(chr(34), "")}"]')
        lines.append("  end")
    for edge in diagram.edges:
        arrow = "-.->" if edge.dashed else "-->"
        lines.append(f"  {edge.source} {arrow}|{edge.label}| {edge.target}")
    lines.append("```")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- SVG

COLUMN_WIDTH, NODE_WIDTH, NODE_HEIGHT, NODE_GAP = 270, 230, 38, 10
GROUP_GAP, HEADER, PADDING, COLUMN_GAP, MARGIN = 26, 30, 12, 110, 30
CHAR = 6.6  # average width of a 12px sans-serif character
GROUP_FILL = {1: "#e8f1fb", 2: "#eaf6ea", 3: "#fdf1e3", OPS_COLUMN: "#f1ecf8"}


@dataclass
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def mid_y(self) -> float:
        return self.y + self.h / 2


def layout(diagram: Diagram) -> tuple[dict[str, Box], dict[str, Box], float, float]:
    columns = sorted({g.column for g in diagram.groups if g.nodes})
    x_of = {col: MARGIN + 130 + index * (COLUMN_WIDTH + COLUMN_GAP) for index, col in enumerate(columns)}
    group_boxes: dict[str, Box] = {}
    node_boxes: dict[str, Box] = {}
    heights = {}
    for col in columns:
        y = MARGIN + 40
        for group in (g for g in diagram.groups if g.column == col and g.nodes):
            height = HEADER + PADDING + len(group.nodes) * (NODE_HEIGHT + NODE_GAP) - NODE_GAP + PADDING
            group_boxes[group.id] = Box(x_of[col], y, COLUMN_WIDTH, height)
            for index, node in enumerate(group.nodes):
                node_boxes[node.id] = Box(
                    x_of[col] + (COLUMN_WIDTH - NODE_WIDTH) / 2,
                    y + HEADER + PADDING + index * (NODE_HEIGHT + NODE_GAP),
                    NODE_WIDTH,
                    NODE_HEIGHT,
                )
            y += height + GROUP_GAP
        heights[col] = y
    height = max(heights.values(), default=MARGIN * 4) + MARGIN
    # Room on the right for edges that loop within the last column.
    width = MARGIN + 130 + len(columns) * (COLUMN_WIDTH + COLUMN_GAP) - COLUMN_GAP + 100
    first_edge = next((node_boxes[e.target] for e in diagram.edges if e.source == INTERNET and e.target in node_boxes), None)
    internet_y = first_edge.mid_y - 30 if first_edge else MARGIN + 60
    node_boxes[INTERNET] = Box(MARGIN, internet_y, 100, 60)
    return group_boxes, node_boxes, width, height


def _fit(text: str, width: float) -> str:
    limit = int(width / CHAR)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _path(a: Box, b: Box) -> tuple[str, float, float]:
    """A curve from box a to box b, leaving and entering at the sides that face each other."""
    if b.x > a.x + a.w / 2:
        x1, x2 = a.x + a.w, b.x
        bend = max(40.0, (x2 - x1) / 2)
        c1, c2 = x1 + bend, x2 - bend
    elif b.x + b.w < a.x + a.w / 2:
        x1, x2 = a.x, b.x + b.w
        bend = max(40.0, (x1 - x2) / 2)
        c1, c2 = x1 - bend, x2 + bend
    else:  # same column: loop out on the right side
        x1 = x2 = a.x + a.w
        bulge = 40 + min(60.0, abs(b.mid_y - a.mid_y) / 6)
        c1 = c2 = x1 + bulge
    y1, y2 = a.mid_y, b.mid_y
    d = f"M{x1:.1f},{y1:.1f} C{c1:.1f},{y1:.1f} {c2:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
    # The point at t=0.5 of the cubic, where the label sits.
    mx = (x1 + 3 * c1 + 3 * c2 + x2) / 8
    my = (y1 + y2) / 2
    return d, mx, my


def to_svg(diagram: Diagram) -> str:
    group_boxes, node_boxes, width, height = layout(diagram)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
        'font-family="Helvetica, Arial, sans-serif" font-size="12">',
        "<defs>",
        '<marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker>',
        "</defs>",
        f'<rect width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>',
        f'<text x="{MARGIN}" y="{MARGIN + 8}" font-size="18" font-weight="bold" fill="#222">ohmycoins · stack {escape(diagram.stack)}</text>',
    ]
    for group in diagram.groups:
        if group.id not in group_boxes:
            continue
        box = group_boxes[group.id]
        fill = GROUP_FILL.get(group.column, "#f4f4f4")
        out.append(f'<rect x="{box.x}" y="{box.y}" width="{box.w}" height="{box.h}" rx="10" fill="{fill}" stroke="#9aa5b1"/>')
        title = _fit(f"{group.title} · {group.total}", box.w - 20)
        out.append(f'<text x="{box.x + 12}" y="{box.y + 20}" font-weight="bold" fill="#223">{escape(title)}</text>')
    # Edges under the nodes, labels on top of everything.
    labels = []
    labelled: set[tuple[str, str]] = set()
    for edge in diagram.edges:
        a, b = node_boxes.get(edge.source), node_boxes.get(edge.target)
        if a is None or b is None:
            continue
        d, mx, my = _path(a, b)
        dash = ' stroke-dasharray="5,4"' if edge.dashed else ""
        colour = "#8a8f98" if edge.dashed else "#3b6fb6"
        out.append(f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="1.6"{dash} marker-end="url(#arrow)"/>')
        if (edge.source, edge.label) in labelled:
            continue
        labelled.add((edge.source, edge.label))
        w = len(edge.label) * 6 + 8
        labels.append(f'<rect x="{mx - w / 2:.1f}" y="{my - 8:.1f}" width="{w}" height="15" rx="3" fill="#ffffff" fill-opacity="0.9"/>')
        labels.append(f'<text x="{mx:.1f}" y="{my + 3:.1f}" text-anchor="middle" font-size="10" fill="#333">{escape(edge.label)}</text>')
    internet = node_boxes[INTERNET]
    out.append(
        f'<ellipse cx="{internet.x + internet.w / 2}" cy="{internet.mid_y}" rx="{internet.w / 2}" ry="{internet.h / 2}" fill="#fff7d6" stroke="#c9a227"/>'
    )
    out.append(f'<text x="{internet.x + internet.w / 2}" y="{internet.mid_y + 4}" text-anchor="middle" font-weight="bold">internet</text>')
    for group in diagram.groups:
        for node in group.nodes:
            box = node_boxes[node.id]
            out.append(f'<rect x="{box.x}" y="{box.y}" width="{box.w}" height="{box.h}" rx="6" fill="#ffffff" stroke="#5b6b7c"/>')
            if node.detail:
                out.append(
                    f'<text x="{box.x + 10}" y="{box.y + 15}" font-weight="bold" fill="#111">{escape(_fit(node_text(node), box.w - 16))}</text>'
                )
                out.append(
                    f'<text x="{box.x + 10}" y="{box.y + 30}" font-size="10.5" fill="#555">{escape(_fit(node.detail, box.w - 10))}</text>'
                )
            else:
                out.append(
                    f'<text x="{box.x + 10}" y="{box.mid_y + 4}" font-weight="bold" fill="#111">{escape(_fit(node_text(node), box.w - 16))}</text>'
                )
    out += labels
    legend_y = height - 14
    out.append(
        f'<text x="{MARGIN}" y="{legend_y}" font-size="10.5" fill="#555">solid: request traffic · dashed: egress, encryption, logs, "runs on" · '
        "xN: N resources of a kind · group title: resources in the component</text>"
    )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write_diagrams(plan: Plan, svg: Path | None = None, mermaid: Path | None = None) -> None:
    diagram = build(plan)
    if svg:
        svg.write_text(to_svg(diagram))
    if mermaid:
        mermaid.write_text(f"### Architecture of stack `{plan.stack}`\n\n" + to_mermaid(diagram))
