"""Kubernetes objects of the application workloads, as plain dicts built from the platform-neutral catalog.

Pure functions (no Pulumi resources): k8s/workloads.py registers them, tests read them. Values
that come from the cloud (image URI, ARNs, hosts) are passed in and placed as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from components.compute.eks.nodes import APPS
from components.compute.workloads import ImagePin, Probe, SecretRef, Workload, kubernetes_resources

from .reloader import refresh_interval, reload_annotations

# Every app container runs as this user and group (high, so it matches no host user).
RUN_AS_USER = 10001
NAME_LABEL = "app.kubernetes.io/name"
PART_OF = {"app.kubernetes.io/part-of": "ohmycoins", "app.kubernetes.io/managed-by": "pulumi"}
SECRET_STORE_KIND = "ClusterSecretStore"
ZONE_KEY = "topology.kubernetes.io/zone"

# Checkov checks that do not fit a workload on purpose; written on the object, with the reason.
# CKV_K8S_43 (image by digest) is skipped only where the stack names its image by tag, saying why that
# is what it is (image_digest_skip).
SKIP_SECRETS_AS_ENV = "CKV_K8S_35=the apps read settings from the environment; values come from External Secrets, never from a manifest"
SKIP_WORKER_PROBES = (
    "CKV_K8S_8=the collector loops on a timer and listens on no port",
    "CKV_K8S_9=the collector loops on a timer and listens on no port",
)


def pod_labels(item: Workload) -> dict[str, str]:
    """The catalog's labels (app=..., component=/collector=...) plus a per-workload name selector."""
    return {**item.labels, NAME_LABEL: item.name, **PART_OF}


def selector(item: Workload) -> dict[str, str]:
    return {NAME_LABEL: item.name}


def metadata(
    name: str, namespace: str | None, labels: Mapping[str, str] | None = None, annotations: Mapping[str, str] | None = None
) -> dict:
    meta: dict[str, Any] = {"name": name, "labels": {**PART_OF, **(labels or {})}}
    if namespace is not None:
        meta["namespace"] = namespace
    if annotations:
        meta["annotations"] = dict(annotations)
    return meta


def checkov_skips(*skips: str) -> dict[str, str]:
    return {f"checkov.io/skip{i}": skip for i, skip in enumerate(skips, start=1)}


def namespace(name: str) -> dict:
    """Pod Security Standards `restricted`, enforced (and audited and warned) at the latest version."""
    labels = {
        f"pod-security.kubernetes.io/{mode}{suffix}": value
        for mode in ("enforce", "audit", "warn")
        for suffix, value in (("", "restricted"), ("-version", "latest"))
    }
    # The LB controller gives pods behind a TargetGroupBinding a readiness gate: a rollout waits
    # until the ALB sees each new pod healthy.
    labels["elbv2.k8s.aws/pod-readiness-gate-inject"] = "enabled"
    return {"metadata": metadata(name, None, labels)}


def service_account(item: Workload, ns: str) -> dict:
    return {"metadata": metadata(item.name, ns, pod_labels(item)), "automount_service_account_token": False}


def config_map(item: Workload, ns: str, env: Mapping[str, Any]) -> dict:
    return {"metadata": metadata(f"{item.name}-config", ns, pod_labels(item)), "data": dict(sorted(env.items()))}


def external_secret(item: Workload, ns: str, refs: Sequence[SecretRef], sources: Mapping[str, Any], store: str) -> dict:
    """One Secret per workload holding exactly the keys it reads; `sources` maps a source to its secret ARN."""
    data = []
    for ref in refs:
        if ref.source == "app":
            remote = {"key": sources["app"], "property": ref.key}
        elif ref.source == "database-password":
            remote = {"key": sources["database-password"], "property": "password"}
        else:
            remote = {"key": sources["cache-auth-token"], "property": "REDIS_PASSWORD"}
        data.append({"secretKey": ref.env, "remoteRef": remote})
    return {
        "api_version": "external-secrets.io/v1",
        "kind": "ExternalSecret",
        "metadata": metadata(f"{item.name}-secrets", ns, pod_labels(item)),
        "spec": {
            "refreshInterval": refresh_interval(item),
            "secretStoreRef": {"kind": SECRET_STORE_KIND, "name": store},
            "target": {"name": f"{item.name}-secrets", "creationPolicy": "Owner", "deletionPolicy": "Retain"},
            "data": data,
        },
    }


def _http_probe(probe: Probe) -> dict:
    return {
        "httpGet": {"path": probe.path, "port": probe.port},
        "initialDelaySeconds": probe.initial_delay_seconds,
        "periodSeconds": probe.period_seconds,
        "timeoutSeconds": probe.timeout_seconds,
        "failureThreshold": probe.failure_threshold,
    }


def probes(item: Workload) -> dict:
    """Services get both probes: the catalog's, or the load balancer's health check on the service port."""
    if item.kind != "service" or item.port is None:
        return {}
    fallback = None
    if item.route is not None:
        check = item.route.health_check
        fallback = Probe(check.path, item.port, 10, check.interval_seconds, check.timeout_seconds, check.unhealthy_threshold)
    liveness, readiness = item.liveness or fallback, item.readiness or fallback
    result = {}
    if liveness is not None:
        result["livenessProbe"] = _http_probe(liveness)
    if readiness is not None:
        result["readinessProbe"] = _http_probe(readiness)
    return result


def pod_template(item: Workload, ns: str, image: Any, has_secrets: bool, restart_policy: str | None = None) -> dict:
    """Restricted-PSS pod: non-root, no escalation, no capabilities, RuntimeDefault seccomp, read-only root."""
    # The catalog's scratch directories (the same ones the ECS task gets); the rest of the image is read-only.
    volumes = [{"name": f"scratch-{i}", "emptyDir": {"sizeLimit": "256Mi"}} for i, _ in enumerate(item.scratch_paths)]
    mounts = [{"name": f"scratch-{i}", "mountPath": path} for i, path in enumerate(item.scratch_paths)]
    if item.storage is not None:
        volumes.append({"name": item.storage.name, "persistentVolumeClaim": {"claimName": item.storage.name}})
        mounts.append({"name": item.storage.name, "mountPath": item.storage.mount_path})
    env_from: list[dict] = [{"configMapRef": {"name": f"{item.name}-config"}}]
    if has_secrets:
        env_from.append({"secretRef": {"name": f"{item.name}-secrets"}})
    container: dict[str, Any] = {
        "name": item.name,
        "image": image,
        "imagePullPolicy": "Always",
        "envFrom": env_from,
        "resources": kubernetes_resources(item),
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": RUN_AS_USER,
            "runAsGroup": RUN_AS_USER,
            "allowPrivilegeEscalation": False,
            "privileged": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "volumeMounts": mounts,
        **probes(item),
    }
    if item.command:
        container["command"] = list(item.command)
    if item.port is not None:
        container["ports"] = [{"name": "http", "containerPort": item.port, "protocol": "TCP"}]
    pod_security: dict[str, Any] = {
        "runAsNonRoot": True,
        "runAsUser": RUN_AS_USER,
        "runAsGroup": RUN_AS_USER,
        "fsGroup": RUN_AS_USER,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    if item.port is not None and item.port < 1024:
        # A non-root process may bind a low port (nginx on 80) only with this namespaced, PSS-safe sysctl.
        pod_security["sysctls"] = [{"name": "net.ipv4.ip_unprivileged_port_start", "value": "0"}]
    annotations = {}
    if item.metrics_path and item.port is not None:
        annotations = {"prometheus.io/scrape": "true", "prometheus.io/port": str(item.port), "prometheus.io/path": item.metrics_path}
    spec: dict[str, Any] = {
        "serviceAccountName": item.name,
        "automountServiceAccountToken": False,
        "securityContext": pod_security,
        "nodeSelector": APPS.node_selector,
        "containers": [container],
        "volumes": volumes,
        "topologySpreadConstraints": [
            {"maxSkew": 1, "topologyKey": ZONE_KEY, "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": {"matchLabels": selector(item)}}
        ],
    }
    if restart_policy:
        spec["restartPolicy"] = restart_policy
    template_meta: dict[str, Any] = {"labels": pod_labels(item)}
    if annotations:
        template_meta["annotations"] = annotations
    return {"metadata": template_meta, "spec": spec}


def image_digest_skip(pin: ImagePin) -> str | None:
    """Checkov's CKV_K8S_43 skip for an image the stack names by tag, true for that stack; None when pulled by digest."""
    if pin.digest:
        return None
    if pin.registry is not None:
        return (
            f"CKV_K8S_43=this stack pulls its images by tag from {pin.registry} (ohmycoins:apps.imageRegistry); production requires digests"
        )
    if pin.tags_immutable:
        return "CKV_K8S_43=pinned by tag in this stack's ECR repository, which is tag-immutable: the tag always names the same image"
    return (
        "CKV_K8S_43=this stack runs its images by tag from its tag-mutable ECR repositories (ohmycoins:apps.imageTags); "
        "production requires digests"
    )


def _skips(item: Workload, has_secrets: bool, pin: ImagePin) -> dict[str, str]:
    skips = [skip for skip in (image_digest_skip(pin),) if skip]
    if has_secrets:
        skips.append(SKIP_SECRETS_AS_ENV)
    if item.kind == "worker":
        skips += SKIP_WORKER_PROBES
    return checkov_skips(*skips)


def deployment(item: Workload, ns: str, image: Any, has_secrets: bool, pin: ImagePin) -> dict:
    spec: dict[str, Any] = {
        "revisionHistoryLimit": 5,
        "selector": {"matchLabels": selector(item)},
        "template": pod_template(item, ns, image, has_secrets),
    }
    if item.scaling is None:
        # With an HPA the replica count is the HPA's: a manifest value would fight it on every apply.
        spec["replicas"] = item.desired_count
    if item.kind == "worker":
        # One copy loops on a timer: never two at once during a rollout.
        spec["strategy"] = {"type": "Recreate"}
    else:
        spec["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}
    annotations = {**_skips(item, has_secrets, pin), **(reload_annotations(item, f"{item.name}-secrets") if has_secrets else {})}
    return {"metadata": metadata(item.name, ns, pod_labels(item), annotations), "spec": spec}


def cron_job(item: Workload, ns: str, image: Any, has_secrets: bool, pin: ImagePin) -> dict:
    assert item.schedule is not None and item.timeout_seconds is not None
    return {
        "metadata": metadata(item.name, ns, pod_labels(item), _skips(item, has_secrets, pin)),
        "spec": {
            "schedule": item.schedule,
            "timeZone": "Etc/UTC",
            "concurrencyPolicy": "Forbid",
            "successfulJobsHistoryLimit": 3,
            "failedJobsHistoryLimit": 3,
            # A run that could not start within 5 minutes of its time is skipped (and shows as missed).
            "startingDeadlineSeconds": 300,
            "jobTemplate": {
                "metadata": {"labels": pod_labels(item)},
                "spec": {
                    "backoffLimit": 2,
                    # The catalog's time limit: a run that hangs is killed (and counted failed) before
                    # the next is due, instead of blocking it (concurrency is Forbid).
                    "activeDeadlineSeconds": item.timeout_seconds,
                    "ttlSecondsAfterFinished": 86400,
                    "template": pod_template(item, ns, image, has_secrets, restart_policy="OnFailure"),
                },
            },
        },
    }


def service(item: Workload, ns: str) -> dict:
    assert item.port is not None
    return {
        "metadata": metadata(item.name, ns, pod_labels(item)),
        "spec": {
            "type": "ClusterIP",
            "selector": selector(item),
            "ports": [{"name": "http", "port": item.port, "targetPort": "http", "protocol": "TCP"}],
        },
    }


def pod_disruption_budget(item: Workload, ns: str) -> dict:
    return {
        "metadata": metadata(item.name, ns, pod_labels(item)),
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": selector(item)}},
    }


def horizontal_pod_autoscaler(item: Workload, ns: str) -> dict:
    assert item.scaling is not None
    scaling = item.scaling
    return {
        "metadata": metadata(item.name, ns, pod_labels(item)),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": item.name},
            "minReplicas": scaling.min_count,
            "maxReplicas": scaling.max_count,
            "metrics": [
                {"type": "Resource", "resource": {"name": name, "target": {"type": "Utilization", "averageUtilization": target}}}
                for name, target in (("cpu", scaling.cpu_target_percent), ("memory", scaling.memory_target_percent))
            ],
            "behavior": {
                "scaleDown": {"stabilizationWindowSeconds": scaling.scale_in_cooldown_seconds},
                "scaleUp": {"stabilizationWindowSeconds": scaling.scale_out_cooldown_seconds},
            },
        },
    }


def efs_storage_class(name: str) -> dict:
    """The class of the EFS volumes; each is bound statically to its catalog access point (no provisioning)."""
    return {
        "metadata": metadata(name, None),
        "provisioner": "efs.csi.aws.com",
        "reclaim_policy": "Retain",
        "volume_binding_mode": "Immediate",
    }


def persistent_volume_name(item: Workload, ns: str) -> str:
    assert item.storage is not None
    return f"{ns}-{item.storage.name}"


def persistent_volume(item: Workload, ns: str, storage_class: str, volume_handle: Any) -> dict:
    """The catalog's shared storage: the EFS access point (its uid, gid and root directory), over TLS.

    Retained: deleting the claim never deletes the agents' files.
    """
    assert item.storage is not None
    return {
        "metadata": metadata(persistent_volume_name(item, ns), None, pod_labels(item)),
        "spec": {
            "capacity": {"storage": f"{item.storage.size_gib}Gi"},
            "volumeMode": "Filesystem",
            "accessModes": ["ReadWriteMany"],
            "persistentVolumeReclaimPolicy": "Retain",
            "storageClassName": storage_class,
            "mountOptions": ["tls"],
            "csi": {"driver": "efs.csi.aws.com", "volumeHandle": volume_handle},
        },
    }


def persistent_volume_claim(item: Workload, ns: str, storage_class: str) -> dict:
    assert item.storage is not None
    return {
        "metadata": metadata(item.storage.name, ns, pod_labels(item)),
        "spec": {
            "accessModes": ["ReadWriteMany"],
            "storageClassName": storage_class,
            "volumeName": persistent_volume_name(item, ns),
            "resources": {"requests": {"storage": f"{item.storage.size_gib}Gi"}},
        },
    }


def target_group_binding(item: Workload, ns: str, target_group_arn: Any) -> dict:
    assert item.port is not None
    return service_target_group_binding(item.name, ns, item.name, item.port, target_group_arn, pod_labels(item))


def service_target_group_binding(
    name: str, ns: str, service: str, port: int, target_group_arn: Any, labels: Mapping[str, str] | None = None
) -> dict:
    """The LB controller registers the pod IPs behind `service:port` in the Edge's target group."""
    return {
        "api_version": "elbv2.k8s.aws/v1beta1",
        "kind": "TargetGroupBinding",
        "metadata": metadata(name, ns, labels),
        "spec": {"serviceRef": {"name": service, "port": port}, "targetGroupARN": target_group_arn, "targetType": "ip"},
    }
