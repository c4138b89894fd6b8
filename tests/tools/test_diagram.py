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
