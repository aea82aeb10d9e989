"""The PPL HTTP contract, on the local engine (no network)."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from ppl_backend.main import create_app
from ppl_backend.settings import PplSettings
from tests.ppl.conftest import ppl_form
from tests.support import png_bytes


@pytest.mark.parametrize("path", ["/api/ppl-gen/generate", "/generate"])
def test_generate_returns_image_bytes_with_headers(local_client: TestClient, path: str, logs):
    data, files = ppl_form()
    response = local_client.post(path, data=data, files=files)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-disposition"] == 'inline; filename="generated-ppl-image.png"'
    assert len(response.headers["x-request-id"]) >= 8
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "PNG" and image.size == (1024, 1024)
    text = logs.text
    assert "생성 요청" in text and "✅ 이미지 데이터 직접 반환" in text


@pytest.mark.parametrize("fmt", ["jpg", "jpeg"])
def test_jpeg_output_is_labelled_by_its_bytes(local_client: TestClient, fmt: str):
    data, files = ppl_form(output_format=fmt)
    response = local_client.post("/api/ppl-gen/generate", data=data, files=files)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert response.content.startswith(b"\xff\xd8")
    assert response.headers["content-disposition"].endswith('generated-ppl-image.jpg"')


def test_well_formed_request_id_is_kept_and_bad_one_replaced(local_client: TestClient):
    ok = local_client.get("/health", headers={"X-Request-ID": "studio-req-0001"})
    assert ok.headers["x-request-id"] == "studio-req-0001"
    bad = local_client.get("/health", headers={"X-Request-ID": "bad id; drop table"})
    assert bad.headers["x-request-id"] != "bad id; drop table"
    assert len(bad.headers["x-request-id"]) == 32


@pytest.mark.parametrize(
    ("fields", "field_name"),
    [
        ({"prompt": ""}, "prompt"),
        ({"prompt": "x" * 2001}, "prompt"),
        ({"aspect_ratio": "7:3"}, "aspect_ratio"),
        ({"output_format": "gif"}, "output_format"),
        ({"safety_tolerance": "3"}, "safety_tolerance"),
        ({"safety_tolerance": "high"}, "safety_tolerance"),
        ({"seed": "eleven"}, "seed"),
    ],
)
def test_invalid_fields_are_422_naming_the_field(local_client: TestClient, fields, field_name):
    data, files = ppl_form(**fields)
    response = local_client.post("/api/ppl-gen/generate", data=data, files=files)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert field_name in error["message"]
    assert error["request_id"] == response.headers["x-request-id"]


def test_empty_seed_means_none_and_defaults_apply(local_client: TestClient):
    data, files = ppl_form(seed="")
    del data["aspect_ratio"], data["output_format"], data["safety_tolerance"]
    response = local_client.post("/api/ppl-gen/generate", data=data, files=files)
    assert response.status_code == 200
    # match_input_image: the 400x600 character's shape.
    assert Image.open(io.BytesIO(response.content)).size == (683, 1024)


def test_missing_file_is_422(local_client: TestClient):
    data, files = ppl_form()
    del files["input_image_2"]
    response = local_client.post("/api/ppl-gen/generate", data=data, files=files)
    assert response.status_code == 422
    assert "input_image_2" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("content", "status", "code"),
    [
        (b"", 400, "EMPTY_FILE"),
        (b"GIF89a not really", 415, "UNSUPPORTED_IMAGE"),
        (png_bytes()[:300], 400, "INVALID_IMAGE"),
    ],
)
def test_bad_uploads(local_client: TestClient, content: bytes, status: int, code: str):
    data, files = ppl_form()
    files["input_image_2"] = ("product.png", content, "image/png")
    response = local_client.post("/api/ppl-gen/generate", data=data, files=files)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_oversize_upload_is_413(local_client: TestClient):
    data, files = ppl_form()
    files["input_image_1"] = ("big.png", b"\x89PNG" + b"\0" * (5 * 1024 * 1024 + 1), "image/png")
    response = local_client.post("/api/ppl-gen/generate", data=data, files=files)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "FILE_TOO_LARGE"


def test_upload_limit_follows_the_setting():
    with TestClient(create_app(PplSettings(max_upload_mb=0.001))) as client:
        data, files = ppl_form()
        response = client.post("/api/ppl-gen/generate", data=data, files=files)
    assert response.status_code == 413


def test_unknown_route_and_method_use_the_error_shape(local_client: TestClient):
    assert local_client.get("/api/ppl-gen/nothing").json()["error"]["code"] == "NOT_FOUND"
    response = local_client.get("/api/ppl-gen/generate")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"


def test_probes_on_the_local_engine(local_client: TestClient):
    assert local_client.get("/health").json() == {"status": "ok"}
    ready = local_client.get("/ready")
    assert ready.status_code == 200 and ready.json()["engine"] == "local"


def test_info_lists_the_fourteen_ratios(local_client: TestClient):
    info = local_client.get("/api/ppl-gen/info").json()
    assert info["engine"] == "local" and info["local_preview"] is True
    assert len(info["choices"]["aspect_ratios"]) == 14
    assert info["limits"]["max_upload_mb"] == 5


def test_metrics_count_outcomes(local_client: TestClient):
    data, files = ppl_form()
    assert local_client.post("/api/ppl-gen/generate", data=data, files=files).status_code == 200
    bad, bad_files = ppl_form(aspect_ratio="nope")
    assert local_client.post("/api/ppl-gen/generate", data=bad, files=bad_files).status_code == 422
    text = local_client.get("/metrics").text
    assert (
        'generation_requests_total{engine="local",outcome="ok",service="ppl",status="200"} 1.0'
        in text
    )
    assert (
        'generation_requests_total{engine="local",outcome="VALIDATION_ERROR",service="ppl",'
        'status="422"} 1.0' in text
    )
    assert 'generations_in_flight{service="ppl"} 0.0' in text
    assert (
        'generation_duration_seconds_bucket{engine="local",le="90.0",outcome="ok",'
        'service="ppl"} 1.0' in text
    )
    assert 'generation_overhead_seconds_count{engine="local",service="ppl"} 1.0' in text
    assert 'engine_ready{engine="local",service="ppl"} 1.0' in text


def test_cors_only_for_configured_origins():
    settings = PplSettings(cors_origins="https://studio.example")
    with TestClient(create_app(settings)) as client:
        allowed = client.get("/health", headers={"Origin": "https://studio.example"})
        denied = client.get("/health", headers={"Origin": "https://evil.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://studio.example"
    assert "access-control-allow-origin" not in denied.headers


def test_cors_origins_are_logged_at_start(logs):
    with TestClient(create_app(PplSettings(cors_origins="https://a.example,https://b.example"))):
        pass
    assert any(
        "CORS" in r.getMessage() and "https://b.example" in r.getMessage() for r in logs.records
    )


def test_json_log_format_keeps_the_message_text(capsys):
    settings = PplSettings(log_format="json")
    with TestClient(create_app(settings)) as client:
        data, files = ppl_form()
        client.post("/api/ppl-gen/generate", data=data, files=files)
    import json

    lines = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")
    ]
    messages = [line["message"] for line in lines]
    assert any("✅ 이미지 데이터 직접 반환" in m for m in messages)
    assert all("request_id" in line for line in lines)


def test_openapi_documents_every_error_answer_in_the_one_shape(local_client: TestClient):
    spec = local_client.get("/openapi.json").json()
    responses = spec["paths"]["/api/ppl-gen/generate"]["post"]["responses"]
    for status in ("400", "408", "413", "415", "422", "429", "502", "503", "504"):
        schema = responses[status]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorResponse"}, status
    error = spec["components"]["schemas"]["ErrorDetail"]
    assert set(error["properties"]) == {"code", "message", "request_id"}
