"""No key reaches any log: ours, uvicorn's traceback of an unexpected error, or an error text."""

from __future__ import annotations

import logging

import httpx
import pytest
from fastapi.testclient import TestClient

from goods_backend.main import SPEC, create_app
from goods_backend.settings import GoodsSettings
from tests.support import CANARY_TOKEN, serve
from webtoon_core.app import create_service_app
from webtoon_core.engine import key_problem
from webtoon_core.logging_setup import safe_text


class LeakyEngine:
    """An engine with a bug whose exception text carries the key (the worst case)."""

    name = "bfl"

    @property
    def model(self):  # read by the info route: the bug escapes the app, uvicorn logs it
        raise RuntimeError(f"unexpected failure while sending x-key={CANARY_TOKEN}")

    def not_ready_reason(self):
        return None

    async def generate(self, params, images, ctx):
        raise RuntimeError(f"unexpected failure while sending x-key={CANARY_TOKEN}")

    async def aclose(self):
        return None


def test_uvicorn_traceback_of_an_unexpected_error_is_redacted(capfd):
    settings = GoodsSettings(goods_engine="bfl", bfl_api_key=CANARY_TOKEN)
    app = create_service_app(SPEC, settings, lambda resources: LeakyEngine())
    with serve(app) as server:
        response = httpx.get(f"{server.url}/api/goods-gen/info", timeout=30)
    out, err = capfd.readouterr()
    assert response.status_code == 500 and response.json()["error"]["code"] == "INTERNAL_ERROR"
    assert CANARY_TOKEN not in response.text
    logged = out + err
    assert "Exception in ASGI application" in logged  # uvicorn's own logger wrote the traceback
    assert "RuntimeError: unexpected failure while sending x-key=[REDACTED]" in logged
    assert CANARY_TOKEN not in logged


def test_a_key_with_surrounding_space_is_redacted_as_sent_and_as_configured(capsys):
    padded = f"  {CANARY_TOKEN}\n"
    with TestClient(create_app(GoodsSettings(goods_engine="bfl", bfl_api_key=padded))):
        logging.getLogger("test").warning("leaked %s and %r", CANARY_TOKEN, padded)
    out = capsys.readouterr().out
    assert "leaked [REDACTED]" in out and CANARY_TOKEN not in out


@pytest.mark.parametrize("bad", ["abc def", "key\nnext", "키값", "tab\there"])
def test_keys_that_cannot_be_a_header_make_the_service_not_ready_without_quoting_them(bad):
    reason = key_problem("BFL_API_KEY", bad, missing="-")
    assert reason is not None and "BFL_API_KEY" in reason and bad not in reason
    with TestClient(create_app(GoodsSettings(goods_engine="bfl", bfl_api_key=bad))) as client:
        ready = client.get("/ready")
    assert ready.status_code == 503 and "허용되지 않는 문자" in ready.json()["error"]["message"]
    assert bad not in ready.text


def test_key_problem_accepts_a_plain_key():
    assert key_problem("BFL_API_KEY", CANARY_TOKEN, missing="-") is None
    assert key_problem("BFL_API_KEY", "", missing="없음") == "없음"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain", "plain"),
        ("line\nforged INFO line", "line\\x0aforged INFO line"),
        ("lone \ud800 surrogate", "lone ? surrogate"),
        ("x" * 50, "x" * 40 + "…"),
    ],
)
def test_safe_text_bounds_and_escapes(raw, shown):
    assert safe_text(raw, 40) == shown
