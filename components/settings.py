"""The stack's settings: the only reader of `pulumi.Config`.

Each config area (`ohmycoins:network`, ...) is one object in the stack file, parsed into a frozen
model that lives beside the code it configures (`components/network/vpc_settings.py`, ...). Every
problem in every area is collected first and reported together, with the key path as written in
the stack file, before any resource is registered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import pulumi
import pulumi.runtime.config as runtime_config
from pydantic import ValidationError
from pydantic.alias_generators import to_snake

from components.compute.apps_settings import AppsSettings, production_problems
from components.compute.eks.eks_settings import EksSettings
from components.compute.eks.runners_settings import RunnerSettings, runner_fit_problems
from components.compute.eks.system_pods import system_fit_problems
from components.compute.email_settings import EmailSettings
from components.data.app_secrets_settings import (
    CARRIED_OVER_AREA,
    CARRIED_OVER_KEYS,
    CREDENTIALS_AREA,
    THIRD_PARTY_KEYS,
    SecretsSettings,
    check_secret_area,
    present_values,
    set_command,
)
from components.data.cache_settings import CacheSettings
from components.data.database_settings import DatabaseSettings, master_password_problem
from components.data.kms_settings import KmsSettings
from components.data.storage_key import key_region
from components.edge.edge_settings import EdgeSettings
from components.network.egress import egress_problems
from components.network.firewall_settings import FirewallSettings
from components.network.vpc_settings import NetworkSettings
from components.observability.alarms_settings import AlarmSettings
from components.observability.alerts_settings import AlertsSettings
from components.observability.budget_settings import BudgetSettings
from components.observability.monitoring_settings import MonitoringSettings, grafana_problems
from components.recovery.backup_settings import BackupSettings
from components.recovery.cross_checks import recovery_problems
from components.security.audit_settings import AuditSettings
from components.security.ci_runner_settings import CiRunnerSettings, ci_runner_problems
from components.security.ci_settings import CiSettings
from components.shared.adoption_settings import AdoptionSettings
from components.shared.architecture import mismatches
from components.shared.bucket_settings import BucketSettings
from components.shared.general_settings import NAME_PREFIX_MAX, GeneralSettings
from components.shared.settings_model import Model, Path, Problem, check_aws_name

PROJECT = "ohmycoins"

# Every `ohmycoins:<area>` of plain settings the program reads, and the model that checks it.
AREAS: dict[str, type[Model]] = {
    "general": GeneralSettings,
    "network": NetworkSettings,
    "alarms": AlarmSettings,
    "monitoring": MonitoringSettings,
    "runners": RunnerSettings,
    "alerts": AlertsSettings,
    "audit": AuditSettings,
    "ci": CiSettings,
    "ciRunner": CiRunnerSettings,
    "eks": EksSettings,
    "edge": EdgeSettings,
    "apps": AppsSettings,
    "email": EmailSettings,
    "kms": KmsSettings,
    "firewall": FirewallSettings,
    "secrets": SecretsSettings,
    "database": DatabaseSettings,
    "cache": CacheSettings,
    "backup": BackupSettings,
    "buckets": BucketSettings,
    "adoption": AdoptionSettings,
    "budget": BudgetSettings,
}
# Areas a stack may leave out entirely (their defaults then apply).
OPTIONAL_AREAS = frozenset({"adoption"})
# The secure areas: their values never enter a model, a message or a plain input.
SECURE_AREAS = {CREDENTIALS_AREA: THIRD_PARTY_KEYS, CARRIED_OVER_AREA: CARRIED_OVER_KEYS}


class SettingsError(pulumi.RunError):
    """A bad stack file. `RunError` makes the Pulumi CLI print the message without a traceback."""

    def __init__(self, stack: str, problems: list[tuple[str, str]]):
        self.problems = problems
        lines = [f"stack '{stack}' has {len(problems)} invalid setting(s):"]
        lines += [f"  {key}: {reason}" for key, reason in problems]
        super().__init__("\n".join(lines))


# Secret settings of the platform (not the app's secret), each one secure key
# (`pulumi config set --secret ohmycoins:<key>`): what each one is.
SECRET_KEYS: dict[str, str] = {
    "runnersGithubAppPrivateKey": "the GitHub App private key (PEM) the CI runner scale sets register with",
    "alertmanagerSlackWebhookUrl": "the Slack incoming-webhook URL Alertmanager posts to (with monitoring.slackChannel)",
    "alertmanagerSmtpPassword": "the SMTP password Alertmanager sends email with (with monitoring.smtp.username)",
    "grafanaGithubClientSecret": "the GitHub OAuth App's client secret Grafana signs users in with (with monitoring.grafana.github)",
    "databaseMasterPassword": "the existing master password of an adopted database (with database.masterPasswordSource: stack-secret)",
}


@dataclass(frozen=True)
class Settings:
    """Everything the program needs to know about the stack, validated."""

    project: str
    stack: str
    region: str
    general: GeneralSettings
    network: NetworkSettings
    alarms: AlarmSettings
    monitoring: MonitoringSettings
    runners: RunnerSettings
    alerts: AlertsSettings
    audit: AuditSettings
    ci: CiSettings
    ci_runner: CiRunnerSettings
    eks: EksSettings
    edge: EdgeSettings
    apps: AppsSettings
    email: EmailSettings
    kms: KmsSettings
    firewall: FirewallSettings
    secrets: SecretsSettings
    database: DatabaseSettings
    cache: CacheSettings
    backup: BackupSettings
    buckets: BucketSettings
    adoption: AdoptionSettings
    budget: BudgetSettings
    # Third-party credentials from the secure area `ohmycoins:credentials`: app-secret key -> secret value.
    credentials: Mapping[str, pulumi.Output[str]]
    # Existing app-secret values from the secure area `ohmycoins:appSecretValues`: app-secret key -> secret value.
    carried_over_secrets: Mapping[str, pulumi.Output[str]]

    @property
    def prefix(self) -> str:
        """`ohmycoins-<stack>`: the start of every AWS name of this stack."""
        return self.general.name_prefix or f"{PROJECT}-{self.stack}"

    def name(self, thing: str) -> str:
        return f"{self.prefix}-{thing}"

    def secret(self, key: str) -> pulumi.Output[str] | None:
        """A platform secret from SECRET_KEYS, as a secret Output; None when the stack does not set it."""
        if key not in SECRET_KEYS:
            raise KeyError(f"'{key}' is not a known secret setting")
        return pulumi.Config(PROJECT).get_secret(key)

    @property
    def is_production(self) -> bool:
        return self.general.environment == "production"


def key_path(area: str, path: Path) -> str:
    """('privateAppSubnets', 1) in area 'network' -> 'ohmycoins:network.privateAppSubnets[1]'."""
    text = f"{PROJECT}:{area}"
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _configured_keys() -> set[str]:
    """Every config key the CLI (or the offline engine) gave this program."""
    return set(runtime_config.CONFIG.get()) | set(runtime_config.get_config_env())


def _pydantic_problems(error: ValidationError) -> list[Problem]:
    problems = []
    for item in error.errors():
        path = tuple(part for part in item["loc"] if not (isinstance(part, str) and "[" in part))
        reason = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            reason = "unknown setting"
        elif item["type"] == "missing":
            reason = "required setting is missing"
        problems.append(Problem(path, reason))
    return problems


def cross_area_problems(parsed: dict[str, Model], stack: str, region: str) -> list[tuple[str, str]]:
    """Checks between areas (or between an area and the stack); runs once every area parsed cleanly."""
    problems: list[tuple[str, str]] = []
    network = parsed["network"]
    assert isinstance(network, NetworkSettings)
    for index, zone in enumerate(network.availability_zones):
        if not zone.startswith(region):
            problems.append((key_path("network", ("availabilityZones", index)), f"'{zone}' is not in the stack's region {region}"))

    general = parsed["general"]
    assert isinstance(general, GeneralSettings)
    if general.name_prefix is None:
        try:
            check_aws_name(f"{PROJECT}-{stack}", NAME_PREFIX_MAX)
        except ValueError as error:
            problems.append((key_path("general", ("namePrefix",)), f"the default prefix from the stack name is unusable: {error}; set one"))

    apps, edge = parsed["apps"], parsed["edge"]
    assert isinstance(apps, AppsSettings) and isinstance(edge, EdgeSettings)
    problems += [(key_path(area, p.path), p.reason) for area, p in production_problems(general.environment, apps, edge)]

    eks = parsed["eks"]
    assert isinstance(eks, EksSettings)
    if general.environment == "production":
        for area, model in parsed.items():
            problems += [(key_path(area, p.path), p.reason) for p in model.production_problems()]
    if apps.platform == "eks" and not eks.enabled:
        problems.append((key_path("apps", ("platform",)), "is eks, but ohmycoins:eks.enabled is false"))
    problems += [(key_path(area, path), reason) for area, path, reason in egress_problems(network, apps, eks, apps.catalog)]

    if apps.platform == "eks" and eks.enabled and eks.node_groups.apps is None:
        problems.append((key_path("eks", ("nodeGroups", "apps")), "is required when ohmycoins:apps.platform is eks: the apps run on it"))

    problems += _observability_problems(parsed)

    backup, database = parsed["backup"], parsed["database"]
    assert isinstance(backup, BackupSettings) and isinstance(database, DatabaseSettings)
    prefix = general.name_prefix or f"{PROJECT}-{stack}"
    storage_names = tuple(item.storage.name for item in apps.catalog if item.storage is not None)
    recovery = recovery_problems(backup, database, prefix, region, datetime.now(UTC), storage_names)
    problems += [(key_path(area, p.path), p.reason) for area, p in recovery]
    problems += _access_path_problems(parsed)
    problems += _data_problems(parsed, region)
    problems += _pause_and_architecture_problems(parsed)
    return problems


def _access_path_problems(parsed: dict[str, Model]) -> list[tuple[str, str]]:
    """The in-VPC CI runner needs egress; Grafana's host must be a free name of the stack's domain."""
    runner, network, monitoring, edge = parsed["ciRunner"], parsed["network"], parsed["monitoring"], parsed["edge"]
    assert isinstance(runner, CiRunnerSettings) and isinstance(network, NetworkSettings)
    assert isinstance(monitoring, MonitoringSettings) and isinstance(edge, EdgeSettings)
    problems = [(key_path("ciRunner", p.path), p.reason) for p in ci_runner_problems(runner, network)]
    problems += [(key_path("monitoring", p.path), p.reason) for p in grafana_problems(monitoring, edge)]
    return problems


def _data_problems(parsed: dict[str, Model], region: str) -> list[tuple[str, str]]:
    """Existing storage keys must be in the stack's region; a carried-over master password must be set and valid."""
    database, cache = parsed["database"], parsed["cache"]
    assert isinstance(database, DatabaseSettings) and isinstance(cache, CacheSettings)
    problems: list[tuple[str, str]] = []
    for area, model in (("database", database), ("cache", cache)):
        key_in = key_region(model.encryption_key)
        if key_in is not None and key_in != region:
            problems.append(
                (key_path(area, ("encryptionKey",)), f"the key is in {key_in}; a data store can only use a key of its region {region}")
            )
    if database.master_password_source == "stack-secret":
        key = f"{PROJECT}:databaseMasterPassword"
        if key not in _configured_keys():
            problems.append(
                (
                    key_path("database", ("masterPasswordSource",)),
                    f"is stack-secret: set the password with `pulumi config set --secret {key}`",
                )
            )
        elif (reason := master_password_problem(str(runtime_config.get_config(key)))) is not None:
            problems.append((key, reason))
    return problems


def _pause_and_architecture_problems(parsed: dict[str, Model]) -> list[tuple[str, str]]:
    """What a pause cannot do, and classes that do not match the stack's CPU architecture."""
    general, edge, eks = parsed["general"], parsed["edge"], parsed["eks"]
    assert isinstance(general, GeneralSettings) and isinstance(edge, EdgeSettings) and isinstance(eks, EksSettings)
    problems: list[tuple[str, str]] = []
    if general.paused and not edge.https:
        reason = "a stack without ohmycoins:edge.domain is reached by its ALB's own name, which a pause would change; give it a domain"
        problems.append((key_path("general", ("paused",)), reason))
    classes: list[tuple[str, Path, str]] = []
    if eks.enabled:
        for group, size in eks.node_groups.present().items():
            classes += [("eks", ("nodeGroups", group, "instanceTypes", i), t) for i, t in enumerate(size.instance_types)]
    # The data tier runs no image of ours: any class works with either architecture (an adopted x86
    # database keeps its class), so only the nodes, whose AMI follows the architecture, must match.
    problems += [(key_path(area, path), reason) for area, path, reason in mismatches(general.architecture, classes)]
    return problems


def _observability_problems(parsed: dict[str, Model]) -> list[tuple[str, str]]:
    """Monitoring and runners need the cluster, their secrets, and runner pods that fit the nodes."""
    monitoring, runners, eks = parsed["monitoring"], parsed["runners"], parsed["eks"]
    assert isinstance(monitoring, MonitoringSettings) and isinstance(runners, RunnerSettings) and isinstance(eks, EksSettings)
    problems: list[tuple[str, str]] = []
    configured = _configured_keys()
    for area, enabled in (("monitoring", monitoring.enabled), ("runners", runners.enabled)):
        if enabled and not eks.enabled:
            problems.append((key_path(area, ("enabled",)), "is true, but ohmycoins:eks.enabled is false"))

    def needs_secret(key: str, area: str, path: Path, why: str) -> None:
        if f"{PROJECT}:{key}" not in configured:
            problems.append((key_path(area, path), f"{why}: set it with `pulumi config set --secret {PROJECT}:{key}`"))

    if runners.enabled:
        needs_secret("runnersGithubAppPrivateKey", "runners", ("githubApp",), "the GitHub App needs its private key")
    if monitoring.slack_channel:
        needs_secret("alertmanagerSlackWebhookUrl", "monitoring", ("slackChannel",), "Slack needs its webhook URL")
    if monitoring.smtp is not None and monitoring.smtp.username:
        needs_secret("alertmanagerSmtpPassword", "monitoring", ("smtp", "username"), "SMTP authentication needs its password")
    if monitoring.grafana is not None and monitoring.grafana.github is not None:
        needs_secret("grafanaGithubClientSecret", "monitoring", ("grafana", "github"), "GitHub sign-in needs the OAuth App's secret")
    for area, problem in runner_fit_problems(runners, eks.node_groups.runners.instance_types):
        problems.append((key_path(area, problem.path), problem.reason))
    if eks.enabled:
        problems += [(key_path("eks", p.path), p.reason) for p in system_fit_problems(eks, monitoring.enabled, runners.enabled)]
    return problems


def credential_needs(parsed: dict[str, Model], present: set[str]) -> list[tuple[str, str]]:
    """Plain settings that only work with a credential the secure area must then hold."""
    apps, email = parsed["apps"], parsed["email"]
    assert isinstance(apps, AppsSettings) and isinstance(email, EmailSettings)
    problems: list[tuple[str, str]] = []
    if apps.llm_provider == "anthropic" and "ANTHROPIC_API_KEY" not in present:
        problems.append((key_path("apps", ("llmProvider",)), f"is anthropic, which needs `{set_command('anthropicApiKey')}`"))
    if email.enabled and "SMTP_USER" not in present:
        problems.append((key_path("email", ("smtpHost",)), f"mail needs the SMTP account: `{set_command('smtpUser')}` and smtpPassword"))
    return problems


def load_settings() -> Settings:
    """Reads and validates the stack's config; raises SettingsError naming every bad key."""
    stack = pulumi.get_stack()
    config = pulumi.Config(PROJECT)
    problems: list[tuple[str, str]] = []

    for key in sorted(_configured_keys()):
        namespace, _, area = key.partition(":")
        if namespace == PROJECT and area in SECRET_KEYS:
            if not runtime_config.is_config_secret(key):
                problems.append((key, "is a secret: set it with `pulumi config set --secret`"))
            continue
        if namespace == PROJECT and area not in AREAS and area not in SECURE_AREAS:
            problems.append((key, f"unknown setting; known areas are {', '.join(sorted(AREAS))}"))

    region = pulumi.Config("aws").get("region")
    if not region:
        problems.append(("aws:region", "required setting is missing"))

    parsed: dict[str, Model] = {}
    for area, model in AREAS.items():
        try:
            raw = config.get_object(area)
        except pulumi.ConfigTypeError:
            problems.append((f"{PROJECT}:{area}", "must be an object of settings"))
            continue
        if raw is None and area in OPTIONAL_AREAS:
            raw = {}
        if raw is None:
            problems.append((f"{PROJECT}:{area}", "required setting is missing"))
            continue
        if runtime_config.is_config_secret(f"{PROJECT}:{area}"):
            # Plain settings end up in resource inputs, state and plan output unmasked.
            problems.append((f"{PROJECT}:{area}", "holds a secure value, but these settings are not secret; set plain values"))
            continue
        if not isinstance(raw, dict):
            problems.append((f"{PROJECT}:{area}", "must be an object of settings"))
            continue
        try:
            parsed[area] = model.model_validate(raw)
        except ValidationError as error:
            problems += [(key_path(area, p.path), p.reason) for p in _pydantic_problems(error)]
            continue
        problems += [(key_path(area, p.path), p.reason) for p in parsed[area].problems()]

    secure: dict[str, object] = {}
    for area, keys in SECURE_AREAS.items():
        full_key = f"{PROJECT}:{area}"
        secure[area] = runtime_config.get_config(full_key)
        area_problems = check_secret_area(secure[area], runtime_config.is_config_secret(full_key), keys, area)
        problems += [(key_path(area, p.path), p.reason) for p in area_problems]

    if not problems:
        problems += cross_area_problems(parsed, stack=stack, region=str(region))
        problems += credential_needs(parsed, set(present_values(secure[CREDENTIALS_AREA], THIRD_PARTY_KEYS)))

    if problems:
        raise SettingsError(stack, problems)
    credentials = {name: pulumi.Output.secret(value) for name, value in present_values(secure[CREDENTIALS_AREA], THIRD_PARTY_KEYS).items()}
    carried = {name: pulumi.Output.secret(value) for name, value in present_values(secure[CARRIED_OVER_AREA], CARRIED_OVER_KEYS).items()}
    fields = {to_snake(area): model for area, model in parsed.items()}
    return Settings(
        project=PROJECT,
        stack=stack,
        region=str(region),
        credentials=credentials,
        carried_over_secrets=carried,
        **fields,  # type: ignore[arg-type]
    )
