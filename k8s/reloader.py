"""Running pods pick up a rotated credential on EKS: External Secrets refreshes each workload's Secret
every few minutes, and Stakater Reloader rolls every Deployment whose Secret changed.

Pods read the Secret into their environment once, at start. RDS rotates the master password weekly
in the maintenance window; a new Redis AUTH token comes with `pulumi up`. The ExternalSecret of a
workload that reads either one refreshes every `ROTATING_REFRESH`, and the Deployment carries
Reloader's annotation naming that Secret, so a changed value means a rolling restart (readiness
gated, one surge pod at a time). CronJob runs start new pods, which read the current Secret.

Reloader runs in the apps namespace and watches only it (`watchGlobally: false`): its RBAC is a
namespaced Role, not cluster-wide access to Secrets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from components.compute.workloads import Workload

RELOADER_RELEASE = "reloader"
# The pods' `app` label (the chart names it after fullnameOverride): the NetworkPolicy selects it.
RELOADER_NAME = "reloader"
SECRET_RELOAD_ANNOTATION = "secret.reloader.stakater.com/reload"
# How often External Secrets re-reads a Secrets Manager value that rotates (others: hourly).
ROTATING_REFRESH = "5m"
STATIC_REFRESH = "1h"


def reads_rotating_secret(item: Workload) -> bool:
    return item.reads("database-password") or item.reads("cache-auth-token")


def refresh_interval(item: Workload) -> str:
    return ROTATING_REFRESH if reads_rotating_secret(item) else STATIC_REFRESH


def reload_annotations(item: Workload, secret_name: str) -> dict[str, str]:
    """The Deployment annotation that makes Reloader roll it when its Secret changes."""
    return {SECRET_RELOAD_ANNOTATION: secret_name} if item.is_long_running and item.secrets else {}


def reloader_values(node_selector: Mapping[str, str]) -> dict[str, Any]:
    """Reloader 1.0.97: one replica on the app nodes, restricted-PSS compliant, namespaced RBAC."""
    return {
        "fullnameOverride": RELOADER_NAME,
        "reloader": {
            "watchGlobally": False,
            "readOnlyRootFileSystem": True,
            "ignoreConfigMaps": True,
            "rbac": {"enabled": True},
            "serviceAccount": {"create": True, "name": RELOADER_NAME},
            "deployment": {
                "replicas": 1,
                "nodeSelector": dict(node_selector),
                "securityContext": {"runAsNonRoot": True, "runAsUser": 65534, "seccompProfile": {"type": "RuntimeDefault"}},
                "containerSecurityContext": {
                    "allowPrivilegeEscalation": False,
                    "readOnlyRootFilesystem": True,
                    "capabilities": {"drop": ["ALL"]},
                },
                "resources": {"requests": {"cpu": "10m", "memory": "64Mi"}, "limits": {"cpu": "100m", "memory": "128Mi"}},
            },
        },
    }
