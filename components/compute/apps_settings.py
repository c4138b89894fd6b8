"""`ohmycoins:apps`: where the workloads run, which images they run, and each stack's sizes and counts."""

from __future__ import annotations

import re
from functools import cached_property
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator

from components.compute.ecs.fargate import fargate_size_problem
from components.compute.workloads import (
    CATALOG,
    IMAGES,
    WORKLOAD_NAMES,
    Override,
    Workload,
    apply_overrides,
    image_digest,
    image_version_problem,
)
from components.edge.edge_settings import EdgeSettings
from components.shared.settings_model import Model, Problem, check_log_retention

_REGISTRY = re.compile(r"^[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)*$")
# OpenAI model ids: gpt-4o, gpt-4-turbo-preview, o3-mini, ft:gpt-4o-mini:org::id.
_OPENAI_MODEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")


def _version(value: str) -> str:
    problem = image_version_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


# A tag (`v1.2.3`), a digest (`sha256:<64 hex>`) or both (`v1.2.3@sha256:...`, pulled by the digest).
ImageVersion = Annotated[str, AfterValidator(_version)]


class WorkloadOverride(Model):
    """Sizes and counts of one catalog workload in this stack; absent keys keep the catalog's."""

    cpu: int | None = Field(default=None, gt=0)
    memory: int | None = Field(default=None, gt=0)
    desired_count: int | None = Field(default=None, ge=0)
    min_count: int | None = Field(default=None, ge=0)
    max_count: int | None = Field(default=None, ge=1)

    def as_override(self) -> Override:
        return Override(
            cpu=self.cpu, memory=self.memory, desired_count=self.desired_count, min_count=self.min_count, max_count=self.max_count
        )


class AppsSettings(Model):
    # ecs: Fargate services, scheduled tasks and EFS (components/compute/ecs/);
    # eks: Deployments, CronJobs and PVCs on the EKS cluster (k8s/workloads.py).
    platform: Literal["ecs", "eks"]
    # Version of every image; `imageTags` overrides it per image repository (backend, frontend).
    # Production runs every image by digest (`production_problems`).
    image_tag: ImageVersion
    image_tags: dict[str, ImageVersion] = Field(default_factory=dict)
    # Registry the images are pulled from; absent: the stack's own ECR repositories.
    image_registry: str | None = None
    # ECR lifecycle: keep this many most recent images per repository.
    keep_images: int = Field(default=30, ge=1, le=1000)
    log_retention_days: Annotated[int, AfterValidator(check_log_retention)]
    # ECS: run on FARGATE_SPOT where it is safe (one on-demand task stays behind the ALB).
    prefer_spot: bool = False
    # ECS Exec (`aws ecs execute-command`): shells into running tasks, logged and KMS-encrypted.
    ecs_exec: bool = False
    container_insights: Literal["disabled", "enabled", "enhanced"] = "enabled"
    # Origins allowed to call the API beside https://<frontendHost>.
    extra_cors_origins: list[str] = Field(default_factory=list)
    workloads: dict[str, WorkloadOverride] = Field(default_factory=dict)
    # LLM_PROVIDER and OPENAI_MODEL of the backend and the agents (anthropic needs credentials.anthropicApiKey).
    llm_provider: Literal["openai", "anthropic"] = "openai"
    openai_model: str = "gpt-4-turbo-preview"

    @field_validator("openai_model")
    @classmethod
    def _model(cls, value: str) -> str:
        if not _OPENAI_MODEL.match(value):
            raise ValueError(f"'{value}' is not an OpenAI model id like gpt-4o (letters, digits, '.', '_', ':', '-')")
        return value

    def llm_environment(self) -> dict[str, str]:
        return {"LLM_PROVIDER": self.llm_provider, "OPENAI_MODEL": self.openai_model}

    @field_validator("image_registry")
    @classmethod
    def _registry(cls, value: str | None) -> str | None:
        if value is not None and not _REGISTRY.match(value):
            raise ValueError(f"'{value}' is not a registry like ghcr.io/owner or 123456789012.dkr.ecr.ap-southeast-2.amazonaws.com")
        return value

    @field_validator("extra_cors_origins")
    @classmethod
    def _origins(cls, origins: list[str]) -> list[str]:
        for origin in origins:
            if not re.match(r"^https?://[A-Za-z0-9.-]+(:[0-9]+)?$", origin):
                raise ValueError(f"'{origin}' is not an origin like https://app.example.com (scheme, host, optional port)")
        return origins

    @cached_property
    def catalog(self) -> tuple[Workload, ...]:
        """The workload catalog with this stack's sizes and counts."""
        known = {name: change.as_override() for name, change in self.workloads.items() if name in WORKLOAD_NAMES}
        return apply_overrides(CATALOG, known)

    def image_tag_of(self, image: str) -> str:
        return self.image_tags.get(image, self.image_tag)

    def problems(self) -> list[Problem]:
        problems: list[Problem] = []
        for image in self.image_tags:
            if image not in IMAGES:
                problems.append(Problem(("imageTags", image), f"no image named '{image}'; the images are {', '.join(IMAGES)}"))
        sharing = [image for image in IMAGES if image not in self.image_tags]
        if image_digest(self.image_tag) and len(sharing) > 1:
            reason = f"a digest names one image, but {', '.join(sharing)} would all use it; set each under imageTags.<image>"
            problems.append(Problem(("imageTag",), reason))
        for name, change in self.workloads.items():
            if name not in WORKLOAD_NAMES:
                problems.append(Problem(("workloads", name), f"no workload named '{name}'; the catalog has {', '.join(WORKLOAD_NAMES)}"))
                continue
            problems += _override_problems(name, change, self.platform)
        return problems

    def production_problems(self) -> list[Problem]:
        """Production runs exactly the image that was tested: every image by digest, on either platform."""
        problems: list[Problem] = []
        for image in IMAGES:
            if image_digest(self.image_tag_of(image)) is None:
                key: tuple[str, ...] = ("imageTags", image) if image in self.image_tags else ("imageTag",)
                reason = (
                    f"production runs images by digest: set ohmycoins:apps.imageTags.{image} to "
                    f"'<tag>@sha256:<64 hex>' (the digest the image build pushed; see README \"Images by digest\")"
                )
                problems.append(Problem(key, reason))
        return problems


def _override_problems(name: str, change: WorkloadOverride, platform: str) -> list[Problem]:
    item = next(w for w in CATALOG if w.name == name)
    problems: list[Problem] = []
    given = change.model_fields_set
    if item.kind == "job":
        for key in ("desired_count", "min_count", "max_count"):
            if key in given:
                problems.append(Problem(("workloads", name, _camel(key)), f"'{name}' is a scheduled job: it runs one task per schedule"))
    elif item.scaling is None:
        for key in ("min_count", "max_count"):
            if key in given:
                problems.append(Problem(("workloads", name, _camel(key)), f"'{name}' does not autoscale; set desiredCount only"))
    if problems:
        return problems

    [effective] = apply_overrides((item,), {name: change.as_override()})
    if platform == "ecs":
        why = fargate_size_problem(effective.cpu, effective.memory)
        if why is not None:
            key = "memory" if "memory" in given else "cpu"
            problems.append(Problem(("workloads", name, key), why))
    if effective.scaling is not None:
        low, high, desired = effective.scaling.min_count, effective.scaling.max_count, effective.desired_count
        if not low <= desired <= high:
            # Blame the bound that is out of order, as far as the stack set it.
            order = ("minCount", "maxCount", "desiredCount") if low > high else ("desiredCount", "minCount", "maxCount")
            key = next((k for k in order if _snake(k) in given), order[0])
            problems.append(
                Problem(("workloads", name, key), f"needs minCount <= desiredCount <= maxCount, got {low} <= {desired} <= {high}")
            )
    return problems


def _camel(key: str) -> str:
    first, *rest = key.split("_")
    return first + "".join(part.title() for part in rest)


def _snake(key: str) -> str:
    return re.sub(r"([A-Z])", lambda m: "_" + m[1].lower(), key)


def production_problems(environment: str, apps: AppsSettings, edge: EdgeSettings) -> list[tuple[str, Problem]]:
    """What production refuses in `apps` and `edge`, as (area, problem)."""
    if environment != "production":
        return []
    problems: list[tuple[str, Problem]] = []
    if apps.image_tag == "latest":
        problems.append(("apps", Problem(("imageTag",), "production must pin an image version, not 'latest'")))
    for image, tag in apps.image_tags.items():
        if tag == "latest":
            problems.append(("apps", Problem(("imageTags", image), "production must pin an image version, not 'latest'")))
    if edge.allow_plain_http:
        problems.append(("edge", Problem(("allowPlainHttp",), "production serves HTTPS only; set a domain instead")))
    return problems
