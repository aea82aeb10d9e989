"""The event-stream contract of both generate endpoints (Accept: text/event-stream)."""

from __future__ import annotations

import base64
import io
import json
import socket
import time

import httpx
import pytest
import respx
from fastapi.testclient import TestClient
from PIL import Image

from goods_backend.main import create_app as create_goods
from goods_backend.settings import GoodsSettings
from ppl_backend.main import create_app as create_ppl
from ppl_backend.settings import PplSettings
from tests.goods.conftest import CREATE_URL, POLL_URL, SAMPLE_URL, bfl_settings, goods_form
from tests.goods.fake_bfl import FakeBfl
from tests.ppl.conftest import ppl_form
from tests.support import png_bytes, serve

STREAM = {"Accept": "text/event-stream"}


def parse_events(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if line and not line.startswith(":")]
        if not lines:
            continue
        fields = dict(line.split(": ", 1) for line in lines)
        events.append((fields["event"], json.loads(fields["data"])))
    return events


def names(events) -> list[str]:
    return [name for name, _ in events]


def test_ppl_stream_orders_events_and_ends_with_the_image(logs):
    with TestClient(create_ppl(PplSettings(ppl_engine="local"))) as client:
        data, files = ppl_form()
        response = client.post("/api/ppl-gen/generate", data=data, files=files, headers=STREAM)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["x-accel-buffering"] == "no"
    events = parse_events(response.text)
    assert names(events) == ["accepted", "prepared", "submitted", "progress", "progress", "done"]
    assert events[1][1] == {"input_image_1": [400, 600], "input_image_2": [300, 300]}
    done = events[-1][1]
    assert done["filename"] == "generated-ppl-image.png" and done["media_type"] == "image/png"
    assert done["request_id"] == events[0][1]["request_id"] == response.headers["x-request-id"]
    header, payload = done["image"].split(",", 1)
    assert header == "data:image/png;base64"
    assert Image.open(io.BytesIO(base64.b64decode(payload))).size == (1024, 1024)
    assert "✅ 이미지 데이터 직접 반환" in logs.text


def test_without_the_header_nothing_changes():
    with TestClient(create_goods(GoodsSettings())) as client:
        data, files = goods_form()
        response = client.post("/api/goods-gen/generate", data=data, files=files)
    assert response.headers["content-type"] == "image/png"


def test_a_refusal_before_the_stream_answers_its_real_status():
    """Bad fields or images are refused with their status, not a 200 carrying an error event."""
    with TestClient(create_goods(GoodsSettings())) as client:
        data, files = goods_form(goods_type="spaceship")
        response = client.post("/api/goods-gen/generate", data=data, files=files, headers=STREAM)
        plain = client.post("/api/goods-gen/generate", data=data, files=files)
        tiny = client.post(
            "/api/goods-gen/generate",
            data={"goods_type": "mug"},
            files={"input_image": ("t.png", png_bytes((1, 1)), "image/png")},
            headers=STREAM,
        )
    assert response.status_code == 422 and response.headers["content-type"] == "application/json"
    assert response.json() == {
        **plain.json(),
        "error": {**plain.json()["error"], "request_id": response.json()["error"]["request_id"]},
    }
    assert tiny.status_code == 422 and tiny.json()["error"]["code"] == "IMAGE_TOO_SMALL"


class BuggyEngine:
    name = "local"

    def not_ready_reason(self):
        return None

    async def generate(self, params, images, ctx):
        ctx.submitted("t1")
        raise KeyError("a bug, not a known failure")

    async def aclose(self):
        return None


def test_an_unexpected_bug_still_ends_the_stream_with_an_error_event(logs):
    from goods_backend.main import SPEC
    from webtoon_core.app import create_service_app

    app = create_service_app(SPEC, GoodsSettings(), lambda resources: BuggyEngine())
    with TestClient(app) as client:
        data, files = goods_form()
        response = client.post("/api/goods-gen/generate", data=data, files=files, headers=STREAM)
    events = parse_events(response.text)
    assert names(events)[-1] == "error"
    assert events[-1][1]["code"] == "INTERNAL_ERROR" and events[-1][1]["status"] == 500
    assert "a bug, not a known failure" not in response.text
    assert "처리되지 않은 오류" in logs.text


def test_refusals_before_the_upload_are_plain_errors_with_their_status():
    with TestClient(create_goods(bfl_settings(bfl_api_key=None))) as client:
        data, files = goods_form()
        refused = client.post("/api/goods-gen/generate", data=data, files=files, headers=STREAM)
        big = {"input_image": ("big.png", b"\0" * (6 * 1024 * 1024), "image/png")}
        too_big = client.post("/api/goods-gen/generate", data=data, files=big, headers=STREAM)
    assert refused.status_code == 503 and refused.json()["error"]["code"] == "ENGINE_NOT_CONFIGURED"
    assert too_big.status_code in (503, 413)
    assert too_big.json()["error"]["code"] in ("ENGINE_NOT_CONFIGURED", "FILE_TOO_LARGE")


@respx.mock
def test_bfl_progress_flows_into_events_and_moderation_ends_them():
    respx.post(CREATE_URL).mock(
        return_value=httpx.Response(200, json={"id": "task-1", "polling_url": POLL_URL})
    )
    respx.get(POLL_URL).mock(
        side_effect=[
            httpx.Response(200, json={"status": "Pending", "progress": 0.3}),
            httpx.Response(200, json={"status": "Pending", "progress": 0.8}),
            httpx.Response(200, json={"status": "Ready", "result": {"sample": SAMPLE_URL}}),
            httpx.Response(200, json={"status": "Pending", "progress": 0.1}),
            httpx.Response(200, json={"status": "Content Moderated"}),
        ]
    )
    respx.get(SAMPLE_URL).respond(200, content=png_bytes((64, 64)))
    with TestClient(create_goods(bfl_settings())) as client:
        data, files = goods_form()
        good = parse_events(
            client.post("/api/goods-gen/generate", data=data, files=files, headers=STREAM).text
        )
        bad = parse_events(
            client.post("/api/goods-gen/generate", data=data, files=files, headers=STREAM).text
        )
    assert names(good) == [
        "accepted",
        "prepared",
        "submitted",
        "progress",
        "progress",
        "progress",
        "done",
    ]
    assert good[2][1] == {"task_id": "task-1"}
    assert [e[1]["progress"] for e in good[3:6]] == [0.3, 0.8, 1.0]
    assert [e[1]["status"] for e in good[3:6]] == ["Pending", "Pending", "Ready"]
    assert names(bad)[-1] == "error" and bad[-1][1]["code"] == "CONTENT_MODERATED"


def test_heartbeats_keep_an_idle_stream_open():
    fake = FakeBfl(ready_after_s=1.0)
    with serve(fake.app()) as provider:
        settings = bfl_settings(
            bfl_base_url=provider.url,
            result_hosts=(provider.url,),
            bfl_poll_interval_s=0.5,
            sse_heartbeat_s=0.1,
        )
        with serve(create_goods(settings)) as service:
            data, files = goods_form()
            response = httpx.post(
                f"{service.url}/api/goods-gen/generate",
                data=data,
                files=files,
                headers=STREAM,
                timeout=30,
            )
    assert ": keep-alive" in response.text
    assert names(parse_events(response.text))[-1] == "done"


def wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


@pytest.mark.parametrize("streaming", [True, False], ids=["event-stream", "plain"])
def test_a_client_that_disconnects_leaves_its_job_running_to_the_end(streaming):
    """A closed tab no longer loses a paid generation: the job finishes and is kept."""
    fake = FakeBfl(ready_after_polls=8)
    with serve(fake.app()) as provider:
        settings = bfl_settings(
            bfl_base_url=provider.url,
            result_hosts=(provider.url,),
            bfl_poll_interval_s=0.05,
            sse_heartbeat_s=0.2,
        )
        with serve(create_goods(settings)) as service:
            data, files = goods_form()
            request = httpx.Request(
                "POST",
                f"{service.url}/api/goods-gen/generate",
                data=data,
                files=files,
                headers=STREAM if streaming else {},
            )
            raw = b"".join(
                [f"POST {request.url.raw_path.decode()} HTTP/1.1\r\n".encode()]
                + [f"{k}: {v}\r\n".encode() for k, v in request.headers.items()]
                + [b"\r\n", request.read()]
            )
            sock = socket.create_connection(("127.0.0.1", service.port))
            sock.sendall(raw)
            wait_for(lambda: fake.polls and len(next(iter(fake.polls.values()))) >= 2)
            sock.close()  # the user closed the tab
            wait_for(lambda: len(next(iter(fake.polls.values()))) >= 8)  # polling went on
            history = {}
            wait_for(
                lambda: (
                    history.update(httpx.get(f"{service.url}/api/goods-gen/jobs").json())
                    or history["jobs"][0]["status"] == "succeeded"
                )
            )
            job = history["jobs"][0]
            result = httpx.get(f"{service.url}/api/goods-gen/jobs/{job['id']}/result")
            metrics = httpx.get(f"{service.url}/metrics").text
    assert result.status_code == 200 and result.headers["content-type"] == "image/png"
    assert 'generations_in_flight{service="goods"} 0.0' in metrics
    assert 'jobs_finished_total{engine="bfl",service="goods",status="succeeded"} 1.0' in metrics
