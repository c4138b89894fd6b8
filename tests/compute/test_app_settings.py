"""The apps get all their settings: mail, Sentry, the LLM choice, the original's agent size; bad values are refused."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from components.compute.apps_settings import AppsSettings
from components.compute.workloads import CATALOG, catalog_problems, kubernetes_resources, workload
from tests.conftest import stack_config
from tests.data.data_tier import EGRESS, all_rules_of, group_ids
from tests.stack_edits import set_setting

TASK = "aws:ecs/taskDefinition:TaskDefinition"


def _container(plan, name):
    [task] = [t for t in plan.all(TASK) if t.inputs["family"].endswith(f"-{name}")]
    [container] = json.loads(task.inputs["containerDefinitions"])
    return {e["name"]: e["value"] for e in container["environment"]}, {s["name"] for s in container["secrets"]}


def test_the_backend_gets_the_smtp_server_and_account(any_plan):
    env, secrets = _container(any_plan, "backend")
    sender = {"staging": "noreply@staging.ohmycoins.com", "production": "noreply@ohmycoins.com"}[any_plan.stack]
    assert {key: env[key] for key in ("SMTP_HOST", "SMTP_PORT", "SMTP_TLS", "SMTP_SSL", "EMAILS_FROM_EMAIL")} == {
        "SMTP_HOST": "email-smtp.ap-southeast-2.amazonaws.com",
        "SMTP_PORT": "587",
        "SMTP_TLS": "true",
        "SMTP_SSL": "false",
        "EMAILS_FROM_EMAIL": sender,
    }
    assert {"SMTP_USER", "SMTP_PASSWORD"} <= secrets
    # Only the backend sends mail.
    for name in ("agents", "defillama", "reddit"):
        env, secrets = _container(any_plan, name)
        assert "SMTP_HOST" not in env and "SMTP_PASSWORD" not in secrets, name


def test_backend_and_agents_get_the_llm_choice_and_agents_what_the_image_needs_at_start(any_plan):
    for name in ("backend", "agents"):
        env, secrets = _container(any_plan, name)
        assert (env["LLM_PROVIDER"], env["OPENAI_MODEL"]) == ("openai", "gpt-4-turbo-preview"), name
        assert {"SECRET_KEY", "ENCRYPTION_KEY", "FIRST_SUPERUSER", "FIRST_SUPERUSER_PASSWORD", "OPENAI_API_KEY"} <= secrets, name
        assert env["ENVIRONMENT"] == any_plan.stack and env["PROJECT_NAME"] == "Oh My Coins", name


def test_a_sentry_dsn_reaches_every_backend_image_process_when_set(staging_extras, staging_plan):
    for name in ("backend", "agents", "defillama", "reddit", "cryptopanic"):
        assert "SENTRY_DSN" in _container(staging_extras, name)[1], name
        assert "SENTRY_DSN" not in _container(staging_plan, name)[1], name
    assert "SENTRY_DSN" not in _container(staging_extras, "frontend")[1]


def test_on_eks_the_backend_config_map_carries_the_mail_settings(eks_apps_plan):
    [config] = [c.inputs for c in eks_apps_plan.all("kubernetes:core/v1:ConfigMap") if c.inputs["metadata"]["name"] == "backend-config"]
    assert config["data"]["SMTP_HOST"] == "email-smtp.ap-southeast-2.amazonaws.com"
    assert config["data"]["EMAILS_FROM_EMAIL"] == "noreply@staging.ohmycoins.com"


def test_production_agents_get_the_originals_pod_size_on_eks():
    catalog = AppsSettings.model_validate(stack_config("production")["ohmycoins:apps"]).catalog
    # The original's agents: 1 CPU / 2 GiB requested, 2 CPU / 4 GiB limit.
    assert kubernetes_resources(workload("agents", catalog)) == {
        "requests": {"cpu": "1000m", "memory": "2048Mi"},
        "limits": {"cpu": "2000m", "memory": "4096Mi"},
    }


BAD = {
    "smtp host": ("staging", set_setting("email", "smtpHost", "not a host"), "ohmycoins:email.smtpHost", "is not a DNS name"),
    "port 25": ("staging", set_setting("email", "smtpPort", 25), "ohmycoins:email.smtpPort", "AWS blocks outbound port 25"),
    "tls and ssl": ("staging", set_setting("email", "smtpSsl", True), "ohmycoins:email.smtpSsl", "exclude each other"),
    "sender": ("staging", set_setting("email", "fromAddress", "nobody"), "ohmycoins:email.fromAddress", "is not an email address"),
    "unknown key": ("staging", set_setting("email", "smtpServer", "x"), "ohmycoins:email.smtpServer", "unknown setting"),
    "production without mail": (
        "production",
        lambda c: c.update({"ohmycoins:email": {}}),
        "ohmycoins:email.smtpHost",
        "production must send mail",
    ),
    "mail without the account": (
        "staging",
        lambda c: [c["ohmycoins:credentials"].pop(k) for k in ("smtpUser", "smtpPassword")],
        "ohmycoins:email.smtpHost",
        "mail needs the SMTP account",
    ),
    "anthropic without its key": (
        "staging",
        set_setting("apps", "llmProvider", "anthropic"),
        "ohmycoins:apps.llmProvider",
        "is anthropic, which needs",
    ),
    "unknown provider": ("staging", set_setting("apps", "llmProvider", "gemini"), "ohmycoins:apps.llmProvider", "'openai' or 'anthropic'"),
    "model id": ("staging", set_setting("apps", "openaiModel", "gpt 4o"), "ohmycoins:apps.openaiModel", "is not an OpenAI model id"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_app_settings_are_refused_naming_the_key(assert_refused, case):
    base, change, key, reason = BAD[case]
    assert_refused(base, change, key, reason)


def test_a_stack_without_mail_gets_no_smtp_variables_or_egress(plan_variant):
    def no_mail(config):
        config["ohmycoins:email"] = {}
        for key in ("smtpUser", "smtpPassword"):
            config["ohmycoins:credentials"].pop(key)

    plan = plan_variant("staging", no_mail)
    env, secrets = _container(plan, "backend")
    assert not {k for k in env if k.startswith(("SMTP_", "EMAILS_"))} and not {s for s in secrets if s.startswith("SMTP_")}
    app_rules = all_rules_of(plan, EGRESS, group_ids(plan)["app"])
    to_internet = [(r.inputs.get("fromPort"), r.inputs.get("toPort")) for r in app_rules if r.inputs.get("cidrIpv4") == "0.0.0.0/0"]
    assert to_internet == [(443, 443)]


def test_catalog_refuses_a_job_without_a_time_limit_or_one_that_overlaps_the_next_run():
    job = workload("coinspot-announcements")
    assert catalog_problems(CATALOG) == []
    assert "jobs, and only jobs, have a time limit" in catalog_problems((*CATALOG[:-1], replace(job, name="x", timeout_seconds=None)))[0]
    assert "must be shorter than the 3600 s between two runs" in catalog_problems((replace(job, name="x", timeout_seconds=3600),))[-1]
    assert "under 60 seconds" in catalog_problems((replace(job, name="x", timeout_seconds=30),))[-1]
    weekly = replace(job, name="x", schedule="0 2 * * 1", timeout_seconds=600)
    assert "more than 7 days apart" in catalog_problems((weekly,))[-1]
