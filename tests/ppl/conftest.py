from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ppl_backend.main import create_app
from ppl_backend.settings import PplSettings
from tests.support import CANARY_TOKEN, jpeg_bytes, png_bytes

REPLICATE = "https://api.replicate.test"
CREATE_URL = f"{REPLICATE}/v1/models/flux-kontext-apps/multi-image-kontext-max/predictions"


def replicate_settings(**overrides) -> PplSettings:
    values = dict(
        ppl_engine="replicate",
        replicate_api_token=CANARY_TOKEN,
        replicate_base_url=REPLICATE,
        replicate_poll_interval_s=0.01,
        result_hosts=("replicate.delivery",),
    )
    values.update(overrides)
    return PplSettings(**values)


def ppl_form(**fields) -> tuple[dict, dict]:
    data = {
        "prompt": "The character holds the product",
        "aspect_ratio": "1:1",
        "output_format": "png",
        "safety_tolerance": "2",
        "seed": "11",
    }
    data.update({k: v for k, v in fields.items() if v is not None})
    files = {
        "input_image_1": ("character.png", png_bytes((400, 600)), "image/png"),
        "input_image_2": ("product.jpg", jpeg_bytes((300, 300)), "image/jpeg"),
    }
    return data, files


@pytest.fixture
def local_client() -> Iterator[TestClient]:
    with TestClient(create_app(PplSettings(ppl_engine="local"))) as client:
        yield client


@pytest.fixture
def replicate_client() -> Iterator[TestClient]:
    with TestClient(create_app(replicate_settings())) as client:
        yield client
