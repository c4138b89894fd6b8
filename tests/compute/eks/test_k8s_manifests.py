"""Every Kubernetes object the EKS-apps stack declares, exported as YAML: schema-valid and clean under checkov."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from tools.engine import PROJECT_DIR
from tools.k8s_export import HELM_DIR, export_manifests, file_name, manifest
from tools.plan_model import PlannedResource

# Custom resources: their schemas come from the controllers' CRDs, which this project does not
# vendor (the upstream CRD files are large generated code under other licences). The objects'
# fields are asserted in tests/compute/eks/test_eks_apps.py instead; the kinds here are skipped by name.
CRD_KINDS_NOT_VALIDATED = {
    "ExternalSecret": "CRD of external-secrets (chart 0.20.1) not vendored; fields checked in test_eks_apps.py",
    "ClusterSecretStore": "CRD of external-secrets (chart 0.20.1) not vendored; fields checked in test_eks.py/test_eks_apps.py",
    "TargetGroupBinding": "CRD of aws-load-balancer-controller (chart 1.13.4) not vendored; fields checked in test_eks_apps.py",
    "ServiceMonitor": "CRD of kube-prometheus-stack not vendored; checked by the monitoring tests",
    "PodMonitor": "CRD of kube-prometheus-stack not vendored; checked by the monitoring tests",
    "PrometheusRule": "CRD of kube-prometheus-stack not vendored; checked by the monitoring tests",
    "AutoscalingRunnerSet": "CRD of actions-runner-controller not vendored; checked by the runner tests",
}
CHECKOV = PROJECT_DIR / ".venv-checkov" / "bin" / "checkov"


@pytest.fixture(scope="session")
def manifest_dir(eks_apps_plan, tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("k8s")
    export_manifests(eks_apps_plan, directory)
    return directory


@pytest.fixture(scope="session")
def kubernetes_version() -> str:
    config = yaml.safe_load((PROJECT_DIR / "tests" / "stacks" / "Pulumi.eks-apps.yaml").read_text())["config"]
    return f"{config['ohmycoins:eks']['version']}.0"


def _objects(directory: Path) -> dict[str, dict]:
    return {path.name: yaml.safe_load(path.read_text()) for path in sorted(directory.glob("*.yaml"))}


def test_every_kubernetes_object_is_written_once(eks_apps_plan, manifest_dir):
    objects = _objects(manifest_dir)
    declared = [r for r in eks_apps_plan.resources if r.type.startswith("kubernetes:") and r.custom and "helm.sh" not in r.type]
    assert len(objects) == len(declared)
    for resource in declared:
        assert objects[file_name(manifest(resource))]["kind"] == resource.type.rsplit(":", 1)[-1]


def test_helm_releases_are_exported_as_values_for_inspection(manifest_dir):
    releases = {path.stem: yaml.safe_load(path.read_text()) for path in (manifest_dir / HELM_DIR).glob("*.yaml")}
    for name in (
        "kube-system--aws-load-balancer-controller",
        "kube-system--cluster-autoscaler",
        "kube-system--metrics-server",
        "external-secrets--external-secrets",
    ):
        assert releases[name]["version"] and releases[name]["values"]


def test_objects_are_valid_for_the_clusters_kubernetes_version(manifest_dir, kubernetes_version):
    """Strict: unknown fields are errors. Helm charts are rendered by the provider against a live
    cluster, so only their values are exported (helm/), never validated as objects here."""
    checked, skipped = 0, set()
    for name, obj in _objects(manifest_dir).items():
        if obj["kind"] in CRD_KINDS_NOT_VALIDATED:
            skipped.add(obj["kind"])
            continue
        try:
            kubernetes_validate.validate(obj, kubernetes_version, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(f"{name}: {error.message} at {'/'.join(map(str, error.path))}")
        checked += 1
    assert checked >= 40
    assert {"ExternalSecret", "ClusterSecretStore", "TargetGroupBinding"} <= skipped


def test_export_is_deterministic(eks_apps_plan, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    export_manifests(eks_apps_plan, first)
    export_manifests(eks_apps_plan, second)
    assert _objects(first) == _objects(second)
    assert [p.read_text() for p in sorted(first.glob("*.yaml"))] == [p.read_text() for p in sorted(second.glob("*.yaml"))]


def test_a_whole_secret_map_is_redacted_but_keeps_its_shape():
    resource = PlannedResource(
        urn="u",
        type="kubernetes:core/v1:Secret",
        name="s",
        parent="",
        inputs={"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "stringData": "[secret]"},
    )
    assert manifest(resource)["stringData"] == {"redacted-by-offline-plan": "[secret]"}


@pytest.fixture(scope="session")
def checkov_report(manifest_dir) -> list[dict]:
    if not CHECKOV.exists():
        pytest.fail(f"{CHECKOV} is missing: `make test` creates .venv-checkov from requirements-checkov.txt")
    scan = manifest_dir.parent / "checkov-input"
    shutil.copytree(manifest_dir, scan, ignore=shutil.ignore_patterns(HELM_DIR), dirs_exist_ok=True)
    result = subprocess.run(
        [str(CHECKOV), "-d", str(scan), "--framework", "kubernetes", "-o", "json", "--quiet", "--skip-download"],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "HOME": str(manifest_dir.parent), "BC_SKIP_MAPPING": "TRUE"},
    )
    report = json.loads(result.stdout)
    return report if isinstance(report, list) else [report]


def test_checkov_finds_nothing(checkov_report):
    failures = [
        f"{check['check_id']} {check['resource']}: {check['check_name']}"
        for report in checkov_report
        for check in report.get("results", {}).get("failed_checks", [])
    ]
    assert failures == []
    assert sum(report["summary"]["passed"] for report in checkov_report) > 100


def test_every_checkov_skip_is_written_on_its_object_with_a_reason(checkov_report, manifest_dir):
    annotations = 0
    for name, obj in _objects(manifest_dir).items():
        for key, value in obj["metadata"].get("annotations", {}).items():
            if key.startswith("checkov.io/skip"):
                check, _, reason = value.partition("=")
                assert check.startswith("CKV_K8S_") and len(reason) > 20, (name, value)
                annotations += 1
    # Each written skip is one skipped check: nothing is skipped anywhere else (no CLI --skip-check).
    assert sum(report["summary"]["skipped"] for report in checkov_report) == annotations > 0
