"""IAM policy documents of the cluster, its nodes and its controllers: pure functions, least privilege."""

from __future__ import annotations

from collections.abc import Sequence

from components.shared.iam_documents import policy_document


def cluster_key_policy(kms_key_arn: str) -> str:
    """The control plane envelope-encrypts Secrets with the stack key: grants on that key only."""
    return policy_document(
        {
            "Sid": "EnvelopeEncryption",
            "Effect": "Allow",
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey", "kms:ListGrants", "kms:CreateGrant"],
            "Resource": kms_key_arn,
        }
    )


def cluster_autoscaler_policy(cluster_name: str, region: str, account_id: str) -> str:
    """Reads every group; scales and terminates only ASGs EKS tagged as this cluster's."""
    return policy_document(
        {
            "Sid": "Discover",
            "Effect": "Allow",
            "Action": [
                "autoscaling:DescribeAutoScalingGroups",
                "autoscaling:DescribeAutoScalingInstances",
                "autoscaling:DescribeLaunchConfigurations",
                "autoscaling:DescribeScalingActivities",
                "autoscaling:DescribeTags",
                "ec2:DescribeImages",
                "ec2:DescribeInstanceTypes",
                "ec2:DescribeLaunchTemplateVersions",
                "ec2:GetInstanceTypesFromInstanceRequirements",
            ],
            "Resource": "*",
        },
        {
            "Sid": "NodeGroupTemplates",
            "Effect": "Allow",
            "Action": ["eks:DescribeNodegroup"],
            "Resource": f"arn:aws:eks:{region}:{account_id}:nodegroup/{cluster_name}/*/*",
        },
        {
            "Sid": "ScaleOwnGroupsOnly",
            "Effect": "Allow",
            "Action": ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
            "Resource": "*",
            "Condition": {"StringEquals": {f"aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster_name}": "owned"}},
        },
    )


def external_secrets_policy(secret_arns: Sequence[str], kms_key_arn: str) -> str:
    """Reads this stack's secrets and nothing else; decrypts with the stack key only."""
    return policy_document(
        {
            "Sid": "ReadStackSecrets",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret", "secretsmanager:ListSecretVersionIds"],
            "Resource": sorted(set(secret_arns)),
        },
        {"Sid": "DecryptStackKey", "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": kms_key_arn},
    )


def load_balancer_controller_policy(name_prefix: str, region: str, account_id: str) -> str:
    """Only what TargetGroupBinding needs: the ALB and its target groups are Pulumi's (components/edge/edge.py).

    The controller registers pod IPs in this stack's target groups; it creates no load balancer,
    listener or security group, so the documented policy's create/modify/delete parts are left out
    (a Service of type LoadBalancer or an Ingress in this cluster fails instead of building a
    second, unmanaged edge).
    """
    return policy_document(
        {
            "Sid": "Discover",
            "Effect": "Allow",
            "Action": [
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
            ],
            "Resource": "*",
        },
        {
            "Sid": "RegisterTargetsInStackTargetGroups",
            "Effect": "Allow",
            "Action": ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
            "Resource": f"arn:aws:elasticloadbalancing:{region}:{account_id}:targetgroup/{name_prefix}-*/*",
        },
    )


def ebs_csi_key_policy(kms_key_arn: str) -> str:
    """Encrypted gp3 volumes use the stack key: the driver needs grants on it (AWS's managed policy has none)."""
    return policy_document(
        {
            "Sid": "GrantsForAttachedVolumes",
            "Effect": "Allow",
            "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
            "Resource": kms_key_arn,
            "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
        },
        {
            "Sid": "UseKeyForVolumes",
            "Effect": "Allow",
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
            "Resource": kms_key_arn,
        },
    )


MANAGED = {
    "cluster": "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy",
    "worker": "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    "ecr-pull": "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
    "ssm": "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
    "cni": "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
    "ebs-csi": "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy",
    "efs-csi": "arn:aws:iam::aws:policy/service-role/AmazonEFSCSIDriverPolicy",
    "cluster-admin": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
    # Read every object, Secrets included (Helm keeps its release state in Secrets), write nothing.
    "admin-view": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminViewPolicy",
}
