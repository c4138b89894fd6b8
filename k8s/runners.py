"""GitHub Actions runners on EKS: Actions Runner Controller's scale-set controller and one runner
scale set per configured group.

Every scale set keeps zero idle runners (`minRunners: 0`): a job makes ARC create a runner pod, the
pod's node selector and toleration put it on the tainted runner node group, and the cluster
autoscaler adds a node for it; with no jobs the pods go and the node group shrinks back to zero.
The GitHub App's private key comes from secret config into a Kubernetes Secret the scale sets use.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.compute.eks.runners_settings import RunnerSettings

from .chart_values import (
    ARC_CONTROLLER_RELEASE,
    ARC_RUNNERS_NAMESPACE,
    ARC_SYSTEM_NAMESPACE,
    GITHUB_APP_SECRET,
    arc_controller_values,
    runner_scale_set_values,
)
from .observability import helm_release


@dataclass(frozen=True)
class RunnersArgs:
    settings: RunnerSettings
    github_app_private_key: pulumi.Input[str]
    # Where runner pods must go: the runner node group's label and taint (from the EKS platform).
    node_selector: Mapping[str, str]
    tolerations: Sequence[Mapping[str, str]]
    depends_on: Sequence[pulumi.Resource] = ()


class Runners(pulumi.ComponentResource):
    """ARC controller plus a runner scale set per group; idle cost is zero."""

    scale_set_names: list[str]

    def __init__(self, name: str, args: RunnersArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ohmycoins:k8s:Runners", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        settings = args.settings
        assert settings.github_app is not None, "settings validation requires githubApp when runners are enabled"

        system_namespace = k8s.core.v1.Namespace(
            f"{name}-system-namespace",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=ARC_SYSTEM_NAMESPACE, labels={"pod-security.kubernetes.io/enforce": "restricted"}),
            opts=child,
        )
        runners_namespace = k8s.core.v1.Namespace(
            f"{name}-runners-namespace",
            # Docker-in-Docker sidecars are privileged; only runner pods live here.
            metadata=k8s.meta.v1.ObjectMetaArgs(name=ARC_RUNNERS_NAMESPACE, labels={"pod-security.kubernetes.io/enforce": "privileged"}),
            opts=child,
        )
        controller = helm_release(
            f"{name}-controller",
            "gha-runner-scale-set-controller",
            ARC_CONTROLLER_RELEASE,
            ARC_SYSTEM_NAMESPACE,
            arc_controller_values(),
            pulumi.ResourceOptions(parent=self, depends_on=[system_namespace, *args.depends_on]),
        )
        github_secret = k8s.core.v1.Secret(
            f"{name}-github-app",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=GITHUB_APP_SECRET, namespace=ARC_RUNNERS_NAMESPACE),
            type="Opaque",
            string_data={
                # ARC reads the ids as strings.
                "github_app_id": settings.github_app.app_id,
                "github_app_installation_id": settings.github_app.installation_id,
                "github_app_private_key": pulumi.Output.secret(args.github_app_private_key),
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[runners_namespace]),
        )
        self.scale_set_names = []
        for group in settings.groups:
            helm_release(
                f"{name}-{group.name}",
                "gha-runner-scale-set",
                group.name,
                ARC_RUNNERS_NAMESPACE,
                runner_scale_set_values(group, args.node_selector, args.tolerations),
                pulumi.ResourceOptions(parent=self, depends_on=[controller, github_secret, runners_namespace]),
            )
            self.scale_set_names.append(group.name)
        self.register_outputs({"scale_set_names": self.scale_set_names})
