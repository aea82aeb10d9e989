"""The project's nginx configuration, run for real in front of the real backends (local engines)."""

from __future__ import annotations

import gzip
import re
import shutil
from pathlib import Path

import httpx
import pytest

from tests.frontends import conftest as frontends_conftest
from tests.frontends.conftest import NGINX_DIR, NGINX_FILES, ROOT, Nginx
from tests.support import free_port, noisy_jpeg, png_bytes

SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "referrer-policy")


@pytest.fixture(scope="module")
def five_mb_jpegs() -> tuple[bytes, bytes]:
    first = noisy_jpeg((2100, 1750), quality=97)
    second = noisy_jpeg((2050, 1750), quality=97)
    for image in (first, second):
        assert 4 * 1024 * 1024 < len(image) <= 5 * 1024 * 1024, len(image)
    return first, second


@pytest.mark.parametrize("page", ["ppl-gen", "goods-gen"])
def test_root_redirects_to_the_page_and_healthz_answers(nginx, page):
    server = nginx[page]
    root = httpx.get(server.url + "/")
    assert root.status_code == 302 and root.headers["location"].endswith(f"/{page}/")
    assert httpx.get(server.url + "/healthz").text.strip() == "ok"


@pytest.mark.parametrize("page", ["ppl-gen", "goods-gen"])
def test_redirects_carry_only_the_path(nginx, page):
    """Behind the ingress the public URL is https://<host>/, not nginx's http://<pod>:8080."""
    server = nginx[page]
    public = {"Host": "webtoon.example.com", "X-Forwarded-Proto": "https"}
    expected = {
        "/": (302, f"/{page}/"),
        f"/{page}": (301, f"/{page}/"),
        f"/{page}/assets": (301, f"/{page}/assets/"),  # nginx's own directory redirect
    }
    for path, (status, location) in expected.items():
        response = httpx.get(server.url + path, headers=public)
        assert response.status_code == status, path
        assert response.headers["location"] == location, path
        assert str(server.port) not in response.headers["location"]


def test_nginx_reads_nothing_from_the_checkout(nginx):
    """nginx's unprivileged user may not be able to enter the checkout (/root, mktemp -d)."""
    for server in nginx.values():
        for name, value in server.env.items():
            assert name == "PATH" or not Path(value).is_relative_to(ROOT), (name, value)
        for value in server.command:
            assert not Path(value).is_relative_to(ROOT), value
        for name in NGINX_FILES:  # and what it runs is the checkout's, byte for byte
            assert (server.conf / name).read_bytes() == (NGINX_DIR / name).read_bytes()


def test_nginx_starts_from_a_checkout_only_its_owner_can_enter(dist, tmp_path, monkeypatch):
    """The real check when the tests run as root (nginx then runs as uid 65534)."""
    checkout = tmp_path / "private-checkout"
    shutil.copytree(NGINX_DIR, checkout / "frontends" / "nginx")
    checkout.chmod(0o700)
    monkeypatch.setattr(frontends_conftest, "NGINX_DIR", checkout / "frontends" / "nginx")
    server = Nginx("ppl-gen", free_port(), dist)
    try:
        server.wait_ready()
        page = httpx.get(server.url + "/ppl-gen/")
    finally:
        server.stop()
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("page", ["ppl-gen", "goods-gen"])
def test_html_is_revalidated_and_assets_are_immutable(nginx, page):
    server = nginx[page]
    html = httpx.get(f"{server.url}/{page}/")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert html.headers["cache-control"] == "no-cache"
    for header in SECURITY_HEADERS:
        assert header in html.headers, header
    csp = html.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assets = re.findall(r'(?:src|href)="(assets/[^"]+)"', html.text)
    assert assets
    for asset in assets:
        response = httpx.get(f"{server.url}/{page}/{asset}")
        assert response.status_code == 200
        assert "immutable" in response.headers["cache-control"]
        assert "max-age=31536000" in response.headers["cache-control"]
        assert response.headers["x-content-type-options"] == "nosniff"


def test_text_assets_are_gzipped(nginx):
    server = nginx["ppl-gen"]
    html = httpx.get(f"{server.url}/ppl-gen/").text
    css = re.search(r'href="(assets/[^"]+\.css)"', html).group(1)
    with httpx.Client() as client:
        raw = client.get(f"{server.url}/ppl-gen/{css}", headers={"Accept-Encoding": "gzip"})
    assert raw.headers.get("content-encoding") == "gzip"
    assert raw.text  # httpx decoded it
    assert gzip.compress(b"x")  # sanity: the module is what we think


def test_api_through_nginx_with_two_5mb_uploads(nginx, five_mb_jpegs):
    first, second = five_mb_jpegs
    response = httpx.post(
        nginx["ppl-gen"].url + "/api/ppl-gen/generate",
        data={
            "prompt": "The character is holding the product",
            "aspect_ratio": "1:1",
            "output_format": "png",
            "safety_tolerance": "2",
            "seed": "11",
        },
        files={
            "input_image_1": ("character.jpg", first, "image/jpeg"),
            "input_image_2": ("product.jpg", second, "image/jpeg"),
        },
        timeout=60,
    )
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-request-id"]


def test_goods_api_through_nginx(nginx):
    server = nginx["goods-gen"]
    kinds = httpx.get(server.url + "/api/goods-gen/goods-types").json()
    assert kinds[0]["id"] == "tshirt"
    response = httpx.post(
        server.url + "/api/goods-gen/generate",
        data={"goods_type": "mug"},
        files={"input_image": ("c.png", png_bytes(), "image/png")},
        timeout=60,
    )
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"


def test_backend_errors_pass_through_as_json(nginx):
    response = httpx.post(
        nginx["ppl-gen"].url + "/api/ppl-gen/generate",
        data={"prompt": ""},
        files={"input_image_1": ("a.png", b"", "image/png")},
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


def test_body_over_the_nginx_limit_is_a_json_413(nginx):
    response = httpx.post(
        nginx["ppl-gen"].url + "/api/ppl-gen/generate",
        content=b"x" * (13 * 1024 * 1024),
        headers={"Content-Type": "multipart/form-data; boundary=zzz"},
        timeout=30,
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "FILE_TOO_LARGE"


def test_backend_down_is_a_json_503(dist, nginx):
    server = Nginx("ppl-gen", free_port(), dist)  # nothing listens on that port
    try:
        server.wait_ready()
        response = httpx.get(server.url + "/api/ppl-gen/info")
    finally:
        server.stop()
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "BACKEND_UNAVAILABLE"
