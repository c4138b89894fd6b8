"""The stack's settings: the only reader of `pulumi.Config`.

Each config area (`ohmycoins:network`, ...) is one object in the stack file, parsed into a frozen
model that lives beside the code it configures (`components/network/vpc_settings.py`, ...). Every
problem in every area is collected first and reported together, with the key path as written in
the stack file, before any resource is registered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi.runtime.config as runtime_config
from pydantic import ValidationError

from components.compute.apps_settings import AppsSettings, production_problems
from components.compute.eks.eks_settings import EksSettings
from components.compute.eks.runners_settings import RunnerSettings, runner_fit_problems
from components.compute.eks.system_pods import system_fit_problems
from components.data.app_secrets_settings import CREDENTIALS_AREA, SecretsSettings, check_secret_area, present_values
from components.data.cache_settings import CacheSettings
from components.data.database_settings import DatabaseSettings
from components.data.kms_settings import KmsSettings
from components.edge.edge_settings import EdgeSettings
from components.network.firewall_settings import FirewallSettings
from components.network.vpc_settings import NetworkSettings
from components.observability.alarms_settings import AlarmSettings
from components.observability.alerts_settings import AlertsSettings
from components.observability.budget_settings import BudgetSettings
from components.observability.monitoring_settings import MonitoringSettings
from components.security.audit_settings import AuditSettings
from components.security.ci_settings import CiSettings
from components.shared.architecture import mismatches
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
    "eks": EksSettings,
    "edge": EdgeSettings,
    "apps": AppsSettings,
    "kms": KmsSettings,
    "firewall": FirewallSettings,
    "secrets": SecretsSettings,
    "database": DatabaseSettings,
    "cache": CacheSettings,
    "budget": BudgetSettings,
}


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
    eks: EksSettings
    edge: EdgeSettings
    apps: AppsSettings
    kms: KmsSettings
    firewall: FirewallSettings
    secrets: SecretsSettings
    database: DatabaseSettings
    cache: CacheSettings
    budget: BudgetSettings
    # Third-party credentials from the secure area `ohmycoins:credentials`: app-secret key -> secret value.
    credentials: Mapping[str, pulumi.Output[str]]

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
    if general.environment == "production" and eks.endpoint_public_access:
        for index in eks.open_to_internet():
            reason = "production must not open the Kubernetes API to the whole internet"
            problems.append((key_path("eks", ("publicAccessCidrs", index)), reason))
    if general.environment == "production":
        for area, model in parsed.items():
            problems += [(key_path(area, p.path), p.reason) for p in model.production_problems()]
    if apps.platform == "eks" and not eks.enabled:
        problems.append((key_path("apps", ("platform",)), "is eks, but ohmycoins:eks.enabled is false"))
    if apps.platform == "eks" and eks.enabled and eks.node_groups.apps is None:
        problems.append((key_path("eks", ("nodeGroups", "apps")), "is required when ohmycoins:apps.platform is eks: the apps run on it"))

    problems += _observability_problems(parsed)
    problems += _pause_and_architecture_problems(parsed)
    return problems


def _pause_and_architecture_problems(parsed: dict[str, Model]) -> list[tuple[str, str]]:
    """What a pause cannot do, and classes that do not match the stack's CPU architecture."""
    general, edge, database, eks, cache = parsed["general"], parsed["edge"], parsed["database"], parsed["eks"], parsed["cache"]
    assert isinstance(general, GeneralSettings) and isinstance(edge, EdgeSettings) and isinstance(database, DatabaseSettings)
    assert isinstance(eks, EksSettings) and isinstance(cache, CacheSettings)
    problems: list[tuple[str, str]] = []
    if general.paused and not edge.https:
        reason = "a stack without ohmycoins:edge.domain is reached by its ALB's own name, which a pause would change; give it a domain"
        problems.append((key_path("general", ("paused",)), reason))
    if general.paused and database.read_replica_instance_class:
        reason = "RDS cannot stop a database with a read replica: remove ohmycoins:database.readReplicaInstanceClass and `pulumi up` first"
        problems.append((key_path("general", ("paused",)), reason))
    classes: list[tuple[str, Path, str]] = []
    if eks.enabled:
        for group, size in eks.node_groups.present().items():
            classes += [("eks", ("nodeGroups", group, "instanceTypes", i), t) for i, t in enumerate(size.instance_types)]
    if general.architecture == "arm64":
        # The data tier runs no image of ours: only an arm64 stack asks it for Graviton too.
        classes.append(("database", ("instanceClass",), database.instance_class))
        if database.read_replica_instance_class:
            classes.append(("database", ("readReplicaInstanceClass",), database.read_replica_instance_class))
        classes.append(("cache", ("nodeType",), cache.node_type))
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
    for area, problem in runner_fit_problems(runners, eks.node_groups.runners.instance_types):
        problems.append((key_path(area, problem.path), problem.reason))
    if eks.enabled:
        problems += [(key_path("eks", p.path), p.reason) for p in system_fit_problems(eks, monitoring.enabled, runners.enabled)]
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
        if namespace == PROJECT and area not in AREAS and area != CREDENTIALS_AREA:
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

    # The one secure area: its values never enter a model, a message or a plain input.
    credentials_key = f"{PROJECT}:{CREDENTIALS_AREA}"
    raw_credentials = runtime_config.get_config(credentials_key)
    credential_problems = check_secret_area(raw_credentials, runtime_config.is_config_secret(credentials_key))
    problems += [(key_path(CREDENTIALS_AREA, p.path), p.reason) for p in credential_problems]

    if not problems:
        problems += cross_area_problems(parsed, stack=stack, region=str(region))

    if problems:
        raise SettingsError(stack, problems)
    credentials = {name: pulumi.Output.secret(value) for name, value in present_values(raw_credentials).items()}
    return Settings(project=PROJECT, stack=stack, region=str(region), credentials=credentials, **parsed)  # type: ignore[arg-type]
