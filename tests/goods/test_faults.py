"""Faults on real sockets: each maps to its status and code, and nothing is left behind."""

from __future__ import annotations

import os
import tempfile

import pytest
from fastapi.testclient import TestClient

from goods_backend.main import create_app
from tests.fault_server import FaultServer
from tests.goods.conftest import bfl_settings, goods_form
from tests.support import CANARY_TOKEN, free_port


def open_sockets() -> int:
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
        except OSError:
            pass
    return count


@pytest.fixture(scope="module")
def faults():
    with FaultServer() as server:
        yield server


CASES = [
    ("create-reset", 502, "UPSTREAM_ERROR"),
    ("create-drip", 504, "GENERATION_TIMEOUT"),
    ("create-html", 502, "UPSTREAM_ERROR"),
    ("poll-html", 502, "UPSTREAM_ERROR"),  # three garbage polls in a row
    ("result-reset", 502, "UPSTREAM_ERROR"),
    ("result-drip", 504, "GENERATION_TIMEOUT"),
    ("result-truncated", 502, "UPSTREAM_ERROR"),
    ("result-corrupt", 502, "UPSTREAM_ERROR"),
    ("result-huge", 502, "UPSTREAM_ERROR"),
    ("result-hugechunked", 502, "UPSTREAM_ERROR"),
    ("result-redirect", 502, "UPSTREAM_ERROR"),
    ("result-html", 502, "UPSTREAM_ERROR"),
    ("result-fine", 200, None),
]


@pytest.mark.parametrize(("mode", "status", "code"), CASES)
def test_fault_maps_to_its_code_and_leaves_nothing_behind(faults, mode, status, code, logs, capsys):
    settings = bfl_settings(
        bfl_base_url=faults.url,
        bfl_model=mode,
        bfl_poll_interval_s=0.05,
        result_hosts=(faults.url,),
        max_result_mb=1,
        generation_timeout_s=2,
    )
    temp_before = set(os.listdir(tempfile.gettempdir()))
    with TestClient(create_app(settings)) as client:
        sockets_before = open_sockets()
        data, files = goods_form()
        response = client.post("/api/goods-gen/generate", data=data, files=files)
        metrics = client.get("/metrics").text
        sockets_after = open_sockets()
    assert response.status_code == status, response.text
    if code:
        assert response.json()["error"]["code"] == code
        assert response.json()["error"]["message"]
    assert 'generations_in_flight{service="goods"} 0.0' in metrics
    assert sockets_after <= sockets_before + 1  # the shared client may keep one idle connection
    assert not {n for n in set(os.listdir(tempfile.gettempdir())) - temp_before if "tmp" in n}
    assert CANARY_TOKEN not in response.text and CANARY_TOKEN not in logs.text
    assert CANARY_TOKEN not in capsys.readouterr().out


@pytest.mark.parametrize(
    "base_url",
    [f"http://127.0.0.1:{free_port()}", "https://bfl-provider.invalid"],
    ids=["connection-refused", "unresolvable-host"],
)
def test_unreachable_provider_is_upstream_error(base_url):
    with TestClient(create_app(bfl_settings(bfl_base_url=base_url))) as client:
        data, files = goods_form()
        response = client.post("/api/goods-gen/generate", data=data, files=files)
        metrics = client.get("/metrics").text
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "UPSTREAM_ERROR"
    assert 'generations_in_flight{service="goods"} 0.0' in metrics


def test_a_plain_http_api_address_off_loopback_is_not_ready_and_never_gets_the_key():
    with TestClient(create_app(bfl_settings(bfl_base_url="http://bfl.example.com"))) as client:
        ready = client.get("/ready")
        data, files = goods_form()
        response = client.post("/api/goods-gen/generate", data=data, files=files)
    assert ready.status_code == 503 and "BFL_BASE_URL" in ready.json()["error"]["message"]
    assert (
        response.status_code == 503 and response.json()["error"]["code"] == "ENGINE_NOT_CONFIGURED"
    )
