"""The provider fakes refuse what the real APIs refuse, and answer as they do.

Table-driven over ``tests.provider_contract`` (every kind of wrong request),
then a few representative cases over real sockets through each fake: the
socket fakes under ``tests/`` and the benchmark's ``bench/fakes.py``.
"""

from __future__ import annotations

import base64
import io
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import replicate
import respx

from bench.fakes import create_bfl_app, create_replicate_app
from tests.goods.fake_bfl import TOO_MANY_ACTIVE, FakeBfl
from tests.ppl.fake_replicate import THROTTLED, Behaviour, fake_replicate
from tests.provider_contract import (
    REPLICATE_MAX_BODY_BYTES,
    REPLICATE_MAX_DATA_URI_CHARS,
    REPLICATE_MAX_FILE_BYTES,
    check_bfl_create,
    check_replicate_create,
    check_replicate_file_upload,
    enforce,
    parse_go_duration,
    parse_prefer_wait,
)
from tests.support import CANARY_TOKEN, jpeg_bytes, png_bytes, serve

PNG = png_bytes((32, 32))
PNG_B64 = base64.b64encode(PNG).decode()
PNG_URI = f"data:image/png;base64,{PNG_B64}"
JPEG_URI = f"data:image/jpeg;base64,{base64.b64encode(jpeg_bytes((32, 32))).decode()}"
MODEL_PATH = "/v1/models/flux-kontext-apps/multi-image-kontext-max/predictions"
AUTH = {"Authorization": f"Bearer {CANARY_TOKEN}"}
BFL_KEY = {"x-key": CANARY_TOKEN}
DROP = object()  # a field value meaning "leave the field out"


def replicate_input(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "prompt": "The character holds the product",
        "input_image_1": PNG_URI,
        "input_image_2": JPEG_URI,
        "aspect_ratio": "1:1",
        "output_format": "png",
        "safety_tolerance": 2,
        "seed": 11,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not DROP}


def replicate_body(**changes: Any) -> bytes:
    return json.dumps({"input": replicate_input(**changes)}).encode()


def bfl_body(**changes: Any) -> bytes:
    data: dict[str, Any] = {
        "prompt": "a coffee mug with this character printed on it",
        "input_image": PNG_B64,
        "aspect_ratio": "4:3",
        "output_format": "png",
        "safety_tolerance": 2,
        "prompt_upsampling": False,
        "seed": 11,
    }
    data.update(changes)
    return json.dumps({k: v for k, v in data.items() if v is not DROP}).encode()


def assert_problem(response: httpx.Response | None, status: int, *words: str) -> dict[str, Any]:
    """An RFC 7807 answer with this status, whose title or detail names each word."""
    assert response is not None, "the real API refuses this request, the fake accepted it"
    assert response.status_code == status, response.text
    body = response.json()
    assert {"type", "title", "status", "detail"} <= set(body), body
    assert body["status"] == status
    said = f"{body['title']} {body['detail']}"
    for word in words:
        assert word in said, (word, body)
    return body


def assert_bfl_422(response: httpx.Response | None, field: str, kind: str | None = None) -> None:
    assert response is not None, "BFL refuses this body, the fake accepted it"
    assert response.status_code == 422, response.text
    errors = response.json()["detail"]
    assert all({"loc", "msg", "type"} <= set(e) for e in errors), errors
    hits = [e for e in errors if e["loc"] == ["body", field]]
    assert hits, errors
    if kind is not None:
        assert hits[0]["type"] == kind, hits


# -- Replicate: the contract -----------------------------------------------------------------


def test_a_correct_replicate_request_is_accepted() -> None:
    assert check_replicate_create(AUTH, replicate_body()) is None
    minimal = replicate_input(
        aspect_ratio=DROP, output_format=DROP, safety_tolerance=DROP, seed=DROP
    )
    assert check_replicate_create(AUTH, json.dumps({"input": minimal}).encode()) is None
    urls = replicate_body(
        input_image_1="https://example.com/a.png", input_image_2="http://h/b.webp"
    )
    headers = {**AUTH, "Prefer": "wait=5", "Cancel-After": "1m30s"}
    assert check_replicate_create(headers, urls) is None
    for fmt, ratio in (("jpg", "match_input_image"), ("png", "9:21")):
        assert (
            check_replicate_create(AUTH, replicate_body(output_format=fmt, aspect_ratio=ratio))
            is None
        )


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "Missing Authorization"),
        ({"Authorization": f"Token {CANARY_TOKEN}"}, "Malformed"),
        ({"Authorization": "Bearer"}, "Malformed"),
        ({"Authorization": "Bearer two words"}, "Malformed"),
    ],
    ids=["no-header", "token-scheme", "empty-token", "spaces"],
)
def test_replicate_refuses_missing_or_malformed_auth(headers: dict[str, str], detail: str) -> None:
    assert_problem(check_replicate_create(headers, replicate_body()), 401, detail)


def test_replicate_refuses_another_token_when_it_knows_the_right_one() -> None:
    other = {"Authorization": "Bearer r8_other"}
    assert_problem(check_replicate_create(other, replicate_body(), token=CANARY_TOKEN), 401)
    assert check_replicate_create(AUTH, replicate_body(), token=CANARY_TOKEN) is None


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("Prefer", "wait=0"),
        ("Prefer", "wait=61"),
        ("Prefer", "wait=abc"),
        ("Prefer", "respond-async"),
        ("Cancel-After", "4s"),
        ("Cancel-After", "30"),
        ("Cancel-After", "1d"),
        ("Cancel-After", "-10s"),
        ("Cancel-After", "soon"),
        ("Cancel-After", ""),
    ],
)
def test_replicate_refuses_bad_prefer_and_cancel_after(header: str, value: str) -> None:
    assert_problem(check_replicate_create({**AUTH, header: value}, replicate_body()), 400, header)


def test_header_parsers() -> None:
    assert parse_prefer_wait("wait") == 60 and parse_prefer_wait("wait=1") == 1
    assert parse_prefer_wait("wait=60") == 60 and parse_prefer_wait("wait=61") is None
    assert parse_go_duration("30s") == 30 and parse_go_duration("2m") == 120
    assert parse_go_duration("1m30s") == 90 and parse_go_duration("1h") == 3600
    assert parse_go_duration("1.5m") == 90 and parse_go_duration("30") is None


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"{not json", ["JSON"]),
        (b"[]", ["JSON object"]),
        (b'{"prompt": "no input wrapper"}', ["input"]),
        (b'{"input": "text"}', ["input"]),
        (json.dumps({"input": replicate_input(), "version": "abc"}).encode(), ["version"]),
        (replicate_body(prompt=DROP), ["input.prompt"]),
        (replicate_body(prompt=5), ["input.prompt", "string"]),
        (replicate_body(input_image_1=DROP), ["input.input_image_1"]),
        (replicate_body(input_image_2=None), ["input.input_image_2"]),
        (replicate_body(input_image_1=PNG_B64), ["input.input_image_1", "raw base64"]),
        (replicate_body(input_image_1="ftp://example.com/a.png"), ["input.input_image_1"]),
        (replicate_body(input_image_1="example.com/a.png"), ["input.input_image_1"]),
        (replicate_body(input_image_2=f"data:image/bmp;base64,{PNG_B64}"), ["input.input_image_2"]),
        (replicate_body(input_image_2=f"data:image/jpg;base64,{PNG_B64}"), ["input.input_image_2"]),
        (replicate_body(input_image_2="data:image/png;base64,@@@"), ["input.input_image_2"]),
        (replicate_body(input_image_2="data:image/png;base64,"), ["input.input_image_2"]),
        (replicate_body(aspect_ratio="3:1"), ["input.aspect_ratio"]),
        (replicate_body(aspect_ratio="1:1 "), ["input.aspect_ratio"]),
        (replicate_body(output_format="jpeg"), ["input.output_format", '"jpg", "png"']),
        (replicate_body(output_format="webp"), ["input.output_format"]),
        (replicate_body(safety_tolerance=3), ["input.safety_tolerance"]),
        (replicate_body(safety_tolerance=-1), ["input.safety_tolerance"]),
        (replicate_body(safety_tolerance="2"), ["input.safety_tolerance", "integer"]),
        (replicate_body(safety_tolerance=True), ["input.safety_tolerance", "boolean"]),
        (replicate_body(safety_tolerance=1.0), ["input.safety_tolerance"]),
        (replicate_body(seed="11"), ["input.seed"]),
        (replicate_body(seed=True), ["input.seed", "boolean"]),
        (replicate_body(seed=1.5), ["input.seed"]),
        (replicate_body(negative_prompt="blurry"), ["input.negative_prompt", "not allowed"]),
    ],
)
def test_replicate_refuses_invalid_input(body: bytes, words: list[str]) -> None:
    assert_problem(check_replicate_create(AUTH, body), 422, *words)


def test_replicate_lists_every_invalid_field_at_once() -> None:
    body = assert_problem(
        check_replicate_create(AUTH, replicate_body(output_format="jpeg", seed="1")), 422
    )
    assert {f["field"] for f in body["invalid_fields"]} == {"input.output_format", "input.seed"}


def test_replicate_refuses_big_data_uris_and_bodies() -> None:
    over = "data:image/png;base64," + "A" * (REPLICATE_MAX_DATA_URI_CHARS - 21)
    assert len(over) == REPLICATE_MAX_DATA_URI_CHARS + 1
    assert_problem(
        check_replicate_create(AUTH, replicate_body(input_image_2=over)),
        413,
        "input_image_2",
        "Files API",
    )
    at_limit = "data:image/png;base64," + "A" * 999_976  # 999,998 characters: decodable, allowed
    assert check_replicate_create(AUTH, replicate_body(input_image_2=at_limit)) is None
    huge = replicate_body(prompt="x" * REPLICATE_MAX_BODY_BYTES)
    assert_problem(check_replicate_create(AUTH, huge), 413, "body")


def multipart(
    files: dict[str, Any], data: dict[str, str] | None = None
) -> tuple[dict[str, str], bytes]:
    request = httpx.Request("POST", "http://x/v1/files", files=files, data=data, headers=AUTH)
    return dict(request.headers), request.read()


def test_replicate_file_upload_contract() -> None:
    headers, body = multipart(
        {"content": ("a.png", PNG, "image/png")}, {"metadata": json.dumps({"k": "v"})}
    )
    assert check_replicate_file_upload(headers, body) is None
    no_auth = {k: v for k, v in headers.items() if k.lower() != "authorization"}
    assert_problem(check_replicate_file_upload(no_auth, body), 401)
    headers, body = multipart({"file": ("a.png", PNG, "image/png")})
    assert_problem(check_replicate_file_upload(headers, body), 422, "content")
    headers, body = multipart({"content": ("a.png", PNG, "image/png")}, {"metadata": "[1]"})
    assert_problem(check_replicate_file_upload(headers, body), 422, "metadata")
    assert_problem(
        check_replicate_file_upload({**AUTH, "content-type": "application/json"}, b"{}"), 422
    )
    big = {**AUTH, "content-type": "multipart/form-data; boundary=x"}
    assert_problem(check_replicate_file_upload(big, bytes(REPLICATE_MAX_FILE_BYTES + 1)), 413)


# -- BFL: the contract -----------------------------------------------------------------------


def test_a_correct_bfl_request_is_accepted() -> None:
    assert check_bfl_create(BFL_KEY, bfl_body()) is None
    minimal = json.dumps({"prompt": "p", "input_image": "https://example.com/c.png"}).encode()
    assert check_bfl_create(BFL_KEY, minimal) is None
    extras = bfl_body(
        seed=None, aspect_ratio="21:9", output_format="jpeg", safety_tolerance=6,
        input_image_2=PNG_B64, input_image_3="https://example.com/x.png", input_image_4=None,
        prompt_upsampling=True, webhook_url="https://hooks.example.com/bfl", webhook_secret="s",
    )  # fmt: skip
    assert check_bfl_create(BFL_KEY, extras) is None
    for ratio in ("9:21", "1:1", "16:9", "7:3", "3:7"):
        assert check_bfl_create(BFL_KEY, bfl_body(aspect_ratio=ratio)) is None, ratio
    assert check_bfl_create(BFL_KEY, bfl_body(seed=2**32 - 1)) is None


def test_bfl_refuses_a_missing_or_wrong_key() -> None:
    missing = check_bfl_create({}, bfl_body())
    assert missing is not None and missing.status_code == 403
    assert "Not authenticated" in missing.json()["detail"]
    wrong = check_bfl_create({"x-key": "other"}, bfl_body(), key=CANARY_TOKEN)
    assert wrong is not None and wrong.status_code == 401
    assert check_bfl_create(BFL_KEY, bfl_body(), key=CANARY_TOKEN) is None


@pytest.mark.parametrize(
    ("body", "field", "kind"),
    [
        (bfl_body(prompt=DROP), "prompt", "missing"),
        (bfl_body(prompt=7), "prompt", "string_type"),
        (bfl_body(input_image=DROP), "input_image", "missing"),
        (bfl_body(input_image=None), "input_image", "string_type"),
        (bfl_body(input_image=PNG_URI), "input_image", "value_error"),
        (bfl_body(input_image="not base64 !!"), "input_image", "value_error"),
        (bfl_body(input_image=""), "input_image", "value_error"),
        (bfl_body(input_image="https://"), "input_image", "value_error"),
        (bfl_body(input_image_2=PNG_URI), "input_image_2", "value_error"),
        (bfl_body(input_image_4=5), "input_image_4", "string_type"),
        (bfl_body(seed=-1), "seed", "greater_than_equal"),
        (bfl_body(seed=2**32), "seed", "less_than_equal"),
        (bfl_body(seed="11"), "seed", "int_type"),
        (bfl_body(seed=True), "seed", "int_type"),
        (bfl_body(aspect_ratio="22:9"), "aspect_ratio", "value_error"),
        (bfl_body(aspect_ratio="9:22"), "aspect_ratio", "value_error"),
        (bfl_body(aspect_ratio="3:1"), "aspect_ratio", "value_error"),
        (bfl_body(aspect_ratio="1:0"), "aspect_ratio", "value_error"),
        (bfl_body(aspect_ratio="wide"), "aspect_ratio", "value_error"),
        (bfl_body(aspect_ratio="1.5:1"), "aspect_ratio", "value_error"),
        (bfl_body(aspect_ratio=1), "aspect_ratio", "string_type"),
        (bfl_body(output_format="webp"), "output_format", "enum"),
        (bfl_body(output_format="jpg"), "output_format", "enum"),
        (bfl_body(safety_tolerance=7), "safety_tolerance", "less_than_equal"),
        (bfl_body(safety_tolerance=-1), "safety_tolerance", "greater_than_equal"),
        (bfl_body(safety_tolerance="2"), "safety_tolerance", "int_type"),
        (bfl_body(prompt_upsampling="false"), "prompt_upsampling", "bool_type"),
        (bfl_body(webhook_url="not a url"), "webhook_url", "url_parsing"),
        (bfl_body(webhook_secret=5), "webhook_secret", "string_type"),
        (bfl_body(steps=30), "steps", "extra_forbidden"),
    ],
)
def test_bfl_refuses_invalid_bodies(body: bytes, field: str, kind: str) -> None:
    assert_bfl_422(check_bfl_create(BFL_KEY, body), field, kind)


def test_bfl_refuses_bodies_that_are_not_json_objects() -> None:
    for body in (b"{oops", b"[1, 2]"):
        refused = check_bfl_create(BFL_KEY, body)
        assert refused is not None and refused.status_code == 422
        assert refused.json()["detail"][0]["type"] in ("json_invalid", "model_attributes_type")


def test_enforce_is_a_respx_side_effect() -> None:
    accepted = httpx.Response(
        200, json={"id": "task-1", "polling_url": "https://api.bfl.ai/v1/get_result?id=task-1"}
    )
    with respx.mock:
        respx.post("https://api.bfl.test/v1/flux-kontext-max").mock(
            side_effect=enforce(check_bfl_create, accepted)
        )
        with httpx.Client() as client:
            good = client.post(
                "https://api.bfl.test/v1/flux-kontext-max", content=bfl_body(), headers=BFL_KEY
            )
            bad = client.post(
                "https://api.bfl.test/v1/flux-kontext-max",
                content=bfl_body(output_format="webp"),
                headers=BFL_KEY,
            )
    assert good.json()["id"] == "task-1"
    assert_bfl_422(bad, "output_format")


# -- The Replicate socket fake ---------------------------------------------------------------


class Clock:
    """A hand-driven clock, so a 5 s+ Cancel-After deadline passes at once."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def replicate_fake() -> Iterator[tuple[Behaviour, httpx.Client]]:
    behaviour = Behaviour()
    with serve(fake_replicate(behaviour)) as server:
        with httpx.Client(base_url=server.url, headers=AUTH, timeout=70) as client:
            yield behaviour, client


def serve_replicate(behaviour: Behaviour) -> Any:
    return serve(fake_replicate(behaviour))


def test_fake_replicate_creates_and_runs_a_prediction(replicate_fake) -> None:
    behaviour, client = replicate_fake
    created = client.post(MODEL_PATH, content=replicate_body())
    assert created.status_code == 201, created.text
    body = created.json()
    keys = {"id", "model", "version", "status", "input", "output", "logs", "error", "metrics",
            "created_at", "started_at", "completed_at", "urls"}  # fmt: skip
    assert keys <= set(body)
    assert set(body["urls"]) == {"get", "cancel", "web"}
    assert created.headers["location"] == body["urls"]["get"]
    assert (
        body["status"] == "starting"
        and body["model"] == "flux-kontext-apps/multi-image-kontext-max"
    )
    assert client.get(body["urls"]["get"]).json()["status"] == "processing"
    done = client.get(body["urls"]["get"]).json()
    assert done["status"] == "succeeded" and done["output"].endswith("/files/out.png")
    assert done["completed_at"] and "predict_time" in done["metrics"]
    assert client.get(done["output"]).content.startswith(b"\x89PNG")
    # Records, without the token.
    assert [r.path for r in behaviour.requests][:3] == [
        MODEL_PATH,
        "/v1/predictions/fake1",
        "/v1/predictions/fake1",
    ]
    assert behaviour.requests[0].body_size == len(replicate_body())
    assert all(CANARY_TOKEN not in json.dumps(r.headers) for r in behaviour.requests)


@pytest.mark.parametrize(
    ("headers", "body", "status", "word"),
    [
        ({"Authorization": ""}, replicate_body(), 401, "Malformed"),
        ({}, replicate_body(output_format="jpeg"), 422, "output_format"),
        ({}, replicate_body(input_image_1=PNG_B64), 422, "input_image_1"),
        (
            {},
            replicate_body(input_image_1="data:image/png;base64," + "A" * 1_000_000),
            413,
            "Files API",
        ),
        ({"Prefer": "wait=0"}, replicate_body(), 400, "Prefer"),
        ({"Cancel-After": "2s"}, replicate_body(), 400, "Cancel-After"),
    ],
    ids=["auth", "jpeg", "raw-base64", "big-data-uri", "prefer", "cancel-after"],
)
def test_fake_replicate_refuses_over_the_socket(
    replicate_fake, headers, body, status, word
) -> None:
    behaviour, client = replicate_fake
    response = client.post(MODEL_PATH, content=body, headers=headers)
    assert response.headers["content-type"] == "application/problem+json"
    assert_problem(response, status, word)
    assert behaviour.created == 0 and behaviour.refused[0][0] == status


def test_prefer_wait_holds_until_the_prediction_ends() -> None:
    behaviour = Behaviour(polls_before_done=0)
    with serve_replicate(behaviour) as server:
        response = httpx.post(
            server.url + MODEL_PATH,
            content=replicate_body(),
            headers={**AUTH, "Prefer": "wait"},
            timeout=10,
        )
    assert response.status_code == 201
    assert response.json()["status"] == "succeeded" and response.json()["output"]


def test_prefer_wait_n_answers_the_current_state_after_n_seconds() -> None:
    behaviour = Behaviour(mode="never_finish")
    with serve_replicate(behaviour) as server:
        started = time.monotonic()
        response = httpx.post(
            server.url + MODEL_PATH,
            content=replicate_body(),
            headers={**AUTH, "Prefer": "wait=1"},
            timeout=10,
        )
        held = time.monotonic() - started
    assert response.json()["status"] == "processing"
    assert 0.9 <= held < 5


def test_cancel_after_aborts_a_prediction_that_never_started() -> None:
    clock = Clock()
    behaviour = Behaviour(start_delay_s=30, clock=clock)
    with (
        serve_replicate(behaviour) as server,
        httpx.Client(base_url=server.url, headers=AUTH) as client,
    ):
        pid = client.post(
            MODEL_PATH, content=replicate_body(), headers={"Cancel-After": "10s"}
        ).json()["id"]
        clock.now += 5
        assert client.get(f"/v1/predictions/{pid}").json()["status"] == "starting"
        clock.now += 6
        aborted = client.get(f"/v1/predictions/{pid}").json()
    assert aborted["status"] == "aborted"
    assert aborted["started_at"] is None and aborted["completed_at"] and aborted["output"] is None


def test_cancel_after_cancels_a_running_prediction() -> None:
    clock = Clock()
    behaviour = Behaviour(mode="never_finish", start_delay_s=2, clock=clock)
    with (
        serve_replicate(behaviour) as server,
        httpx.Client(base_url=server.url, headers=AUTH) as client,
    ):
        pid = client.post(
            MODEL_PATH, content=replicate_body(), headers={"Cancel-After": "1m"}
        ).json()["id"]
        clock.now += 3
        assert client.get(f"/v1/predictions/{pid}").json()["status"] == "processing"
        clock.now += 60
        canceled = client.get(f"/v1/predictions/{pid}").json()
    assert canceled["status"] == "canceled" and canceled["started_at"]


def test_a_prediction_that_ends_before_its_deadline_keeps_its_result() -> None:
    clock = Clock()
    behaviour = Behaviour(processing_s=3, clock=clock)
    with (
        serve_replicate(behaviour) as server,
        httpx.Client(base_url=server.url, headers=AUTH) as client,
    ):
        pid = client.post(
            MODEL_PATH, content=replicate_body(), headers={"Cancel-After": "10s"}
        ).json()["id"]
        clock.now += 4
        assert client.get(f"/v1/predictions/{pid}").json()["status"] == "succeeded"
        clock.now += 20
        assert client.get(f"/v1/predictions/{pid}").json()["status"] == "succeeded"
        # A prediction that already ended stays as it is when cancelled.
        assert client.post(f"/v1/predictions/{pid}/cancel").json()["status"] == "succeeded"
    assert behaviour.cancels == [pid]


def test_fail_mode_and_cancel_of_a_running_prediction(replicate_fake) -> None:
    behaviour, client = replicate_fake
    behaviour.mode = "never_finish"
    pid = client.post(MODEL_PATH, content=replicate_body()).json()["id"]
    assert client.post(f"/v1/predictions/{pid}/cancel").json()["status"] == "canceled"
    behaviour.mode, behaviour.polls_before_done = "fail", 1
    pid = client.post(MODEL_PATH, content=replicate_body()).json()["id"]
    failed = client.get(f"/v1/predictions/{pid}").json()
    assert failed["status"] == "failed" and "flagged as sensitive" in failed["error"]
    assert client.get("/v1/predictions/nope").status_code == 404


def test_rate_limit_on_non_create_calls(replicate_fake) -> None:
    behaviour, client = replicate_fake
    behaviour.rate_limit = 2
    pid = client.post(MODEL_PATH, content=replicate_body()).json()["id"]  # creates are not counted
    answers = [client.get(f"/v1/predictions/{pid}") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].json() == {"detail": THROTTLED}
    assert "retry-after" not in answers[2].headers
    behaviour.retry_after = "7"
    again = client.get(f"/v1/predictions/{pid}")
    assert again.status_code == 429 and again.headers["retry-after"] == "7"
    assert behaviour.throttled == 2 and behaviour.polls == 2


def test_files_api_upload_use_and_delete(replicate_fake) -> None:
    behaviour, client = replicate_fake
    uploaded = client.post(
        "/v1/files",
        files={"content": ("big.png", PNG, "image/png")},
        data={"metadata": '{"for": "ppl"}'},
    )
    assert uploaded.status_code == 201, uploaded.text
    info = uploaded.json()
    keys = {"id", "name", "content_type", "size", "etag", "checksums", "metadata", "created_at",
            "expires_at", "urls"}  # fmt: skip
    assert keys <= set(info)
    assert (
        info["size"] == len(PNG)
        and info["content_type"] == "image/png"
        and info["metadata"] == {"for": "ppl"}
    )
    url = info["urls"]["get"]
    pid = client.post(MODEL_PATH, content=replicate_body(input_image_1=url)).json()["id"]
    assert client.get(f"/v1/predictions/{pid}").status_code == 200
    assert client.delete(f"/v1/files/{info['id']}").status_code == 204
    assert client.get(f"/v1/files/{info['id']}").status_code == 404
    assert client.delete(f"/v1/files/{info['id']}").status_code == 404
    assert behaviour.uploads == [info["id"]] and behaviour.deletes == [info["id"]]
    # A prediction whose input file is gone fails, as the model cannot fetch it.
    behaviour.polls_before_done = 1
    gone = client.post(MODEL_PATH, content=replicate_body(input_image_1=url)).json()["id"]
    failed = client.get(f"/v1/predictions/{gone}").json()
    assert failed["status"] == "failed" and "input_image_1" in failed["error"]
    assert client.post("/v1/files", files={"file": ("a.png", PNG, "image/png")}).status_code == 422
    assert (
        httpx.post(
            str(client.base_url) + "/v1/files", files={"content": ("a.png", PNG)}
        ).status_code
        == 401
    )


def test_official_client_talks_to_the_fake() -> None:
    """replicate 1.0.7 parses the fake's prediction and file JSON."""
    behaviour = Behaviour(polls_before_done=0)
    with serve_replicate(behaviour) as server:
        client = replicate.Client(api_token=CANARY_TOKEN, base_url=server.url)
        file = client.files.create(io.BytesIO(PNG), filename="a.png", content_type="image/png")
        prediction = client.models.predictions.create(
            model="flux-kontext-apps/multi-image-kontext-max",
            input=replicate_input(input_image_1=file.urls["get"]),
        )
        assert prediction.status == "starting"
        prediction.reload()
        assert prediction.status == "succeeded" and prediction.output.endswith("/files/out.png")
        client.files.delete(file.id)
        with pytest.raises(replicate.exceptions.ReplicateError) as refused:
            client.models.predictions.create(
                model="flux-kontext-apps/multi-image-kontext-max",
                input=replicate_input(output_format="jpeg"),
            )
    assert refused.value.status == 422 and "output_format" in (refused.value.detail or "")
    assert behaviour.deletes == [file.id]


# -- The BFL socket fake ---------------------------------------------------------------------


@pytest.fixture
def bfl_fake() -> Iterator[tuple[FakeBfl, httpx.Client]]:
    fake = FakeBfl(ready_after_polls=3)
    with serve(fake.app()) as server:
        with httpx.Client(base_url=server.url, headers=BFL_KEY, timeout=10) as client:
            yield fake, client


def test_fake_bfl_create_poll_ready(bfl_fake) -> None:
    fake, client = bfl_fake
    created = client.post("/v1/flux-kontext-max", content=bfl_body(seed=42))
    assert created.status_code == 200, created.text
    task = created.json()
    assert set(task) >= {"id", "polling_url"} and "/cluster-7/" in task["polling_url"]
    first = client.get(task["polling_url"]).json()
    assert first["status"] == "Pending" and first["progress"] == 0.1
    assert client.get(task["polling_url"]).json()["status"] == "Pending"
    ready = client.get(task["polling_url"]).json()
    assert ready["status"] == "Ready" and ready["result"]["seed"] == 42
    assert client.get(ready["result"]["sample"]).content.startswith(b"\x89PNG")
    assert (
        fake.keys_seen == {CANARY_TOKEN} and fake.active() == 0 and fake.finished == {"t1": "Ready"}
    )
    # The documented poll path answers too.
    assert client.get("/v1/get_result", params={"id": task["id"]}).json()["status"] == "Ready"


@pytest.mark.parametrize(
    ("headers", "body", "status", "field"),
    [
        ({"x-key": ""}, bfl_body(), 403, None),
        (BFL_KEY, bfl_body(output_format="webp"), 422, "output_format"),
        (BFL_KEY, bfl_body(input_image=PNG_URI), 422, "input_image"),
        (BFL_KEY, bfl_body(aspect_ratio="3:1"), 422, "aspect_ratio"),
    ],
    ids=["no-key", "webp", "data-uri", "ratio"],
)
def test_fake_bfl_refuses_over_the_socket(bfl_fake, headers, body, status, field) -> None:
    fake, client = bfl_fake
    response = client.post("/v1/flux-kontext-max", content=body, headers=headers)
    assert response.status_code == status, response.text
    if field is not None:
        assert_bfl_422(response, field)
    else:
        assert "Not authenticated" in response.json()["detail"]
    assert fake.created == {} and fake.refused[0][0] == status


def test_fake_bfl_refuses_more_active_tasks_than_the_limit() -> None:
    fake = FakeBfl(ready_after_polls=2, active_limit=2)
    with serve(fake.app()) as server, httpx.Client(base_url=server.url, headers=BFL_KEY) as client:
        first = client.post("/v1/flux-kontext-max", content=bfl_body()).json()
        assert client.post("/v1/flux-kontext-max", content=bfl_body()).status_code == 200
        third = client.post("/v1/flux-kontext-max", content=bfl_body())
        assert third.status_code == 429 and third.json() == {"detail": TOO_MANY_ACTIVE}
        for _ in range(2):  # the first task ends, which frees its slot
            client.get(first["polling_url"])
        assert client.post("/v1/flux-kontext-max", content=bfl_body()).status_code == 200
    assert fake.throttled == 1 and fake.max_active == 2
    assert FakeBfl().active_limit == 6  # Kontext Max's limit on most accounts


@pytest.mark.parametrize(
    "end_state", ["Request Moderated", "Content Moderated", "Error", "Task not found", "Exploded"]
)
def test_fake_bfl_end_states(end_state: str) -> None:
    fake = FakeBfl(ready_after_polls=1, end_state=end_state)
    with serve(fake.app()) as server, httpx.Client(base_url=server.url, headers=BFL_KEY) as client:
        task = client.post("/v1/flux-kontext-max", content=bfl_body()).json()
        answer = client.get(task["polling_url"])
    assert answer.status_code == 200 and answer.json()["status"] == end_state
    assert answer.json()["result"] is None and fake.active() == 0


def test_fake_bfl_huge_progress_unknown_ids_and_poll_auth() -> None:
    fake = FakeBfl(ready_after_polls=10_000, progress_of=lambda n: 1e12)
    with serve(fake.app()) as server, httpx.Client(base_url=server.url, headers=BFL_KEY) as client:
        task = client.post("/v1/flux-kontext-max", content=bfl_body()).json()
        assert client.get(task["polling_url"]).json()["progress"] == 1e12
        missing = client.get("/v1/get_result", params={"id": "nope"})
        assert missing.status_code == 404 and missing.json()["status"] == "Task not found"
        assert httpx.get(task["polling_url"]).status_code == 403
        assert client.post("/v1/flux-dev-unknown", content=bfl_body()).status_code == 404


# -- bench/fakes.py --------------------------------------------------------------------------


def test_bench_fakes_refuse_what_the_providers_refuse() -> None:
    with serve(create_bfl_app()) as bfl, serve(create_replicate_app()) as rep:
        with httpx.Client(timeout=10) as client:
            good = client.post(
                f"{bfl.url}/v1/flux-kontext-max",
                content=bfl_body(prompt="bench-tag-a1 mug"),
                headers=BFL_KEY,
            )
            assert good.status_code == 200 and good.json()["id"].startswith("bench-tag-a1")
            webp = client.post(
                f"{bfl.url}/v1/flux-kontext-max",
                content=bfl_body(output_format="webp"),
                headers=BFL_KEY,
            )
            assert_bfl_422(webp, "output_format")
            assert (
                client.post(f"{bfl.url}/v1/flux-kontext-max", content=bfl_body()).status_code == 403
            )

            rep_good = client.post(
                rep.url + MODEL_PATH, content=replicate_body(prompt="bench-tag-b2 x"), headers=AUTH
            )
            assert rep_good.status_code == 201 and rep_good.json()["status"] == "succeeded"
            jpeg = client.post(
                rep.url + MODEL_PATH, content=replicate_body(output_format="jpeg"), headers=AUTH
            )
            assert_problem(jpeg, 422, "output_format")
            big = replicate_body(input_image_1="data:image/png;base64," + "A" * 1_000_000)
            assert_problem(client.post(rep.url + MODEL_PATH, content=big, headers=AUTH), 413)
            assert_problem(client.post(rep.url + MODEL_PATH, content=replicate_body()), 401)

            bfl_tasks = client.get(f"{bfl.url}/_bench/stats").json()["tasks"]
            rep_tasks = client.get(f"{rep.url}/_bench/stats").json()["tasks"]
    assert list(bfl_tasks) == ["bench-tag-a1-1"]  # refused requests make no task
    assert list(rep_tasks) == ["bench-tag-b2-1"]
    assert (
        bfl_tasks["bench-tag-a1-1"]["requests"] == 1 and bfl_tasks["bench-tag-a1-1"]["fake_s"] > 0
    )
