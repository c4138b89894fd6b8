"""Grafana at https://grafana.<stack domain>: the stack's ALB, certificate and WAF in front, a login behind."""

from __future__ import annotations

import re

import botocore.session
import pytest
import yaml

from components.settings import SettingsError
from tests.conftest import stack_config
from tests.stack_edits import set_setting
from tools.engine import run_stack

RULE = "aws:lb/listenerRule:ListenerRule"
TGB = "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding"
IP_SET = "aws:wafv2/ipSet:IpSet"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
HOST = {"staging": "grafana.staging.ohmycoins.com", "production": "grafana.ohmycoins.com"}
GITHUB = {"clientId": "Ov23liA1b2C3d4E5f6G7", "allowedOrganizations": ["ohmycoins"], "teamIds": [4242]}


def grafana_values(plan):
    return plan.named("monitoring-kube-prometheus-stack").inputs["values"]["grafana"]


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_the_alb_routes_grafanas_host_to_its_target_group(request, stack):
    plan = request.getfixturevalue(f"{stack}_plan")
    rule = plan.one(RULE, "edge-grafana-host-rule")
    assert rule.inputs["conditions"] == [{"hostHeader": {"values": [HOST[stack]]}}]
    assert rule.inputs["priority"] == 200
    group = plan.one("aws:lb/targetGroup:TargetGroup", "edge-grafana-tg")
    assert [a["type"] for a in rule.inputs["actions"]] == ["forward"] and group.urn in rule.dependencies
    assert plan.named("edge-https").urn in rule.dependencies
    tg = group.inputs
    assert (tg["name"], tg["port"], tg["protocol"], tg["targetType"]) == (f"ohmycoins-{stack}-grafana", 3000, "HTTP", "ip")
    assert (tg["healthCheck"]["path"], tg["healthCheck"]["matcher"]) == ("/api/health", "200")
    assert plan.outputs["grafanaUrl"] == f"https://{HOST[stack]}"


def test_a_target_group_binding_puts_the_grafana_pods_in_it(any_plan):
    [binding] = any_plan.all(TGB)
    assert binding.inputs["metadata"]["name"] == "grafana" and binding.inputs["metadata"]["namespace"] == "monitoring"
    spec = binding.inputs["spec"]
    assert spec["serviceRef"] == {"name": "kube-prometheus-stack-grafana", "port": 80} and spec["targetType"] == "ip"
    assert any_plan.one("aws:lb/targetGroup:TargetGroup", "edge-grafana-tg").urn in binding.dependencies
    # A TargetGroupBinding is a CRD the load balancer controller chart installs.
    assert any_plan.one("kubernetes:helm.sh/v3:Release", "eks-controllers-aws-load-balancer-controller").urn in binding.dependencies
    assert grafana_values(any_plan)["service"] == {"type": "ClusterIP", "port": 80}


def test_the_alb_may_reach_the_grafana_pods_on_3000(any_plan):
    cluster_sg, alb_sg = any_plan.outputs["eksClusterSecurityGroupId"], any_plan.outputs["albSecurityGroupId"]
    from_alb = [
        r.inputs["fromPort"]
        for r in any_plan.all(INGRESS)
        if r.inputs["securityGroupId"] == cluster_sg and r.inputs.get("referencedSecurityGroupId") == alb_sg
    ]
    assert from_alb == [3000]


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_grafana_knows_its_public_url_and_admits_no_anonymous_users(request, stack):
    ini = grafana_values(request.getfixturevalue(f"{stack}_plan"))["grafana.ini"]
    assert ini["server"] == {"domain": HOST[stack], "root_url": f"https://{HOST[stack]}/"}
    assert ini["auth.anonymous"] == {"enabled": False}
    assert ini["users"] == {"allow_sign_up": False}
    assert ini["security"]["cookie_secure"] is True
    # No GitHub App configured in the stack files: only the generated admin account signs in.
    assert "auth.github" not in ini and "envFromSecret" not in grafana_values(request.getfixturevalue(f"{stack}_plan"))


def test_production_admits_only_the_ops_range_to_grafana_through_the_waf(production_plan):
    ip_set = production_plan.one(IP_SET, "edge-grafana-sources").inputs
    assert (ip_set["scope"], ip_set["ipAddressVersion"], ip_set["addresses"]) == ("REGIONAL", "IPV4", ["198.51.100.0/24"])
    acl = production_plan.one("aws:wafv2/webAcl:WebAcl")
    rules = {r["name"]: r for r in acl.inputs["rules"]}
    allowlist = rules["grafana-source-allowlist"]
    assert allowlist["action"] == {"block": {}}
    host_match, outside = allowlist["statement"]["andStatement"]["statements"]
    assert host_match["byteMatchStatement"]["searchString"] == "grafana.ohmycoins.com"
    assert host_match["byteMatchStatement"]["positionalConstraint"] == "EXACTLY"
    assert host_match["byteMatchStatement"]["fieldToMatch"] == {"singleHeader": {"name": "host"}}
    assert "ipSetReferenceStatement" in outside["notStatement"]["statement"]
    assert production_plan.one(IP_SET, "edge-grafana-sources").urn in acl.dependencies
    # The app's rules keep their priorities; the allowlist comes after them.
    assert rules["rate-limit-per-ip"]["priority"] == 0 and allowlist["priority"] == 5
    assert len({r["priority"] for r in rules.values()}) == len(rules)


def test_the_ip_set_and_rule_are_values_waf_accepts(production_plan):
    """Checked against WAF's API model (botocore), not against the mocks."""
    model = botocore.session.get_session().get_service_model("wafv2")
    name, description, metric = (model.shape_for(s).metadata for s in ("EntityName", "EntityDescription", "MetricName"))
    ip_set = production_plan.one(IP_SET, "edge-grafana-sources").inputs
    assert re.fullmatch(name["pattern"], ip_set["name"]) and len(ip_set["name"]) <= name["max"]
    assert re.fullmatch(description["pattern"], ip_set["description"])
    [rule] = [r for r in production_plan.one("aws:wafv2/webAcl:WebAcl").inputs["rules"] if r["name"] == "grafana-source-allowlist"]
    assert re.fullmatch(name["pattern"], rule["name"])
    assert re.fullmatch(metric["pattern"], rule["visibilityConfig"]["metricName"])


def test_staging_grafana_is_open_to_any_source_behind_its_login(staging_plan):
    assert staging_plan.all(IP_SET) == []
    assert "grafana-source-allowlist" not in {r["name"] for r in staging_plan.one("aws:wafv2/webAcl:WebAcl").inputs["rules"]}


@pytest.fixture(scope="module")
def github_login_plan(tmp_path_factory):
    """Staging with GitHub sign-in: the OAuth App's client id in config, its secret secure."""
    config = stack_config("staging")
    config["ohmycoins:monitoring"]["grafana"]["github"] = GITHUB
    config["ohmycoins:grafanaGithubClientSecret"] = {"secure": "v1:REPLACE-WITH-PULUMI-CONFIG-SET-SECRET"}
    path = tmp_path_factory.mktemp("grafana") / "Pulumi.staging.yaml"
    path.write_text(yaml.safe_dump({"config": config}))
    return run_stack("staging", path)


def test_github_sign_in_admits_only_the_organisation_and_keeps_the_secret_out_of_values(github_login_plan):
    values = grafana_values(github_login_plan)
    github = values["grafana.ini"]["auth.github"]
    assert github["enabled"] is True and github["client_id"] == "Ov23liA1b2C3d4E5f6G7"
    assert github["allowed_organizations"] == "ohmycoins" and github["team_ids"] == "4242"
    assert github["scopes"] == "user:email,read:org"
    assert "client_secret" not in github
    assert values["envFromSecret"] == "grafana-github-oauth"
    secret = github_login_plan.named("monitoring-grafana-github-oauth")
    assert secret.inputs["metadata"] == {"name": "grafana-github-oauth", "namespace": "monitoring"}
    assert secret.inputs["stringData"] == "[secret]"
    assert secret.urn in github_login_plan.named("monitoring-kube-prometheus-stack").dependencies


def test_without_a_published_host_grafana_stays_on_port_forward(plan_variant):
    plan = plan_variant("staging", lambda c: c["ohmycoins:monitoring"].pop("grafana"))
    assert grafana_values(plan)["grafana.ini"]["server"] == {"root_url": "http://localhost:3000"}
    assert plan.all(TGB) == [] and "grafanaUrl" not in plan.outputs
    assert not [r for r in plan.all(RULE) if r.name == "edge-grafana-host-rule"]
    assert "grafana.staging.ohmycoins.com" not in plan.one("aws:acm/certificate:Certificate").inputs["subjectAlternativeNames"]


def _grafana(**changes):
    def change(config):
        config["ohmycoins:monitoring"]["grafana"].update(changes)

    return change


@pytest.mark.parametrize(
    "change, key, reason",
    [
        (_grafana(github=GITHUB), "ohmycoins:monitoring.grafana.github", "pulumi config set --secret ohmycoins:grafanaGithubClientSecret"),
        (_grafana(host="grafana.example.org"), "ohmycoins:monitoring.grafana.host", "not within the domain 'staging.ohmycoins.com'"),
        (_grafana(host="api.staging.ohmycoins.com"), "ohmycoins:monitoring.grafana.host", "is already the api host"),
        (_grafana(host="staging.ohmycoins.com"), "ohmycoins:monitoring.grafana.host", "is already ohmycoins:edge.domain"),
        (_grafana(allowedCidrs=["0.0.0.0/0"]), "ohmycoins:monitoring.grafana.allowedCidrs", "restricts nothing"),
        (
            _grafana(github={**GITHUB, "allowedOrganizations": []}),
            "ohmycoins:monitoring.grafana.github.allowedOrganizations",
            "at least 1 item",
        ),
        (
            _grafana(github={**GITHUB, "clientId": "not-an-id"}),
            "ohmycoins:monitoring.grafana.github.clientId",
            "not a GitHub OAuth client id",
        ),
        (set_setting("monitoring", "enabled", False), "ohmycoins:monitoring.grafana", "monitoring.enabled is false"),
    ],
)
def test_bad_grafana_settings_are_refused_naming_the_key(assert_refused, change, key, reason):
    assert_refused("staging", change, key, reason)


def test_the_client_secret_must_be_secure(plan_variant):
    def change(config):
        config["ohmycoins:monitoring"]["grafana"]["github"] = GITHUB
        config["ohmycoins:grafanaGithubClientSecret"] = "plain-text-secret"

    with pytest.raises(SettingsError) as error:
        plan_variant("staging", change)
    assert error.value.problems == [("ohmycoins:grafanaGithubClientSecret", "is a secret: set it with `pulumi config set --secret`")]
