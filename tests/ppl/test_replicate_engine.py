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
from tests.provider_contract import check_replicate_create, check_replicate_file_upload, enforce
from tests.support import CANARY_TOKEN, noisy_jpeg, png_bytes, same_picture

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
        "urls": {
            "get": f"{REPLICATE}/v1/predictions/{pid}",
            "cancel": f"{REPLICATE}/v1/predictions/{pid}/cancel",
        },
    }


def replicate_create(*answers: httpx.Response) -> respx.Route:
    """The create route, refusing what Replicate refuses (enums, data URIs over 1 MB, ...)."""
    return respx.post(CREATE_URL).mock(
        side_effect=enforce(check_replicate_create, answers[0] if len(answers) == 1 else answers)
    )


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
    create = replicate_create(httpx.Response(201, json=prediction("succeeded", OUTPUT_URL)))
    respx.get(OUTPUT_URL).respond(
        200, content=RESULT, headers={"Content-Type": "application/octet-stream"}
    )
    response = post(replicate_client)
    assert response.status_code == 200
    assert same_picture(response.content, RESULT)
    assert response.headers["content-type"] == "image/png"  # the bytes, not the header
    request = create.calls.last.request
    sent = json.loads(request.content)["input"]
    assert sent["seed"] == 11 and sent["safety_tolerance"] == 2 and sent["aspect_ratio"] == "1:1"
    # Compact and inline: the flat drawing stays a (smaller) PNG, the photo a JPEG.
    assert sent["input_image_1"].startswith("data:image/png;base64,")
    assert sent["input_image_2"].startswith("data:image/jpeg;base64,")
    assert len(request.content) < 300_000
    assert request.headers["authorization"] == f"Bearer {CANARY_TOKEN}"
    # Replicate ends the prediction at our deadline itself: the time left, in seconds.
    assert 100 <= int(request.headers["cancel-after"].removesuffix("s")) <= 120
    assert "Replicate 응답" in logs.text


@respx.mock
def test_jpeg_output_is_asked_as_jpg_and_answered_as_jpeg(replicate_client):
    create = replicate_create(httpx.Response(201, json=prediction("succeeded", OUTPUT_URL)))
    respx.get(OUTPUT_URL).respond(200, content=RESULT)
    response = post(replicate_client, output_format="jpeg")
    assert (
        json.loads(create.calls.last.request.content)["input"]["output_format"] == "jpg"
    )  # not "jpeg"
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"  # converted to what was asked
    assert response.headers["content-disposition"].endswith('generated-ppl-image.jpg"')


@respx.mock
def test_an_input_with_real_transparency_stays_png(replicate_client):
    create = replicate_create(httpx.Response(201, json=prediction("succeeded", OUTPUT_URL)))
    respx.get(OUTPUT_URL).respond(200, content=RESULT)
    data, files = ppl_form()
    files["input_image_1"] = ("c.png", png_bytes((400, 600), mode="RGBA"), "image/png")
    assert replicate_client.post("/api/ppl-gen/generate", data=data, files=files).status_code == 200
    sent = json.loads(create.calls.last.request.content)["input"]
    assert sent["input_image_1"].startswith("data:image/png;base64,")


@respx.mock
def test_a_large_input_goes_through_the_files_api_and_is_deleted_after(logs):
    with TestClient(create_app(replicate_settings(replicate_inline_max_kb=64))) as client:
        upload = respx.post(f"{REPLICATE}/v1/files").mock(
            side_effect=enforce(
                check_replicate_file_upload,
                lambda request: httpx.Response(
                    201,
                    json={
                        "id": "file1",
                        "name": "x",
                        "content_type": "image/jpeg",
                        "size": 1,
                        "etag": "e",
                        "checksums": {},
                        "metadata": {},
                        "created_at": "2026-11-30T00:00:00Z",
                        "expires_at": None,
                        "urls": {"get": f"{REPLICATE}/v1/files/file1"},
                    },
                ),
            )
        )
        deleted = respx.delete(url__regex=rf"{REPLICATE}/v1/files/file\d").respond(204)
        create = replicate_create(httpx.Response(201, json=prediction("succeeded", OUTPUT_URL)))
        respx.get(OUTPUT_URL).respond(200, content=RESULT)
        data, files = ppl_form()
        files["input_image_1"] = ("photo.jpg", noisy_jpeg((1600, 1200)), "image/jpeg")
        response = client.post("/api/ppl-gen/generate", data=data, files=files)
    assert response.status_code == 200, response.text
    sent = json.loads(create.calls.last.request.content)["input"]
    assert sent["input_image_1"] == f"{REPLICATE}/v1/files/file1"  # the noisy photo: uploaded
    assert sent["input_image_2"].startswith("data:image/jpeg;base64,")  # the small product: inline
    assert upload.call_count == 1 and deleted.call_count == 1
    assert upload.calls.last.request.headers["authorization"] == f"Bearer {CANARY_TOKEN}"


@respx.mock
def test_empty_seed_is_not_sent(replicate_client):
    create = replicate_create(httpx.Response(201, json=prediction("succeeded", OUTPUT_URL)))
    respx.get(OUTPUT_URL).respond(200, content=RESULT)
    assert post(replicate_client, seed="").status_code == 200
    assert "seed" not in json.loads(create.calls.last.request.content)["input"]


@respx.mock
def test_running_prediction_is_polled_to_its_end(replicate_client, logs):
    replicate_create(httpx.Response(201, json=prediction("starting")))
    poll = respx.get(f"{REPLICATE}/v1/predictions/p123").mock(
        side_effect=[
            httpx.Response(200, json=prediction("processing")),
            httpx.Response(200, json=prediction("processing")),
            httpx.Response(200, json=prediction("succeeded", [OUTPUT_URL])),
        ]
    )
    respx.get(OUTPUT_URL).respond(200, content=RESULT)
    response = post(replicate_client)
    assert response.status_code == 200 and same_picture(response.content, RESULT)
    assert poll.call_count == 3
    assert logs.text.count("Replicate 응답") >= 3  # starting, processing, succeeded


@respx.mock
def test_one_failed_poll_is_retried(replicate_client):
    replicate_create(httpx.Response(201, json=prediction("processing")))
    respx.get(f"{REPLICATE}/v1/predictions/p123").mock(
        side_effect=[
            httpx.ConnectError("blip"),
            httpx.Response(200, json=prediction("succeeded", OUTPUT_URL)),
        ]
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
    respx.post(CREATE_URL).respond(
        status, json={"title": "nope", "detail": f"token {CANARY_TOKEN} rejected", "status": status}
    )
    error = assert_error(post(replicate_client), http, code)
    assert "token" not in error["message"]


@respx.mock
def test_rate_limit_longer_than_the_deadline_is_answered_at_once_with_retry_after():
    with TestClient(create_app(replicate_settings(generation_timeout_s=5))) as client:
        route = respx.post(CREATE_URL).respond(
            429, json={"title": "Too many", "status": 429}, headers={"Retry-After": "7"}
        )
        response = post(client)
    assert_error(response, 429, "UPSTREAM_RATE_LIMITED")
    assert response.headers["retry-after"] == "7"
    assert route.call_count == 1


@respx.mock
def test_rate_limited_create_is_retried_inside_the_deadline(replicate_client, logs):
    route = replicate_create(
        httpx.Response(429, json={"status": 429}, headers={"Retry-After": "1"}),
        httpx.Response(201, json=prediction("succeeded", OUTPUT_URL)),
    )
    respx.get(OUTPUT_URL).respond(200, content=RESULT)
    assert post(replicate_client).status_code == 200
    assert route.call_count == 2
    assert "429" in logs.text


@pytest.mark.parametrize(
    "error_text",
    [
        "E005: The input or output was flagged as sensitive. "
        "Please try again with different inputs.",
        "Prediction failed: NSFW content detected",
    ],
)
@respx.mock
def test_moderated_prediction_is_422(replicate_client, error_text):
    replicate_create(httpx.Response(201, json=prediction("failed", error=error_text)))
    assert_error(post(replicate_client), 422, "CONTENT_MODERATED")


@respx.mock
def test_failed_prediction_is_generation_failed(replicate_client):
    replicate_create(httpx.Response(201, json=prediction("failed", error="CUDA out of memory")))
    error = assert_error(post(replicate_client), 502, "GENERATION_FAILED")
    assert "CUDA" not in error["message"]


@respx.mock
def test_canceled_prediction_is_generation_failed(replicate_client):
    replicate_create(httpx.Response(201, json=prediction("canceled")))
    assert_error(post(replicate_client), 502, "GENERATION_FAILED")


@pytest.mark.parametrize("output", [{"image": OUTPUT_URL}, 42, None, [], "not-a-url", [42], True])
@respx.mock
def test_unexpected_output_type(replicate_client, output):
    replicate_create(httpx.Response(201, json=prediction("succeeded", output)))
    error = assert_error(post(replicate_client), 502, "UNPROCESSABLE_RESULT")
    assert "처리할 수 없는 결과 타입입니다" in error["message"]


@respx.mock
def test_list_output_and_data_uri_output(replicate_client):
    data_uri = "data:image/png;base64," + base64.b64encode(RESULT).decode()
    replicate_create(httpx.Response(201, json=prediction("succeeded", [data_uri])))
    response = post(replicate_client)
    assert response.status_code == 200 and same_picture(response.content, RESULT)


@respx.mock
def test_result_on_a_foreign_host_is_not_downloaded(replicate_client):
    evil = "https://evil.example/output.png"
    replicate_create(httpx.Response(201, json=prediction("succeeded", evil)))
    fetched = respx.get(evil).respond(200, content=RESULT)
    assert_error(post(replicate_client), 502, "UPSTREAM_ERROR")
    assert not fetched.called


@respx.mock
def test_result_download_failure_and_garbage_result(replicate_client):
    replicate_create(httpx.Response(201, json=prediction("succeeded", OUTPUT_URL)))
    respx.get(OUTPUT_URL).mock(
        side_effect=[httpx.Response(500), httpx.Response(200, content=b"<html>not an image</html>")]
    )
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
    replicate_create(httpx.Response(201, json=prediction("failed", error=f"bad {CANARY_TOKEN}")))
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
    ],
    ids=["url", "list-of-urls"],
)
async def test_every_output_shape_the_model_has_produced(output, fetched):
    from ppl_backend.replicate_engine import output_bytes

    fetcher = _Fetcher()
    assert await output_bytes(output, fetcher) == RESULT
    assert fetcher.urls == fetched


@respx.mock
def test_aborted_prediction_is_a_timeout_at_once_and_not_cancelled(replicate_client):
    replicate_create(httpx.Response(201, json=prediction("starting")))
    poll = respx.get(f"{REPLICATE}/v1/predictions/p123").mock(
        side_effect=[
            httpx.Response(200, json=prediction("starting")),
            httpx.Response(200, json=prediction("aborted")),
        ]
    )
    cancel = respx.post(f"{REPLICATE}/v1/predictions/p123/cancel").respond(
        200, json=prediction("canceled")
    )
    error = assert_error(post(replicate_client), 504, "GENERATION_TIMEOUT")
    assert "시작하지 못했습니다" in error["message"]
    assert poll.call_count == 2  # no third poll: aborted is an end state
    assert (
        not cancel.called
    )  # nothing ran, nothing to stop (and an aborted prediction is not billed)


@respx.mock
def test_a_throttled_poll_waits_and_is_counted(replicate_client, logs):
    replicate_create(httpx.Response(201, json=prediction("processing")))
    poll = respx.get(f"{REPLICATE}/v1/predictions/p123").mock(
        side_effect=[
            httpx.Response(
                429, json={"detail": "Request was throttled. Your rate limit resets in ~0s."}
            ),
            httpx.Response(200, json=prediction("succeeded", OUTPUT_URL)),
        ]
    )
    respx.get(OUTPUT_URL).respond(200, content=RESULT)
    assert post(replicate_client).status_code == 200
    assert poll.call_count == 2
    metrics = replicate_client.get("/metrics").text
    assert 'provider_throttled_total{call="poll",engine="replicate",service="ppl"} 1.0' in metrics
    assert "요청 한도(429)" in logs.text


@respx.mock
def test_unknown_status_three_times_fails_and_cancels(replicate_client, logs):
    replicate_create(httpx.Response(201, json=prediction("starting")))
    poll = respx.get(f"{REPLICATE}/v1/predictions/p123").respond(200, json=prediction("warming"))
    cancel = respx.post(f"{REPLICATE}/v1/predictions/p123/cancel").respond(
        200, json=prediction("canceled")
    )
    assert_error(post(replicate_client), 502, "UPSTREAM_ERROR")
    assert poll.call_count == 3
    assert cancel.called  # a non-success exit stops the prediction
    assert "unknown status 'warming'" in logs.text


@respx.mock
def test_repeated_poll_failures_end_the_generation_and_cancel(replicate_client):
    replicate_create(httpx.Response(201, json=prediction("processing")))
    respx.get(f"{REPLICATE}/v1/predictions/p123").mock(
        side_effect=[
            httpx.Response(500),
            httpx.ConnectError("down"),
            httpx.Response(200, text="<html>"),
        ]
    )
    cancel = respx.post(f"{REPLICATE}/v1/predictions/p123/cancel").respond(
        200, json=prediction("canceled")
    )
    assert_error(post(replicate_client), 502, "UPSTREAM_ERROR")
    assert cancel.called


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(201, json=[prediction("starting")]),  # a list where an object belongs
        httpx.Response(201, json={**prediction("starting"), "id": ["p1"]}),
        httpx.Response(201, json={**prediction("starting"), "id": "../../v1/account"}),
        httpx.Response(201, json={**prediction("starting"), "status": None}),
        httpx.Response(201, content=b'{"id": "p\\ud800", "status": "starting"}'),
        httpx.Response(201, content=b"\xff\xfe not utf-8"),
    ],
)
@respx.mock
def test_create_answers_of_the_wrong_shape_are_upstream_errors(replicate_client, answer):
    replicate_create(answer)
    assert_error(post(replicate_client), 502, "UPSTREAM_ERROR")


@respx.mock
def test_a_lone_surrogate_in_a_status_or_error_is_survived_on_both_paths(replicate_client):
    body = json.dumps({**prediction("failed"), "error": "boom \ud800"}).encode()
    replicate_create(httpx.Response(201, content=body))
    assert_error(post(replicate_client), 502, "GENERATION_FAILED")
    data, files = ppl_form()
    streamed = replicate_client.post(
        "/api/ppl-gen/generate", data=data, files=files, headers={"Accept": "text/event-stream"}
    )
    assert streamed.status_code == 200 and "event: error" in streamed.text
    assert '"code":"GENERATION_FAILED"' in streamed.text


def test_seed_beyond_int32_is_refused_before_anything_is_sent(replicate_client):
    with respx.mock:
        create = respx.post(CREATE_URL).respond(201, json=prediction("succeeded", OUTPUT_URL))
        assert_error(post(replicate_client, seed="2147483648"), 422, "VALIDATION_ERROR")
        assert not create.called


@pytest.mark.parametrize("bad", ["r8_abc def", "r8_a\nb", "r8_한글"])
def test_a_token_that_cannot_be_a_header_is_not_ready_and_never_quoted(bad):
    with TestClient(create_app(replicate_settings(replicate_api_token=bad))) as client:
        ready = client.get("/ready")
        error = assert_error(post(client), 503, "ENGINE_NOT_CONFIGURED")
    assert ready.status_code == 503
    assert "REPLICATE_API_TOKEN" in error["message"] and bad.strip() not in ready.text
