"""Security headers, CORS, request ids: the same on both services."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from goods_backend.main import create_app as create_goods
from goods_backend.settings import GoodsSettings
from ppl_backend.main import create_app as create_ppl
from ppl_backend.settings import PplSettings
from webtoon_core.security import CONTENT_SECURITY_POLICY, HEADERS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["ppl", "goods"])
def client(request):
    app = (
        create_ppl(PplSettings(cors_origins="https://studio.example"))
        if request.param == "ppl"
        else create_goods(GoodsSettings(cors_origins="https://studio.example"))
    )
    with TestClient(app) as c:
        yield c


@pytest.mark.parametrize("path", ["/health", "/nope", "/metrics"])
def test_security_headers_on_every_answer(client, path):
    response = client.get(path)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "referrer-policy" in response.headers


def test_error_answers_carry_them_too(client):
    prefix = "/api/ppl-gen" if "ppl" in client.get("/api/ppl-gen/info").text else "/api/goods-gen"
    response = client.post(f"{prefix}/generate", data={}, files={"x": ("a", b"1")})
    assert response.status_code == 422
    assert response.headers["x-content-type-options"] == "nosniff"


def test_nginx_sends_the_same_policy():
    conf = (ROOT / "frontends" / "nginx" / "security-headers.conf").read_text()
    match = re.search(r'Content-Security-Policy "([^"]+)"', conf)
    assert match and match.group(1) == CONTENT_SECURITY_POLICY
    sent = dict(re.findall(r'add_header ([A-Za-z-]+) "([^"]+)"', conf))
    assert {k.lower(): v for k, v in sent.items()} == {k.decode(): v.decode() for k, v in HEADERS}


def test_hsts_on_every_answer(client):
    assert client.get("/health").headers["strict-transport-security"].startswith("max-age=31536000")


def test_cors_preflight_only_for_configured_origin(client):
    ok = client.options(
        "/health",
        headers={"Origin": "https://studio.example", "Access-Control-Request-Method": "POST"},
    )
    assert ok.headers["access-control-allow-origin"] == "https://studio.example"
    assert (
        "x-request-id" in ok.headers.get("access-control-expose-headers", "").lower()
        or ok.status_code == 200
    )
    bad = client.options(
        "/health",
        headers={
            "Origin": "https://studio.example.evil.com",
            "Access-Control-Request-Method": "POST",
        },
    )
    assert "access-control-allow-origin" not in bad.headers


def test_another_allowed_origin_can_read_the_headers_the_pages_read(client):
    answer = client.get("/health", headers={"Origin": "https://studio.example"})
    exposed = {
        h.strip().lower() for h in answer.headers["access-control-expose-headers"].split(",")
    }
    assert {
        "x-request-id",
        "x-job-id",
        "location",
        "content-disposition",
        "x-print-warnings",
        "x-print-ppi",
    } <= exposed


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("abc12345", True),
        ("studio.req-0001_x", True),
        ("short", False),
        ("x" * 65, False),
        ("has space1", False),
        ("new\\nline1", False),
        ("<script>alert1", False),
    ],
)
def test_request_id_accepted_only_when_well_formed(client, given, kept):
    response = client.get("/health", headers={"X-Request-ID": given})
    assert (response.headers["x-request-id"] == given) is kept
