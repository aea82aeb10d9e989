"""The goods HTTP contract, on the local engine (no network)."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from goods_backend import catalogue
from tests.goods.conftest import goods_form


def test_catalogue_endpoint(local_client: TestClient):
    for path in ("/api/goods-gen/goods-types", "/goods-types"):
        kinds = local_client.get(path).json()
        assert [k["id"] for k in kinds] == [k.id for k in catalogue.CATALOGUE]
        assert {"id", "label", "default_aspect_ratio"} <= set(kinds[0])
        assert {k["label"] for k in kinds} >= {"티셔츠", "머그컵", "에코백", "스티커"}


@pytest.mark.parametrize("path", ["/api/goods-gen/generate", "/generate"])
def test_only_image_and_goods_type_returns_an_image(local_client: TestClient, path: str, logs):
    data, files = goods_form()
    data = {"goods_type": "tshirt"}
    response = local_client.post(path, data=data, files=files)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-disposition"] == 'inline; filename="generated-goods.png"'
    assert response.headers["x-request-id"]
    assert Image.open(io.BytesIO(response.content)).size == (768, 1024)  # the T-shirt's 3:4
    assert "생성 요청" in logs.text and "✅ 이미지 데이터 직접 반환" in logs.text


@pytest.mark.parametrize(
    ("fmt", "media_type"), [("jpeg", "image/jpeg"), ("jpg", "image/jpeg"), ("webp", "image/webp")]
)
def test_output_formats_are_labelled_by_their_bytes(local_client: TestClient, fmt, media_type):
    data, files = goods_form(output_format=fmt)
    response = local_client.post("/api/goods-gen/generate", data=data, files=files)
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    assert Image.open(io.BytesIO(response.content)).format == media_type.split("/")[1].upper()


def test_free_prompt_still_works(local_client: TestClient):
    data, files = goods_form(
        goods_type=None, prompt="a realistic white T-shirt with this character printed on it"
    )
    assert local_client.post("/api/goods-gen/generate", data=data, files=files).status_code == 200


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        ({"goods_type": "spaceship"}, "goods_type"),
        ({"goods_type": None, "prompt": ""}, "prompt"),
        ({"aspect_ratio": "match_input_image"}, "aspect_ratio"),
        ({"aspect_ratio": "22:9"}, "aspect_ratio"),
        ({"output_format": "gif"}, "output_format"),
        ({"safety_tolerance": "-1"}, "safety_tolerance"),
        ({"prompt": "x" * 2001}, "prompt"),
    ],
)
def test_invalid_fields_are_422(local_client: TestClient, fields, needle):
    data, files = goods_form(**fields)
    response = local_client.post("/api/goods-gen/generate", data=data, files=files)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR" and needle in error["message"]


def test_upload_rules_come_from_the_shared_core(local_client: TestClient):
    data, _ = goods_form()
    for content, status, code in [
        (b"", 400, "EMPTY_FILE"),
        (b"%PDF-1.4", 415, "UNSUPPORTED_IMAGE"),
    ]:
        response = local_client.post(
            "/api/goods-gen/generate",
            data=data,
            files={"input_image": ("x.png", content, "image/png")},
        )
        assert (response.status_code, response.json()["error"]["code"]) == (status, code)


def test_probes_info_and_metrics(local_client: TestClient):
    assert local_client.get("/health").status_code == 200
    assert local_client.get("/ready").json()["engine"] == "local"
    info = local_client.get("/api/goods-gen/info").json()
    assert len(info["choices"]["aspect_ratios"]) == 13
    assert [k["id"] for k in info["choices"]["goods_types"]][:2] == ["tshirt", "mug"]
    data, files = goods_form()
    local_client.post("/api/goods-gen/generate", data=data, files=files)
    assert (
        'generation_requests_total{engine="local",outcome="ok",service="goods",status="200"} 1.0'
        in local_client.get("/metrics").text
    )


def test_same_inputs_and_seed_give_the_same_picture(local_client: TestClient):
    import io

    from PIL import Image

    from webtoon_core.provenance import read_provenance

    def pixels(data: bytes) -> bytes:
        return Image.open(io.BytesIO(data)).convert("RGBA").tobytes()

    data, files = goods_form(goods_type="badge", seed="42")
    first = local_client.post("/api/goods-gen/generate", data=data, files=files).content
    second = local_client.post("/api/goods-gen/generate", data=data, files=files).content
    other = local_client.post(
        "/api/goods-gen/generate", data={**data, "goods_type": "sticker"}, files=files
    ).content
    assert pixels(first) == pixels(second) and pixels(first) != pixels(other)
    # Only the provenance differs: each generation names its own job.
    assert read_provenance(first)["job_id"] != read_provenance(second)["job_id"]
