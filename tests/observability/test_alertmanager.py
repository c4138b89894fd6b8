"""Alertmanager: the original's route tree, critical inhibits warning, receivers that deliver."""

from __future__ import annotations

import yaml

from k8s.alertmanager import Receivers, alertmanager_config, config_problems

TOPIC = "arn:aws:sns:ap-southeast-2:123456789012:ohmycoins-staging-alerts"


def parsed(receivers: Receivers) -> dict:
    return yaml.safe_load(yaml.safe_dump(alertmanager_config(receivers)))


def test_default_config_parses_and_every_route_has_a_receiver():
    config = parsed(Receivers(region="ap-southeast-2", topic_arn=TOPIC))
    assert config_problems(config) == []
    route = config["route"]
    assert route["receiver"] == "default"
    assert route["group_by"] == ["alertname", "cluster", "namespace"]
    assert (route["group_wait"], route["group_interval"], route["repeat_interval"]) == ("10s", "5m", "12h")
    # First match wins: the heartbeat and info alerts go nowhere before severities are routed.
    assert [(r["matchers"], r["receiver"]) for r in route["routes"]] == [
        (['alertname=~"Watchdog|InfoInhibitor"'], "null"),
        (['severity="info"'], "null"),
        (['severity="critical"'], "critical"),
        (['severity="warning"'], "warning"),
    ]
    assert all(not r.get("continue") for r in route["routes"])


def test_critical_inhibits_warning_for_the_same_thing():
    config = parsed(Receivers(region="ap-southeast-2", topic_arn=TOPIC))
    (rule,) = config["inhibit_rules"]
    assert rule["source_matchers"] == ['severity="critical"']
    assert rule["target_matchers"] == ['severity="warning"']
    assert rule["equal"] == ["cluster", "namespace", "pod", "job"]


def test_every_delivering_receiver_publishes_to_the_topic_with_sigv4():
    config = parsed(Receivers(region="ap-southeast-2", topic_arn=TOPIC))
    receivers = {r["name"]: r for r in config["receivers"]}
    assert set(receivers) == {"null", "default", "critical", "warning"}
    for name in ("default", "critical", "warning"):
        (sns,) = receivers[name]["sns_configs"]
        assert sns["topic_arn"] == TOPIC
        assert sns["sigv4"] == {"region": "ap-southeast-2"}
        assert sns["send_resolved"] is True
    assert "slack_configs" not in receivers["critical"] and "email_configs" not in receivers["critical"]


def test_slack_and_email_when_configured_read_their_secrets_from_files():
    config = parsed(
        Receivers(
            region="ap-southeast-2",
            topic_arn=TOPIC,
            slack_channel="#alerts",
            email_to=("ops@ohmycoins.com",),
            smtp_smarthost="email-smtp.ap-southeast-2.amazonaws.com:587",
            smtp_from="alerts@ohmycoins.com",
            smtp_username="AKIAEXAMPLE",
        )
    )
    assert config_problems(config) == []
    receivers = {r["name"]: r for r in config["receivers"]}
    assert receivers["critical"]["slack_configs"][0]["api_url_file"].startswith("/etc/alertmanager/secrets/")
    assert receivers["critical"]["email_configs"][0]["to"] == "ops@ohmycoins.com"
    assert "email_configs" not in receivers["warning"]
    assert config["global"]["smtp_auth_password_file"].startswith("/etc/alertmanager/secrets/")
    assert "api_url" not in str(config).replace("api_url_file", "")


def test_problems_name_routes_to_unknown_receivers():
    config = parsed(Receivers(region="ap-southeast-2", topic_arn=TOPIC))
    config["route"]["routes"].append({"receiver": "pagerduty", "matchers": ['team="db"']})
    assert config_problems(config) == ["route ['team=\"db\"'] sends to unknown receiver 'pagerduty'"]
