from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from goods_backend.main import create_app
from goods_backend.settings import GoodsSettings
from tests.support import CANARY_TOKEN, png_bytes

BFL = "https://api.bfl.test"
CREATE_URL = f"{BFL}/v1/flux-kontext-max"
POLL_URL = "https://api.eu1.bfl.ai/v1/get_result?id=task-1"
SAMPLE_URL = "https://delivery-eu1.bfl.ai/results/abc/sample.png"


def bfl_settings(**overrides) -> GoodsSettings:
    values = dict(
        goods_engine="bfl",
        bfl_api_key=CANARY_TOKEN,
        bfl_base_url=BFL,
        bfl_poll_interval_s=0.01,
        bfl_max_polls=20,
    )
    values.update(overrides)
    return GoodsSettings(**values)


def goods_form(**fields) -> tuple[dict, dict]:
    data = {
        "goods_type": "mug",
        "prompt": "",
        "output_format": "png",
        "safety_tolerance": "2",
        "seed": "11",
    }
    data.update(fields)
    data = {k: v for k, v in data.items() if v is not None}
    files = {
        "input_image": ("character.png", png_bytes((400, 600), color=(230, 40, 200)), "image/png")
    }
    return data, files


@pytest.fixture
def local_client() -> Iterator[TestClient]:
    with TestClient(create_app(GoodsSettings(goods_engine="local"))) as client:
        yield client


@pytest.fixture
def bfl_client() -> Iterator[TestClient]:
    with TestClient(create_app(bfl_settings())) as client:
        yield client
