"""The EKS platform: cluster settings, node groups, add-ons, IRSA roles, controllers and data-tier access."""

from __future__ import annotations

import json

import pytest

from components.compute.eks.irsa import irsa_trust_policy
from components.compute.eks.policies import external_secrets_policy
from tools.plan_model import SECRET

CLUSTER = "eks:index:Cluster"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
ADDON = "aws:eks/addon:Addon"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
RELEASE = "kubernetes:helm.sh/v3:Release"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"


def _node_group(plan, group: str):
    return plan.one(NODE_GROUP, f"eks-nodes-{group}")


def _role(plan, role_name: str):
    found = [r for r in plan.all(ROLE) if r.inputs.get("name") == role_name]
    assert len(found) == 1, f"no single role named {role_name}"
    return found[0]


def _statements(document) -> list[dict]:
    return json.loads(document)["Statement"] if isinstance(document, str) else document["Statement"]


# --- cluster ---------------------------------------------------------------------------------


def test_cluster_is_in_the_programs_vpc_and_private_app_subnets(any_plan):
    cluster = any_plan.one(CLUSTER)
    vpc = any_plan.one("aws:ec2/vpc:Vpc")
    app_subnets = [r for r in any_plan.all("aws:ec2/subnet:Subnet") if "private-app" in r.name]
    assert cluster.inputs["vpcId"] == any_plan.outputs["vpcId"]
    assert vpc.urn in cluster.dependencies
    assert {s.urn for s in app_subnets} <= set(cluster.dependencies)
    assert sorted(cluster.inputs["privateSubnetIds"]) == sorted(any_plan.outputs["privateAppSubnetIds"])
    assert cluster.inputs["name"] == f"ohmycoins-{any_plan.stack}-eks"


def test_cluster_version_is_pinned_from_config(any_plan):
    assert any_plan.one(CLUSTER).inputs["version"] == "1.33"
    assert {g.inputs["version"] for g in any_plan.all(NODE_GROUP)} == {"1.33"}


def test_api_endpoint_is_private_and_public_only_for_configured_cidrs(any_plan):
    cluster = any_plan.one(CLUSTER).inputs
    assert cluster["endpointPrivateAccess"] is True
    assert cluster["endpointPublicAccess"] is True
    assert cluster["publicAccessCidrs"] == ["198.51.100.0/24"]


def test_all_control_plane_logs_go_to_an_encrypted_log_group_with_retention(any_plan):
    cluster = any_plan.one(CLUSTER)
    assert cluster.inputs["enabledClusterLogTypes"] == ["api", "audit", "authenticator", "controllerManager", "scheduler"]
    group = any_plan.named("eks-control-plane-logs")
    assert group.inputs["name"] == f"/aws/eks/ohmycoins-{any_plan.stack}-eks/cluster"
    assert group.inputs["retentionInDays"] == {"staging": 30, "production": 90}[any_plan.stack]
    assert group.inputs["kmsKeyId"] == any_plan.outputs["kmsKeyArn"]
    assert group.urn in cluster.dependencies


def test_secrets_are_envelope_encrypted_with_the_stack_key(any_plan):
    cluster = any_plan.one(CLUSTER)
    assert cluster.inputs["encryptionConfigKeyArn"] == any_plan.outputs["kmsKeyArn"]
    grant = any_plan.named("eks-cluster-key")
    # The cluster role may use the key before EKS is asked to encrypt with it.
    assert grant.urn in cluster.dependencies
    (statement,) = _statements(grant.inputs["policy"])
    assert statement["Resource"] == cluster.inputs["encryptionConfigKeyArn"]
    assert "kms:CreateGrant" in statement["Action"]


def test_access_is_api_mode_with_entries_for_the_admin_and_ci_roles(any_plan):
    cluster = any_plan.one(CLUSTER).inputs
    assert cluster["authenticationMode"] == "API"
    entries = cluster["accessEntries"]
    stack = any_plan.stack
    policies = {}
    for entry in entries.values():
        (policy,) = entry["accessPolicies"].values()
        assert policy["accessScope"] == {"type": "cluster"}
        policies[entry["principalArn"]] = policy["policyArn"]
    admin = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
    assert policies == {
        "arn:aws:iam::123456789012:role/ohmycoins-platform-admin": admin,
        f"arn:aws:iam::123456789012:role/ohmycoins-{stack}-ci-deploy": admin,
        # Previews and the drift check read every object (Helm keeps release state in Secrets) and change nothing.
        f"arn:aws:iam::123456789012:role/ohmycoins-{stack}-ci-preview": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminViewPolicy",
    }


def test_oidc_provider_and_no_default_node_group_or_self_managed_addons(any_plan):
    cluster = any_plan.one(CLUSTER).inputs
    assert cluster["createOidcProvider"] is True
    assert cluster["skipDefaultNodeGroup"] is True
    assert cluster["bootstrapSelfManagedAddons"] is False
    assert cluster["corednsAddonOptions"]["enabled"] is False
    assert cluster["kubeProxyAddonOptions"]["enabled"] is False


def test_production_cluster_is_protected(production_plan, staging_plan):
    assert production_plan.one(CLUSTER).protect and production_plan.one(CLUSTER).inputs["deletionProtection"] is True
    assert not staging_plan.one(CLUSTER).protect


def test_kubeconfig_is_exported_only_as_a_secret(any_plan):
    assert any_plan.outputs["kubeconfig"] == SECRET
    provider = any_plan.one("pulumi:providers:kubernetes")
    assert provider.inputs["kubeconfig"] == SECRET
    assert provider.inputs["enableServerSideApply"] == "true"


# --- node groups -----------------------------------------------------------------------------

# Staging runs its apps on ECS and has no apps node group.
SIZES = {
    "staging": {"system": (1, 1, 2), "runners": (0, 0, 5)},
    "production": {"system": (2, 2, 3), "apps": (2, 2, 6), "runners": (0, 0, 10)},
}


def test_node_group_sizes_come_from_config(any_plan):
    groups = {g.name.removeprefix("eks-nodes-"): g.inputs["scalingConfig"] for g in any_plan.all(NODE_GROUP)}
    assert {name: (s["minSize"], s["desiredSize"], s["maxSize"]) for name, s in groups.items()} == SIZES[any_plan.stack]


def test_node_groups_are_labelled_and_tainted_for_their_role(production_plan, staging_plan):
    system, apps, runners = (_node_group(production_plan, g).inputs for g in ("system", "apps", "runners"))
    assert system["labels"] == {"ohmycoins.io/node-group": "system"}
    assert system["taints"] == [{"key": "CriticalAddonsOnly", "value": "true", "effect": "NO_SCHEDULE"}]
    assert apps["labels"] == {"ohmycoins.io/node-group": "apps"}
    assert apps.get("taints", []) == []
    assert _node_group(staging_plan, "runners").inputs["taints"] == runners["taints"]
    assert runners["labels"] == {"ohmycoins.io/node-group": "runners"}
    assert runners["taints"] == [{"key": "github-runners", "value": "true", "effect": "NO_SCHEDULE"}]


def test_runner_nodes_scale_from_zero_under_the_cluster_autoscaler(any_plan):
    cluster_name = any_plan.one(CLUSTER).inputs["name"]
    runners = _node_group(any_plan, "runners")
    assert runners.inputs["scalingConfig"]["minSize"] == 0
    assert runners.inputs["tags"]["k8s.io/cluster-autoscaler/enabled"] == "true"
    assert runners.inputs["tags"][f"k8s.io/cluster-autoscaler/{cluster_name}"] == "owned"
    assert "scalingConfig.desiredSize" in runners.ignoreChanges
    # The node template on the Auto Scaling group lets the autoscaler scale a group at zero.
    asg_tags = {t.inputs["tag"]["key"]: t.inputs["tag"]["value"] for t in any_plan.all("aws:autoscaling/tag:Tag") if "runners" in t.name}
    assert asg_tags == {
        "k8s.io/cluster-autoscaler/node-template/label/ohmycoins.io/node-group": "runners",
        "k8s.io/cluster-autoscaler/node-template/taint/github-runners": "true:NoSchedule",
    }


@pytest.mark.parametrize("stack, group", [(stack, group) for stack, groups in SIZES.items() for group in groups])
def test_every_node_requires_imdsv2_and_encrypts_its_disk(request, stack, group):
    any_plan = request.getfixturevalue(f"{stack}_plan")
    template = any_plan.one(LAUNCH_TEMPLATE, f"eks-nodes-{group}-template")
    metadata = template.inputs["metadataOptions"]
    assert metadata["httpTokens"] == "required"
    assert metadata["httpPutResponseHopLimit"] == 1
    (disk,) = template.inputs["blockDeviceMappings"]
    assert disk["ebs"]["encrypted"] == "true" and disk["ebs"]["kmsKeyId"] == any_plan.outputs["kmsKeyArn"]
    assert (disk["ebs"]["volumeType"], disk["ebs"]["volumeSize"]) == ("gp3", 50)
    node_group = _node_group(any_plan, group)
    assert template.urn in node_group.dependencies


def test_nodes_run_in_the_private_app_subnets_with_no_cni_policy_on_their_role(any_plan):
    app_subnets = {r.urn for r in any_plan.all("aws:ec2/subnet:Subnet") if "private-app" in r.name}
    for group in SIZES[any_plan.stack]:
        assert app_subnets <= set(_node_group(any_plan, group).dependencies)
    node_policies = {a.inputs["policyArn"] for a in any_plan.all(ATTACHMENT) if a.name.startswith("eks-node-")}
    assert node_policies == {
        "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
        "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
        "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
    }


# --- add-ons and IRSA ------------------------------------------------------------------------


def test_managed_addons_with_network_policy_enforcement(any_plan):
    addons = {a.inputs["addonName"]: a for a in any_plan.all(ADDON)}
    assert set(addons) == {"vpc-cni", "coredns", "kube-proxy", "aws-ebs-csi-driver", "aws-efs-csi-driver"}
    assert json.loads(addons["vpc-cni"].inputs["configurationValues"]) == {"enableNetworkPolicy": "true"}
    # CoreDNS and the CSI controllers run on the system nodes; kube-proxy runs everywhere as it is.
    on_system = {"tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists", "effect": "NoSchedule"}]}
    assert json.loads(addons["coredns"].inputs["configurationValues"]) == on_system
    for driver in ("aws-ebs-csi-driver", "aws-efs-csi-driver"):
        assert json.loads(addons[driver].inputs["configurationValues"]) == {"controller": on_system}
    assert "configurationValues" not in addons["kube-proxy"].inputs
    nodes = {g.urn for g in any_plan.all(NODE_GROUP)}
    # CNI first (nodes never turn Ready without it); DNS and CSI drivers once nodes exist.
    for group in any_plan.all(NODE_GROUP):
        assert addons["vpc-cni"].urn in group.dependencies
    for name in ("coredns", "aws-ebs-csi-driver", "aws-efs-csi-driver"):
        assert nodes <= set(addons[name].dependencies)


IRSA = {
    "vpc-cni": ("kube-system", "aws-node"),
    "aws-ebs-csi-driver": ("kube-system", "ebs-csi-controller-sa"),
    "aws-efs-csi-driver": ("kube-system", "efs-csi-controller-sa"),
    "aws-load-balancer-controller": ("kube-system", "aws-load-balancer-controller"),
    "cluster-autoscaler": ("kube-system", "cluster-autoscaler"),
    "external-secrets": ("external-secrets", "external-secrets"),
}


@pytest.mark.parametrize("component", sorted(IRSA))
def test_each_irsa_role_trusts_only_its_service_account(any_plan, component):
    role = _role(any_plan, f"ohmycoins-{any_plan.stack}-eks-{component}")
    (statement,) = _statements(role.inputs["assumeRolePolicy"])
    namespace, account = IRSA[component]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    # The cluster's own OIDC provider, and its issuer in the condition keys.
    provider = statement["Principal"]["Federated"]
    issuer = provider.split(":oidc-provider/", 1)[1]
    assert statement["Condition"] == {
        "StringEquals": {f"{issuer}:sub": f"system:serviceaccount:{namespace}:{account}", f"{issuer}:aud": "sts.amazonaws.com"}
    }
    assert any_plan.one(CLUSTER).urn in role.dependencies


CONTROLLER_CHARTS = {  # release -> chart, version, repository, namespace
    "aws-load-balancer-controller": ("aws-load-balancer-controller", "1.13.4", "https://aws.github.io/eks-charts", "kube-system"),
    "cluster-autoscaler": ("cluster-autoscaler", "9.50.1", "https://kubernetes.github.io/autoscaler", "kube-system"),
    "metrics-server": ("metrics-server", "3.13.0", "https://kubernetes-sigs.github.io/metrics-server/", "kube-system"),
    "external-secrets": ("external-secrets", "0.20.1", "https://charts.external-secrets.io", "external-secrets"),
}


def test_addon_roles_and_charts_use_those_roles(any_plan):
    addons = {a.inputs["addonName"]: a for a in any_plan.all(ADDON)}
    for addon in ("vpc-cni", "aws-ebs-csi-driver", "aws-efs-csi-driver"):
        role = _role(any_plan, f"ohmycoins-{any_plan.stack}-eks-{addon}")
        assert role.urn in addons[addon].dependencies, addon
    for addon in ("coredns", "kube-proxy"):
        assert "serviceAccountRoleArn" not in addons[addon].inputs
    releases = {r.inputs["name"]: r.inputs for r in any_plan.all(RELEASE) if r.inputs["name"] in CONTROLLER_CHARTS}
    annotation = "eks.amazonaws.com/role-arn"
    assert releases["aws-load-balancer-controller"]["values"]["serviceAccount"]["annotations"][annotation].endswith(
        "-eks-aws-load-balancer-controller"
    )
    assert releases["cluster-autoscaler"]["values"]["rbac"]["serviceAccount"]["annotations"][annotation].endswith("-eks-cluster-autoscaler")
    assert releases["external-secrets"]["values"]["serviceAccount"]["annotations"][annotation].endswith("-eks-external-secrets")


def test_helm_releases_are_pinned_and_run_on_system_nodes(any_plan):
    releases = {r.inputs["name"]: r.inputs for r in any_plan.all(RELEASE) if r.inputs["name"] in CONTROLLER_CHARTS}
    assert set(releases) == set(CONTROLLER_CHARTS)
    for name, release in releases.items():
        chart, version, repository, namespace = CONTROLLER_CHARTS[name]
        assert (release["chart"], release["version"], release["repositoryOpts"]["repo"]) == (chart, version, repository)
        assert release["namespace"] == namespace
        assert release["values"]["nodeSelector"] == {"ohmycoins.io/node-group": "system"}
        assert {"key": "CriticalAddonsOnly", "operator": "Exists", "effect": "NoSchedule"} in release["values"]["tolerations"]
    # The autoscaler's image follows the cluster's minor version.
    assert releases["cluster-autoscaler"]["values"]["image"]["tag"] == "v1.33.0"


def test_cluster_autoscaler_may_scale_only_this_clusters_groups(any_plan):
    cluster_name = any_plan.one(CLUSTER).inputs["name"]
    policy = any_plan.named("eks-controllers-cluster-autoscaler-policy").inputs["policy"]
    writes = [s for s in _statements(policy) if "autoscaling:SetDesiredCapacity" in s["Action"]]
    (write,) = writes
    assert set(write["Action"]) == {"autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"}
    assert write["Condition"] == {"StringEquals": {f"aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster_name}": "owned"}}
    statements = {s["Sid"]: s for s in _statements(policy)}
    assert set(statements) == {"Discover", "NodeGroupTemplates", "ScaleOwnGroupsOnly"}
    assert statements["NodeGroupTemplates"] == {
        "Sid": "NodeGroupTemplates",
        "Effect": "Allow",
        "Action": ["eks:DescribeNodegroup"],
        "Resource": f"arn:aws:eks:ap-southeast-2:123456789012:nodegroup/ohmycoins-{any_plan.stack}-eks/*/*",
    }
    # Everything else it may do on any resource only reads.
    assert statements["Discover"]["Resource"] == "*"
    assert statements["Discover"]["Action"] == [
        "autoscaling:DescribeAutoScalingGroups",
        "autoscaling:DescribeAutoScalingInstances",
        "autoscaling:DescribeLaunchConfigurations",
        "autoscaling:DescribeScalingActivities",
        "autoscaling:DescribeTags",
        "ec2:DescribeImages",
        "ec2:DescribeInstanceTypes",
        "ec2:DescribeLaunchTemplateVersions",
        "ec2:GetInstanceTypesFromInstanceRequirements",
    ]


def test_external_secrets_reads_only_this_stacks_secrets_and_key(any_plan):
    policy = _statements(any_plan.named("eks-controllers-external-secrets-policy").inputs["policy"])
    read, decrypt = policy
    outputs = any_plan.outputs
    assert set(read["Resource"]) == {outputs["appSecretArn"], outputs["databaseMasterSecretArn"], outputs["cacheAuthSecretArn"]}
    assert set(read["Action"]) == {"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret", "secretsmanager:ListSecretVersionIds"}
    assert decrypt == {"Sid": "DecryptStackKey", "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": any_plan.outputs["kmsKeyArn"]}


def test_load_balancer_controller_registers_targets_only_in_this_stacks_target_groups(any_plan):
    statements = _statements(any_plan.named("eks-controllers-aws-load-balancer-controller-policy").inputs["policy"])
    writes = [s for s in statements if s["Resource"] != "*"]
    (write,) = writes
    assert write["Resource"] == f"arn:aws:elasticloadbalancing:ap-southeast-2:123456789012:targetgroup/ohmycoins-{any_plan.stack}-*/*"
    assert write["Action"] == ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"]
    (read,) = [s for s in statements if s["Resource"] == "*"]
    assert read["Action"] == [
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeTargetGroups",
        "elasticloadbalancing:DescribeTargetHealth",
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeTags",
        "elasticloadbalancing:DescribeTargetGroupAttributes",
        "ec2:DescribeVpcs",
        "ec2:DescribeSubnets",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeInstances",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeAvailabilityZones",
    ]


# --- data tier -------------------------------------------------------------------------------


def test_cluster_security_group_reaches_database_cache_and_metrics_and_nothing_wider(any_plan):
    cluster_sg = any_plan.outputs["eksClusterSecurityGroupId"]
    rules = [r.inputs for r in any_plan.all(INGRESS) if r.inputs.get("referencedSecurityGroupId") == cluster_sg]
    ports = sorted((r["fromPort"], r["toPort"], r["securityGroupId"]) for r in rules)
    app = any_plan.outputs["appSecurityGroupId"]
    assert ports == sorted(
        [
            (5432, 5432, any_plan.outputs["databaseSecurityGroupId"]),
            (6379, 6379, any_plan.outputs["cacheSecurityGroupId"]),
            # Prometheus on the cluster scrapes the ECS backend (8000) and agents (8001), nothing else of the app tier.
            (8000, 8000, app),
            (8001, 8001, app),
        ]
    )


# --- pure policy builders --------------------------------------------------------------------


def test_irsa_trust_policy_names_exactly_one_service_account():
    (statement,) = json.loads(irsa_trust_policy("arn:aws:iam::1:oidc-provider/oidc.eks.x/id/A", "oidc.eks.x/id/A", "ns", "sa"))["Statement"]
    assert statement["Condition"] == {
        "StringEquals": {"oidc.eks.x/id/A:sub": "system:serviceaccount:ns:sa", "oidc.eks.x/id/A:aud": "sts.amazonaws.com"}
    }


def test_external_secrets_policy_lists_each_secret_once():
    read, _ = json.loads(external_secrets_policy(["b", "a", "b"], "k"))["Statement"]
    assert read["Resource"] == ["a", "b"]


# --- bad config ------------------------------------------------------------------------------


def _eks(change):
    def edit(config):
        change(config["ohmycoins:eks"])

    return edit


BAD_EKS = {
    "production API open to the internet": (
        "production",
        _eks(lambda e: e.update(publicAccessCidrs=["0.0.0.0/0"])),
        "ohmycoins:eks.publicAccessCidrs[0]",
        "must not open the Kubernetes API to the whole internet",
    ),
    # The policy pack refuses it in every stack (eks-endpoint-restricted), so the settings do too.
    "staging API open to the internet": (
        "staging",
        _eks(lambda e: e.update(publicAccessCidrs=["198.51.100.0/24", "0.0.0.0/0"])),
        "ohmycoins:eks.publicAccessCidrs[1]",
        "must not open the Kubernetes API to the whole internet",
    ),
    "version not a minor": (
        "staging",
        _eks(lambda e: e.update(version="1.33.2")),
        "ohmycoins:eks.version",
        "is not a Kubernetes minor version",
    ),
    "version without an autoscaler": (
        "staging",
        _eks(lambda e: e.update(version="1.29")),
        "ohmycoins:eks.version",
        "has no pinned cluster-autoscaler release",
    ),
    "runners not from zero": (
        "staging",
        _eks(lambda e: e["nodeGroups"]["runners"].update(minSize=1, desiredSize=1)),
        "ohmycoins:eks.nodeGroups.runners.minSize",
        "must be 0",
    ),
    "desired outside bounds": (
        "staging",
        _eks(lambda e: e["nodeGroups"]["system"].update(desiredSize=9)),
        "ohmycoins:eks.nodeGroups.system.desiredSize",
        "must be between minSize",
    ),
    "public endpoint without CIDRs": (
        "staging",
        _eks(lambda e: e.update(publicAccessCidrs=[])),
        "ohmycoins:eks.publicAccessCidrs",
        "list the CIDRs",
    ),
    "role ARN instead of name": (
        "staging",
        _eks(lambda e: e.update(adminRoleNames=["arn:aws:iam::123456789012:role/admin"])),
        "ohmycoins:eks.adminRoleNames[0]",
        "give the name, not the ARN",
    ),
    "bad instance type": (
        "staging",
        _eks(lambda e: e["nodeGroups"]["system"].update(instanceTypes=["large"])),
        "ohmycoins:eks.nodeGroups.system.instanceTypes",
        "is not an EC2 instance type",
    ),
    "unknown key": ("staging", _eks(lambda e: e.update(nodeGroup={})), "ohmycoins:eks.nodeGroup", "unknown setting"),
    "apps on eks without a cluster": (
        "staging",
        lambda c: (c["ohmycoins:eks"].update(enabled=False), c["ohmycoins:apps"].update(platform="eks")),
        "ohmycoins:apps.platform",
        "ohmycoins:eks.enabled is false",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_EKS))
def test_bad_eks_config_is_refused_naming_the_key(assert_refused, case):
    base, change, key, reason = BAD_EKS[case]
    assert_refused(base, change, key, reason)


def test_disabled_eks_creates_no_cluster(plan_variant):
    def without_cluster(config):
        config["ohmycoins:eks"]["enabled"] = False
        config["ohmycoins:monitoring"]["enabled"] = False
        config["ohmycoins:monitoring"].pop("grafana")
        config["ohmycoins:runners"]["enabled"] = False

    plan = plan_variant("staging", without_cluster)
    assert plan.all(CLUSTER) == [] and "kubeconfig" not in plan.outputs


def test_node_groups_and_addons_join_the_live_cluster_by_its_name(any_plan):
    cluster = any_plan.one(CLUSTER)
    for resource in any_plan.all(NODE_GROUP) + any_plan.all(ADDON):
        assert resource.inputs["clusterName"] == cluster.inputs["name"]
        assert cluster.urn in resource.dependencies


def test_ebs_csi_driver_may_use_the_stack_key_for_volumes_only_through_aws_grants(any_plan):
    role = _role(any_plan, f"ohmycoins-{any_plan.stack}-eks-aws-ebs-csi-driver")
    policy = next(r for r in any_plan.all(ROLE_POLICY) if r.parent == role.parent)
    grants, use = _statements(policy.inputs["policy"])
    assert grants["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}
    assert grants["Resource"] == use["Resource"] == any_plan.outputs["kmsKeyArn"]
    storage_class = any_plan.one("kubernetes:storage.k8s.io/v1:StorageClass", "eks-gp3").inputs
    assert storage_class["parameters"] == {"type": "gp3", "encrypted": "true", "kmsKeyId": any_plan.outputs["kmsKeyArn"], "fsType": "ext4"}


@pytest.mark.parametrize("stack, replicas", [("staging", 1), ("production", 2)])
def test_controller_replicas_come_from_the_stack(request, stack, replicas):
    plan = request.getfixturevalue(f"{stack}_plan")
    values = {
        r.name.removeprefix("eks-controllers-"): r.inputs["values"] for r in plan.all(RELEASE) if r.name.startswith("eks-controllers-")
    }
    assert values["aws-load-balancer-controller"]["replicaCount"] == replicas
    assert values["external-secrets"]["replicaCount"] == replicas
    assert values["metrics-server"]["replicas"] == replicas


SYSTEM_PLACEMENT = {
    "nodeSelector": {"ohmycoins.io/node-group": "system"},
    "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists", "effect": "NoSchedule"}],
}


def _controller_values(plan) -> dict[str, dict]:
    return {r.inputs["name"]: r.inputs["values"] for r in plan.all(RELEASE) if r.name.startswith("eks-controllers-")}


def _without_role(values: dict) -> dict:
    """The values with the IRSA annotation (a role ARN) taken out of the service account."""
    account = {k: v for k, v in values["serviceAccount"].items() if k != "annotations"}
    return {**values, "serviceAccount": account}


def test_controller_values(staging_plan):
    values = _controller_values(staging_plan)
    assert values["metrics-server"] == {**SYSTEM_PLACEMENT, "replicas": 1, "serviceAccount": {"create": True, "name": "metrics-server"}}
    assert _without_role(values["aws-load-balancer-controller"]) == {
        **SYSTEM_PLACEMENT,
        "clusterName": "ohmycoins-staging-eks",
        "region": "ap-southeast-2",
        "vpcId": staging_plan.outputs["vpcId"],
        "replicaCount": 1,
        "serviceAccount": {"create": True, "name": "aws-load-balancer-controller"},
        "enableServiceMutatorWebhook": False,
    }
    autoscaler = values["cluster-autoscaler"]
    assert {k: v for k, v in autoscaler.items() if k != "rbac"} == {
        **SYSTEM_PLACEMENT,
        "cloudProvider": "aws",
        "awsRegion": "ap-southeast-2",
        "autoDiscovery": {"clusterName": "ohmycoins-staging-eks"},
        "image": {"tag": "v1.33.0"},
        "extraArgs": {
            "balance-similar-node-groups": True,
            "expander": "least-waste",
            "skip-nodes-with-local-storage": False,
            "skip-nodes-with-system-pods": False,
        },
    }
    assert _without_role(autoscaler["rbac"]) == {"serviceAccount": {"create": True, "name": "cluster-autoscaler"}}
    assert _without_role(values["external-secrets"]) == {
        **SYSTEM_PLACEMENT,
        "installCRDs": True,
        "replicaCount": 1,
        "serviceAccount": {"create": True, "name": "external-secrets"},
        "webhook": SYSTEM_PLACEMENT,
        "certController": SYSTEM_PLACEMENT,
    }


def test_controller_releases_roll_back_on_failure_and_create_their_namespaces(any_plan):
    releases = {r.inputs["name"]: r.inputs for r in any_plan.all(RELEASE) if r.name.startswith("eks-controllers-")}
    for name, release in releases.items():
        assert (release["atomic"], release["cleanupOnFail"], release["maxHistory"]) == (True, True, 5), name
        assert release.get("createNamespace", False) is (release["namespace"] != "kube-system"), name


def test_the_secret_store_reads_secrets_manager_as_the_external_secrets_service_account(any_plan):
    (store,) = any_plan.all("kubernetes:external-secrets.io/v1:ClusterSecretStore")
    assert store.inputs["metadata"]["name"] == "aws-secrets-manager"
    assert store.inputs["spec"] == {
        "provider": {
            "aws": {
                "service": "SecretsManager",
                "region": "ap-southeast-2",
                "auth": {"jwt": {"serviceAccountRef": {"name": "external-secrets", "namespace": "external-secrets"}}},
            }
        }
    }
    assert any_plan.one(RELEASE, "eks-controllers-external-secrets").urn in store.dependencies


# Staging has no apps group (its apps run on ECS): production's is checked.
@pytest.mark.parametrize("stack, group", [("staging", "system"), ("production", "apps"), ("staging", "runners")])
def test_each_node_groups_sizes_are_checked(assert_refused, stack, group):
    assert_refused(
        stack,
        _eks(lambda e: e["nodeGroups"][group].update(desiredSize=99)),
        f"ohmycoins:eks.nodeGroups.{group}.desiredSize",
        "must be between minSize",
    )


def test_the_ebs_drivers_key_statements(any_plan):
    role = _role(any_plan, f"ohmycoins-{any_plan.stack}-eks-aws-ebs-csi-driver")
    policy = next(r for r in any_plan.all(ROLE_POLICY) if r.parent == role.parent)
    key = any_plan.outputs["kmsKeyArn"]
    assert _statements(policy.inputs["policy"]) == [
        {
            "Sid": "GrantsForAttachedVolumes",
            "Effect": "Allow",
            "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
            "Resource": key,
            "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
        },
        {
            "Sid": "UseKeyForVolumes",
            "Effect": "Allow",
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
            "Resource": key,
        },
    ]
