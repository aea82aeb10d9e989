"""The BFL engine against a respx-mocked BFL: every status and every create-call error."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
import respx
from fastapi.testclient import TestClient

from goods_backend.main import create_app
from tests.goods.conftest import CREATE_URL, POLL_URL, SAMPLE_URL, bfl_settings, goods_form
from tests.provider_contract import check_bfl_create, enforce
from tests.support import CANARY_TOKEN, jpeg_bytes, png_bytes, same_picture

RESULT = png_bytes((256, 256), color=(0, 120, 255))


def created(polling_url: str = POLL_URL) -> httpx.Response:
    return httpx.Response(200, json={"id": "task-1", "polling_url": polling_url})


def bfl_create(*answers: httpx.Response) -> respx.Route:
    """The create route, refusing what BFL refuses (422 to webp, data URIs, ...)."""
    return respx.post(CREATE_URL).mock(
        side_effect=enforce(check_bfl_create, answers[0] if len(answers) == 1 else answers)
    )


def status(name: str, **extra) -> httpx.Response:
    return httpx.Response(200, json={"id": "task-1", "status": name, **extra})


def ready(sample: str = SAMPLE_URL) -> httpx.Response:
    return status("Ready", result={"sample": sample, "seed": 11}, progress=None)


def post(client: TestClient, **fields):
    data, files = goods_form(**fields)
    return client.post("/api/goods-gen/generate", data=data, files=files)


def assert_error(response, http: int, code: str) -> dict:
    assert response.status_code == http, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["message"] and error["request_id"]
    assert CANARY_TOKEN not in response.text
    return error


@respx.mock
def test_ready_result_is_downloaded_and_labelled_by_its_bytes(bfl_client, logs):
    create = bfl_create(created())
    respx.get(POLL_URL).mock(
        side_effect=[status("Pending", progress=0.3), status("Pending", progress=0.8), ready()]
    )
    respx.get(SAMPLE_URL).respond(200, content=RESULT, headers={"Content-Type": "image/jpeg"})
    response = post(bfl_client)
    assert response.status_code == 200
    assert same_picture(response.content, RESULT)
    assert response.headers["content-type"] == "image/png"  # the bytes decide, not the header
    assert response.headers["content-disposition"] == 'inline; filename="generated-goods.png"'
    request = create.calls.last.request
    assert request.headers["x-key"] == CANARY_TOKEN
    body = json.loads(request.content)
    assert body["output_format"] == "png"
    assert body["aspect_ratio"] == "4:3"  # the mug's own ratio
    assert body["seed"] == 11 and body["safety_tolerance"] == 2
    assert not body["input_image"].startswith("data:")
    # Raw base64 without a data-URI prefix, of the compact encoding (a flat drawing: PNG).
    assert base64.b64decode(body["input_image"]).startswith(b"\x89PNG")
    assert "coffee mug" in body["prompt"]
    text = logs.text
    assert "생성 요청" in text and "✅ 이미지 데이터 직접 반환" in text
    assert "Polling 1/20: status=Pending progress=0.30" in text
    assert "Polling 3/20: status=Ready" in text


@respx.mock
def test_free_prompt_without_goods_type_is_sent_as_is(bfl_client):
    create = bfl_create(created())
    respx.get(POLL_URL).mock(return_value=ready())
    respx.get(SAMPLE_URL).respond(200, content=RESULT)
    prompt = "a realistic white short-sleeve T-shirt with this pig character printed on it"
    assert post(bfl_client, goods_type=None, prompt=prompt, seed="").status_code == 200
    body = json.loads(create.calls.last.request.content)
    assert body["prompt"] == prompt and body["aspect_ratio"] == "1:1" and "seed" not in body


@respx.mock
def test_user_words_are_woven_into_the_kind_prompt(bfl_client):
    create = bfl_create(created())
    respx.get(POLL_URL).mock(return_value=ready())
    respx.get(SAMPLE_URL).respond(200, content=RESULT)
    assert (
        post(
            bfl_client, goods_type="tshirt", prompt="navy shirt, pastel tones", aspect_ratio="1:1"
        ).status_code
        == 200
    )
    body = json.loads(create.calls.last.request.content)
    assert "T-shirt" in body["prompt"] and "navy shirt, pastel tones" in body["prompt"]
    assert body["aspect_ratio"] == "1:1"  # the user's choice beats the kind's default


@pytest.mark.parametrize(
    ("name", "side"), [("Request Moderated", "입력"), ("Content Moderated", "생성된 이미지")]
)
@respx.mock
def test_moderation_says_which_side(bfl_client, name, side):
    bfl_create(created())
    respx.get(POLL_URL).mock(return_value=status(name))
    error = assert_error(post(bfl_client), 422, "CONTENT_MODERATED")
    assert side in error["message"]


@pytest.mark.parametrize("name", ["Error", "Failed"])
@respx.mock
def test_failed_task_is_bfl_generation_failed(bfl_client, name):
    bfl_create(created())
    respx.get(POLL_URL).mock(return_value=status(name, details={"reason": "internal"}))
    error = assert_error(post(bfl_client), 502, "GENERATION_FAILED")
    assert "BFL.ai 모델 생성 실패" in error["message"]


@respx.mock
def test_task_not_found_is_upstream_error(bfl_client):
    bfl_create(created())
    respx.get(POLL_URL).mock(return_value=status("Task not found"))
    assert_error(post(bfl_client), 502, "UPSTREAM_ERROR")


@respx.mock
def test_polls_exhausted_is_a_timeout(bfl_client, logs):
    bfl_create(created())
    poll = respx.get(POLL_URL).mock(return_value=status("Pending"))
    assert_error(post(bfl_client), 504, "GENERATION_TIMEOUT")
    assert poll.call_count == 20  # BFL_MAX_POLLS, not one more
    assert "이미지 생성이 2분 내에 완료되지 않았습니다" in logs.text


@pytest.mark.parametrize(
    ("http", "code", "status"),
    [
        (401, "UPSTREAM_AUTH_FAILED", 502),
        (403, "UPSTREAM_AUTH_FAILED", 502),
        (402, "UPSTREAM_QUOTA_EXCEEDED", 502),
        (422, "UPSTREAM_ERROR", 502),
        (400, "UPSTREAM_ERROR", 502),
        (500, "UPSTREAM_ERROR", 502),
        (503, "UPSTREAM_ERROR", 502),
    ],
)
@respx.mock
def test_create_call_errors(bfl_client, http, code, status):
    respx.post(CREATE_URL).respond(
        http, json={"detail": [{"loc": ["body"], "msg": f"key {CANARY_TOKEN}", "type": "x"}]}
    )
    error = assert_error(post(bfl_client), status, code)
    if code == "UPSTREAM_QUOTA_EXCEEDED":
        assert "API 키 할당량 초과" in error["message"]


@respx.mock
def test_create_429_beyond_the_deadline_is_rate_limited_with_retry_after():
    with TestClient(create_app(bfl_settings(generation_timeout_s=5))) as client:
        route = respx.post(CREATE_URL).respond(
            429, json={"detail": "Too many active tasks"}, headers={"Retry-After": "12"}
        )
        response = post(client)
    assert_error(response, 429, "UPSTREAM_RATE_LIMITED")
    assert response.headers["retry-after"] == "12"
    assert route.call_count == 1


@respx.mock
def test_create_429_is_retried_with_backoff_until_a_slot_frees(bfl_client):
    route = bfl_create(httpx.Response(429, json={"detail": "Too many active tasks"}), created())
    respx.get(POLL_URL).mock(return_value=ready())
    respx.get(SAMPLE_URL).respond(200, content=RESULT)
    assert post(bfl_client).status_code == 200
    assert route.call_count == 2


@respx.mock
def test_create_garbage_and_network_failure(bfl_client):
    respx.post(CREATE_URL).mock(
        side_effect=[
            httpx.Response(200, text="<html>maintenance</html>"),
            httpx.Response(200, json={"id": "x"}),
            httpx.Response(200, json=[{"id": "x", "polling_url": POLL_URL}]),
            httpx.Response(200, json={"id": {"nested": 1}, "polling_url": POLL_URL}),
            httpx.ConnectError("refused"),
        ]
    )
    for _ in range(5):
        assert_error(post(bfl_client), 502, "UPSTREAM_ERROR")


@respx.mock
def test_polling_url_on_a_foreign_host_is_never_called(bfl_client):
    evil = "https://evil.example/v1/get_result?id=task-1"
    bfl_create(created(evil))
    stolen = respx.get(evil).mock(return_value=ready())
    assert_error(post(bfl_client), 502, "UPSTREAM_ERROR")
    assert not stolen.called  # the key never travels there


@respx.mock
def test_one_failed_poll_is_retried_but_three_in_a_row_are_fatal(bfl_client):
    bfl_create(created())
    respx.get(POLL_URL).mock(
        side_effect=[httpx.Response(502), httpx.ConnectError("blip"), status("Pending"), ready()]
    )
    respx.get(SAMPLE_URL).respond(200, content=RESULT)
    assert post(bfl_client).status_code == 200

    respx.get(POLL_URL).mock(
        side_effect=[httpx.Response(500), httpx.Response(503), httpx.ReadTimeout("slow")]
    )
    assert_error(post(bfl_client), 502, "UPSTREAM_ERROR")


@respx.mock
def test_a_throttled_poll_waits_and_is_counted(bfl_client, logs):
    bfl_create(created())
    poll = respx.get(POLL_URL).mock(
        side_effect=[
            httpx.Response(429, json={"detail": "Too many requests"}, headers={"Retry-After": "0"}),
            ready(),
        ]
    )
    respx.get(SAMPLE_URL).respond(200, content=RESULT)
    assert post(bfl_client).status_code == 200
    assert poll.call_count == 2
    metrics = bfl_client.get("/metrics").text
    assert 'provider_throttled_total{call="poll",engine="bfl",service="goods"} 1.0' in metrics
    assert "요청 한도(429)" in logs.text


@respx.mock
def test_result_on_a_foreign_host_is_refused(bfl_client):
    bfl_create(created())
    respx.get(POLL_URL).mock(return_value=ready("https://evil.example/sample.png"))
    assert_error(post(bfl_client), 502, "UPSTREAM_ERROR")


@respx.mock
def test_webp_is_asked_of_bfl_as_png_and_converted_here(bfl_client):
    import io

    from PIL import Image

    create = bfl_create(created())
    respx.get(POLL_URL).mock(return_value=ready())
    respx.get(SAMPLE_URL).respond(200, content=RESULT)
    response = post(bfl_client, output_format="webp")
    assert response.status_code == 200, response.text
    assert json.loads(create.calls.last.request.content)["output_format"] == "png"
    assert response.headers["content-type"] == "image/webp"
    assert response.headers["content-disposition"].endswith('generated-goods.webp"')
    converted = Image.open(io.BytesIO(response.content))
    assert converted.format == "WEBP" and converted.size == (256, 256)


@pytest.mark.parametrize(
    ("asked", "sent", "media_type"),
    [("jpg", "jpeg", "image/jpeg"), ("jpeg", "jpeg", "image/jpeg"), ("png", "png", "image/png")],
)
@respx.mock
def test_every_output_format_is_one_bfl_accepts_and_the_answer_is_what_was_asked(
    bfl_client, asked, sent, media_type
):
    create = bfl_create(created())
    respx.get(POLL_URL).mock(return_value=ready())
    respx.get(SAMPLE_URL).respond(200, content=jpeg_bytes((256, 256)))
    response = post(bfl_client, output_format=asked)
    assert response.status_code == 200, response.text
    assert json.loads(create.calls.last.request.content)["output_format"] == sent
    assert response.headers["content-type"] == media_type


@respx.mock
def test_a_character_with_real_transparency_is_sent_as_png(bfl_client):
    create = bfl_create(created())
    respx.get(POLL_URL).mock(return_value=ready())
    respx.get(SAMPLE_URL).respond(200, content=RESULT)
    data, files = goods_form()
    files = {"input_image": ("c.png", png_bytes((400, 600), mode="RGBA"), "image/png")}
    assert bfl_client.post("/api/goods-gen/generate", data=data, files=files).status_code == 200
    sent = base64.b64decode(json.loads(create.calls.last.request.content)["input_image"])
    assert sent.startswith(b"\x89PNG")


@respx.mock
def test_an_unknown_status_is_survived_once_and_fails_after_three_in_a_row(bfl_client, logs):
    bfl_create(created())
    respx.get(POLL_URL).mock(side_effect=[status("Queued"), ready()])
    respx.get(SAMPLE_URL).respond(200, content=RESULT)
    assert post(bfl_client).status_code == 200

    poll = respx.get(POLL_URL).mock(return_value=status("Exploded"))
    before = poll.call_count
    assert_error(post(bfl_client), 502, "UPSTREAM_ERROR")
    assert poll.call_count - before == 3  # not polled to the cap of 20
    assert "unknown status 'Exploded'" in logs.text


@pytest.mark.parametrize("progress", [10**400, -3, 1e308, "50%", True, 250])
@respx.mock
def test_any_progress_number_is_survived(bfl_client, progress):
    bfl_create(created())
    respx.get(POLL_URL).mock(
        side_effect=[
            httpx.Response(
                200,
                content=b'{"id":"task-1","status":"Pending","progress":'
                + json.dumps(progress).encode()
                + b"}",
            ),
            ready(),
        ]
    )
    respx.get(SAMPLE_URL).respond(200, content=RESULT)
    assert post(bfl_client).status_code == 200


@pytest.mark.parametrize(
    "polling_url",
    [
        "https://api.bfl.test:8443/v1/get_result?id=task-1",  # the API host, another port
        "http://api.bfl.test/v1/get_result?id=task-1",  # the API host, plain http
        "https://xn--a.bfl.ai/v1/get_result?id=task-1",  # invalid IDNA
        "https://a\ud800.bfl.ai/v1/get_result?id=task-1",  # lone surrogate
        ["https://api.eu1.bfl.ai/v1/get_result?id=task-1"],
    ],
)
@respx.mock
def test_polling_url_must_match_the_api_origin_exactly(bfl_client, polling_url):
    # json.dumps escapes a lone surrogate as \\ud800, as a provider's JSON would carry it.
    bfl_create(
        httpx.Response(
            200, content=json.dumps({"id": "task-1", "polling_url": polling_url}).encode()
        )
    )
    other_port = respx.get("https://api.bfl.test:8443/v1/get_result").mock(return_value=ready())
    assert_error(post(bfl_client), 502, "UPSTREAM_ERROR")
    assert not other_port.called  # the key never travelled there


@respx.mock
def test_lone_surrogates_and_odd_text_in_answers_are_survived(bfl_client):
    bfl_create(
        httpx.Response(200, content=b'{"id":"t\\ud800","polling_url":"' + POLL_URL.encode() + b'"}')
    )
    respx.get(POLL_URL).mock(
        return_value=httpx.Response(
            200, content=b'{"status":"Error","details":"bad \\udc00 thing"}'
        )
    )
    assert_error(post(bfl_client), 502, "GENERATION_FAILED")


@pytest.mark.parametrize("seed", ["2147483647", "0"])
@respx.mock
def test_seed_range_is_what_every_provider_accepts(bfl_client, seed):
    create = bfl_create(created())
    respx.get(POLL_URL).mock(return_value=ready())
    respx.get(SAMPLE_URL).respond(200, content=RESULT)
    assert post(bfl_client, seed=seed).status_code == 200
    assert json.loads(create.calls.last.request.content)["seed"] == int(seed)


def test_seed_beyond_int32_is_refused(bfl_client):
    assert_error(post(bfl_client, seed="2147483648"), 422, "VALIDATION_ERROR")


def test_missing_key_keeps_the_process_up_and_answers_503():
    with TestClient(create_app(bfl_settings(bfl_api_key=None))) as client:
        ready_answer = client.get("/ready")
        assert ready_answer.status_code == 503
        assert (
            "BFL_API_KEY가 설정되어 있지 않습니다" in ready_answer.json()["error"]["message"]
        )  # 가, not 이
        error = assert_error(post(client), 503, "ENGINE_NOT_CONFIGURED")
        assert "BFL_API_KEY가 설정되어 있지 않습니다" in error["message"]


@respx.mock
def test_key_never_appears_in_responses_or_logs(bfl_client, logs, capsys):
    respx.post(CREATE_URL).respond(401, text=f"bad key {CANARY_TOKEN}")
    first = post(bfl_client)
    bfl_create(created())
    respx.get(POLL_URL).mock(return_value=status("Error", details=f"key {CANARY_TOKEN} invalid"))
    second = post(bfl_client)
    for r in (first, second):
        assert CANARY_TOKEN not in r.text and CANARY_TOKEN not in str(r.headers)
    assert CANARY_TOKEN not in logs.text
    assert CANARY_TOKEN not in capsys.readouterr().out
