"""Images by tag or digest; production by digest on both platforms; manifests say truly how each stack pins them."""

from __future__ import annotations

import json
import re

import pytest

from components.compute.workloads import ImagePin, image_digest, image_uri, image_version_problem, workload
from k8s import manifests
from tests.conftest import stack_config
from tests.stack_edits import set_setting

DIGEST = "sha256:" + "4f" * 32


@pytest.mark.parametrize(
    "version, digest, suffix",
    [
        ("v1.2.3", None, ":v1.2.3"),
        (DIGEST, DIGEST, f"@{DIGEST}"),
        (f"v1.2.3@{DIGEST}", DIGEST, f"@{DIGEST}"),
    ],
)
def test_a_version_is_a_tag_a_digest_or_both_and_a_digest_is_what_is_pulled(version, digest, suffix):
    assert image_version_problem(version) is None
    assert image_digest(version) == digest
    assert image_uri("ghcr.io/marklimmage/", "backend", version) == f"ghcr.io/marklimmage/backend{suffix}"


@pytest.mark.parametrize("version", ["v1 beta", "sha256:abc", f"v1@{DIGEST[:-1]}", f"@{DIGEST}", f"v1@{DIGEST.upper()}", f"a@b@{DIGEST}"])
def test_anything_else_is_refused(version):
    assert "is not an image tag" in image_version_problem(version)


def test_production_runs_every_ecs_task_by_the_digest_in_its_stack_file(production_plan):
    versions = stack_config("production")["ohmycoins:apps"]["imageTags"]
    assert set(versions) == {"backend", "frontend"}
    for task in production_plan.all("aws:ecs/taskDefinition:TaskDefinition"):
        [container] = json.loads(task.inputs["containerDefinitions"])
        image = "frontend" if container["name"] == "frontend" else "backend"
        digest = versions[image].split("@", 1)[1]
        assert re.fullmatch(r"sha256:[0-9a-f]{64}", digest)
        assert container["image"].endswith(f"/ohmycoins-production-{image}@{digest}"), container["image"]


@pytest.mark.parametrize(
    "platform, change, key",
    [
        (
            "ecs",
            set_setting("apps", "imageTags", {"backend": "v1.0.0", "frontend": f"v1.0.0@{DIGEST}"}),
            "ohmycoins:apps.imageTags.backend",
        ),
        ("eks", set_setting("apps", "imageTags", {}), "ohmycoins:apps.imageTag"),
    ],
)
def test_production_refuses_an_image_without_digest_on_either_platform(assert_refused, platform, change, key):
    def edit(config):
        change(config)
        config["ohmycoins:apps"]["platform"] = platform

    assert_refused("production", edit, key, "production runs images by digest")


def test_one_digest_cannot_name_two_images(assert_refused):
    problems = assert_refused("staging", set_setting("apps", "imageTag", DIGEST), "ohmycoins:apps.imageTag", "a digest names one image")
    assert len(problems) == 1


def test_staging_may_run_by_tag(staging_plan):
    images = {json.loads(t.inputs["containerDefinitions"])[0]["image"] for t in staging_plan.all("aws:ecs/taskDefinition:TaskDefinition")}
    assert images and all(image.endswith(":latest") for image in images)


# What the manifests claim about the image, per stack.


def _deployment(pin: ImagePin, image: str) -> dict:
    return manifests.deployment(workload("backend"), "ohmycoins-qa", image, True, pin)


def test_an_image_by_digest_needs_no_digest_skip():
    annotations = _deployment(ImagePin(digest=True, registry=None, tags_immutable=False), f"repo/backend@{DIGEST}")["metadata"][
        "annotations"
    ]
    assert not any(value.startswith("CKV_K8S_43=") for value in annotations.values())


@pytest.mark.parametrize(
    "pin, claim",
    [
        (ImagePin(digest=False, registry=None, tags_immutable=True), "which is tag-immutable"),
        (ImagePin(digest=False, registry=None, tags_immutable=False), "tag-mutable ECR repositories"),
        (ImagePin(digest=False, registry="ghcr.io/marklimmage", tags_immutable=True), "by tag from ghcr.io/marklimmage"),
    ],
)
def test_an_image_by_tag_is_skipped_with_the_reason_true_for_its_stack(pin, claim):
    annotations = _deployment(pin, "repo/backend:v1")["metadata"]["annotations"]
    [skip] = [value for value in annotations.values() if value.startswith("CKV_K8S_43=")]
    assert claim in skip
    assert ("tag-immutable" in skip) is (pin.tags_immutable and pin.registry is None)


def test_the_eks_apps_stack_says_its_repositories_are_tag_mutable_because_they_are(eks_apps_plan):
    repositories = eks_apps_plan.all("aws:ecr/repository:Repository")
    assert {r.inputs["imageTagMutability"] for r in repositories} == {"MUTABLE"}
    objects = [*eks_apps_plan.all("kubernetes:apps/v1:Deployment"), *eks_apps_plan.all("kubernetes:batch/v1:CronJob")]
    assert len(objects) == 8
    for obj in objects:
        skips = [
            v for k, v in obj.inputs["metadata"]["annotations"].items() if k.startswith("checkov.io/skip") and v.startswith("CKV_K8S_43=")
        ]
        assert len(skips) == 1 and "tag-mutable" in skips[0] and "tag-immutable" not in skips[0], obj.name
