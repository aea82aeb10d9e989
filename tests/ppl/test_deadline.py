"""The one generation deadline, against a fake Replicate on 127.0.0.1."""

from __future__ import annotations

import time

import httpx
from fastapi.testclient import TestClient

from ppl_backend.main import create_app
from tests.ppl.conftest import ppl_form, replicate_settings
from tests.ppl.fake_replicate import Behaviour, fake_replicate
from tests.support import serve


def run_against(behaviour: Behaviour, timeout_s: float, **overrides):
    with serve(fake_replicate(behaviour)) as fake:
        settings = replicate_settings(
            **{
                "replicate_base_url": fake.url,
                "result_hosts": (fake.url,),
                "generation_timeout_s": timeout_s,
                "replicate_poll_interval_s": 0.05,
                **overrides,
            }
        )
        with TestClient(create_app(settings)) as client:
            data, files = ppl_form()
            started = time.monotonic()
            response = client.post("/api/ppl-gen/generate", data=data, files=files)
            elapsed = time.monotonic() - started
            metrics = client.get("/metrics").text
        return response, elapsed, metrics


def test_fake_provider_success_over_real_sockets():
    behaviour = Behaviour(mode="succeed", polls_before_done=3)
    response, _, _ = run_against(behaviour, timeout_s=10)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert behaviour.polls == 3


def test_provider_that_hangs_hits_the_deadline(logs):
    behaviour = Behaviour(mode="hang_on_create")
    response, elapsed, metrics = run_against(behaviour, timeout_s=1.5)
    assert response.status_code == 504
    error = response.json()["error"]
    assert error["code"] == "GENERATION_TIMEOUT"
    assert "이미지 생성 시간이 초과되었습니다" in error["message"]
    assert elapsed < 10  # bounded by the 1.5 s deadline, not the provider's 60 s hang
    assert "이미지 생성이 1.5초 내에 완료되지 않았습니다" in logs.text
    assert 'generations_in_flight{service="ppl"} 0.0' in metrics
    assert 'outcome="GENERATION_TIMEOUT"' in metrics


def test_prediction_that_never_finishes_is_cancelled_at_the_deadline():
    behaviour = Behaviour(mode="never_finish")
    response, elapsed, _ = run_against(behaviour, timeout_s=1.0)
    assert response.status_code == 504
    assert response.json()["error"]["code"] == "GENERATION_TIMEOUT"
    assert behaviour.polls >= 5  # it kept polling until the deadline ...
    assert behaviour.cancels == ["fake1"]  # ... then stopped the prediction on Replicate's side


def test_a_stalled_create_is_a_provider_error_after_the_create_timeout(logs):
    behaviour = Behaviour(mode="hang_on_create")
    response, elapsed, _ = run_against(behaviour, timeout_s=20, replicate_create_timeout_s=0.5)
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "UPSTREAM_ERROR"
    assert elapsed < 10  # the create timeout, not the 20 s deadline
    assert "Replicate create timed out" in logs.text


def test_cancelling_a_job_cancels_its_prediction():
    """Cancelling is explicit now (a client that leaves leaves its job running)."""
    behaviour = Behaviour(mode="never_finish")
    with serve(fake_replicate(behaviour)) as fake:
        settings = replicate_settings(
            replicate_base_url=fake.url, result_hosts=(fake.url,), replicate_poll_interval_s=0.05
        )
        with serve(create_app(settings)) as service:
            data, files = ppl_form()
            accepted = httpx.post(
                f"{service.url}/api/ppl-gen/generate", data=data, files=files,
                headers={"Prefer": "respond-async"}, timeout=10,
            )  # fmt: skip
            job = accepted.json()
            deadline = time.monotonic() + 10
            while behaviour.polls < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            canceled = httpx.post(f"{service.url}/api/ppl-gen/jobs/{job['id']}/cancel", timeout=10)
            while not behaviour.cancels and time.monotonic() < deadline:
                time.sleep(0.05)
            after = httpx.get(f"{service.url}/api/ppl-gen/jobs/{job['id']}").json()
    assert accepted.status_code == 202
    assert accepted.headers["location"] == f"/api/ppl-gen/jobs/{job['id']}"
    assert canceled.status_code == 200 and canceled.json()["status"] == "canceled"
    assert after["status"] == "canceled" and after["error"]["code"] == "JOB_CANCELED"
    assert behaviour.cancels == ["fake1"]


def test_polls_never_pass_this_pods_share_of_the_accounts_rate_limit():
    """10 calls a minute for this pod: a 0.01 s interval still makes at most 10 polls."""
    behaviour = Behaviour(mode="never_finish")
    response, _, metrics = run_against(
        behaviour, timeout_s=2.0, replicate_poll_interval_s=0.01, replicate_api_calls_per_min=10
    )
    assert response.status_code == 504
    assert 1 <= behaviour.polls <= 10  # ~200 without the limiter
