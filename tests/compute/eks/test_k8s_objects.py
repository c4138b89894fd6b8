"""The Kubernetes objects of a service, a worker and a job on EKS, written out field by field."""

from __future__ import annotations

from tests.compute.backend_environment import backend_environment

NS = "ohmycoins-eks-apps"
LABELS = {
    "app": "backend",
    "app.kubernetes.io/managed-by": "pulumi",
    "app.kubernetes.io/name": "backend",
    "app.kubernetes.io/part-of": "ohmycoins",
    "component": "api",
}
POD_SECURITY = {
    "fsGroup": 10001,
    "runAsGroup": 10001,
    "runAsNonRoot": True,
    "runAsUser": 10001,
    "seccompProfile": {"type": "RuntimeDefault"},
}
CONTAINER_SECURITY = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "privileged": False,
    "readOnlyRootFilesystem": True,
    "runAsGroup": 10001,
    "runAsNonRoot": True,
    "runAsUser": 10001,
    "seccompProfile": {"type": "RuntimeDefault"},
}


def obj(plan, type_: str, name: str) -> dict:
    (found,) = [
        r.inputs for r in plan.all(type_) if r.inputs["metadata"].get("name") == name and r.inputs["metadata"].get("namespace") == NS
    ]
    return found


def spread(name: str) -> list[dict]:
    return [
        {
            "labelSelector": {"matchLabels": {"app.kubernetes.io/name": name}},
            "maxSkew": 1,
            "topologyKey": "topology.kubernetes.io/zone",
            "whenUnsatisfiable": "ScheduleAnyway",
        }
    ]


def test_the_backend_deployment(eks_apps_plan):
    deployment = obj(eks_apps_plan, "kubernetes:apps/v1:Deployment", "backend")
    assert deployment["metadata"]["labels"] == LABELS
    spec = deployment["spec"]
    assert "replicas" not in spec  # the HPA owns the count
    assert (spec["revisionHistoryLimit"], spec["selector"]) == (5, {"matchLabels": {"app.kubernetes.io/name": "backend"}})
    assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
    template = spec["template"]
    assert template["metadata"] == {
        "annotations": {"prometheus.io/path": "/metrics", "prometheus.io/port": "8000", "prometheus.io/scrape": "true"},
        "labels": LABELS,
    }
    (container,) = template["spec"]["containers"]
    assert {k: v for k, v in template["spec"].items() if k != "containers"} == {
        "automountServiceAccountToken": False,
        "nodeSelector": {"ohmycoins.io/node-group": "apps"},
        "securityContext": POD_SECURITY,
        "serviceAccountName": "backend",
        "topologySpreadConstraints": spread("backend"),
        "volumes": [{"emptyDir": {"sizeLimit": "256Mi"}, "name": "scratch-0"}],
    }
    image = container["image"]
    assert image.endswith("/ohmycoins-eks-apps-backend:v1.0.0")
    assert container == {
        "envFrom": [{"configMapRef": {"name": "backend-config"}}, {"secretRef": {"name": "backend-secrets"}}],
        "image": image,
        "imagePullPolicy": "Always",
        "livenessProbe": {
            "failureThreshold": 3,
            "httpGet": {"path": "/api/v1/utils/health-check/", "port": 8000},
            "initialDelaySeconds": 30,
            "periodSeconds": 10,
            "timeoutSeconds": 5,
        },
        "name": "backend",
        "ports": [{"containerPort": 8000, "name": "http", "protocol": "TCP"}],
        "readinessProbe": {
            "failureThreshold": 3,
            "httpGet": {"path": "/api/v1/utils/health-check/", "port": 8000},
            "initialDelaySeconds": 10,
            "periodSeconds": 5,
            "timeoutSeconds": 3,
        },
        "resources": {"limits": {"cpu": "500m", "memory": "1024Mi"}, "requests": {"cpu": "250m", "memory": "512Mi"}},
        "securityContext": CONTAINER_SECURITY,
        "volumeMounts": [{"mountPath": "/tmp", "name": "scratch-0"}],
    }


def test_the_backends_service_budget_autoscaler_account_and_settings(eks_apps_plan):
    service = obj(eks_apps_plan, "kubernetes:core/v1:Service", "backend")["spec"]
    assert service == {
        "ports": [{"name": "http", "port": 8000, "protocol": "TCP", "targetPort": "http"}],
        "selector": {"app.kubernetes.io/name": "backend"},
        "type": "ClusterIP",
    }
    budget = obj(eks_apps_plan, "kubernetes:policy/v1:PodDisruptionBudget", "backend")["spec"]
    assert budget == {"maxUnavailable": 1, "selector": {"matchLabels": {"app.kubernetes.io/name": "backend"}}}
    autoscaler = obj(eks_apps_plan, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "backend")["spec"]
    assert autoscaler == {
        "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300}, "scaleUp": {"stabilizationWindowSeconds": 60}},
        "minReplicas": 1,
        "maxReplicas": 2,
        "metrics": [
            {"type": "Resource", "resource": {"name": "cpu", "target": {"averageUtilization": 70, "type": "Utilization"}}},
            {"type": "Resource", "resource": {"name": "memory", "target": {"averageUtilization": 80, "type": "Utilization"}}},
        ],
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "backend"},
    }
    account = obj(eks_apps_plan, "kubernetes:core/v1:ServiceAccount", "backend")
    assert account["automountServiceAccountToken"] is False
    settings = obj(eks_apps_plan, "kubernetes:core/v1:ConfigMap", "backend-config")["data"]
    assert {k: v for k, v in settings.items() if k not in ("POSTGRES_SERVER", "REDIS_HOST")} == backend_environment(
        # The apex (https://staging.ohmycoins.com) serves the site too, so it is an allowed origin.
        "staging",
        "staging.ohmycoins.com",
        "https://dashboard.staging.ohmycoins.com,https://staging.ohmycoins.com,http://localhost:5173",
    )
    outputs = eks_apps_plan.outputs
    assert (settings["POSTGRES_SERVER"], settings["REDIS_HOST"]) == (outputs["databaseAddress"], outputs["cachePrimaryEndpoint"])


def test_a_worker_runs_one_copy_and_never_two(eks_apps_plan):
    spec = obj(eks_apps_plan, "kubernetes:apps/v1:Deployment", "reddit")["spec"]
    assert (spec["replicas"], spec["strategy"]) == (1, {"type": "Recreate"})


def test_a_job_runs_on_its_schedule_once_at_a_time_and_cleans_up(eks_apps_plan):
    spec = obj(eks_apps_plan, "kubernetes:batch/v1:CronJob", "defillama")["spec"]
    assert {k: v for k, v in spec.items() if k != "jobTemplate"} == {
        "concurrencyPolicy": "Forbid",
        "failedJobsHistoryLimit": 3,
        "schedule": "0 2 * * *",
        "startingDeadlineSeconds": 300,
        "successfulJobsHistoryLimit": 3,
        "timeZone": "Etc/UTC",
    }
    job = spec["jobTemplate"]["spec"]
    assert {k: v for k, v in job.items() if k != "template"} == {
        # The catalog's time limit of a defillama run: 30 minutes, far inside the day between runs.
        "activeDeadlineSeconds": 1800,
        "backoffLimit": 2,
        "ttlSecondsAfterFinished": 86400,
    }
    pod = job["template"]["spec"]
    assert {k: v for k, v in pod.items() if k != "containers"} == {
        "automountServiceAccountToken": False,
        "nodeSelector": {"ohmycoins.io/node-group": "apps"},
        "restartPolicy": "OnFailure",
        "securityContext": POD_SECURITY,
        "serviceAccountName": "defillama",
        "topologySpreadConstraints": spread("defillama"),
        "volumes": [{"emptyDir": {"sizeLimit": "256Mi"}, "name": "scratch-0"}],
    }
    (container,) = pod["containers"]
    assert container["command"] == ["python", "-m", "app.services.collectors.glass.defillama"]
    assert container["securityContext"] == CONTAINER_SECURITY


def test_every_workload_policy_governs_both_directions(eks_apps_plan):
    policies = {
        r.inputs["metadata"]["name"]: r.inputs["spec"]
        for r in eks_apps_plan.all("kubernetes:networking.k8s.io/v1:NetworkPolicy")
        if r.inputs["metadata"].get("namespace") == NS
    }
    workloads = {"backend", "frontend", "agents", "reddit", "cryptopanic", "defillama", "sec-api", "coinspot-announcements"}
    assert set(policies) == workloads | {"default-deny", "allow-dns", "reloader"}
    # Without Egress in policyTypes a policy's egress rules would not apply, and the pods could reach nothing.
    assert all(policies[name]["policyTypes"] == ["Ingress", "Egress"] for name in workloads | {"default-deny", "reloader"})
    assert policies["allow-dns"]["policyTypes"] == ["Egress"] and policies["allow-dns"]["podSelector"] == {}
    assert all(policies[name]["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": name}} for name in workloads)
    # Reloader (in the apps namespace, rolling Deployments whose Secret rotated) carries its chart's `app` label.
    assert policies["reloader"]["podSelector"] == {"matchLabels": {"app": "reloader"}}


def test_every_kubernetes_object_goes_to_the_stacks_cluster(eks_apps_plan):
    """Never to whatever cluster the ambient kubeconfig points at: each object names the EKS provider."""
    (provider,) = eks_apps_plan.all("pulumi:providers:kubernetes")
    objects = [r for r in eks_apps_plan.resources if r.type.startswith("kubernetes:")]
    assert objects and all(r.provider == provider.urn for r in objects)
    namespace = next(r for r in eks_apps_plan.all("kubernetes:core/v1:Namespace") if r.inputs["metadata"]["name"] == NS)
    in_namespace = [r for r in objects if r.inputs.get("metadata", {}).get("namespace") == NS]
    assert in_namespace and all(namespace.urn in r.dependencies for r in in_namespace)


def test_the_apps_wait_for_the_controllers_and_drivers_they_need(eks_apps_plan):
    namespace = next(r for r in eks_apps_plan.all("kubernetes:core/v1:Namespace") if r.inputs["metadata"]["name"] == NS)
    needed = {
        eks_apps_plan.one("kubernetes:helm.sh/v3:Release", "eks-controllers-external-secrets").urn,
        eks_apps_plan.one("kubernetes:helm.sh/v3:Release", "eks-controllers-aws-load-balancer-controller").urn,
        eks_apps_plan.one("kubernetes:external-secrets.io/v1:ClusterSecretStore").urn,
        eks_apps_plan.one("aws:eks/addon:Addon", "eks-addons-aws-efs-csi-driver").urn,
    }
    assert needed <= set(namespace.dependencies)
