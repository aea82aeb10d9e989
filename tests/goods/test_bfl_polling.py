"""Polling a fake BFL on 127.0.0.1: interval, cap, polling_url, recovery, deadline, overlap."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
from fastapi.testclient import TestClient

from goods_backend.main import create_app
from tests.goods.conftest import bfl_settings, goods_form
from tests.goods.fake_bfl import FakeBfl
from tests.support import CANARY_TOKEN, serve


def settings_for(url: str, **overrides):
    return bfl_settings(bfl_base_url=url, result_hosts=(url,), **overrides)


def generate(fake: FakeBfl, **overrides):
    with serve(fake.app()) as server:
        with TestClient(create_app(settings_for(server.url, **overrides))) as client:
            data, files = goods_form()
            response = client.post("/api/goods-gen/generate", data=data, files=files)
            metrics = client.get("/metrics").text
    return response, metrics


def test_polls_the_returned_url_at_the_configured_interval():
    fake = FakeBfl(ready_after_polls=4)
    response, metrics = generate(fake, bfl_poll_interval_s=0.2)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    (times,) = fake.polls.values()
    assert len(times) == 4
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert all(gap >= 0.18 for gap in gaps), gaps  # asyncio.sleep(interval) between polls
    assert fake.keys_seen == {CANARY_TOKEN}
    assert 'provider_polls_count{engine="bfl",service="goods"} 1.0' in metrics


def test_poll_cap_ends_in_a_timeout():
    fake = FakeBfl(ready_after_polls=10_000)
    response, metrics = generate(fake, bfl_poll_interval_s=0.02, bfl_max_polls=5)
    assert response.status_code == 504
    assert response.json()["error"]["code"] == "GENERATION_TIMEOUT"
    (times,) = fake.polls.values()
    assert len(times) == 5
    assert 'generations_in_flight{service="goods"} 0.0' in metrics


def test_one_failed_poll_is_survived():
    fake = FakeBfl(ready_after_polls=3, fail_polls={1})
    response, _ = generate(fake, bfl_poll_interval_s=0.02)
    assert response.status_code == 200
    assert len(next(iter(fake.polls.values()))) == 3


def test_deadline_beats_the_poll_cap(logs):
    fake = FakeBfl(ready_after_polls=10_000)
    response, _ = generate(
        fake, bfl_poll_interval_s=0.1, bfl_max_polls=120, generation_timeout_s=1.0
    )
    assert response.status_code == 504
    polls = len(next(iter(fake.polls.values())))
    assert 3 <= polls < 120  # stopped by the 1 s deadline, far before the cap
    assert "이미지 생성이 1초 내에 완료되지 않았습니다" in logs.text


def _eight_at_once(fake: FakeBfl) -> list[int]:
    with serve(fake.app()) as provider:
        # One client starting eight: per-client limits off, this is about the provider.
        service_app = create_app(
            settings_for(
                provider.url,
                bfl_poll_interval_s=0.1,
                rate_limit_in_flight=0,
                rate_limit_per_minute=0,
            )
        )
        with serve(service_app) as service:
            data, files = goods_form()

            def one(_: int) -> int:
                with httpx.Client(timeout=30) as client:
                    return client.post(
                        f"{service.url}/api/goods-gen/generate", data=data, files=files
                    ).status_code

            with ThreadPoolExecutor(max_workers=8) as pool:
                return list(pool.map(one, range(8)))


def test_eight_generations_overlap_instead_of_queueing():
    fake = FakeBfl(ready_after_s=1.0, active_limit=24)  # an account with the higher task limit
    assert _eight_at_once(fake) == [200] * 8
    # All eight tasks were live at the provider at once: nothing serialised them.
    assert fake.max_active == 8


def test_beyond_the_accounts_six_active_tasks_creates_wait_for_a_free_slot():
    fake = FakeBfl(ready_after_s=1.0)  # Kontext Max: 6 active tasks on most accounts
    assert _eight_at_once(fake) == [200] * 8  # the 429s were retried inside the deadline
    assert fake.max_active == 6 and fake.throttled >= 2
