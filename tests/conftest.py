from __future__ import annotations

import logging

import pytest


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every log record at INFO and above, whatever logger it came from."""
    caplog.set_level(logging.INFO)
    return caplog


@pytest.fixture(scope="session", autouse=True)
def _job_store(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every app the tests build keeps its jobs in a temp dir (not ./data/jobs)."""
    import os

    path = tmp_path_factory.mktemp("jobs")
    os.environ.setdefault("JOB_STORE_URL", f"file://{path}")
