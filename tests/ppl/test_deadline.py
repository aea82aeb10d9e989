"""The one generation deadline, against a fake Replicate on 127.0.0.1."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from ppl_backend.main import create_app
from tests.ppl.conftest import ppl_form, replicate_settings
from tests.ppl.fake_replicate import Behaviour, fake_replicate
from tests.support import serve


def run_against(behaviour: Behaviour, timeout_s: float):
    with serve(fake_replicate(behaviour)) as fake:
        settings = replicate_settings(
            replicate_base_url=fake.url,
            result_hosts=("127.0.0.1",),
            generation_timeout_s=timeout_s,
            replicate_poll_interval_s=0.05,
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
