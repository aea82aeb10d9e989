"""The Replicate engine against a respx-mocked Replicate: every row of the error table."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
import respx
from fastapi.testclient import TestClient

from ppl_backend.main import create_app
from tests.ppl.conftest import CREATE_URL, REPLICATE, ppl_form, replicate_settings
from tests.support import CANARY_TOKEN, png_bytes

OUTPUT_URL = "https://replicate.delivery/xezq/output.png"
RESULT = png_bytes((256, 256), color=(0, 200, 0))


def prediction(status: str, output=None, error=None, pid: str = "p123") -> dict:
    return {
        "id": pid,
        "model": "flux-kontext-apps/multi-image-kontext-max",
        "version": "hidden",
        "status": status,
        "input": {},
        "output": output,
        "logs": "",
        "error": error,
        "metrics": {},
        "created_at": "2026-11-22T00:00:00Z",
        "started_at": None,
        "completed_at": None,
        "urls": {"get": f"{REPLICATE}/v1/predictions/{pid}", "cancel": f"{REPLICATE}/v1/predictions/{pid}/cancel"},
    }


def post(client: TestClient, **fields):
    data, files = ppl_form(**fields)
    return client.post("/api/ppl-gen/generate", data=data, files=files)


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"] and error["request_id"]
    assert CANARY_TOKEN not in response.text
    return error


@respx.mock
def test_succeeded_prediction_returns_the_downloaded_image(replicate_client, logs):
    create = respx.post(CREATE_URL).respond(201, json=prediction("succeeded", OUTPUT_URL))
    respx.get(OUTPUT_URL).respond(200, content=RESULT, headers={"Content-Type": "application/octet-stream"})
    response = post(replicate_client, output_format="jpeg")
    assert response.status_code == 200
    assert response.content == RESULT
    assert response.headers["content-type"] == "image/png"  # the bytes, not the header or the request
    sent = json.loads(create.calls.last.request.content)["input"]
    assert sent["output_format"] == "jpg"  # Replicate rejects "jpeg"
    assert sent["seed"] == 11 and sent["safety_tolerance"] == 2 and sent["aspect_ratio"] == "1:1"
    assert sent["input_image_1"].startswith("data:image/png;base64,")
    assert sent["input_image_2"].startswith("data:image/jpeg;base64,")
    assert create.calls.last.request.headers["authorization"] == f"Bearer {CANARY_TOKEN}"
    assert "Replicate 응답" in logs.text


@respx.mock
def test_empty_seed_is_not_sent(replicate_client):
    create = respx.post(CREATE_URL).respond(201, json=prediction("succeeded", OUTPUT_URL))
    respx.get(OUTPUT_URL).respond(200, content=RESULT)
    assert post(replicate_client, seed="").status_code == 200
    assert "seed" not in json.loads(create.calls.last.request.content)["input"]


@respx.mock
def test_running_prediction_is_polled_to_its_end(replicate_client, logs):
    respx.post(CREATE_URL).respond(201, json=prediction("starting"))
    poll = respx.get(f"{REPLICATE}/v1/predictions/p123").mock(
        side_effect=[
            httpx.Response(200, json=prediction("processing")),
            httpx.Response(200, json=prediction("processing")),
            httpx.Response(200, json=prediction("succeeded", [OUTPUT_URL])),
        ]
    )
    respx.get(OUTPUT_URL).respond(200, content=RESULT)
    response = post(replicate_client)
    assert response.status_code == 200 and response.content == RESULT
    assert poll.call_count == 3
    assert logs.text.count("Replicate 응답") >= 3  # starting, processing, succeeded


@respx.mock
def test_one_failed_poll_is_retried(replicate_client):
    respx.post(CREATE_URL).respond(201, json=prediction("processing"))
    respx.get(f"{REPLICATE}/v1/predictions/p123").mock(
        side_effect=[httpx.ConnectError("blip"), httpx.Response(200, json=prediction("succeeded", OUTPUT_URL))]
    )
    respx.get(OUTPUT_URL).respond(200, content=RESULT)
    assert post(replicate_client).status_code == 200


@pytest.mark.parametrize(
    ("status", "code", "http"),
    [
        (401, "UPSTREAM_AUTH_FAILED", 502),
        (403, "UPSTREAM_AUTH_FAILED", 502),
        (402, "UPSTREAM_QUOTA_EXCEEDED", 502),
        (422, "UPSTREAM_ERROR", 502),
        (500, "UPSTREAM_ERROR", 502),
        (503, "UPSTREAM_ERROR", 502),
    ],
)
@respx.mock
def test_api_errors_on_create(replicate_client, status, code, http):
    respx.post(CREATE_URL).respond(status, json={"title": "nope", "detail": f"token {CANARY_TOKEN} rejected", "status": status})
    error = assert_error(post(replicate_client), http, code)
    assert "token" not in error["message"]


@respx.mock
def test_rate_limit_longer_than_the_deadline_is_answered_at_once_with_retry_after():
    with TestClient(create_app(replicate_settings(generation_timeout_s=5))) as client:
        route = respx.post(CREATE_URL).respond(429, json={"title": "Too many", "status": 429}, headers={"Retry-After": "7"})
        response = post(client)
    assert_error(response, 429, "UPSTREAM_RATE_LIMITED")
    assert response.headers["retry-after"] == "7"
    assert route.call_count == 1


@respx.mock
def test_rate_limited_create_is_retried_inside_the_deadline(replicate_client, logs):
    route = respx.post(CREATE_URL).mock(
        side_effect=[
            httpx.Response(429, json={"status": 429}, headers={"Retry-After": "1"}),
            httpx.Response(201, json=prediction("succeeded", OUTPUT_URL)),
        ]
    )
    respx.get(OUTPUT_URL).respond(200, content=RESULT)
    assert post(replicate_client).status_code == 200
    assert route.call_count == 2
    assert "429" in logs.text


@pytest.mark.parametrize(
    "error_text",
    [
        "E005: The input or output was flagged as sensitive. Please try again with different inputs.",
        "Prediction failed: NSFW content detected",
    ],
)
@respx.mock
def test_moderated_prediction_is_422(replicate_client, error_text):
    respx.post(CREATE_URL).respond(201, json=prediction("failed", error=error_text))
    assert_error(post(replicate_client), 422, "CONTENT_MODERATED")


@respx.mock
def test_failed_prediction_is_generation_failed(replicate_client):
    respx.post(CREATE_URL).respond(201, json=prediction("failed", error="CUDA out of memory"))
    error = assert_error(post(replicate_client), 502, "GENERATION_FAILED")
    assert "CUDA" not in error["message"]


@respx.mock
def test_canceled_prediction_is_generation_failed(replicate_client):
    respx.post(CREATE_URL).respond(201, json=prediction("canceled"))
    assert_error(post(replicate_client), 502, "GENERATION_FAILED")


@pytest.mark.parametrize("output", [{"image": OUTPUT_URL}, 42, None, [], "not-a-url"])
@respx.mock
def test_unexpected_output_type(replicate_client, output):
    respx.post(CREATE_URL).respond(201, json=prediction("succeeded", output))
    error = assert_error(post(replicate_client), 502, "UNPROCESSABLE_RESULT")
    assert "처리할 수 없는 결과 타입입니다" in error["message"]


@respx.mock
def test_list_output_and_data_uri_output(replicate_client):
    data_uri = "data:image/png;base64," + base64.b64encode(RESULT).decode()
    respx.post(CREATE_URL).respond(201, json=prediction("succeeded", [data_uri]))
    response = post(replicate_client)
    assert response.status_code == 200 and response.content == RESULT


@respx.mock
def test_result_on_a_foreign_host_is_not_downloaded(replicate_client):
    evil = "https://evil.example/output.png"
    respx.post(CREATE_URL).respond(201, json=prediction("succeeded", evil))
    fetched = respx.get(evil).respond(200, content=RESULT)
    assert_error(post(replicate_client), 502, "UPSTREAM_ERROR")
    assert not fetched.called


@respx.mock
def test_result_download_failure_and_garbage_result(replicate_client):
    respx.post(CREATE_URL).respond(201, json=prediction("succeeded", OUTPUT_URL))
    respx.get(OUTPUT_URL).mock(side_effect=[httpx.Response(500), httpx.Response(200, content=b"<html>not an image</html>")])
    assert_error(post(replicate_client), 502, "UPSTREAM_ERROR")
    assert_error(post(replicate_client), 502, "UPSTREAM_ERROR")


@respx.mock
def test_html_instead_of_json_and_unreachable_provider(replicate_client):
    route = respx.post(CREATE_URL)
    route.side_effect = [
        httpx.Response(200, text="<html>gateway</html>", headers={"Content-Type": "text/html"}),
        httpx.ConnectError("refused"),
    ]
    assert_error(post(replicate_client), 502, "UPSTREAM_ERROR")
    assert_error(post(replicate_client), 502, "UPSTREAM_ERROR")


def test_missing_token_keeps_the_process_up_and_answers_503(logs):
    with TestClient(create_app(replicate_settings(replicate_api_token=None))) as client:
        ready = client.get("/ready")
        assert ready.status_code == 503
        assert "REPLICATE_API_TOKEN이 설정되어 있지 않습니다" in ready.json()["error"]["message"]
        error = assert_error(post(client), 503, "ENGINE_NOT_CONFIGURED")
        assert "REPLICATE_API_TOKEN이 설정되어 있지 않습니다" in error["message"]
        assert client.get("/health").status_code == 200
        assert 'engine_ready{engine="replicate",service="ppl"} 0.0' in client.get("/metrics").text


@respx.mock
def test_token_never_appears_in_responses_or_logs(replicate_client, logs, capsys):
    respx.post(CREATE_URL).respond(401, json={"detail": f"Invalid token {CANARY_TOKEN}"})
    response = post(replicate_client)
    respx.post(CREATE_URL).respond(201, json=prediction("failed", error=f"bad {CANARY_TOKEN}"))
    response2 = post(replicate_client)
    for r in (response, response2):
        assert CANARY_TOKEN not in r.text and CANARY_TOKEN not in str(r.headers)
    assert CANARY_TOKEN not in replicate_client.get("/api/ppl-gen/info").text
    assert CANARY_TOKEN not in replicate_client.get("/metrics").text
    assert CANARY_TOKEN not in logs.text
    assert CANARY_TOKEN not in capsys.readouterr().out


@respx.mock
def test_ready_when_configured(replicate_client):
    ready = replicate_client.get("/ready")
    assert ready.status_code == 200 and ready.json()["engine"] == "replicate"


class _Fetcher:
    """Stands in for the shared ResultFetcher: records what it was asked to download."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    async def fetch(self, url: str) -> bytes:
        self.urls.append(url)
        return RESULT


@pytest.mark.parametrize(
    ("output", "fetched"),
    [
        (OUTPUT_URL, [OUTPUT_URL]),
        ([OUTPUT_URL, "https://replicate.delivery/other.png"], [OUTPUT_URL]),
        ("FILE_OUTPUT", [OUTPUT_URL]),
        (["FILE_OUTPUT"], [OUTPUT_URL]),
        (RESULT, []),
        ([RESULT], []),
    ],
    ids=["url", "list-of-urls", "file-output", "list-of-file-outputs", "bytes", "list-of-bytes"],
)
async def test_every_output_shape_the_model_has_produced(output, fetched):
    import replicate
    from replicate.helpers import FileOutput

    from ppl_backend.replicate_engine import output_bytes

    def materialise(value):
        if value == "FILE_OUTPUT":
            return FileOutput(OUTPUT_URL, replicate.Client(api_token="unused"))
        if isinstance(value, list):
            return [materialise(v) for v in value]
        return value

    fetcher = _Fetcher()
    assert await output_bytes(materialise(output), fetcher) == RESULT
    assert fetcher.urls == fetched  # FileOutput is downloaded by us (host check, cap), not by the client
