"""인쇄용 파일 on the goods page, in real Chromium through the project's nginx.

The print file is made from the original art as it was picked (full resolution), never from
the page's 1024 px copy or the AI result; the page reads the ZIP's preview and spec in the
browser, lists the warnings, and handles the two refusals that need the person's choice.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.frontends.test_browser_jobs import goods_app, history_ids
from tests.frontends.test_browser_live import (
    TIMEOUT_MS,
    new_page,
    serve_behind_nginx,
    visible_image,
)
from tests.goods.print_file_arts import busy_jpeg, character, drawn, png

KEYRING_ART = png(drawn(character, side=1600))  # transparent, far above the 1024 px the page sends


class PrintBodies:
    """The app, recording the request bodies of POST .../print-file as the backend got them."""

    def __init__(self, app) -> None:
        self.app = app
        self.bodies: list[bytes] = []

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope["path"].endswith("/print-file"):
            return await self.app(scope, receive, send)
        chunks: list[bytes] = []

        async def recording():
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    self.bodies.append(b"".join(chunks))
            return message

        return await self.app(scope, recording, send)


@pytest.fixture
def goods(dist, tmp_path):
    recorder = PrintBodies(goods_app(dist, tmp_path / "jobs"))
    for server in serve_behind_nginx("goods-gen", recorder, dist):
        server.bodies = recorder.bodies
        yield server


@pytest.fixture
def page(browser):
    context, page = new_page(browser)
    yield page
    context.close()


def focused(page, element_id: str) -> None:
    """Focus lands on the element (a dialog's close event comes a moment after it hides)."""
    page.wait_for_function("id => document.activeElement?.id === id", arg=element_id, timeout=5000)


def art_file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def generate_kind(page, url: str, art: Path, kind: str) -> None:
    page.goto(url + "/goods-gen/")
    page.wait_for_selector(f'.goods-card[data-goods-type="{kind}"]')
    page.click(f'.goods-card[data-goods-type="{kind}"]')
    page.set_input_files("#character-input", str(art))
    visible_image(page, "#character-preview")
    page.click("#generate")
    visible_image(page, "#result-image")


def open_print(page) -> None:
    page.wait_for_selector("#print-file", state="visible")
    page.click("#print-file")
    page.wait_for_selector("#print-dialog[open]")


def unzip(download) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(Path(download.path()).read_bytes())) as archive:
        assert archive.namelist()[0] == "spec.json"
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_print_file_is_made_from_the_original_upload(goods, page, tmp_path):
    art = art_file(tmp_path, "keyring-art.png", KEYRING_ART)
    generate_kind(page, goods.url, art, "acrylic_keyring")
    assert page.evaluate("() => document.querySelector('#result-image').naturalWidth") <= 1024
    open_print(page)
    assert page.evaluate("() => document.activeElement.id") == "print-title"
    assert "아크릴 키링" in page.inner_text("#print-title")
    # The form comes from GET /print-file/options: the keyring's defaults and bounds.
    assert (
        page.input_value("#print-height") == "50"
        and page.get_attribute("#print-height", "max") == "120"
    )
    assert (
        page.input_value("#print-offset") == "2"
        and page.get_attribute("#print-offset", "min") == "1"
    )
    assert page.is_checked("#print-white") and page.is_visible("#print-hole")
    assert page.input_value("#print-hole") == "3"
    assert "keyring-art.png" in page.inner_text("#print-source")

    page.click("#print-submit")
    page.wait_for_selector("#print-result", state="visible", timeout=TIMEOUT_MS)
    body = goods.bodies[0]
    assert KEYRING_ART in body  # the picked file itself, byte for byte
    assert b'name="height_mm"\r\n\r\n50\r\n' in body and b'name="hole_mm"\r\n\r\n3\r\n' in body
    visible_image(page, "#print-preview")
    assert page.get_attribute("#print-download", "download") == "print-acrylic_keyring.zip"
    with page.expect_download() as info:
        page.click("#print-download")
    assert info.value.suggested_filename == "print-acrylic_keyring.zip"
    files = unzip(info.value)
    assert {"spec.json", "print.pdf", "print.svg", "white.png", "preview.png"} <= set(files)
    spec = json.loads(files["spec.json"])
    assert spec["art"]["pixels"][1] > 1024  # full resolution: not the page's 1024 px copy
    assert spec["art"]["height_mm"] == 50
    preview = Image.open(io.BytesIO(files["preview.png"]))
    assert (
        page.evaluate("() => document.querySelector('#print-preview').naturalWidth")
        == preview.width
    )
    assert f"{round(spec['art']['ppi'])}ppi" in page.inner_text("#print-size")
    shown = page.eval_on_selector_all("#print-warnings li", "els => els.map(e => e.dataset.code)")
    assert shown == [w["code"] for w in spec["warnings"]]

    # Another size and no white layer: made again, and the warning says so.
    page.fill("#print-height", "80")
    page.uncheck("#print-white")
    assert page.inner_text("#print-submit") == "다시 만들기"
    page.click("#print-submit")
    page.wait_for_selector('#print-warnings li[data-code="WHITE_LAYER_OFF"]', timeout=TIMEOUT_MS)
    assert "화이트 레이어 없이" in page.inner_text("#print-warnings")
    assert "확인할 점" in page.inner_text("#print-status")
    with page.expect_download() as again:
        page.click("#print-download")
    remade = json.loads(unzip(again.value)["spec.json"])
    assert remade["art"]["height_mm"] == 80 and remade["white"]["enabled"] is False

    page.keyboard.press("Escape")
    page.wait_for_selector("#print-dialog", state="hidden")
    focused(page, "print-file")
    assert page.problems == []


def test_a_low_resolution_can_be_accepted_on_purpose(goods, page, tmp_path):
    art = art_file(tmp_path, "small.png", png(drawn(character, side=300)))  # ~145 ppi at 50 mm
    generate_kind(page, goods.url, art, "acrylic_keyring")
    open_print(page)
    page.click("#print-submit")
    page.wait_for_selector("#print-error", state="visible", timeout=TIMEOUT_MS)
    text = page.inner_text("#print-error")
    assert "ppi" in text and "해상도가 낮아도" in text
    assert page.evaluate("() => document.activeElement.id") == "print-accept-low"
    assert page.is_hidden("#print-result")
    page.click("#print-accept-low")
    page.wait_for_selector("#print-result", state="visible", timeout=TIMEOUT_MS)
    assert b"accept_low_resolution" not in goods.bodies[0]
    assert b'name="accept_low_resolution"\r\n\r\ntrue\r\n' in goods.bodies[1]
    assert page.is_hidden("#print-error")
    assert page.locator('#print-warnings li[data-code="VERY_LOW_RESOLUTION"]').count() == 1
    assert [p for p in page.problems if "422" not in p] == []  # Chromium logs the refusal's status


def test_a_background_that_stays_asks_for_a_transparent_png(goods, page, tmp_path):
    art = art_file(tmp_path, "photo.jpg", busy_jpeg())
    generate_kind(page, goods.url, art, "sticker")
    open_print(page)
    page.click("#print-submit")
    page.wait_for_selector("#print-error", state="visible", timeout=TIMEOUT_MS)
    assert "투명한 PNG" in page.inner_text("#print-error")
    assert page.is_hidden("#print-accept-low")
    page.click("#print-reupload")
    page.wait_for_selector("#print-dialog", state="hidden")
    focused(page, "character-input")  # back to the upload, to pick a transparent PNG


def test_an_original_over_the_upload_limit_is_not_sent(dist, browser, tmp_path):
    noise = np.random.default_rng(3).integers(0, 255, (1100, 1100, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(noise).save(out, format="PNG")
    assert out.tell() > 1024 * 1024
    art = art_file(tmp_path, "huge.png", out.getvalue())
    app = goods_app(dist, tmp_path / "jobs", max_upload_mb=1)
    for server in serve_behind_nginx("goods-gen", app, dist):
        context, page = new_page(browser)
        sent: list[str] = []
        page.on("request", lambda r: sent.append(r.url) if r.url.endswith("/print-file") else None)
        try:
            generate_kind(page, server.url, art, "sticker")  # the page's own copy fits
            open_print(page)
            source = page.inner_text("#print-source")
            assert "1MB를 넘습니다" in source and "다시 올려 주세요" in source
            assert page.is_disabled("#print-submit")
            page.keyboard.press("Enter")
            page.wait_for_timeout(300)
            assert sent == []  # nothing was sent
        finally:
            context.close()


def test_print_is_offered_only_for_kinds_that_have_one_and_from_history(goods, page, tmp_path):
    art = art_file(tmp_path, "keyring-art.png", KEYRING_ART)
    generate_kind(page, goods.url, art, "mug")
    page.wait_for_function("() => document.querySelector('#history-list .history-item')")
    page.wait_for_timeout(200)
    assert page.is_hidden("#print-file")  # a mug has no print file
    page.click(f'#history-list .history-item[data-job-id="{history_ids(page)[0]}"] button')
    page.wait_for_selector("#job-dialog[open]")
    assert page.is_hidden("#job-dialog-print")
    page.keyboard.press("Escape")

    page.click('.goods-card[data-goods-type="acrylic_stand"]')
    page.click("#generate")
    page.wait_for_selector("#print-file", state="visible", timeout=TIMEOUT_MS)
    page.wait_for_function(
        "() => document.querySelectorAll('#history-list .history-item').length === 2"
    )
    page.click("#history-list .history-item:first-child button")
    page.wait_for_selector("#job-dialog[open]")
    page.click("#job-dialog-print")
    page.wait_for_selector("#print-dialog[open]")
    assert "아크릴 스탠드" in page.inner_text("#print-title")
    assert page.input_value("#print-height") == "100" and page.is_hidden("#print-hole")
    assert page.problems == []
