"""The applications on EKS (tests/stacks/Pulumi.eks-apps.yaml): the catalog rendered as Kubernetes objects."""

from __future__ import annotations

import pytest
import yaml

from components.compute.workloads import secrets_for
from k8s.reloader import reloader_values
from tests.conftest import EKS_APPS_STACK_FILE, stack_config

NS = "ohmycoins-eks-apps"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
CRONJOB = "kubernetes:batch/v1:CronJob"
SERVICE = "kubernetes:core/v1:Service"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"
HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
EXTERNAL_SECRET = "kubernetes:external-secrets.io/v1:ExternalSecret"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
TGB = "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding"


@pytest.fixture(scope="module")
def catalog():
    from components.compute.apps_settings import AppsSettings

    return AppsSettings.model_validate(stack_config_eks()["ohmycoins:apps"]).catalog


def stack_config_eks():
    return yaml.safe_load(EKS_APPS_STACK_FILE.read_text())["config"]


def _objects(plan, type_):
    return {r.inputs["metadata"]["name"]: r.inputs for r in plan.all(type_) if r.inputs["metadata"].get("namespace") == NS}


def _pod_specs(plan):
    """Workload name -> (pod template, kind) for every Deployment and CronJob."""
    pods = {name: (obj["spec"]["template"], "Deployment") for name, obj in _objects(plan, DEPLOYMENT).items()}
    pods.update({name: (obj["spec"]["jobTemplate"]["spec"]["template"], "CronJob") for name, obj in _objects(plan, CRONJOB).items()})
    return pods


def test_the_test_stack_is_staging_with_the_apps_on_eks():
    staging, eks_apps = stack_config("staging"), stack_config_eks()
    assert eks_apps["ohmycoins:apps"]["platform"] == "eks"
    for config in (staging, eks_apps):
        config["ohmycoins:apps"].pop("platform")
        config["ohmycoins:apps"].pop("imageTag")
    # The apps need a node group of their own on EKS; staging (apps on ECS) has none.
    assert eks_apps["ohmycoins:eks"]["nodeGroups"].pop("apps") == {
        "instanceTypes": ["t4g.large"],
        "minSize": 1,
        "desiredSize": 1,
        "maxSize": 3,
    }
    assert eks_apps == staging, "tests/stacks/Pulumi.eks-apps.yaml drifted from Pulumi.staging.yaml"


def test_default_stacks_run_the_apps_on_ecs_but_keep_the_cluster(any_plan):
    assert any_plan.all("eks:index:Cluster")
    app_namespace = f"ohmycoins-{any_plan.stack}"
    assert all(r.inputs["metadata"].get("namespace") != app_namespace for r in any_plan.all(DEPLOYMENT) + any_plan.all(CRONJOB))
    # The only target group binding is Grafana's, in the monitoring namespace.
    assert [r.inputs["metadata"]["namespace"] for r in any_plan.all(TGB)] == ["monitoring"]


def test_one_object_set_per_catalog_entry(eks_apps_plan, catalog):
    deployments, cronjobs = _objects(eks_apps_plan, DEPLOYMENT), _objects(eks_apps_plan, CRONJOB)
    services, pdbs, hpas = _objects(eks_apps_plan, SERVICE), _objects(eks_apps_plan, PDB), _objects(eks_apps_plan, HPA)
    for item in catalog:
        if item.kind == "job":
            assert item.name in cronjobs and item.name not in deployments
        else:
            assert item.name in deployments and item.name not in cronjobs
        assert (item.name in services) == (item.kind == "service")
        assert (item.name in pdbs) == (item.kind == "service")
        assert (item.name in hpas) == (item.scaling is not None)
    assert len(deployments) + len(cronjobs) == len(catalog)


def test_cronjobs_forbid_overlap_keep_three_and_run_in_utc(eks_apps_plan, catalog):
    cronjobs = _objects(eks_apps_plan, CRONJOB)
    for item in catalog:
        if item.kind != "job":
            continue
        spec = cronjobs[item.name]["spec"]
        assert spec["schedule"] == item.schedule
        assert spec["timeZone"] == "Etc/UTC"
        assert spec["concurrencyPolicy"] == "Forbid"
        assert (spec["successfulJobsHistoryLimit"], spec["failedJobsHistoryLimit"]) == (3, 3)


def test_every_container_is_hardened(eks_apps_plan):
    pods = _pod_specs(eks_apps_plan)
    assert len(pods) == 8
    for name, (template, _) in pods.items():
        spec = template["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        # A non-root process binds a port below 1024 (nginx on 80) only from port 0 up.
        low_ports = [p for c in spec["containers"] for p in c.get("ports", []) if p["containerPort"] < 1024]
        sysctls = [{"name": "net.ipv4.ip_unprivileged_port_start", "value": "0"}] if low_ports else None
        assert spec["securityContext"].get("sysctls") == sysctls, name
        assert spec["automountServiceAccountToken"] is False
        assert not any(spec.get(k) for k in ("hostNetwork", "hostPID", "hostIPC"))
        for container in spec["containers"]:
            security = container["securityContext"]
            assert security["runAsNonRoot"] is True and security["runAsUser"] >= 10000, name
            assert security["allowPrivilegeEscalation"] is False, name
            assert security["capabilities"] == {"drop": ["ALL"]}, name
            assert security["seccompProfile"] == {"type": "RuntimeDefault"}, name
            assert security["readOnlyRootFilesystem"] is True, name
            assert set(container["resources"]) == {"requests", "limits"}
            assert set(container["resources"]["limits"]) == {"cpu", "memory"}
            mounted = {m["name"] for m in container["volumeMounts"]}
            assert any(v["name"] in mounted and "emptyDir" in v for v in spec["volumes"]), f"{name} has nowhere to write"
            assert ":latest" not in container["image"]


def test_services_have_probes_and_pods_spread_across_zones(eks_apps_plan, catalog):
    pods = _pod_specs(eks_apps_plan)
    for item in catalog:
        template, _ = pods[item.name]
        (container,) = template["spec"]["containers"]
        if item.kind == "service":
            assert container["livenessProbe"]["httpGet"]["port"] == item.port
            assert container["readinessProbe"]["httpGet"]["port"] == item.port
        (spread,) = template["spec"]["topologySpreadConstraints"]
        assert spread["topologyKey"] == "topology.kubernetes.io/zone"
        assert spread["labelSelector"]["matchLabels"].items() <= template["metadata"]["labels"].items()
        assert template["spec"]["nodeSelector"] == {"ohmycoins.io/node-group": "apps"}


def test_namespace_enforces_restricted_pod_security(eks_apps_plan):
    (namespace,) = [r.inputs for r in eks_apps_plan.all("kubernetes:core/v1:Namespace") if r.inputs["metadata"]["name"] == NS]
    labels = namespace["metadata"]["labels"]
    for mode in ("enforce", "audit", "warn"):
        assert labels[f"pod-security.kubernetes.io/{mode}"] == "restricted"


def test_selectors_of_services_pdbs_hpas_and_deployments_match_pod_labels(eks_apps_plan):
    pods = _pod_specs(eks_apps_plan)
    deployments = _objects(eks_apps_plan, DEPLOYMENT)
    for name, deployment in deployments.items():
        assert deployment["spec"]["selector"]["matchLabels"].items() <= pods[name][0]["metadata"]["labels"].items()
    for name, service in _objects(eks_apps_plan, SERVICE).items():
        assert service["spec"]["selector"].items() <= pods[name][0]["metadata"]["labels"].items()
        (container,) = pods[name][0]["spec"]["containers"]
        assert service["spec"]["ports"][0]["targetPort"] in {p["name"] for p in container["ports"]}
    for name, pdb in _objects(eks_apps_plan, PDB).items():
        assert pdb["spec"]["selector"]["matchLabels"].items() <= pods[name][0]["metadata"]["labels"].items()
    for name, hpa in _objects(eks_apps_plan, HPA).items():
        assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
        assert name in deployments and "replicas" not in deployments[name]["spec"]


def test_hpas_use_the_catalogs_bounds_and_targets(eks_apps_plan, catalog):
    hpas = _objects(eks_apps_plan, HPA)
    for item in catalog:
        if item.scaling is None:
            continue
        spec = hpas[item.name]["spec"]
        assert (spec["minReplicas"], spec["maxReplicas"]) == (item.scaling.min_count, item.scaling.max_count)
        targets = {m["resource"]["name"]: m["resource"]["target"]["averageUtilization"] for m in spec["metrics"]}
        assert targets == {"cpu": item.scaling.cpu_target_percent, "memory": item.scaling.memory_target_percent}


def test_external_secrets_name_exactly_the_keys_each_workload_reads(eks_apps_plan, catalog):
    secrets = _objects(eks_apps_plan, EXTERNAL_SECRET)
    outputs = eks_apps_plan.outputs
    arns = {
        "app": outputs["appSecretArn"],
        "database-password": outputs["databaseMasterSecretArn"],
        "cache-auth-token": outputs["cacheAuthSecretArn"],
    }
    available = outputs["appSecretKeys"]
    pods = _pod_specs(eks_apps_plan)
    for item in catalog:
        refs = secrets_for(item, available)
        if not refs:
            assert f"{item.name}-secrets" not in secrets
            continue
        spec = secrets[f"{item.name}-secrets"]["spec"]
        assert spec["secretStoreRef"] == {"kind": "ClusterSecretStore", "name": "aws-secrets-manager"}
        assert sorted(d["secretKey"] for d in spec["data"]) == sorted(ref.env for ref in refs)
        for entry in spec["data"]:
            assert entry["remoteRef"]["key"] in arns.values()
            if entry["remoteRef"]["key"] == arns["app"]:
                assert entry["remoteRef"]["property"] in available
        (container,) = pods[item.name][0]["spec"]["containers"]
        assert {"secretRef": {"name": spec["target"]["name"]}} in container["envFrom"]


def test_no_secret_literal_in_any_manifest(eks_apps_plan):
    assert not eks_apps_plan.all("kubernetes:core/v1:Secret") or all(
        r.inputs["metadata"].get("namespace") != NS for r in eks_apps_plan.all("kubernetes:core/v1:Secret")
    )
    for config in _objects(eks_apps_plan, "kubernetes:core/v1:ConfigMap").values():
        assert not {"POSTGRES_PASSWORD", "REDIS_PASSWORD", "SECRET_KEY"} & set(config["data"])


def test_agents_mount_a_10gib_rwx_claim_on_efs(eks_apps_plan, catalog):
    (agents,) = [w for w in catalog if w.storage is not None]
    (claim,) = [r.inputs for r in eks_apps_plan.all("kubernetes:core/v1:PersistentVolumeClaim")]
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
    assert claim["spec"]["resources"]["requests"]["storage"] == "10Gi"
    classes = {r.inputs["metadata"]["name"]: r.inputs for r in eks_apps_plan.all("kubernetes:storage.k8s.io/v1:StorageClass")}
    assert classes[claim["spec"]["storageClassName"]]["provisioner"] == "efs.csi.aws.com"
    # Bound to the catalog's access point (its uid, gid and root directory), retained on delete.
    (volume_object,) = [r.inputs for r in eks_apps_plan.all("kubernetes:core/v1:PersistentVolume")]
    assert claim["spec"]["volumeName"] == volume_object["metadata"]["name"]
    assert volume_object["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
    assert volume_object["spec"]["accessModes"] == ["ReadWriteMany"]
    # The volume handle is `<file system id>::<access point id>` of the program's own EFS.
    (volume_resource,) = eks_apps_plan.all("kubernetes:core/v1:PersistentVolume")
    assert volume_object["spec"]["csi"]["driver"] == "efs.csi.aws.com"
    assert "::" in volume_object["spec"]["csi"]["volumeHandle"]
    assert eks_apps_plan.one("aws:efs/fileSystem:FileSystem").urn in volume_resource.dependencies
    assert eks_apps_plan.one("aws:efs/accessPoint:AccessPoint").urn in volume_resource.dependencies
    (access_point,) = [r.inputs for r in eks_apps_plan.all("aws:efs/accessPoint:AccessPoint")]
    assert access_point["posixUser"] == {"uid": agents.storage.uid, "gid": agents.storage.gid}
    assert access_point["rootDirectory"]["path"] == agents.storage.root_directory
    template, _ = _pod_specs(eks_apps_plan)[agents.name]
    volume = next(v for v in template["spec"]["volumes"] if "persistentVolumeClaim" in v)
    assert volume["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]
    (container,) = template["spec"]["containers"]
    assert {"name": volume["name"], "mountPath": agents.storage.mount_path} in container["volumeMounts"]


def test_target_group_bindings_attach_the_routed_services_to_the_edges_target_groups(eks_apps_plan, catalog):
    bindings = _objects(eks_apps_plan, TGB)
    resources = {r.inputs["metadata"]["name"]: r for r in eks_apps_plan.all(TGB)}
    assert set(bindings) == {"backend", "frontend"}
    for name, port in (("backend", 8000), ("frontend", 80)):
        spec = bindings[name]["spec"]
        assert spec["serviceRef"] == {"name": name, "port": port}
        assert spec["targetType"] == "ip"
        # Bound to the Edge's target group of the same workload, and to no other.
        group = eks_apps_plan.named(f"edge-{name}-tg")
        assert group.inputs["name"] == f"{NS}-{name}"
        assert group.urn in resources[name].dependencies
        other = eks_apps_plan.named(f"edge-{'frontend' if name == 'backend' else 'backend'}-tg")
        assert other.urn not in resources[name].dependencies


def test_load_balancer_reaches_pods_on_the_routed_ports_and_grafana_only(eks_apps_plan):
    cluster_sg, alb_sg = eks_apps_plan.outputs["eksClusterSecurityGroupId"], eks_apps_plan.outputs["albSecurityGroupId"]
    ingress = [
        r.inputs
        for r in eks_apps_plan.all("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if r.inputs["securityGroupId"] == cluster_sg
    ]
    from_alb = sorted(r["fromPort"] for r in ingress if r.get("referencedSecurityGroupId") == alb_sg)
    assert from_alb == [80, 3000, 8000]


# --- network policies ------------------------------------------------------------------------


def _policies(plan):
    return _objects(plan, NETWORK_POLICY)


def _matches(selector: dict, labels: dict) -> bool:
    return selector.get("matchLabels", {}).items() <= labels.items()


def test_default_deny_both_ways_and_dns_to_kube_dns(eks_apps_plan):
    policies = _policies(eks_apps_plan)
    assert policies["default-deny"]["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    (rule,) = policies["allow-dns"]["spec"]["egress"]
    (peer,) = rule["to"]
    assert peer["namespaceSelector"] == {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}
    assert peer["podSelector"] == {"matchLabels": {"k8s-app": "kube-dns"}}
    assert sorted((p["protocol"], p["port"]) for p in rule["ports"]) == [("TCP", 53), ("UDP", 53)]


def test_every_policy_selects_real_pods(eks_apps_plan):
    pods = _pod_specs(eks_apps_plan)
    labels = [template["metadata"]["labels"] for template, _ in pods.values()]
    for name, policy in _policies(eks_apps_plan).items():
        selector = policy["spec"]["podSelector"]
        if name == "reloader":
            # The Reloader chart labels its pods app=<fullnameOverride>.
            assert selector == {"matchLabels": {"app": reloader_values({})["fullnameOverride"]}}
            continue
        assert selector == {} or any(_matches(selector, pod) for pod in labels), name
        for rule in policy["spec"].get("ingress", []) + policy["spec"].get("egress", []):
            for peer in rule.get("from", []) + rule.get("to", []):
                if "podSelector" in peer and "namespaceSelector" not in peer:
                    assert any(_matches(peer["podSelector"], pod) for pod in labels), (name, peer)


def _ingress_ports_from(policy, labels):
    ports = set()
    for rule in policy["spec"].get("ingress", []):
        if any("podSelector" in p and _matches(p["podSelector"], labels) for p in rule["from"]):
            ports |= {p["port"] for p in rule["ports"]}
    return ports


def test_backend_admits_the_alb_subnets_collectors_and_agents_on_its_port(eks_apps_plan, catalog):
    pods = _pod_specs(eks_apps_plan)
    backend = _policies(eks_apps_plan)["backend"]
    public = [r.inputs["cidrBlock"] for r in eks_apps_plan.all("aws:ec2/subnet:Subnet") if "public" in r.name]
    blocks = {p["ipBlock"]["cidr"] for rule in backend["spec"]["ingress"] for p in rule["from"] if "ipBlock" in p}
    assert blocks == set(public)
    for item in catalog:
        labels = pods[item.name][0]["metadata"]["labels"]
        expected = {8000} if item.labels.get("app") in ("collectors", "agents") else set()
        assert _ingress_ports_from(backend, labels) == expected, item.name
    assert _ingress_ports_from(_policies(eks_apps_plan)["agents"], pods["backend"][0]["metadata"]["labels"]) == {8001}


def test_egress_goes_only_where_each_workload_must(eks_apps_plan, catalog):
    data = {r.inputs["cidrBlock"] for r in eks_apps_plan.all("aws:ec2/subnet:Subnet") if "private-data" in r.name}
    vpc = eks_apps_plan.outputs["vpcCidr"]
    for item in catalog:
        egress = _policies(eks_apps_plan)[item.name]["spec"].get("egress", [])
        to_data = {
            p["port"]
            for rule in egress
            for peer in rule["to"]
            if "ipBlock" in peer and peer["ipBlock"]["cidr"] in data
            for p in rule["ports"]
        }
        assert to_data == {port for name, port in (("database", 5432), ("cache", 6379)) if name in item.connections}, item.name
        internet = [rule for rule in egress for peer in rule["to"] if peer.get("ipBlock", {}).get("cidr") == "0.0.0.0/0"]
        for rule in internet:
            # 443 for APIs; the backend also reaches the SMTP server (ohmycoins:email.smtpPort 587).
            assert rule["ports"] in ([{"protocol": "TCP", "port": 443}], [{"protocol": "TCP", "port": 587}]), item.name
            assert rule["ports"] != [{"protocol": "TCP", "port": 587}] or item.name == "backend", item.name
            assert rule["to"][0]["ipBlock"]["except"] == [vpc]
        if item.labels.get("app") in ("collectors", "agents"):
            assert internet, item.name
            assert any(
                peer.get("podSelector") == {"matchLabels": {"app.kubernetes.io/name": "backend"}} for rule in egress for peer in rule["to"]
            )
        if item.name == "frontend":
            assert egress == []


def test_each_workload_policy_admits_only_the_port_its_pods_listen_on(eks_apps_plan):
    pods = _pod_specs(eks_apps_plan)
    for name, policy in _policies(eks_apps_plan).items():
        if name not in pods:
            continue
        (container,) = pods[name][0]["spec"]["containers"]
        listening = {p["containerPort"] for p in container.get("ports", [])}
        admitted = {p["port"] for rule in policy["spec"].get("ingress", []) for p in rule["ports"]}
        assert admitted == listening, name


def test_production_on_eks_keeps_the_agents_files_and_runs_controllers_twice(plan_variant):
    plan = plan_variant("production", lambda config: config["ohmycoins:apps"].update(platform="eks"))
    storage = plan.all("kubernetes:core/v1:PersistentVolume") + plan.all("kubernetes:core/v1:PersistentVolumeClaim")
    assert len(storage) == 2 and all(r.protect for r in storage)
    assert plan.one("aws:efs/fileSystem:FileSystem").protect
    releases = {r.inputs["name"]: r.inputs["values"] for r in plan.all("kubernetes:helm.sh/v3:Release")}
    assert releases["aws-load-balancer-controller"]["replicaCount"] == 2
    assert releases["external-secrets"]["replicaCount"] == 2
    namespace = "ohmycoins-production"
    deployments = [r for r in plan.all(DEPLOYMENT) if r.inputs["metadata"].get("namespace") == namespace]
    assert {r.inputs["metadata"]["name"] for r in deployments} == {"backend", "frontend", "reddit", "cryptopanic", "agents"}


def test_storage_classes(eks_apps_plan):
    classes = {r.inputs["metadata"]["name"]: r.inputs for r in eks_apps_plan.all("kubernetes:storage.k8s.io/v1:StorageClass")}
    gp3, efs = classes["gp3"], classes["efs-sc"]
    # The default class: encrypted gp3 with the stack's key, bound where the pod lands, growable.
    assert gp3["metadata"]["annotations"] == {"storageclass.kubernetes.io/is-default-class": "true"}
    assert (gp3["provisioner"], gp3["volumeBindingMode"], gp3["reclaimPolicy"], gp3["allowVolumeExpansion"]) == (
        "ebs.csi.aws.com",
        "WaitForFirstConsumer",
        "Delete",
        True,
    )
    # EFS volumes are bound statically to the catalog's access point and kept when released.
    assert (efs["provisioner"], efs["volumeBindingMode"], efs["reclaimPolicy"]) == ("efs.csi.aws.com", "Immediate", "Retain")
    assert "parameters" not in efs
