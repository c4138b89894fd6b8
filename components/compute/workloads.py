"""Every Oh My Coins workload, described once and platform-neutrally.

The catalog is pure data: ECS (components/compute/ecs/) and Kubernetes (k8s/workloads.py) render it
into their own objects. A stack changes sizes, counts and image tags through `ohmycoins:apps`
(`apply_overrides`); nothing here knows about Pulumi or AWS.

Every container runs with a read-only root filesystem on both platforms; `scratch_paths` names the
directories a workload's process writes (each an empty, task- or pod-local volume) and `storage` its
shared files.

Sizes are in ECS terms: `cpu` in CPU units (1024 = one vCPU) and `memory` in MiB. They are the
Fargate task size; on Kubernetes they are the container limits (`kubernetes_resources`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from components.compute.schedule_gaps import cron_min_gap_seconds, missed_run_after_seconds

# How a workload runs: a long-running `service` (may be behind the load balancer), a `worker`
# (long-running, no traffic, a single copy because it loops on its own timer) or a scheduled `job`.
Kind = Literal["service", "worker", "job"]

# Where a secret value comes from: a key of the app secret (Secrets Manager JSON), the
# RDS-managed master secret (its `password`), or the Redis AUTH token secret.
SecretSource = Literal["app", "database-password", "cache-auth-token"]

# Which connection details a workload receives as plain environment: the database, the cache,
# the SMTP server (`ohmycoins:email`) and the LLM choice (`ohmycoins:apps.llmProvider`, `openaiModel`).
Connection = Literal["database", "cache", "mail", "llm"]


@dataclass(frozen=True)
class SecretRef:
    """One environment variable whose value is injected from a secret store, never plain."""

    env: str  # variable name inside the container
    source: SecretSource
    key: str | None = None  # JSON key in the app secret; None for the database/cache sources
    # Optional app-secret keys (third-party credentials a stack may not have) are left out
    # when the stack's secret lacks them; a required one missing is an error.
    optional: bool = False


def app_secret(*keys: str, optional: bool = False) -> tuple[SecretRef, ...]:
    """Variables named like the app secret's JSON keys they come from."""
    return tuple(SecretRef(env=key, source="app", key=key, optional=optional) for key in keys)


DATABASE_PASSWORD = SecretRef(env="POSTGRES_PASSWORD", source="database-password")
CACHE_AUTH_TOKEN = SecretRef(env="REDIS_PASSWORD", source="cache-auth-token")


@dataclass(frozen=True)
class Probe:
    """An HTTP health check inside the task/pod (Kubernetes liveness/readiness, ECS container check)."""

    path: str
    port: int
    initial_delay_seconds: int
    period_seconds: int
    timeout_seconds: int
    failure_threshold: int


@dataclass(frozen=True)
class TargetHealthCheck:
    """The load balancer's check of each target (ALB target group)."""

    path: str
    matcher: str = "200"
    healthy_threshold: int = 2
    unhealthy_threshold: int = 3
    timeout_seconds: int = 5
    interval_seconds: int = 30


@dataclass(frozen=True)
class PublicRoute:
    """How the internet reaches a service through the shared ALB.

    `host` names the stack's host (`ohmycoins:edge.apiHost` / `frontendHost`); the `default`
    route gets everything no host rule matches. `plain_http_paths` route to the service on a
    domain-less HTTP-only stack (`allowPlainHttp`), where there are no hosts to match.
    """

    host: Literal["api", "frontend"]
    default: bool = False
    plain_http_paths: tuple[str, ...] = ()
    health_check: TargetHealthCheck = field(default_factory=lambda: TargetHealthCheck(path="/"))
    deregistration_delay_seconds: int = 30


@dataclass(frozen=True)
class Scaling:
    """Target tracking on average CPU and memory, between min and max copies."""

    min_count: int
    max_count: int
    cpu_target_percent: int
    memory_target_percent: int
    scale_in_cooldown_seconds: int = 300
    scale_out_cooldown_seconds: int = 60


@dataclass(frozen=True)
class SharedStorage:
    """A read-write-many file system shared by every copy (EFS on ECS, an RWX PVC on Kubernetes)."""

    name: str
    size_gib: int  # the claim size on Kubernetes; EFS itself is elastic
    mount_path: str
    uid: int = 1000
    gid: int = 1000
    root_directory: str = "/"
    # A directory AWS Backup restored this file system into (`aws-backup-restore_<time>` at its
    # root); when set, the workload is served the restored copy of `root_directory` from there.
    recovery_directory: str | None = None

    @property
    def restored_root(self) -> str | None:
        """'/agents' restored into 'aws-backup-restore_x' -> '/aws-backup-restore_x/agents' (AWS Backup keeps the paths)."""
        return None if self.recovery_directory is None else f"/{self.recovery_directory}{self.root_directory.rstrip('/')}"


@dataclass(frozen=True)
class Workload:
    name: str
    kind: Kind
    image: str  # image repository name, e.g. "backend"; the registry and tag come from the stack
    cpu: int
    memory: int
    command: tuple[str, ...] = ()  # empty: the image's own entrypoint
    port: int | None = None
    desired_count: int = 1  # services and workers; ignored for jobs
    scaling: Scaling | None = None
    schedule: str | None = None  # jobs: 5-field cron in UTC
    # Jobs: a run still going after this long is stopped and reported (ECS: the Step Functions
    # task timeout; Kubernetes: the Job's activeDeadlineSeconds). Shorter than the gap between runs.
    timeout_seconds: int | None = None
    liveness: Probe | None = None
    readiness: Probe | None = None
    route: PublicRoute | None = None
    env: Mapping[str, str] = field(default_factory=dict)  # plain, non-secret values
    connections: tuple[Connection, ...] = ()
    secrets: tuple[SecretRef, ...] = ()
    storage: SharedStorage | None = None
    # Directories the process writes besides `storage`: an empty, writable volume each (ECS task
    # storage, a Kubernetes emptyDir); everything else in the image is read-only.
    scratch_paths: tuple[str, ...] = ()
    # Calls third-party services on the internet over HTTPS (exchanges, news, LLM providers, SMTP
    # relays): needs a NAT gateway on ECS and an egress rule on Kubernetes.
    internet_https: bool = False
    metrics_path: str | None = None  # Prometheus scrape path on `port`
    labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def secret_keys(self) -> tuple[str, ...]:
        """The app secret's JSON keys this workload reads."""
        return tuple(ref.key for ref in self.secrets if ref.source == "app" and ref.key)

    @property
    def is_long_running(self) -> bool:
        return self.kind in ("service", "worker")

    def reads(self, source: SecretSource) -> bool:
        """Whether one of its variables comes from `source` (say, the database password)."""
        return any(ref.source == source for ref in self.secrets)


# Application settings every backend-image process needs to start (the app's config loads them).
_APP_CORE_SECRETS = app_secret("SECRET_KEY", "ENCRYPTION_KEY", "FIRST_SUPERUSER", "FIRST_SUPERUSER_PASSWORD")
# Error reporting of every backend-image process, where the stack sets a Sentry DSN.
_ERROR_REPORTING = app_secret("SENTRY_DSN", optional=True)

_COLLECTOR_CPU, _COLLECTOR_MEMORY = 256, 512

# Python's tempfile (uploads, the HTTP clients' caches) writes to /tmp.
_PYTHON_SCRATCH = ("/tmp",)
# nginx keeps its temp files, caches and pid file there.
_NGINX_SCRATCH = ("/tmp", "/var/cache/nginx", "/var/run")


def _collector(
    name: str,
    module: str,
    kind: Kind,
    schedule: str | None = None,
    credentials: tuple[str, ...] = (),
    timeout_seconds: int | None = None,
) -> Workload:
    return Workload(
        name=name,
        kind=kind,
        image="backend",
        command=("python", "-m", module),
        cpu=_COLLECTOR_CPU,
        memory=_COLLECTOR_MEMORY,
        schedule=schedule,
        timeout_seconds=timeout_seconds,
        env={"LOG_LEVEL": "INFO"},
        connections=("database", "cache"),
        secrets=(*_APP_CORE_SECRETS, *_ERROR_REPORTING, *app_secret(*credentials), DATABASE_PASSWORD, CACHE_AUTH_TOKEN),
        scratch_paths=_PYTHON_SCRATCH,
        internet_https=True,
        labels={"app": "collectors", "collector": name},
    )


_BACKEND_HEALTH = "/api/v1/utils/health-check/"

CATALOG: tuple[Workload, ...] = (
    Workload(
        name="backend",
        kind="service",
        image="backend",
        cpu=512,
        memory=1024,
        port=8000,
        desired_count=1,
        scaling=Scaling(min_count=1, max_count=2, cpu_target_percent=70, memory_target_percent=80),
        liveness=Probe(_BACKEND_HEALTH, 8000, initial_delay_seconds=30, period_seconds=10, timeout_seconds=5, failure_threshold=3),
        readiness=Probe(_BACKEND_HEALTH, 8000, initial_delay_seconds=10, period_seconds=5, timeout_seconds=3, failure_threshold=3),
        route=PublicRoute(
            host="api",
            plain_http_paths=("/api/*", "/docs", "/redoc", "/openapi.json"),
            health_check=TargetHealthCheck(path=_BACKEND_HEALTH),
        ),
        env={"LOG_LEVEL": "INFO", "SCHEDULER_ENABLED": "true"},
        connections=("database", "cache", "mail", "llm"),
        secrets=(
            *_APP_CORE_SECRETS,
            *_ERROR_REPORTING,
            *app_secret("OPENAI_API_KEY"),
            *app_secret("ANTHROPIC_API_KEY", optional=True),
            *app_secret("SMTP_USER", "SMTP_PASSWORD", optional=True),
            DATABASE_PASSWORD,
            CACHE_AUTH_TOKEN,
        ),
        scratch_paths=_PYTHON_SCRATCH,
        internet_https=True,
        metrics_path="/metrics",
        labels={"app": "backend", "component": "api"},
    ),
    Workload(
        name="frontend",
        kind="service",
        image="frontend",
        cpu=256,
        memory=512,
        port=80,
        desired_count=1,
        scaling=Scaling(min_count=1, max_count=2, cpu_target_percent=70, memory_target_percent=80),
        # The API URL is baked into the bundle when the image is built (Vite), so the frontend
        # gets no runtime environment; the stack exports `apiUrl` for the image build.
        route=PublicRoute(host="frontend", default=True, health_check=TargetHealthCheck(path="/")),
        scratch_paths=_NGINX_SCRATCH,
        labels={"app": "frontend", "component": "web"},
    ),
    # Daily collectors get 30 minutes; the hourly one 15, so a hung run never meets the next.
    _collector("defillama", "app.services.collectors.glass.defillama", "job", "0 2 * * *", timeout_seconds=1800),
    _collector("sec-api", "app.services.collectors.catalyst.sec_api", "job", "0 3 * * *", ("SEC_API_KEY",), timeout_seconds=1800),
    _collector(
        "coinspot-announcements",
        "app.services.collectors.catalyst.coinspot_announcements",
        "job",
        "0 * * * *",
        timeout_seconds=900,
    ),
    # Reddit and CryptoPanic loop on their own timers (15 and 5 minutes): exactly one copy each.
    _collector("reddit", "app.services.collectors.human.reddit", "worker", credentials=("REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET")),
    _collector("cryptopanic", "app.services.collectors.human.cryptopanic", "worker", credentials=("CRYPTOPANIC_API_KEY",)),
    Workload(
        name="agents",
        kind="service",
        image="backend",
        command=("python", "-m", "app.services.agent.orchestrator"),
        cpu=1024,
        memory=2048,
        port=8001,
        desired_count=2,
        scaling=Scaling(min_count=2, max_count=5, cpu_target_percent=75, memory_target_percent=85),
        liveness=Probe("/health", 8001, initial_delay_seconds=60, period_seconds=30, timeout_seconds=10, failure_threshold=3),
        readiness=Probe("/health", 8001, initial_delay_seconds=30, period_seconds=10, timeout_seconds=5, failure_threshold=3),
        env={
            "AGENT_MAX_ITERATIONS": "10",
            "AGENT_TIMEOUT_SECONDS": "300",
            "AGENT_MODEL_PROVIDER": "openai",
            "AGENT_MODEL_NAME": "gpt-4",
            "AGENT_REDIS_DB": "1",
            "AGENT_ARTIFACTS_DIR": "/app/artifacts",
        },
        connections=("database", "cache", "llm"),
        # The backend image's settings load SECRET_KEY and the first superuser at start, agents included.
        secrets=(
            *_APP_CORE_SECRETS,
            *_ERROR_REPORTING,
            *app_secret("OPENAI_API_KEY"),
            *app_secret("ANTHROPIC_API_KEY", optional=True),
            DATABASE_PASSWORD,
            CACHE_AUTH_TOKEN,
        ),
        storage=SharedStorage(name="agent-artifacts", size_gib=10, mount_path="/app/artifacts", root_directory="/agents"),
        scratch_paths=_PYTHON_SCRATCH,
        internet_https=True,
        metrics_path="/metrics",
        labels={"app": "agents", "component": "langgraph"},
    ),
)

_NAME = re.compile(r"^[a-z]([a-z0-9-]{0,20}[a-z0-9])?$")


def catalog_problems(catalog: tuple[Workload, ...]) -> list[str]:
    """What makes a catalog unusable on either platform; empty when it is sound."""
    problems: list[str] = []
    names = [w.name for w in catalog]
    if len(set(names)) != len(names):
        problems.append("workload names repeat")
    if len([w for w in catalog if w.route is not None and w.route.default]) != 1:
        problems.append("exactly one routed workload must be the default route")
    for w in catalog:
        where = f"workload '{w.name}'"
        if not _NAME.match(w.name):
            problems.append(f"{where}: name must be a short DNS label (lowercase letters, digits, hyphens; at most 22)")
        if (w.kind == "job") != (w.schedule is not None):
            problems.append(f"{where}: jobs, and only jobs, have a schedule")
        if (w.kind == "job") != (w.timeout_seconds is not None):
            problems.append(f"{where}: jobs, and only jobs, have a time limit")
        elif w.schedule is not None and w.timeout_seconds is not None:
            problems += _time_limit_problems(w)
        if w.scaling is not None and w.kind != "service":
            problems.append(f"{where}: only services autoscale")
        if w.scaling is not None and not w.scaling.min_count <= w.desired_count <= w.scaling.max_count:
            problems.append(f"{where}: desired count outside its scaling bounds")
        if w.kind == "worker" and w.desired_count != 1:
            problems.append(f"{where}: a worker runs exactly one copy")
        if w.route is not None and (w.port is None or w.kind != "service"):
            problems.append(f"{where}: a routed workload is a service with a port")
        for probe in (w.liveness, w.readiness):
            if probe is not None and probe.port != w.port:
                problems.append(f"{where}: probes must use the workload's port")
        envs = [*w.env, *(ref.env for ref in w.secrets)]
        if len(set(envs)) != len(envs):
            problems.append(f"{where}: an environment variable is both plain and secret, or repeats")
        if any(ref.source == "app" and not ref.key for ref in w.secrets):
            problems.append(f"{where}: an app secret reference needs its JSON key")
        problems += [f"{where}: {p}" for p in _scratch_problems(w)]
    return problems


def _scratch_problems(w: Workload) -> list[str]:
    mounts = [*w.scratch_paths, *([w.storage.mount_path] if w.storage else [])]
    problems = []
    for path in w.scratch_paths:
        if not path.startswith("/") or path == "/" or path.endswith("/") or "//" in path or "/../" in f"{path}/":
            problems.append(f"scratch path '{path}' must be an absolute directory other than /")
    if len(set(mounts)) != len(mounts):
        problems.append("a scratch path repeats, or is also the shared storage's mount path")
    return problems


# Step Functions task timeouts and Kubernetes deadlines are whole seconds; a run gets at least a minute.
MIN_TIME_LIMIT_SECONDS = 60
# A CloudWatch alarm with hourly periods looks back at most 7 days: the longest a missed run can be noticed after.
MAX_MISSED_RUN_WINDOW_SECONDS = 7 * 86400


def _time_limit_problems(item: Workload) -> list[str]:
    assert item.schedule is not None and item.timeout_seconds is not None
    where = f"workload '{item.name}'"
    if item.timeout_seconds < MIN_TIME_LIMIT_SECONDS:
        return [f"{where}: a time limit under {MIN_TIME_LIMIT_SECONDS} seconds stops every run before it starts working"]
    try:
        gap = cron_min_gap_seconds(item.schedule)
    except ValueError as error:
        return [f"{where}: {error}"]
    if item.timeout_seconds >= gap:
        return [f"{where}: its time limit ({item.timeout_seconds} s) must be shorter than the {gap} s between two runs, or runs pile up"]
    if missed_run_after_seconds(item.schedule) > MAX_MISSED_RUN_WINDOW_SECONDS:
        return [f"{where}: runs more than 7 days apart (less the grace) cannot be watched for a missed run by a CloudWatch alarm"]
    return []


WORKLOAD_NAMES: tuple[str, ...] = tuple(w.name for w in CATALOG)
IMAGES: tuple[str, ...] = tuple(sorted({w.image for w in CATALOG}))


def workload(name: str, catalog: tuple[Workload, ...] = CATALOG) -> Workload:
    for item in catalog:
        if item.name == name:
            return item
    raise KeyError(f"no workload named '{name}'; the catalog has {', '.join(w.name for w in catalog)}")


def app_secret_keys(catalog: tuple[Workload, ...] = CATALOG) -> tuple[str, ...]:
    """Every app-secret JSON key some workload reads, sorted."""
    return tuple(sorted({key for w in catalog for key in w.secret_keys}))


def secrets_for(item: Workload, available_app_keys: Sequence[str]) -> tuple[SecretRef, ...]:
    """The workload's secret references against the keys the stack's app secret holds.

    Optional keys the secret lacks are dropped; a required key it lacks raises KeyError.
    """
    available = set(available_app_keys)
    missing = [ref.key for ref in item.secrets if ref.source == "app" and not ref.optional and ref.key not in available]
    if missing:
        raise KeyError(f"workload '{item.name}' needs app secret key(s) {', '.join(missing)}, which the stack's secret lacks")
    return tuple(ref for ref in item.secrets if ref.source != "app" or ref.key in available)


def routed(catalog: tuple[Workload, ...] = CATALOG) -> tuple[Workload, ...]:
    """The services the ALB sends traffic to, in catalog order."""
    return tuple(w for w in catalog if w.route is not None)


def service_ports(catalog: tuple[Workload, ...] = CATALOG) -> tuple[int, ...]:
    """Ports the workloads listen on (what the app security group must admit), sorted."""
    return tuple(sorted({w.port for w in catalog if w.port is not None}))


def routed_ports(catalog: tuple[Workload, ...] = CATALOG) -> tuple[int, ...]:
    """Ports the ALB reaches (ALB -> app security group), sorted."""
    return tuple(sorted({w.port for w in routed(catalog) if w.port is not None}))


@dataclass(frozen=True)
class Override:
    """A stack's change to one workload (`ohmycoins:apps.workloads.<name>`); None keeps the catalog's."""

    cpu: int | None = None
    memory: int | None = None
    desired_count: int | None = None
    min_count: int | None = None
    max_count: int | None = None


def apply_overrides(catalog: tuple[Workload, ...], overrides: Mapping[str, Override]) -> tuple[Workload, ...]:
    """The catalog with a stack's sizes and counts; unknown names raise KeyError."""
    unknown = sorted(set(overrides) - {w.name for w in catalog})
    if unknown:
        raise KeyError(f"no workload named {', '.join(unknown)}")
    result = []
    for item in catalog:
        change = overrides.get(item.name)
        if change is None:
            result.append(item)
            continue
        scaling = item.scaling
        if scaling is not None:
            scaling = replace(
                scaling,
                min_count=change.min_count if change.min_count is not None else scaling.min_count,
                max_count=change.max_count if change.max_count is not None else scaling.max_count,
            )
        result.append(
            replace(
                item,
                cpu=change.cpu if change.cpu is not None else item.cpu,
                memory=change.memory if change.memory is not None else item.memory,
                desired_count=change.desired_count if change.desired_count is not None else item.desired_count,
                scaling=scaling,
            )
        )
    return tuple(result)


# An image version as a stack names it: a tag, a digest, or both (the tag then only tells people which one).
IMAGE_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
IMAGE_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


def image_digest(version: str) -> str | None:
    """'v1.2.3@sha256:<hex>' or 'sha256:<hex>' -> 'sha256:<hex>'; a plain tag -> None."""
    digest = version.rsplit("@", 1)[-1]
    return digest if IMAGE_DIGEST.match(digest) else None


def image_version_problem(version: str) -> str | None:
    """Why `version` is neither a tag, nor a digest, nor tag@digest; None when it is one of them."""
    tag, at, digest = version.partition("@")
    if at and IMAGE_TAG.match(tag) and IMAGE_DIGEST.match(digest):
        return None
    if not at and (IMAGE_TAG.match(version) or IMAGE_DIGEST.match(version)):
        return None
    return (
        f"'{version}' is not an image tag (letters, digits, '_', '.', '-'; at most 128), a digest (sha256:<64 lowercase hex>) or tag@digest"
    )


def image_reference_suffix(version: str) -> str:
    """What follows the repository: '@sha256:<hex>' when the version has a digest (pulled by digest), ':<tag>' otherwise."""
    digest = image_digest(version)
    return f"@{digest}" if digest else f":{version}"


def image_uri(registry: str, repository: str, version: str) -> str:
    """'ghcr.io/owner', 'backend', 'v1' -> 'ghcr.io/owner/backend:v1'; a digest version -> '.../backend@sha256:...'."""
    return f"{registry.rstrip('/')}/{repository}{image_reference_suffix(version)}"


@dataclass(frozen=True)
class ImagePin:
    """How firmly a stack names one image: what a manifest can truthfully say about it."""

    digest: bool  # pulled by digest: always the same bytes
    registry: str | None  # an outside registry (ohmycoins:apps.imageRegistry); None: the stack's own ECR repository
    tags_immutable: bool  # the stack's ECR repositories refuse to move a tag


@dataclass(frozen=True)
class RuntimeContext:
    """What the platform knows about the stack when it renders a workload's plain environment.

    Values may be Pulumi outputs (database address ...); this module only places them.
    """

    environment: str
    project_name: str
    domain: str
    frontend_url: str
    cors_origins: tuple[str, ...]
    database_host: object
    database_port: object
    database_name: object
    database_user: object
    cache_host: object
    cache_port: object
    cache_tls: bool
    # SMTP_HOST, SMTP_PORT, ... of `ohmycoins:email` (empty: the stack sends no mail).
    mail_environment: Mapping[str, str] = field(default_factory=dict)
    # LLM_PROVIDER and OPENAI_MODEL of `ohmycoins:apps`.
    llm_environment: Mapping[str, str] = field(default_factory=dict)


def plain_environment(item: Workload, context: RuntimeContext) -> dict[str, object]:
    """The workload's non-secret environment: its own values plus the connection details it uses.

    Secrets never appear here: they are `SecretRef`s, injected by the platform from the store.
    """
    env: dict[str, object] = {}
    if item.image == "backend":
        env.update(
            {
                "ENVIRONMENT": context.environment,
                "PROJECT_NAME": context.project_name,
                "DOMAIN": context.domain,
                "FRONTEND_HOST": context.frontend_url,
            }
        )
    if item.route is not None and item.route.host == "api":
        env["BACKEND_CORS_ORIGINS"] = ",".join(context.cors_origins)
    if "database" in item.connections:
        env.update(
            {
                "POSTGRES_SERVER": context.database_host,
                "POSTGRES_PORT": context.database_port,
                "POSTGRES_DB": context.database_name,
                "POSTGRES_USER": context.database_user,
                # RDS enforces TLS (rds.force_ssl); libpq verifies it with this mode.
                "POSTGRES_SSLMODE": "require",
            }
        )
    if "cache" in item.connections:
        env.update(
            {
                "REDIS_HOST": context.cache_host,
                "REDIS_PORT": context.cache_port,
                "REDIS_SSL": "true" if context.cache_tls else "false",
            }
        )
    if "mail" in item.connections:
        env.update(context.mail_environment)
    if "llm" in item.connections:
        env.update(context.llm_environment)
    env.update(item.env)
    return env


def kubernetes_resources(item: Workload) -> dict[str, dict[str, str]]:
    """Requests at half the limits (the original's ratio); limits are the catalog's size."""
    return {
        "requests": {"cpu": f"{item.cpu * 1000 // 1024 // 2}m", "memory": f"{item.memory // 2}Mi"},
        "limits": {"cpu": f"{item.cpu * 1000 // 1024}m", "memory": f"{item.memory}Mi"},
    }
