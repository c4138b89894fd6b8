"""Data-tier settings: windows, version families, the secure credentials area, and every refusal."""

from __future__ import annotations

import pytest

from components.data.app_secrets_settings import check_secret_area, present_values
from components.data.cache_settings import redis_parameter_family
from components.data.database_settings import postgres_parameter_family
from components.data.maintenance_windows import daily_and_weekly_overlap, daily_window, weekly_window
from components.settings import SettingsError
from tests.stack_edits import drop_setting, set_setting


@pytest.mark.parametrize("version, family", [("17", "postgres17"), ("17.6", "postgres17"), ("17.10", "postgres17")])
def test_postgres_family_follows_the_major_version(version, family):
    assert postgres_parameter_family(version) == family


@pytest.mark.parametrize("version, family", [("7.0", "redis7"), ("7.1", "redis7")])
def test_redis_family_follows_the_major_version(version, family):
    assert redis_parameter_family(version) == family


def test_windows_parse_as_utc_minutes():
    assert daily_window("03:00-04:30", 30) == (180, 90)
    assert daily_window("23:30-00:30", 30) == (23 * 60 + 30, 60)
    assert weekly_window("sun:05:00-sun:06:00", 30) == (6 * 1440 + 300, 60)
    assert weekly_window("sun:23:30-mon:00:30", 30) == (6 * 1440 + 23 * 60 + 30, 60)


@pytest.mark.parametrize("text", ["3:00-4:00", "03:00-24:00", "03:00/04:00", "noon"])
def test_malformed_daily_windows_are_refused(text):
    with pytest.raises(ValueError, match="not a daily window"):
        daily_window(text, 30)


def test_too_short_windows_are_refused():
    with pytest.raises(ValueError, match="lasts 15 minutes"):
        daily_window("03:00-03:15", 30)
    with pytest.raises(ValueError, match="at least 60"):
        weekly_window("sun:05:00-sun:05:30", 60)


@pytest.mark.parametrize(
    "daily, weekly, overlap",
    [
        ("03:00-04:00", "sun:04:00-sun:05:00", False),  # touching is not overlapping
        ("03:00-04:00", "sun:03:30-sun:04:30", True),
        ("23:30-00:30", "mon:00:00-mon:01:00", True),  # the daily window wraps midnight into Monday
        ("23:30-00:30", "sun:23:00-mon:00:15", True),  # the weekly window wraps the end of the week
        ("16:00-17:00", "sat:18:00-sat:19:00", False),
    ],
)
def test_backup_and_maintenance_overlap(daily, weekly, overlap):
    assert daily_and_weekly_overlap(daily, weekly) is overlap


# The README's required credentials.
REQUIRED = {key: f"value-of-{key}" for key in ("openaiApiKey", "cryptopanicApiKey", "secApiKey", "redditClientId", "redditClientSecret")}
OPTIONAL = {key: f"value-of-{key}" for key in ("anthropicApiKey", "smtpUser", "smtpPassword", "sentryDsn")}


def test_credentials_area_accepts_the_required_keys_and_maps_them_to_secret_keys():
    assert check_secret_area(REQUIRED, is_secret=True) == []
    assert present_values(REQUIRED) == {
        "OPENAI_API_KEY": "value-of-openaiApiKey",
        "CRYPTOPANIC_API_KEY": "value-of-cryptopanicApiKey",
        "SEC_API_KEY": "value-of-secApiKey",
        "REDDIT_CLIENT_ID": "value-of-redditClientId",
        "REDDIT_CLIENT_SECRET": "value-of-redditClientSecret",
    }
    assert check_secret_area({**REQUIRED, **OPTIONAL}, is_secret=True) == []
    assert present_values({**REQUIRED, **OPTIONAL}).keys() - present_values(REQUIRED).keys() == {
        "ANTHROPIC_API_KEY",
        "SMTP_USER",
        "SMTP_PASSWORD",
        "SENTRY_DSN",
    }


@pytest.mark.parametrize("key", sorted(REQUIRED))
def test_each_required_credential_is_required(key):
    problems = check_secret_area({k: v for k, v in REQUIRED.items() if k != key}, is_secret=True)
    assert [(p.path, p.reason.split(" (")[0]) for p in problems] == [((key,), "required secret is missing")]


@pytest.mark.parametrize("key", sorted(OPTIONAL))
def test_optional_credentials_may_be_left_out(key):
    rest = {k: v for k, v in OPTIONAL.items() if k != key and not (key.startswith("smtp") and k.startswith("smtp"))}
    assert check_secret_area({**REQUIRED, **rest}, is_secret=True) == []


def test_credential_problems_never_quote_the_value():
    problems = check_secret_area({**REQUIRED, "openaiApiKey": 42, "smtpUser": "mail-user-value"}, is_secret=True)
    assert {p.path for p in problems} == {("openaiApiKey",), ("smtpPassword",)}
    assert not any("mail-user-value" in p.reason or "42" in p.reason for p in problems)


def _credentials(value):
    def change(config):
        config["ohmycoins:credentials"] = value

    return change


BAD_CONFIGS = {
    "missing required API key": (
        "staging",
        drop_setting("credentials", "openaiApiKey"),
        "ohmycoins:credentials.openaiApiKey",
        "required secret is missing",
    ),
    "missing collector key in production": (
        "production",
        drop_setting("credentials", "redditClientSecret"),
        "ohmycoins:credentials.redditClientSecret",
        "pulumi config set --secret --path 'ohmycoins:credentials.redditClientSecret'",
    ),
    "credentials set in plain text": (
        "staging",
        _credentials({**REQUIRED}),
        "ohmycoins:credentials",
        "holds plain values",
    ),
    "unknown credential": (
        "staging",
        lambda c: c["ohmycoins:credentials"].update({"openAiKey": {"secure": "v1:abc"}}),
        "ohmycoins:credentials.openAiKey",
        "unknown secret",
    ),
    "SMTP user without password": (
        "staging",
        lambda c: c["ohmycoins:credentials"].pop("smtpPassword"),
        "ohmycoins:credentials.smtpPassword",
        "set both or neither",
    ),
    "postgres version not 17": (
        "staging",
        set_setting("database", "engineVersion", "16.4"),
        "ohmycoins:database.engineVersion",
        "not PostgreSQL 17",
    ),
    "postgres version 17 typo": (
        "staging",
        set_setting("database", "engineVersion", "170"),
        "ohmycoins:database.engineVersion",
        "not PostgreSQL 17",
    ),
    "redis version not 7": ("staging", set_setting("cache", "engineVersion", "6.2"), "ohmycoins:cache.engineVersion", "not Redis 7"),
    "backup retention above 35": (
        "production",
        set_setting("database", "backupRetentionDays", 36),
        "ohmycoins:database.backupRetentionDays",
        "less than or equal to 35",
    ),
    "backup retention zero": (
        "staging",
        set_setting("database", "backupRetentionDays", 0),
        "ohmycoins:database.backupRetentionDays",
        "greater than or equal to 1",
    ),
    "snapshot retention above 35": (
        "staging",
        set_setting("cache", "snapshotRetentionDays", 40),
        "ohmycoins:cache.snapshotRetentionDays",
        "less than or equal to 35",
    ),
    "database log retention": (
        "staging",
        set_setting("database", "logRetentionDays", 10),
        "ohmycoins:database.logRetentionDays",
        "not a CloudWatch Logs retention",
    ),
    "Performance Insights retention": (
        "production",
        set_setting("database", "performanceInsightsRetentionDays", 30),
        "ohmycoins:database.performanceInsightsRetentionDays",
        "not a Performance Insights retention",
    ),
    "backup window malformed": (
        "staging",
        set_setting("database", "backupWindow", "3am-4am"),
        "ohmycoins:database.backupWindow",
        "not a daily window",
    ),
    "backup window too short": (
        "staging",
        set_setting("database", "backupWindow", "16:00-16:20"),
        "ohmycoins:database.backupWindow",
        "at least 30",
    ),
    "maintenance window malformed": (
        "staging",
        set_setting("database", "maintenanceWindow", "sunday:05:00-06:00"),
        "ohmycoins:database.maintenanceWindow",
        "not a weekly window",
    ),
    "backup overlaps maintenance": (
        "staging",
        set_setting("database", "backupWindow", "18:30-19:30"),
        "ohmycoins:database.backupWindow",
        "overlaps maintenanceWindow 'sat:18:00-sat:19:00'",
    ),
    "cache snapshot overlaps maintenance": (
        "staging",
        set_setting("cache", "snapshotWindow", "19:00-20:00"),
        "ohmycoins:cache.snapshotWindow",
        "overlaps maintenanceWindow",
    ),
    "storage ceiling not above allocation": (
        "production",
        set_setting("database", "maxAllocatedStorageGb", 100),
        "ohmycoins:database.maxAllocatedStorageGb",
        "otherwise storage autoscaling is off",
    ),
    "gp3 below 20 GB": (
        "staging",
        set_setting("database", "allocatedStorageGb", 10),
        "ohmycoins:database.allocatedStorageGb",
        "greater than or equal to 20",
    ),
    "reserved master user": (
        "staging",
        set_setting("database", "masterUsername", "rdsadmin"),
        "ohmycoins:database.masterUsername",
        "reserved",
    ),
    "instance class": (
        "staging",
        set_setting("database", "instanceClass", "t3.micro"),
        "ohmycoins:database.instanceClass",
        "not an RDS instance class",
    ),
    "monitoring interval": (
        "staging",
        set_setting("database", "monitoringIntervalSeconds", 45),
        "ohmycoins:database.monitoringIntervalSeconds",
        "Input should be 0, 1, 5, 10, 15, 30 or 60",
    ),
    "single-AZ production database": (
        "production",
        set_setting("database", "multiAz", False),
        "ohmycoins:database.multiAz",
        "production needs a standby",
    ),
    "production database deletable": (
        "production",
        set_setting("database", "deletionProtection", False),
        "ohmycoins:database.deletionProtection",
        "production needs deletion protection",
    ),
    "production database without final snapshot": (
        "production",
        set_setting("database", "finalSnapshot", False),
        "ohmycoins:database.finalSnapshot",
        "final snapshot",
    ),
    "production backups too short": (
        "production",
        set_setting("database", "backupRetentionDays", 3),
        "ohmycoins:database.backupRetentionDays",
        "too short for production",
    ),
    "single-node production cache": (
        "production",
        lambda c: c["ohmycoins:cache"].update({"nodes": 1, "multiAz": False}),
        "ohmycoins:cache.nodes",
        "production needs a replica",
    ),
    "production cache replica in the same AZ": (
        "production",
        set_setting("cache", "multiAz", False),
        "ohmycoins:cache.multiAz",
        "another AZ",
    ),
    "Multi-AZ cache with one node": ("staging", set_setting("cache", "multiAz", True), "ohmycoins:cache.multiAz", "at least 2 nodes"),
    "cache AUTH token too short": (
        "staging",
        set_setting("cache", "authTokenLength", 16),
        "ohmycoins:cache.authTokenLength",
        "greater than or equal to 32",
    ),
    "node type": ("staging", set_setting("cache", "nodeType", "t3.micro"), "ohmycoins:cache.nodeType", "not an ElastiCache node type"),
    "secret recovery window": (
        "staging",
        set_setting("secrets", "recoveryWindowDays", 3),
        "ohmycoins:secrets.recoveryWindowDays",
        "0 (delete at once) or 7-30",
    ),
    "production secrets deleted at once": (
        "production",
        set_setting("secrets", "recoveryWindowDays", 0),
        "ohmycoins:secrets.recoveryWindowDays",
        "at least 7 days",
    ),
    "superuser not an email": (
        "staging",
        set_setting("secrets", "firstSuperuser", "admin"),
        "ohmycoins:secrets.firstSuperuser",
        "not an email address",
    ),
    "KMS deletion window": (
        "staging",
        set_setting("kms", "deletionWindowDays", 3),
        "ohmycoins:kms.deletionWindowDays",
        "greater than or equal to 7",
    ),
    "public management range": (
        "staging",
        set_setting("firewall", "databaseManagementCidrs", ["203.0.113.0/24"]),
        "ohmycoins:firewall.databaseManagementCidrs",
        "not inside a private range",
    ),
    "management range open to all": (
        "staging",
        set_setting("firewall", "databaseManagementCidrs", ["0.0.0.0/0"]),
        "ohmycoins:firewall.databaseManagementCidrs",
        "not inside a private range",
    ),
    "typo in database key": ("staging", set_setting("database", "multiAZ", True), "ohmycoins:database.multiAZ", "unknown setting"),
}


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_bad_data_tier_config_is_refused_naming_the_key(assert_refused, case):
    base, change, key, reason = BAD_CONFIGS[case]
    assert_refused(base, change, key, reason)


def test_secret_values_never_appear_in_settings_errors(plan_variant):
    def break_things(config):
        config["ohmycoins:credentials"]["openAiKey"] = {"secure": "v1:abc"}
        config["ohmycoins:database"]["engineVersion"] = "16"

    with pytest.raises(SettingsError) as caught:
        plan_variant("staging", break_things)
    assert "offline-secret" not in str(caught.value)
