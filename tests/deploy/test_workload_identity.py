"""k8s/components/job-store-workload-identity: the backends reach the job store without a key."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.deploy.conftest import ROOT

COMPONENT = ROOT / "k8s" / "components" / "job-store-workload-identity"
BACKENDS = ("ppl-gen-backend-deployment-lee-2", "goods-gen-backend-deployment-lee-2")
FRONTENDS = ("ppl-gen-frontend-deployment-lee-2", "goods-gen-frontend-deployment-lee-2")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> str:
    """An overlay as an operator writes one: the base, sign-in and the component."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail("kubectl is required to render the component (kubectl kustomize)")
    overlay = tmp_path_factory.mktemp("overlay")
    k8s = os.path.relpath(ROOT / "k8s", overlay)  # kustomize refuses absolute paths
    (overlay / "kustomization.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                "namespace": "lee",
                "resources": [f"{k8s}/base"],
                "components": [
                    f"{k8s}/components/sso",
                    f"{k8s}/components/job-store-workload-identity",
                ],
            }
        )
    )
    result = subprocess.run(
        [kubectl, "kustomize", str(overlay)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def by_kind(rendered: str) -> dict[str, dict[str, dict]]:
    out: dict[str, dict[str, dict]] = {}
    for doc in yaml.safe_load_all(rendered):
        if doc:
            out.setdefault(doc["kind"], {})[doc["metadata"]["name"]] = doc
    return out


def test_the_backends_run_as_the_job_store_identity_with_the_webhook_label(by_kind):
    account = by_kind["ServiceAccount"]["webtoon-jobs-lee-2"]
    assert account["metadata"]["namespace"] == "lee"
    assert "azure.workload.identity/client-id" in account["metadata"]["annotations"]
    assert account["automountServiceAccountToken"] is False  # no Kubernetes API token in the pods
    for name in BACKENDS:
        template = by_kind["Deployment"][name]["spec"]["template"]
        assert template["metadata"]["labels"]["azure.workload.identity/use"] == "true"
        assert template["spec"]["serviceAccountName"] == "webtoon-jobs-lee-2"
        # the selector is untouched: the component can be added to a running deployment
        assert by_kind["Deployment"][name]["spec"]["selector"]["matchLabels"] == {
            "app": template["metadata"]["labels"]["app"]
        }


def test_the_frontends_and_the_sign_in_proxy_keep_their_own_identity(by_kind):
    for name, deployment in by_kind["Deployment"].items():
        if name in BACKENDS:
            continue
        template = deployment["spec"]["template"]
        assert "azure.workload.identity/use" not in template["metadata"].get("labels", {}), name
        assert template["spec"].get("serviceAccountName") != "webtoon-jobs-lee-2", name
    assert set(FRONTENDS) <= set(by_kind["Deployment"])


def test_the_overlay_with_the_component_validates_strictly(rendered: str, tmp_path: Path):
    path = tmp_path / "rendered.yaml"
    path.write_text(rendered)
    tool = shutil.which("kubernetes-validate") or str(
        Path(sys.executable).parent / "kubernetes-validate"
    )
    result = subprocess.run(
        [tool, "-k", "1.32", "--strict", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
