"""The stack's image repositories: one per image the catalog names, scanned, encrypted, pruned."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.compute.apps_settings import AppsSettings
from components.compute.workloads import ImagePin, image_digest, image_reference_suffix, image_uri

UNTAGGED_EXPIRY_DAYS = 7


@dataclass(frozen=True)
class ContainerRegistryArgs:
    name_prefix: str
    images: Sequence[str]  # repository names of the catalog ("backend", "frontend")
    kms_key_arn: pulumi.Input[str]
    immutable_tags: bool  # production: a tag always means the same image
    keep_images: int
    protect: bool


def image_references(apps: AppsSettings, repository_urls: Mapping[str, pulumi.Input[str]]) -> dict[str, pulumi.Input[str]]:
    """Image -> the reference every platform pulls: the stack's own ECR repository, or the registry the stack names."""
    return {
        image: image_uri(apps.image_registry, image, apps.image_tag_of(image))
        if apps.image_registry is not None
        else pulumi.Output.concat(url, image_reference_suffix(apps.image_tag_of(image)))
        for image, url in repository_urls.items()
    }


def image_pins(apps: AppsSettings, images: Sequence[str], tags_immutable: bool) -> dict[str, ImagePin]:
    """Image -> how the stack names it (for what the Kubernetes manifests may claim about it)."""
    return {
        image: ImagePin(
            digest=image_digest(apps.image_tag_of(image)) is not None, registry=apps.image_registry, tags_immutable=tags_immutable
        )
        for image in images
    }


def lifecycle_policy(keep_images: int) -> dict:
    """Untagged layers go after a week; beyond the newest `keep_images` images, the oldest go."""
    return {
        "rules": [
            {
                "rulePriority": 1,
                "description": f"expire untagged images after {UNTAGGED_EXPIRY_DAYS} days",
                "selection": {
                    "tagStatus": "untagged",
                    "countType": "sinceImagePushed",
                    "countUnit": "days",
                    "countNumber": UNTAGGED_EXPIRY_DAYS,
                },
                "action": {"type": "expire"},
            },
            {
                # A rule selecting `any` must have the lowest priority (highest number).
                "rulePriority": 2,
                "description": f"keep the newest {keep_images} images",
                "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": keep_images},
                "action": {"type": "expire"},
            },
        ]
    }


class ContainerRegistry(pulumi.ComponentResource):
    """ECR repositories `<prefix>-<image>`; CI pushes there and the tasks pull from there."""

    repository_arns: dict[str, pulumi.Output[str]]
    repository_urls: dict[str, pulumi.Output[str]]
    tags_immutable: bool

    def __init__(self, name: str, args: ContainerRegistryArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ohmycoins:ecs:ContainerRegistry", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.repository_arns = {}
        self.repository_urls = {}
        self.tags_immutable = args.immutable_tags
        for image in args.images:
            repository = aws.ecr.Repository(
                f"{name}-{image}",
                name=f"{args.name_prefix}-{image}",
                image_tag_mutability="IMMUTABLE" if args.immutable_tags else "MUTABLE",
                image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
                encryption_configurations=[aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="KMS", kms_key=args.kms_key_arn)],
                # Staging may be destroyed with its images; production's are kept.
                force_delete=not args.protect,
                tags={"Name": f"{args.name_prefix}-{image}"},
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
            )
            aws.ecr.LifecyclePolicy(
                f"{name}-{image}-lifecycle",
                repository=repository.name,
                policy=json.dumps(lifecycle_policy(args.keep_images)),
                opts=child,
            )
            self.repository_arns[image] = repository.arn
            self.repository_urls[image] = repository.repository_url
        self.register_outputs({"repository_arns": self.repository_arns, "repository_urls": self.repository_urls})
