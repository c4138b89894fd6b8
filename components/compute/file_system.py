"""Shared storage for a workload on ECS: an encrypted EFS file system reachable only from the app tier."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.compute.workloads import SharedStorage
from components.shared.iam_documents import document

NFS_PORT = 2049


@dataclass(frozen=True)
class SharedFileSystemArgs:
    storage: SharedStorage
    name_prefix: str
    vpc_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]  # private-app: one mount target per AZ
    client_security_group_id: pulumi.Input[str]  # the app security group
    kms_key_arn: pulumi.Input[str]
    protect: bool


class SharedFileSystem(pulumi.ComponentResource):
    """EFS with mount targets in every app subnet, NFS from the app group only, TLS only, one access point."""

    file_system_id: pulumi.Output[str]
    file_system_arn: pulumi.Output[str]
    access_point_id: pulumi.Output[str]
    access_point_arn: pulumi.Output[str]
    mount_targets: list[aws.efs.MountTarget]

    def __init__(self, name: str, args: SharedFileSystemArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ohmycoins:efs:SharedFileSystem", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        storage = args.storage
        label = f"{args.name_prefix}-{storage.name}"

        nfs = aws.ec2.SecurityGroup(
            f"{name}-nfs-sg",
            name=f"{label}-nfs",
            description=f"NFS to the {storage.name} file system from the app tier only",
            vpc_id=args.vpc_id,
            ingress=[
                aws.ec2.SecurityGroupIngressArgs(
                    description="NFS from the app tier",
                    protocol="tcp",
                    from_port=NFS_PORT,
                    to_port=NFS_PORT,
                    security_groups=[args.client_security_group_id],
                )
            ],
            egress=[],
            tags={"Name": f"{label}-nfs"},
            opts=child,
        )
        # The app group's egress is closed by default (firewall.py); open NFS to this group only.
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-app-to-nfs",
            security_group_id=args.client_security_group_id,
            referenced_security_group_id=nfs.id,
            ip_protocol="tcp",
            from_port=NFS_PORT,
            to_port=NFS_PORT,
            description=f"NFS to the {storage.name} file system",
            opts=child,
        )

        file_system = aws.efs.FileSystem(
            f"{name}-fs",
            encrypted=True,
            kms_key_id=args.kms_key_arn,
            performance_mode="generalPurpose",
            throughput_mode="elastic",
            lifecycle_policies=[aws.efs.FileSystemLifecyclePolicyArgs(transition_to_ia="AFTER_30_DAYS")],
            tags={"Name": label},
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.protect),
        )
        # The stack's AWS Backup plan (components/recovery) backs it up: EFS's own automatic backups
        # into AWS's default vault would only duplicate them.
        aws.efs.BackupPolicy(
            f"{name}-backup",
            file_system_id=file_system.id,
            backup_policy=aws.efs.BackupPolicyBackupPolicyArgs(status="DISABLED"),
            opts=child,
        )
        aws.efs.FileSystemPolicy(
            f"{name}-tls-only",
            file_system_id=file_system.id,
            policy=file_system.arn.apply(lambda arn: json.dumps(tls_only_policy(arn))),
            opts=child,
        )
        self.mount_targets = [
            aws.efs.MountTarget(
                f"{name}-mount-{index}",
                file_system_id=file_system.id,
                subnet_id=subnet_id,
                security_groups=[nfs.id],
                opts=child,
            )
            for index, subnet_id in enumerate(args.subnet_ids)
        ]
        access_point = aws.efs.AccessPoint(
            f"{name}-access-point",
            file_system_id=file_system.id,
            posix_user=aws.efs.AccessPointPosixUserArgs(uid=storage.uid, gid=storage.gid),
            root_directory=aws.efs.AccessPointRootDirectoryArgs(
                path=storage.root_directory,
                creation_info=aws.efs.AccessPointRootDirectoryCreationInfoArgs(
                    owner_uid=storage.uid, owner_gid=storage.gid, permissions="0750"
                ),
            ),
            tags={"Name": f"{label}-access-point"},
            opts=child,
        )
        if storage.restored_root is not None:
            # Beside the usual one, which stays (a rollback still finds it): no creation info, so a
            # directory that does not exist fails the mount instead of serving an empty one.
            access_point = aws.efs.AccessPoint(
                f"{name}-restored-access-point",
                file_system_id=file_system.id,
                posix_user=aws.efs.AccessPointPosixUserArgs(uid=storage.uid, gid=storage.gid),
                root_directory=aws.efs.AccessPointRootDirectoryArgs(path=storage.restored_root),
                tags={"Name": f"{label}-restored-access-point"},
                opts=child,
            )
        self.file_system_id = file_system.id
        self.file_system_arn = file_system.arn
        self.access_point_id = access_point.id
        self.access_point_arn = access_point.arn
        self.register_outputs({"file_system_id": self.file_system_id, "access_point_id": self.access_point_id})


def tls_only_policy(file_system_arn: str) -> dict:
    """Refuses NFS without TLS, whoever the client is."""
    return document(
        {
            "Sid": "DenyUnencryptedTransport",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "*",
            "Resource": file_system_arn,
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    )
