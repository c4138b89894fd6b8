"""Alertmanager's configuration: the original's route tree, with receivers that deliver.

Alerts go to the stack's SNS topic (signed with SigV4; Alertmanager's service account assumes an
IRSA role that may publish to it), whose email subscriptions reach people. Slack and email are
added when their secrets are configured; their credentials are read from files mounted from a
Kubernetes Secret (`*_file` settings), so the configuration itself holds no secret.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

# Where kube-prometheus-stack mounts `alertmanager.alertmanagerSpec.secrets` entries.
SECRETS_DIR = "/etc/alertmanager/secrets"
RECEIVER_SECRET = "alertmanager-receivers"
SLACK_URL_KEY = "slack-webhook-url"
SMTP_PASSWORD_KEY = "smtp-password"

# Critical suppresses warning only for the same thing: the label sets the rules aggregate to.
INHIBIT_EQUAL = ["cluster", "namespace", "pod", "job"]


@dataclass(frozen=True)
class Receivers:
    """Which channels exist; the secrets themselves are in the receivers Secret."""

    region: str
    topic_arn: str
    slack_channel: str | None = None
    email_to: tuple[str, ...] = ()
    smtp_smarthost: str | None = None
    smtp_from: str | None = None
    smtp_username: str | None = None


def _channels(receivers: Receivers, severity: str) -> dict:
    channels: dict = {
        "sns_configs": [
            {
                "topic_arn": receivers.topic_arn,
                "sigv4": {"region": receivers.region},
                "subject": f"[{severity.upper()}] {{{{ .GroupLabels.alertname }}}} ({{{{ .CommonLabels.cluster }}}})",
                "send_resolved": True,
            }
        ]
    }
    if receivers.slack_channel:
        channels["slack_configs"] = [
            {
                "api_url_file": f"{SECRETS_DIR}/{RECEIVER_SECRET}/{SLACK_URL_KEY}",
                "channel": receivers.slack_channel,
                "send_resolved": True,
                "title": f"[{severity.upper()}] {{{{ .GroupLabels.alertname }}}}",
            }
        ]
    if receivers.email_to and severity != "warning":
        channels["email_configs"] = [{"to": ", ".join(receivers.email_to), "send_resolved": True}]
    return channels


def alertmanager_config(receivers: Receivers) -> dict:
    """The `alertmanager.config` value of kube-prometheus-stack."""
    config: dict = {
        "global": {"resolve_timeout": "5m"},
        "route": {
            "receiver": "default",
            "group_by": ["alertname", "cluster", "namespace"],
            "group_wait": "10s",
            # The original re-sent every 10 s; 5 minutes between updates of a group is enough.
            "group_interval": "5m",
            "repeat_interval": "12h",
            "routes": [
                # kube-prometheus-stack's always-firing heartbeat and informational alerts.
                {"receiver": "null", "matchers": ['alertname=~"Watchdog|InfoInhibitor"']},
                {"receiver": "null", "matchers": ['severity="info"']},
                {"receiver": "critical", "matchers": ['severity="critical"']},
                {"receiver": "warning", "matchers": ['severity="warning"']},
            ],
        },
        "inhibit_rules": [
            {"source_matchers": ['severity="critical"'], "target_matchers": ['severity="warning"'], "equal": INHIBIT_EQUAL},
        ],
        "receivers": [
            {"name": "null"},
            {"name": "default", **_channels(receivers, "default")},
            {"name": "critical", **_channels(receivers, "critical")},
            {"name": "warning", **_channels(receivers, "warning")},
        ],
    }
    if receivers.email_to:
        smtp = {"smtp_smarthost": receivers.smtp_smarthost, "smtp_from": receivers.smtp_from, "smtp_require_tls": True}
        if receivers.smtp_username:
            smtp["smtp_auth_username"] = receivers.smtp_username
            smtp["smtp_auth_password_file"] = f"{SECRETS_DIR}/{RECEIVER_SECRET}/{SMTP_PASSWORD_KEY}"
        config["global"].update(smtp)
    return config


def _routes(route: dict) -> Iterator[dict]:
    yield route
    for child in route.get("routes", []):
        yield from _routes(child)


def config_problems(config: dict) -> list[str]:
    """What Alertmanager would reject: unknown receivers, duplicate names, a root without receiver."""
    problems = []
    names = [r["name"] for r in config.get("receivers", [])]
    if len(names) != len(set(names)):
        problems.append(f"receiver names repeat: {names}")
    root = config.get("route", {})
    if "receiver" not in root:
        problems.append("the root route has no receiver")
    for route in _routes(root):
        if "receiver" in route and route["receiver"] not in names:
            problems.append(f"route {route.get('matchers', 'root')} sends to unknown receiver '{route['receiver']}'")
        if "match" in route or "match_re" in route:
            problems.append("use `matchers`; `match`/`match_re` are deprecated")
    for receiver in config.get("receivers", []):
        for key, settings in receiver.items():
            if key.endswith("_configs") and key == "email_configs" and "smtp_smarthost" not in config.get("global", {}):
                problems.append(f"receiver '{receiver['name']}' sends email but no global smtp_smarthost is set")
            if key == "sns_configs":
                for sns in settings:
                    if not str(sns.get("topic_arn", "")).startswith("arn:"):
                        problems.append(f"receiver '{receiver['name']}' has no SNS topic ARN")
    return problems
