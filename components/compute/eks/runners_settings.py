"""`ohmycoins:runners`: GitHub Actions runner scale sets (ARC) on the EKS runner node group."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from components.compute.eks.node_sizing import cpu_millicores, memory_mib
from components.shared.settings_model import Model, Problem

_SCALE_SET_NAME = re.compile(r"^[a-z][a-z0-9-]{0,44}[a-z0-9]$")
_GITHUB_URL = re.compile(r"^https://github\.com/[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)?$")


class Resources(Model):
    cpu: str
    memory: str

    @field_validator("cpu")
    @classmethod
    def _cpu(cls, value: str) -> str:
        cpu_millicores(value)
        return value

    @field_validator("memory")
    @classmethod
    def _memory(cls, value: str) -> str:
        memory_mib(value)
        return value


class GitHubApp(Model):
    # Plain ids (not secret); the private key is the secret `ohmycoins:runnersGithubAppPrivateKey`.
    app_id: str = Field(pattern=r"^(\d+|Iv[0-9A-Za-z.]+)$")
    installation_id: str = Field(pattern=r"^\d+$")


class RunnerGroup(Model):
    # The scale set's name: workflows select it with `runs-on: <name>`.
    name: str
    github_config_url: str
    max_runners: int = Field(ge=1, le=50)
    requests: Resources
    limits: Resources
    # Run a Docker daemon beside the runner (docker build/compose in jobs).
    docker: bool = True

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _SCALE_SET_NAME.match(value):
            raise ValueError(f"'{value}' is not a scale set name: lowercase letters, digits and hyphens, 2-46 characters")
        return value

    @field_validator("github_config_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not _GITHUB_URL.match(value):
            raise ValueError(f"'{value}' is not a GitHub organisation or repository URL like https://github.com/owner/repo")
        return value


class RunnerSettings(Model):
    # Needs the EKS cluster and its runner node group; false installs no controller and no runners.
    enabled: bool
    github_app: GitHubApp | None = None
    groups: list[RunnerGroup] = Field(default_factory=list)

    def problems(self) -> list[Problem]:
        problems = []
        if self.enabled and self.github_app is None:
            problems.append(Problem(("githubApp",), "required when runners are enabled"))
        if self.enabled and not self.groups:
            problems.append(Problem(("groups",), "at least one runner group is required when runners are enabled"))
        names = [g.name for g in self.groups]
        for index, group in enumerate(self.groups):
            if names.count(group.name) > 1:
                problems.append(Problem(("groups", index, "name"), f"'{group.name}' is used by more than one group"))
            for kind in ("cpu", "memory"):
                measure = cpu_millicores if kind == "cpu" else memory_mib
                if measure(getattr(group.requests, kind)) > measure(getattr(group.limits, kind)):
                    problems.append(Problem(("groups", index, "requests", kind), "is above the limit"))
        return problems


# The Docker daemon sidecar of a runner pod (groups with `docker: true`) requests this on top of
# the group's requests; its limits are the group's (builds run inside it).
DIND_REQUESTS = {"cpu": "250m", "memory": "512Mi"}


def runner_fit_problems(runners: RunnerSettings, instance_types: list[str]) -> list[tuple[str, Problem]]:
    """(area, problem) for runner pods that would not fit an empty node of each runner instance type."""
    from components.compute.eks.node_sizing import INSTANCE_TYPES, daemonset_overhead, fit_problems

    if not runners.enabled:
        return []
    problems = []
    for index, instance_type in enumerate(instance_types):
        if instance_type not in INSTANCE_TYPES:
            reason = f"'{instance_type}' is not in the runner sizing table (components/compute/eks/node_sizing.py); add it there or use one of {', '.join(sorted(INSTANCE_TYPES))}"
            problems.append(("eks", Problem(("nodeGroups", "runners", "instanceTypes", index), reason)))
    known = [t for t in instance_types if t in INSTANCE_TYPES]
    ds_cpu, ds_memory = daemonset_overhead()
    for index, group in enumerate(runners.groups):
        cpu, memory = cpu_millicores(group.requests.cpu), memory_mib(group.requests.memory)
        if group.docker:
            cpu += cpu_millicores(DIND_REQUESTS["cpu"])
            memory += memory_mib(DIND_REQUESTS["memory"])
        note = " (with the Docker sidecar's requests)" if group.docker else ""
        for instance_type in known:
            for reason in fit_problems(instance_type, f"{cpu:g}m", f"{memory:g}Mi", ds_cpu, ds_memory):
                kind = "cpu" if " CPU " in reason else "memory"
                problems.append(
                    (
                        "runners",
                        Problem(
                            ("groups", index, "requests", kind),
                            f"the runner pod{note} {reason}; lower it or choose a larger ohmycoins:eks.nodeGroups.runners.instanceTypes",
                        ),
                    )
                )
    return problems
