from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "k8s" / "monitoring"
RULES_FILE = MONITORING / "prometheus-rules.yaml"


def prometheus_tool(name: str) -> str:
    """Path of promtool/prometheus (Debian's `prometheus` package).

    Missing: skip locally, fail in CI.
    """
    found = shutil.which(name) or (
        f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None
    )
    if found is None:
        message = (
            f"`{name}` not found: install Debian's prometheus package "
            "(apt-get install -y prometheus), as .ci/run does"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(f"SKIPPED LOUDLY - {message}; the monitoring rules are NOT being checked")
    return found


@pytest.fixture(scope="session")
def promtool() -> str:
    return prometheus_tool("promtool")


@pytest.fixture(scope="session")
def prometheus_bin() -> str:
    return prometheus_tool("prometheus")


@pytest.fixture(scope="session")
def rules() -> dict:
    return yaml.safe_load(RULES_FILE.read_text())


@pytest.fixture(scope="session")
def alert_rules(rules: dict) -> list[dict]:
    return [rule for group in rules["groups"] for rule in group["rules"] if "alert" in rule]


@pytest.fixture(scope="session")
def recording_rules(rules: dict) -> dict[str, str]:
    return {
        rule["record"]: rule["expr"]
        for group in rules["groups"]
        for rule in group["rules"]
        if "record" in rule
    }
