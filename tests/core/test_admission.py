"""Who may start a paid generation: identity, per-client limits, daily budget, our own origin."""

from __future__ import annotations

import re
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
import respx
from fastapi.testclient import TestClient

from goods_backend.main import create_app as create_goods
from goods_backend.settings import GoodsSettings
from tests.goods.conftest import CREATE_URL, POLL_URL, SAMPLE_URL, bfl_settings, goods_form
from tests.goods.fake_bfl import FakeBfl
from tests.provider_contract import check_bfl_create, enforce
from tests.support import png_bytes, serve
from webtoon_core.errors import BudgetExhausted, RateLimited
from webtoon_core.identity import identify
from webtoon_core.limits import ClientLimits, DailyBudget
from webtoon_core.provenance import read_provenance

RESULT = png_bytes((256, 256), color=(0, 120, 255))
USER = "X-Auth-Request-Email"


def provider(ready_after: int = 1) -> None:
    """A BFL that finishes every task after ``ready_after`` polls."""
    respx.post(CREATE_URL).mock(
        side_effect=enforce(
            check_bfl_create, httpx.Response(200, json={"id": "task-1", "polling_url": POLL_URL})
        )
    )
    pending = [httpx.Response(200, json={"status": "Pending"})] * (ready_after - 1)
    respx.get(POLL_URL).mock(
        side_effect=lambda request: (
            pending.pop()
            if pending
            else httpx.Response(200, json={"status": "Ready", "result": {"sample": SAMPLE_URL}})
        )
    )
    respx.get(SAMPLE_URL).respond(200, content=RESULT)


def generate(client: TestClient, headers: dict[str, str] | None = None) -> httpx.Response:
    data, files = goods_form()
    return client.post("/api/goods-gen/generate", data=data, files=files, headers=headers or {})


# --- identity -----------------------------------------------------------------------------


def scope(headers: dict[str, str], peer: str = "10.0.0.9") -> dict:
    return {
        "type": "http",
        "client": (peer, 5555),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }


def test_the_forwarded_user_is_believed_only_when_trusted():
    headers = {USER: "Artist@Studio.example"}
    assert identify(scope(headers), GoodsSettings()).user == "anonymous"
    trusted = identify(scope(headers), GoodsSettings(trust_forwarded_user=True))
    assert trusted.user == "artist@studio.example" and trusted.signed_in
    assert trusted.client_key == "user:artist@studio.example" and trusted.label == "signed_in"


@pytest.mark.parametrize(
    "value", ["", "not an email", "a@b\nc", "x" * 300 + "@a.b", "<script>@x.y"]
)
def test_a_malformed_forwarded_user_is_anonymous(value):
    identity = identify(scope({USER: value}), GoodsSettings(trust_forwarded_user=True))
    assert identity.user == "anonymous" and not identity.signed_in


@pytest.mark.parametrize(
    ("hops", "forwarded", "address"),
    [
        (0, "203.0.113.7", "10.0.0.9"),  # nothing trusted: the peer
        (
            1,
            "198.51.100.1, 203.0.113.7",
            "203.0.113.7",
        ),  # what the ingress saw, not the client's claim
        (2, "198.51.100.1, 203.0.113.7", "198.51.100.1"),
        (1, "garbage", "10.0.0.9"),
        (2, "203.0.113.7", "10.0.0.9"),  # fewer hops than trusted proxies: the peer
    ],
)
def test_the_anonymous_address_is_the_one_the_last_trusted_proxy_saw(hops, forwarded, address):
    settings = GoodsSettings(trusted_proxy_hops=hops)
    assert identify(scope({"X-Forwarded-For": forwarded}), settings).address == address


@respx.mock
def test_log_lines_name_the_user(capsys):
    provider()
    with TestClient(create_goods(bfl_settings(trust_forwarded_user=True))) as client:
        assert generate(client, {USER: "artist@studio.example"}).status_code == 200
        metrics = client.get("/metrics").text
    out = capsys.readouterr().out
    assert re.search(r"artist@studio\.example\] [\w.]+: 굿즈 이미지 생성 요청", out)
    assert (
        'generations_started_total{engine="bfl",identity="signed_in",service="goods"} 1.0'
        in metrics
    )
    assert "artist@studio.example" not in metrics  # never a label


# --- per-client limits --------------------------------------------------------------------


@respx.mock
def test_starts_per_minute_are_limited_per_user_with_retry_after():
    provider()
    with TestClient(
        create_goods(bfl_settings(trust_forwarded_user=True, rate_limit_per_minute=2))
    ) as client:
        alice = {USER: "alice@studio.example"}
        assert [generate(client, alice).status_code for _ in range(2)] == [200, 200]
        refused = generate(client, alice)
        other = generate(client, {USER: "bob@studio.example"})
        metrics = client.get("/metrics").text
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "RATE_LIMITED"
    assert "1분에 2건까지" in refused.json()["error"]["message"]
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert other.status_code == 200  # another user has a limit of their own
    rate_limited = (
        'generation_requests_total{engine="bfl",outcome="RATE_LIMITED",'
        'service="goods",status="429"} 1.0'
    )
    assert rate_limited in metrics


@respx.mock
def test_anonymous_clients_are_limited_by_address():
    provider()
    settings = bfl_settings(rate_limit_per_minute=1, trusted_proxy_hops=1)
    with TestClient(create_goods(settings)) as client:
        first = generate(client, {"X-Forwarded-For": "203.0.113.7"})
        again = generate(client, {"X-Forwarded-For": "203.0.113.7"})
        elsewhere = generate(client, {"X-Forwarded-For": "203.0.113.8"})
    assert (first.status_code, again.status_code, elsewhere.status_code) == (200, 429, 200)


def test_the_local_engine_is_not_limited():
    with TestClient(
        create_goods(GoodsSettings(rate_limit_per_minute=1, rate_limit_in_flight=1))
    ) as client:
        assert [generate(client).status_code for _ in range(3)] == [200, 200, 200]


def test_in_flight_places_come_back_when_released():
    limits = ClientLimits(per_minute=0, in_flight=1)
    release = limits.admit("addr:1")
    with pytest.raises(RateLimited) as info:
        limits.admit("addr:1")
    assert info.value.headers["Retry-After"] and "동시에 1건까지" in info.value.message
    release()
    release()  # twice: one place back, not two
    limits.admit("addr:1")
    with pytest.raises(RateLimited):
        limits.admit("addr:1")


def test_a_client_that_leaves_keeps_its_in_flight_place_until_its_job_ends():
    """Closing the tab does not free the place: the paid job runs on (and is kept)."""
    fake = FakeBfl(ready_after_s=1.5)
    with serve(fake.app()) as provider:
        settings = bfl_settings(
            bfl_base_url=provider.url, result_hosts=(provider.url,), bfl_poll_interval_s=0.05,
            bfl_max_polls=200, rate_limit_in_flight=1,
        )  # fmt: skip
        with serve(create_goods(settings)) as service:
            data, files = goods_form()
            with pytest.raises(httpx.ReadTimeout):  # the client gives up and leaves
                httpx.post(
                    f"{service.url}/api/goods-gen/generate", data=data, files=files, timeout=0.5
                )
            refused = httpx.post(
                f"{service.url}/api/goods-gen/generate", data=data, files=files, timeout=10
            )
            time.sleep(2.0)  # the first job ends at the provider
            allowed = httpx.post(
                f"{service.url}/api/goods-gen/generate", data=data, files=files, timeout=10
            )
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "RATE_LIMITED"
    assert allowed.status_code == 200


def test_a_minute_window_slides():
    now = [1000.0]
    limits = ClientLimits(per_minute=2, in_flight=0, clock=lambda: now[0])
    limits.admit("k")()
    now[0] += 30
    limits.admit("k")()
    with pytest.raises(RateLimited) as info:
        limits.admit("k")
    assert info.value.headers["Retry-After"] == "30"
    now[0] += 30.5
    limits.admit("k")()  # the first start left the window


# --- the day's budget ---------------------------------------------------------------------


def test_the_budget_refuses_once_spent_and_says_when_it_resets():
    seoul = ZoneInfo("Asia/Seoul")
    now = [datetime(2026, 11, 30, 22, 0, tzinfo=seoul)]
    budget = DailyBudget(0.16, "Asia/Seoul", now=lambda: now[0])
    budget.reserve(0.08).spend()
    held = budget.reserve(0.08)  # reserved, not yet at the provider: it counts
    with pytest.raises(BudgetExhausted) as info:
        budget.reserve(0.08)
    assert info.value.status == 429 and info.value.code == "BUDGET_EXHAUSTED"
    assert "12월 01일 00:00 (Asia/Seoul)" in info.value.message
    assert info.value.headers["Retry-After"] == str(2 * 3600)
    held.cancel()  # never reached the provider: given back
    budget.reserve(0.08)
    now[0] = datetime(2026, 12, 1, 0, 0, 1, tzinfo=seoul)  # midnight in Seoul: a new day
    assert budget.spent_today == 0.0
    budget.reserve(0.08).spend()
    assert budget.spent_today == pytest.approx(0.08)


@respx.mock
def test_spend_is_counted_at_the_provider_and_a_refused_request_costs_nothing():
    provider()
    with TestClient(create_goods(bfl_settings(daily_budget_usd=0.16))) as client:
        data, files = goods_form(goods_type="spaceship")
        bad = client.post("/api/goods-gen/generate", data=data, files=files)  # refused at intake
        first, second = generate(client), generate(client)
        third = generate(client)
        info = client.get("/api/goods-gen/info").json()
        metrics = client.get("/metrics").text
    assert bad.status_code == 422 and first.status_code == 200 and second.status_code == 200
    assert third.status_code == 429 and third.json()["error"]["code"] == "BUDGET_EXHAUSTED"
    assert "초기화됩니다" in third.json()["error"]["message"] and "retry-after" in third.headers
    assert (
        'generation_spend_usd_total{engine="bfl",model="flux-kontext-max",service="goods"} 0.16'
        in metrics
    )
    assert 'generation_budget_usd{service="goods"} 0.16' in metrics
    assert 'generation_spend_today_usd{service="goods"} 0.16' in metrics
    assert info["price_usd_per_image"] == 0.08
    assert info["budget"]["daily_usd"] == 0.16 and info["budget"]["spent_today_usd"] == 0.16


def test_the_other_replicas_reports_count_against_the_budget_for_their_day_only():
    seoul = ZoneInfo("Asia/Seoul")
    now = [datetime(2026, 11, 30, 22, 0, tzinfo=seoul)]
    budget = DailyBudget(0.24, "Asia/Seoul", now=lambda: now[0])
    budget.set_others("2026-11-29", 5.0)  # yesterday's report: ignored
    assert budget.total_today == 0.0
    budget.set_others("2026-11-30", 0.16)
    budget.reserve(0.08).spend()
    assert budget.spent_today == pytest.approx(0.08) and budget.total_today == pytest.approx(0.24)
    with pytest.raises(BudgetExhausted) as info:
        budget.reserve(0.08)
    assert "other replicas 0.16" in info.value.log_detail
    now[0] = datetime(2026, 12, 1, 0, 0, 1, tzinfo=seoul)  # the others' report was of yesterday
    assert budget.total_today == 0.0
    budget.reserve(0.08)


@respx.mock
def test_two_replicas_on_one_store_share_one_daily_budget():
    """Replica a spends two images of a three-image budget; replica b may start only one more."""
    provider()
    shared = {"daily_budget_usd": 0.24, "job_heartbeat_s": 0.2, "job_stale_after_s": 3.0}
    with TestClient(create_goods(bfl_settings(replica_name="replica-a", **shared))) as a:
        assert [generate(a).status_code for _ in range(2)] == [200, 200]
        with TestClient(create_goods(bfl_settings(replica_name="replica-b", **shared))) as b:

            def settle(client: TestClient, usd: float) -> None:
                deadline = time.monotonic() + 10
                while (
                    client.get("/api/goods-gen/info").json()["budget"]["spent_today_usd"]
                    < usd - 1e-9
                ):
                    assert time.monotonic() < deadline, f"the replica never saw the day's {usd} USD"
                    time.sleep(0.2)

            settle(b, 0.16)  # b hears of a's spend (the replicas exchange every second)
            assert generate(b).status_code == 200
            settle(a, 0.24)
            refused = [generate(a), generate(b)]
    assert [r.status_code for r in refused] == [429, 429]
    assert {r.json()["error"]["code"] for r in refused} == {"BUDGET_EXHAUSTED"}
    # a restarts under the same name (make run: the host name): its spend is not forgotten
    with TestClient(create_goods(bfl_settings(replica_name="replica-a", **shared))) as again:
        budget = again.app.state.runner.gate.budget
        assert budget.spent_today == pytest.approx(0.16) and budget.total_today == pytest.approx(
            0.24
        )
        assert generate(again).status_code == 429


def test_the_local_engine_costs_nothing_and_ignores_the_budget():
    with TestClient(create_goods(GoodsSettings(daily_budget_usd=0.01))) as client:
        assert [generate(client).status_code for _ in range(2)] == [200, 200]
        assert client.get("/api/goods-gen/info").json()["price_usd_per_image"] == 0.0


def test_prices_come_from_the_setting_table():
    settings = GoodsSettings(prices_usd={"bfl/flux-kontext-max": 0.1})
    assert settings.price_of("bfl", "flux-kontext-max") == 0.1
    assert settings.price_of("bfl", "unknown-model") == 0.0
    assert settings.price_of("local", "anything") == 0.0
    with pytest.raises(ValueError):
        GoodsSettings(prices_usd={"bfl/x": -1})


# --- only our own origin starts generations from a browser --------------------------------


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 200),  # curl, scripts: not a browser
        ({"Origin": "http://testserver"}, 200),  # our own page
        ({"Origin": "https://testserver"}, 200),  # TLS ended at the ingress
        ({"Sec-Fetch-Site": "same-origin"}, 200),
        ({"Origin": "https://evil.example"}, 403),
        ({"Origin": "null"}, 403),  # a sandboxed frame or a data: page
        ({"Sec-Fetch-Site": "cross-site"}, 403),
        ({"Sec-Fetch-Site": "same-site"}, 403),  # a sibling subdomain is still another site
        ({"Origin": "https://studio.example"}, 200),  # listed in CORS_ORIGINS
    ],
)
def test_a_browser_request_from_another_site_is_refused(headers, status):
    with TestClient(
        create_goods(GoodsSettings(cors_origins=("https://studio.example",)))
    ) as client:
        response = generate(client, headers)
    assert response.status_code == status, response.text
    if status == 403:
        assert response.json()["error"]["code"] == "CROSS_SITE_FORBIDDEN"
        assert "다른 사이트" in response.json()["error"]["message"]


# --- marking what AI made -----------------------------------------------------------------


@respx.mock
def test_real_engine_results_carry_provenance_with_the_request_id():
    provider()
    with TestClient(create_goods(bfl_settings())) as client:
        response = generate(client)
    marks = read_provenance(response.content)
    assert marks["digital_source_type"].endswith("/trainedAlgorithmicMedia")
    assert marks["engine"] == "bfl" and marks["model"] == "flux-kontext-max"
    assert marks["job_id"] == response.headers["x-job-id"]


def test_local_results_are_marked_as_composites():
    with TestClient(create_goods(GoodsSettings())) as client:
        marks = read_provenance(generate(client).content)
    assert marks["digital_source_type"].endswith("/composite") and marks["engine"] == "local"
