"""Kubernetes pods and ECS containers: the restricted Pod Security Standard, limits, no host namespaces,
read-only root filesystems, pinned images."""

from __future__ import annotations

import re

from .base import as_list, is_false, is_true, parse_json, resource_rule
from .types import ECS_TASK_DEFINITION, POD_SPEC_PATHS, WORKLOADS

CATEGORY = "kubernetes pods"


def pod_spec(r):
    return r.get(*POD_SPEC_PATHS[r.type]) or {}


def containers(spec):
    for kind in ("initContainers", "containers", "ephemeralContainers"):
        for container in as_list(spec.get(kind)):
            if isinstance(container, dict):
                yield container


def _restricted_problems(spec):
    pod_context = spec.get("securityContext") or {}
    pod_non_root = is_true(pod_context.get("runAsNonRoot"))
    pod_seccomp = (pod_context.get("seccompProfile") or {}).get("type")
    for c in containers(spec):
        name = c.get("name", "?")
        context = c.get("securityContext") or {}
        if not is_false(context.get("allowPrivilegeEscalation")):
            yield f"container {name}: allowPrivilegeEscalation must be false"
        if not (is_true(context.get("runAsNonRoot")) or (pod_non_root and not is_false(context.get("runAsNonRoot")))):
            yield f"container {name}: runAsNonRoot must be true"
        if "ALL" not in as_list((context.get("capabilities") or {}).get("drop")):
            yield f"container {name}: capabilities must drop ALL"
        added = set(as_list((context.get("capabilities") or {}).get("add"))) - {"NET_BIND_SERVICE"}
        if added:
            yield f"container {name}: may only add NET_BIND_SERVICE, adds {', '.join(sorted(added))}"
        seccomp = (context.get("seccompProfile") or {}).get("type") or pod_seccomp
        if seccomp not in ("RuntimeDefault", "Localhost"):
            yield f"container {name}: seccompProfile must be RuntimeDefault"


@resource_rule(
    "pod-security-restricted",
    "Pods meet the restricted Pod Security Standard",
    "PSS restricted (privilege escalation, non-root, capabilities, seccomp)",
    CATEGORY,
    "mandatory",
    WORKLOADS,
)
def pod_restricted(r, ctx):
    yield from _restricted_problems(pod_spec(r))


@resource_rule("pod-no-privileged", "No privileged containers", "PSS baseline: Privileged Containers", CATEGORY, "mandatory", WORKLOADS)
def pod_privileged(r, ctx):
    for c in containers(pod_spec(r)):
        if is_true((c.get("securityContext") or {}).get("privileged")):
            yield f"container {c.get('name', '?')} is privileged"


@resource_rule(
    "pod-no-host-namespaces", "Pods do not share the node's namespaces", "PSS baseline: Host Namespaces", CATEGORY, "mandatory", WORKLOADS
)
def pod_host_namespaces(r, ctx):
    spec = pod_spec(r)
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if is_true(spec.get(key)):
            yield f"{key} must not be true"


@resource_rule(
    "pod-resource-limits",
    "Every container requests and limits CPU and memory",
    "NSA/CISA Kubernetes Hardening Guide: resource limits (no PSS control)",
    CATEGORY,
    "mandatory",
    WORKLOADS,
)
def pod_limits(r, ctx):
    for c in containers(pod_spec(r)):
        resources = c.get("resources") or {}
        for kind in ("requests", "limits"):
            missing = {"cpu", "memory"} - set(resources.get(kind) or {})
            if kind == "limits":
                missing -= {"cpu"}  # a CPU limit only throttles; memory limits are what protect the node
            if missing:
                yield f"container {c.get('name', '?')}: resources.{kind} lacks {', '.join(sorted(missing))}"


@resource_rule("pod-no-hostpath", "Pods do not mount node paths", "PSS baseline: HostPath Volumes", CATEGORY, "advisory", WORKLOADS)
def pod_hostpath(r, ctx):
    for volume in as_list(pod_spec(r).get("volumes")):
        if isinstance(volume, dict) and volume.get("hostPath"):
            yield f"volume {volume.get('name', '?')} is a hostPath"


_DIGEST_REFERENCE = re.compile(r"@sha256:[0-9a-f]{64}$")


def _images(r) -> list[str]:
    """The images of a task definition's or pod's containers; unknown ones (a first preview) left out."""
    if r.type == ECS_TASK_DEFINITION:
        images = [c.get("image") for c in as_list(parse_json(r.get("containerDefinitions"))) if isinstance(c, dict)]
    else:
        images = [c.get("image") for c in containers(pod_spec(r))]
    return [image for image in images if isinstance(image, str) and image and not image.startswith("[")]


def _mutable_tag(image: str) -> bool:
    if "@sha256:" in image:
        return False
    last = image.rsplit("/", 1)[-1]
    return ":" not in last or last.endswith(":latest")


@resource_rule(
    "image-tag-pinned",
    "Production runs pinned image tags, never latest",
    "AWS FSBP ECR.2 (immutable tags) / EKS best practice",
    CATEGORY,
    "mandatory",
    [*WORKLOADS, ECS_TASK_DEFINITION],
    production_only=True,
)
def image_pinned(r, ctx):
    for image in _images(r):
        if _mutable_tag(image):
            yield f"image {image} has no pinned tag"


@resource_rule(
    "image-digest-pinned",
    "Production runs every workload image by digest",
    "AWS EKS Best Practices: reference images by digest / AWS FSBP ECR.2 (a tag can be moved, a digest cannot)",
    CATEGORY,
    "mandatory",
    [*WORKLOADS, ECS_TASK_DEFINITION],
    production_only=True,
)
def image_digest_pinned(r, ctx):
    for image in _images(r):
        if not _DIGEST_REFERENCE.search(image):
            yield f"image {image} is not pinned by digest (<repository>@sha256:<64 hex>)"


@resource_rule("ecs-no-privileged", "ECS containers are not privileged", "AWS FSBP ECS.4", CATEGORY, "mandatory", [ECS_TASK_DEFINITION])
def ecs_privileged(r, ctx):
    for c in as_list(parse_json(r.get("containerDefinitions"))):
        if isinstance(c, dict) and is_true(c.get("privileged")):
            yield f"container {c.get('name', '?')} is privileged"


@resource_rule(
    "read-only-root-filesystem",
    "Containers run with a read-only root filesystem",
    "AWS FSBP ECS.5 / NSA/CISA Kubernetes Hardening Guide (immutable container file systems)",
    CATEGORY,
    "mandatory",
    [*WORKLOADS, ECS_TASK_DEFINITION],
)
def read_only_root(r, ctx):
    if r.type == ECS_TASK_DEFINITION:
        found = [
            (c.get("name", "?"), c.get("readonlyRootFilesystem"))
            for c in as_list(parse_json(r.get("containerDefinitions")))
            if isinstance(c, dict)
        ]
    else:
        found = [(c.get("name", "?"), (c.get("securityContext") or {}).get("readOnlyRootFilesystem")) for c in containers(pod_spec(r))]
    for name, read_only in found:
        if not is_true(read_only):
            yield f"container {name}: the root filesystem must be read-only (mount writable volumes where it must write)"
