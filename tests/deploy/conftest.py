from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def rendered_yaml() -> str:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail("kubectl is required to render k8s/ (kubectl kustomize)")
    result = subprocess.run(
        [kubectl, "kustomize", str(ROOT / "k8s")], capture_output=True, text=True, check=True
    )
    return result.stdout


@pytest.fixture(scope="session")
def objects(rendered_yaml: str) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(rendered_yaml) if doc]


@pytest.fixture(scope="session")
def by_kind(objects: list[dict]) -> dict[str, dict[str, dict]]:
    out: dict[str, dict[str, dict]] = {}
    for obj in objects:
        out.setdefault(obj["kind"], {})[obj["metadata"]["name"]] = obj
    return out
