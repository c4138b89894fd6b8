"""The public edge per stack: listeners and rules, certificate and DNS, WAF, access logs, and plain-HTTP rules."""

from __future__ import annotations

import json

import pytest

from tests.test_component_tree import misplaced

LB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
RULE = "aws:lb/listenerRule:ListenerRule"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
RECORD = "aws:route53/record:Record"
CERTIFICATE = "aws:acm/certificate:Certificate"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"

HOSTS = {
    "staging": ("staging.ohmycoins.com", "api.staging.ohmycoins.com", "dashboard.staging.ohmycoins.com"),
    "production": ("ohmycoins.com", "api.ohmycoins.com", "dashboard.ohmycoins.com"),
}
GRAFANA = {"staging": "grafana.staging.ohmycoins.com", "production": "grafana.ohmycoins.com"}


def _plan(request, stack):
    return request.getfixturevalue(f"{stack}_plan")


def test_alb_is_public_hardened_and_logs_to_its_bucket(any_plan):
    alb = any_plan.one(LB)
    assert alb.inputs["internal"] is False and alb.inputs["loadBalancerType"] == "application"
    assert alb.inputs["enableHttp2"] is True and alb.inputs["dropInvalidHeaderFields"] is True
    assert alb.inputs["enableDeletionProtection"] is (any_plan.stack == "production")
    assert sorted(alb.inputs["subnets"]) == sorted(any_plan.outputs["publicSubnetIds"])
    assert alb.inputs["securityGroups"] == [any_plan.outputs["albSecurityGroupId"]]
    logs = alb.inputs["accessLogs"]
    assert logs["enabled"] is True and logs["prefix"] == "alb"
    bucket = any_plan.named("edge-access-logs-bucket")
    assert logs["bucket"] == bucket.inputs["bucket"] == f"ohmycoins-{any_plan.stack}-alb-logs-123456789012"
    assert any_plan.named("edge-access-logs-policy").urn in alb.dependencies
    assert any_plan.component_of(alb).type == "ohmycoins:edge:Edge"


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_https_listener_defaults_to_frontend_and_routes_the_api_host(request, stack):
    plan = _plan(request, stack)
    listeners = {listener.inputs["port"]: listener for listener in plan.all(LISTENER)}
    assert sorted(listeners) == [80, 443]
    https = listeners[443]
    assert https.inputs["protocol"] == "HTTPS"
    assert https.inputs["sslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    groups = {g.name: g for g in plan.all(TARGET_GROUP)}
    frontend_tg = plan.named("edge-frontend-tg")
    [default] = https.inputs["defaultActions"]
    assert default["type"] == "forward" and frontend_tg.urn in https.dependencies
    [rule] = [r for r in plan.all(RULE) if r.name == "edge-backend-host-rule"]
    assert https.urn in rule.dependencies
    [condition] = rule.inputs["conditions"]
    assert condition["hostHeader"]["values"] == [HOSTS[stack][1]]
    [action] = rule.inputs["actions"]
    assert action["type"] == "forward" and groups["edge-backend-tg"].urn in rule.dependencies
    # 80 only redirects: nothing is served in the clear.
    [redirect] = listeners[80].inputs["defaultActions"]
    assert redirect["type"] == "redirect"
    assert redirect["redirect"] == {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}


def test_https_listener_uses_the_validated_certificate(any_plan):
    validation = any_plan.one("aws:acm/certificateValidation:CertificateValidation")
    assert validation.urn in any_plan.named("edge-https").dependencies


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_certificate_covers_the_domain_and_hosts_and_is_validated_by_dns(request, stack):
    plan = _plan(request, stack)
    domain, api, frontend = HOSTS[stack]
    certificate = plan.one(CERTIFICATE)
    assert certificate.inputs["domainName"] == domain
    assert certificate.inputs["subjectAlternativeNames"] == [api, frontend, GRAFANA[stack]]
    assert certificate.inputs["validationMethod"] == "DNS"
    validation_records = [r for r in plan.all(RECORD) if r.name.startswith("edge-certificate-validation-")]
    assert len(validation_records) == 4
    # Every record goes to the one looked-up zone that also holds the aliases.
    zone_id = validation_records[0].inputs["zoneId"]
    assert {r.inputs["zoneId"] for r in plan.all(RECORD)} == {zone_id}
    for record in validation_records:
        assert record.inputs["type"] == "CNAME" and record.inputs["zoneId"] == zone_id
        assert certificate.urn in record.dependencies
    # ACM's record for each name is `_<token>.<name>.`
    assert {r.inputs["name"].split(".", 1)[1].rstrip(".") for r in validation_records} == {domain, api, frontend, GRAFANA[stack]}
    validation = plan.one("aws:acm/certificateValidation:CertificateValidation")
    assert len(validation.inputs["validationRecordFqdns"]) == 4


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_the_domain_itself_the_hosts_and_grafana_alias_the_alb_over_ipv4_only(request, stack):
    plan = _plan(request, stack)
    domain, api, frontend = HOSTS[stack]
    alb = plan.one(LB)
    aliases = [r for r in plan.all(RECORD) if r.inputs.get("aliases")]
    assert sorted((r.inputs["name"], r.inputs["type"]) for r in aliases) == sorted(
        [(domain, "A"), (api, "A"), (frontend, "A"), (GRAFANA[stack], "A")]
    )
    # The ALB and VPC are IPv4 only: an AAAA alias would answer nothing.
    assert not [r for r in plan.all(RECORD) if r.inputs["type"] == "AAAA"]
    assert alb.inputs.get("ipAddressType", "ipv4") == "ipv4"
    for record in aliases:
        [alias] = record.inputs["aliases"]
        assert alb.urn in record.dependencies and alias["evaluateTargetHealth"] is True
    # The apex has no host rule of its own: it gets the listener's default action, the frontend.
    assert not [r for r in plan.all(RULE) if domain in r.inputs["conditions"][0].get("hostHeader", {}).get("values", [])]


def test_target_groups_use_ip_targets_and_the_catalog_health_checks(any_plan):
    groups = {g.name: g for g in any_plan.all(TARGET_GROUP)}
    assert sorted(groups) == ["edge-backend-tg", "edge-frontend-tg", "edge-grafana-tg"]
    backend, frontend = groups["edge-backend-tg"].inputs, groups["edge-frontend-tg"].inputs
    assert (backend["port"], backend["targetType"], backend["protocol"]) == (8000, "ip", "HTTP")
    assert (frontend["port"], frontend["targetType"]) == (80, "ip")
    check = backend["healthCheck"]
    assert (check["path"], check["matcher"], check["healthyThreshold"], check["unhealthyThreshold"]) == (
        "/api/v1/utils/health-check/",
        "200",
        2,
        3,
    )
    assert (check["timeout"], check["interval"]) == (5, 30)
    assert frontend["healthCheck"]["path"] == "/"
    assert backend["deregistrationDelay"] == 30


@pytest.mark.parametrize("stack, limit", [("staging", 2000), ("production", 2000)])
def test_waf_has_managed_groups_and_a_per_ip_rate_limit(request, stack, limit):
    plan = _plan(request, stack)
    acl = plan.one(WEB_ACL)
    assert acl.inputs["scope"] == "REGIONAL" and "allow" in acl.inputs["defaultAction"]
    rules = {r["name"]: r for r in acl.inputs["rules"]}
    managed = {r["statement"]["managedRuleGroupStatement"]["name"] for r in rules.values() if "managedRuleGroupStatement" in r["statement"]}
    assert managed == {
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesSQLiRuleSet",
        "AWSManagedRulesAmazonIpReputationList",
    }
    rate = rules["rate-limit-per-ip"]
    assert rate["action"] == {"block": {}}
    assert rate["statement"]["rateBasedStatement"] == {"limit": limit, "aggregateKeyType": "IP", "evaluationWindowSec": 300}
    assert len({r["priority"] for r in rules.values()}) == len(rules)
    association = plan.one("aws:wafv2/webAclAssociation:WebAclAssociation")
    assert acl.urn in association.dependencies and plan.one(LB).urn in association.dependencies
    logging = plan.one("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration")
    group = plan.named("edge-waf-logs")
    assert group.inputs["name"] == f"aws-waf-logs-ohmycoins-{stack}"
    assert group.inputs["kmsKeyId"] == plan.outputs["kmsKeyArn"]
    assert group.inputs["retentionInDays"] == 30
    assert len(logging.inputs["logDestinationConfigs"]) == 1
    assert group.urn in logging.dependencies and acl.urn in logging.dependencies
    # Credentials never reach the request log.
    assert logging.inputs["redactedFields"] == [{"singleHeader": {"name": "authorization"}}, {"singleHeader": {"name": "cookie"}}]


@pytest.mark.parametrize("stack, days, kept", [("staging", 30, False), ("production", 365, True)])
def test_access_log_bucket_is_private_encrypted_tls_only_and_expires(request, stack, days, kept):
    plan = _plan(request, stack)
    bucket = plan.named("edge-access-logs-bucket")
    assert bucket.protect is kept and bucket.retainOnDelete is kept
    block = plan.named("edge-access-logs-public-access").inputs
    assert all(block[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"))
    [sse] = plan.named("edge-access-logs-encryption").inputs["rules"]
    assert sse["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"
    [rule] = plan.named("edge-access-logs-lifecycle").inputs["rules"]
    assert rule["status"] == "Enabled" and rule["expiration"]["days"] == days
    policy = json.loads(plan.named("edge-access-logs-policy").inputs["policy"])
    statements = {s["Sid"]: s for s in policy["Statement"]}
    deny = statements["DenyInsecureTransport"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    delivery = statements["AllowAlbAccessLogDelivery"]
    # The Elastic Load Balancing account of ap-southeast-2, writing only this account's ALB logs.
    assert delivery["Principal"] == {"AWS": "arn:aws:iam::783225319266:root"}
    assert delivery["Action"] == "s3:PutObject"
    assert delivery["Resource"] == f"arn:aws:s3:::ohmycoins-{stack}-alb-logs-123456789012/alb/AWSLogs/123456789012/*"


def _plain_http(config):
    config["ohmycoins:edge"] = {"allowPlainHttp": True, "accessLogExpiryDays": 7}
    config["ohmycoins:monitoring"].pop("grafana")


def test_a_domainless_stack_that_allows_plain_http_gets_one_http_listener_with_api_paths(plan_variant):
    plan = plan_variant("staging", _plain_http)
    [listener] = plan.all(LISTENER)
    assert (listener.inputs["port"], listener.inputs["protocol"]) == (80, "HTTP")
    assert listener.inputs["defaultActions"][0]["type"] == "forward"
    [rule] = plan.all(RULE)
    assert rule.inputs["conditions"][0]["pathPattern"]["values"] == ["/api/*", "/docs", "/redoc", "/openapi.json"]
    assert not plan.all(CERTIFICATE) and not plan.all(RECORD)
    assert plan.outputs["apiUrl"] == plan.outputs["frontendUrl"] == f"http://{plan.outputs['albDnsName']}"
    assert misplaced(plan) == []


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_urls_are_the_https_hosts(request, stack):
    outputs = _plan(request, stack).outputs
    _, api, frontend = HOSTS[stack]
    assert (outputs["apiUrl"], outputs["frontendUrl"]) == (f"https://{api}", f"https://{frontend}")


@pytest.mark.parametrize(
    "stack, change, key, reason",
    [
        ("production", _plain_http, "ohmycoins:edge.allowPlainHttp", "production serves HTTPS only"),
        ("staging", lambda c: c["ohmycoins:edge"].pop("domain"), "ohmycoins:edge.domain", "required unless allowPlainHttp is true"),
        (
            "staging",
            lambda c: c["ohmycoins:edge"].update(allowPlainHttp=True),
            "ohmycoins:edge.allowPlainHttp",
            "only for a stack without a domain",
        ),
        (
            "staging",
            lambda c: c["ohmycoins:edge"].update(apiHost="api.example.org"),
            "ohmycoins:edge.apiHost",
            "not within the domain 'staging.ohmycoins.com'",
        ),
        (
            "staging",
            lambda c: c["ohmycoins:edge"].update(hostedZone="example.org"),
            "ohmycoins:edge.hostedZone",
            "does not contain the domain",
        ),
        (
            "staging",
            lambda c: c["ohmycoins:edge"].update(frontendHost="Dashboard!"),
            "ohmycoins:edge.frontendHost",
            "not a lowercase DNS name",
        ),
        (
            "staging",
            lambda c: c["ohmycoins:edge"].update(hostedZone="Oh My Coins"),
            "ohmycoins:edge.hostedZone",
            "not a lowercase DNS name",
        ),
        ("staging", lambda c: c["ohmycoins:edge"].update(apiHost="API_host"), "ohmycoins:edge.apiHost", "not a lowercase DNS name"),
        ("staging", lambda c: c["ohmycoins:edge"].update(domain="Staging.Example"), "ohmycoins:edge.domain", "not a lowercase DNS name"),
        (
            "staging",
            lambda c: c["ohmycoins:edge"].update(frontendHost="dashboard.example.org"),
            "ohmycoins:edge.frontendHost",
            "not within the domain 'staging.ohmycoins.com'",
        ),
        ("staging", lambda c: c["ohmycoins:edge"].pop("hostedZone"), "ohmycoins:edge.hostedZone", "required setting is missing"),
        ("staging", lambda c: c["ohmycoins:edge"].pop("apiHost"), "ohmycoins:edge.apiHost", "required setting is missing"),
        ("staging", lambda c: c["ohmycoins:edge"].update(wafRateLimit=5), "ohmycoins:edge.wafRateLimit", "greater than or equal to 10"),
        (
            "staging",
            lambda c: c["ohmycoins:edge"].pop("accessLogExpiryDays"),
            "ohmycoins:edge.accessLogExpiryDays",
            "required setting is missing",
        ),
        (
            "staging",
            lambda c: c["ohmycoins:edge"].update(wafLogRetentionDays=10),
            "ohmycoins:edge.wafLogRetentionDays",
            "not a CloudWatch Logs retention",
        ),
    ],
)
def test_bad_edge_settings_are_refused_naming_the_key(assert_refused, stack, change, key, reason):
    assert_refused(stack, change, key, reason)
