"""The architecture picture: groups, summarised nodes, and the traffic path from the internet to the data."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from tools.diagram import INTERNET, build, to_mermaid, to_svg, write_diagrams


def edge_types(diagram):
    types = {INTERNET: INTERNET}
    types.update({n.id: n.type for g in diagram.groups for n in g.nodes})
    return {(types[e.source], types[e.target]) for e in diagram.edges}


def test_every_component_is_a_group_and_repeated_resources_are_one_node(production_plan):
    diagram = build(production_plan)
    components = {r.name for r in production_plan.resources if r.is_component and production_plan.component_of(r) is r}
    assert {g.title.split(" ")[0] for g in diagram.groups} == components
    subnets = [n for g in diagram.groups for n in g.nodes if n.type == "aws:ec2/subnet:Subnet"]
    assert len(subnets) == 1 and subnets[0].count == len(production_plan.all("aws:ec2/subnet:Subnet"))
    assert sum(len(g.nodes) for g in diagram.groups) < 80, "a full stack must stay readable"


def test_traffic_path_from_the_internet_to_the_data(production_plan):
    edges = edge_types(build(production_plan))
    assert (INTERNET, "aws:wafv2/webAcl:WebAcl") in edges
    assert ("aws:wafv2/webAcl:WebAcl", "aws:lb/loadBalancer:LoadBalancer") in edges
    # Whichever platform runs the apps, the ALB reaches them and they reach the database.
    to_apps = {t for s, t in edges if s == "aws:lb/loadBalancer:LoadBalancer"}
    assert to_apps & {"aws:ecs/service:Service", "kubernetes:apps/v1:Deployment"}
    assert any(t == "aws:rds/instance:Instance" for s, t in edges if s in to_apps)
    assert any(t == "aws:elasticache/replicationGroup:ReplicationGroup" for s, t in edges if s in to_apps)
    assert ("kubernetes:helm.sh/v3:Release", "eks:index:Cluster") in edges


def test_svg_is_well_formed_and_mermaid_has_the_groups(production_plan, tmp_path):
    diagram = build(production_plan)
    root = ET.fromstring(to_svg(diagram))
    texts = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "internet" in texts and "ALB" in texts and "RDS PostgreSQL" in texts
    mermaid = to_mermaid(diagram)
    assert mermaid.startswith("```mermaid\nflowchart LR")
    assert mermaid.count("subgraph") == len([g for g in diagram.groups if g.nodes])


def test_writes_both_forms(production_plan, tmp_path):
    svg, md = tmp_path / "prod.svg", tmp_path / "prod.md"
    write_diagrams(production_plan, svg=svg, mermaid=md)
    assert svg.read_text().startswith("<svg")
    assert "```mermaid" in md.read_text()


def test_nodes_say_what_they_are_and_summarise_their_resources(production_plan):
    diagram = build(production_plan)
    labels = {n.label for g in diagram.groups for n in g.nodes}
    assert {
        "VPC",
        "subnets",
        "NAT gateway",
        "internet gateway",
        "VPC endpoints",
        "security groups",
        "ALB",
        "WAF web ACL",
        "ACM certificate",
        "DNS records",
        "RDS PostgreSQL",
        "ElastiCache Redis",
        "KMS key",
        "secrets",
        "SNS alert topic",
        "alarms",
        "dashboard",
        "EventBridge rules",
        "GuardDuty",
        "CloudTrail",
        "Config recorder",
        "Config rules",
        "S3 buckets",
        "ECS service",
        "scheduled tasks",
        "ECR repositories",
        "EFS",
        "Cloud Map namespace",
        "Cloud Map services",
        "EKS control plane",
        "node group: system",
        "node group: apps",
        "node group: runners",
        "Helm",
        "IAM roles",
        "WAF IP set",
        "SQS queue",
        "Step Functions",
        "backup plan",
        "backup selections",
        "backup vaults",
        "cost budget",
        "CodeBuild project",
    } == labels
    mermaid = to_mermaid(diagram)
    for line in (
        '["VPC<br/><small>10.0.0.0/16</small>"]',
        '["ECS service x5<br/><small>agents, backend, cryptopanic, frontend, reddit</small>"]',
        '["RDS PostgreSQL<br/><small>db.t3.small Multi-AZ</small>"]',
        '["ElastiCache Redis<br/><small>2 x cache.t3.small</small>"]',
        '["node group: runners<br/><small>t3.xlarge 0-10</small>"]',
        '["EKS control plane<br/><small>Kubernetes 1.33</small>"]',
    ):
        assert line in mermaid, line


def test_the_flows_and_columns_of_production(production_plan):
    diagram = build(production_plan)
    types = {INTERNET: INTERNET} | {n.id: n.type for g in diagram.groups for n in g.nodes}
    flows = {(types[e.source], types[e.target], e.label, e.dashed) for e in diagram.edges}
    assert flows == {
        (INTERNET, "aws:route53/record:Record", "DNS", False),
        (INTERNET, "aws:wafv2/webAcl:WebAcl", "HTTPS", False),
        ("aws:wafv2/webAcl:WebAcl", "aws:lb/loadBalancer:LoadBalancer", "filtered", False),
        ("aws:lb/loadBalancer:LoadBalancer", "aws:ecs/service:Service", "HTTP", False),
        ("aws:lb/loadBalancer:LoadBalancer", "aws:s3/bucket:Bucket", "access logs", True),
        ("aws:ecs/service:Service", "aws:rds/instance:Instance", "5432 TLS", False),
        ("aws:ecs/service:Service", "aws:elasticache/replicationGroup:ReplicationGroup", "6379 TLS", False),
        ("aws:ecs/service:Service", "aws:efs/fileSystem:FileSystem", "NFS", False),
        ("aws:scheduler/schedule:Schedule", "aws:rds/instance:Instance", "5432 TLS", False),
        ("eks:index:Cluster", "aws:eks/nodeGroup:NodeGroup", "schedules", False),
        ("kubernetes:helm.sh/v3:Release", "eks:index:Cluster", "runs on", True),
        ("kubernetes:helm.sh/v3:Release", "aws:eks/nodeGroup:NodeGroup", "runner pods", True),
        ("aws:ec2/natGateway:NatGateway", INTERNET, "egress", True),
        ("aws:kms/key:Key", "aws:rds/instance:Instance", "encrypts", True),
        ("aws:kms/key:Key", "aws:elasticache/replicationGroup:ReplicationGroup", "encrypts", True),
        ("aws:cloudwatch/metricAlarm:MetricAlarm", "aws:sns/topic:Topic", "alarms", False),
        ("aws:cloudwatch/eventRule:EventRule", "aws:sns/topic:Topic", "findings", False),
        ("aws:guardduty/detector:Detector", "aws:cloudwatch/eventRule:EventRule", "findings", False),
    }
    # Left to right as traffic flows: the edge, then the platforms, then the data, then operations.
    assert {g.title.split(" ")[0]: g.column for g in diagram.groups} == {
        "edge": 1,
        "network": 1,
        "ecs": 2,
        "ecr": 2,
        "eks": 2,
        "monitoring": 2,
        "runners": 2,
        "app-secrets": 3,
        "cache": 3,
        "database": 3,
        "firewall": 3,
        "kms": 3,
        "alarms": 4,
        "alerts": 4,
        "audit": 4,
        "backups": 4,
        "boundary": 4,
        "budget": 4,
        "ci": 4,
        "ci-runner": 4,
        "restore-drill": 4,
        "s3-access-logs": 4,
    }
    # Every edge is drawn, as an arrow.
    assert to_svg(diagram).count('marker-end="url(#arrow)"') == len(diagram.edges) == 27


def test_keys_and_schedules_join_only_what_they_serve(production_plan, staging_plan):
    """The data key encrypts the database and cache (not the audit or backup keys); only the collectors'
    schedules reach the database (not the schedule that stops it, nor the restore drill's)."""
    production = {(e.source, e.target, e.label) for e in build(production_plan).edges}
    assert {(s, t) for s, t, label in production if label == "encrypts"} == {
        ("kms_aws_kms_key_Key", "database_aws_rds_instance_Instance"),
        ("kms_aws_kms_key_Key", "cache_aws_elasticache_replicationGroup_ReplicationGroup"),
    }
    assert {s for s, t, label in production if t == "database_aws_rds_instance_Instance" and label == "5432 TLS"} == {
        "ecs_aws_ecs_service_Service",
        "ecs_aws_scheduler_schedule_Schedule",
    }
    # Staging leaves through its NAT instance.
    staging = {(e.source, e.target, e.label) for e in build(staging_plan).edges}
    assert {(s, label) for s, t, label in staging if t == INTERNET} == {("network_network_nat_instances_a", "egress")}
