"""`ohmycoins:monitoring` and `ohmycoins:alarms`: what a stack may set, and what it is told when wrong."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from components.observability.alarms_settings import AlarmSettings
from components.observability.monitoring_settings import MonitoringSettings
from components.settings import SettingsError

BASE = {"enabled": True, "prometheusRetentionDays": 7, "prometheusVolumeGib": 20, "lokiRetentionDays": 7, "lokiStorage": "filesystem"}


def test_alarm_defaults_are_the_issues():
    settings = AlarmSettings.model_validate({})
    assert (settings.database.cpu_percent, settings.database.free_storage_gib, settings.database.connections) == (80, 10, 80)
    assert (settings.cache.engine_cpu_percent, settings.cache.memory_percent, settings.cache.evictions) == (75, 80, 1000)
    assert (
        settings.load_balancer.server_errors_per_minute,
        settings.load_balancer.response_time_seconds,
        settings.load_balancer.unhealthy_hosts,
    ) == (10, 2, 0)
    assert (settings.services.cpu_percent, settings.services.memory_percent) == (85, 85)


def test_alarm_typos_are_errors():
    with pytest.raises(ValidationError, match="cpuPercnt"):
        AlarmSettings.model_validate({"database": {"cpuPercnt": 70}})


def test_alert_emails_need_an_smtp_server():
    settings = MonitoringSettings.model_validate({**BASE, "alertEmails": ["ops@ohmycoins.com"]})
    assert [(p.path, p.reason.split(":")[0]) for p in settings.problems()] == [(("smtp",), "required when alertEmails is set")]


@pytest.mark.parametrize(
    "field, value", [("slackChannel", "alerts"), ("alertEmails", ["not-an-email"]), ("lokiStorage", "gcs"), ("prometheusRetentionDays", 0)]
)
def test_bad_monitoring_values_are_rejected(field, value):
    with pytest.raises(ValidationError):
        MonitoringSettings.model_validate({**BASE, field: value})


def test_slack_needs_its_webhook_secret(plan_variant):
    def change(config):
        config["ohmycoins:monitoring"]["slackChannel"] = "#ohmycoins-alerts"

    with pytest.raises(SettingsError) as error:
        plan_variant("staging", change)
    (problem,) = error.value.problems
    assert problem[0] == "ohmycoins:monitoring.slackChannel"
    assert "pulumi config set --secret ohmycoins:alertmanagerSlackWebhookUrl" in problem[1]


def test_slack_webhook_reaches_alertmanager_only_through_a_secret(plan_variant):
    def change(config):
        config["ohmycoins:monitoring"]["slackChannel"] = "#ohmycoins-alerts"
        config["ohmycoins:alertmanagerSlackWebhookUrl"] = {"secure": "v1:abc"}

    plan = plan_variant("staging", change)
    secret = plan.named("monitoring-alertmanager-receivers")
    assert secret.inputs["metadata"] == {"name": "alertmanager-receivers", "namespace": "monitoring"}
    assert secret.inputs["stringData"] == "[secret]"
    alertmanager = plan.named("monitoring-kube-prometheus-stack").inputs["values"]["alertmanager"]
    assert alertmanager["alertmanagerSpec"]["secrets"] == ["alertmanager-receivers"]
    critical = next(r for r in alertmanager["config"]["receivers"] if r["name"] == "critical")
    assert critical["slack_configs"][0]["channel"] == "#ohmycoins-alerts"
    assert critical["slack_configs"][0]["api_url_file"] == "/etc/alertmanager/secrets/alertmanager-receivers/slack-webhook-url"


def test_monitoring_needs_the_cluster(plan_variant):
    def change(config):
        config["ohmycoins:eks"]["enabled"] = False
        config["ohmycoins:runners"]["enabled"] = False

    with pytest.raises(SettingsError) as error:
        plan_variant("staging", change)
    assert ("ohmycoins:monitoring.enabled", "is true, but ohmycoins:eks.enabled is false") in error.value.problems
