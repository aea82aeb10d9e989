"""Real Chromium on both pages, through the project's nginx, on the local engines."""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from ppl_backend.main import SPEC as PPL_SPEC
from ppl_backend.main import build_engine as build_ppl_engine
from ppl_backend.settings import PplSettings
from tests.frontends.conftest import ROOT, Nginx, require
from tests.support import ServerThread, bottle_jpeg, character_png
from webtoon_core.app import create_service_app

SCREENSHOTS = ROOT / "docs" / "images"


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("uploads")
    paths = {
        "character": folder / "character.png",
        "product": folder / "product.jpg",
        "not_an_image": folder / "notes.png",
    }
    paths["character"].write_bytes(character_png())
    paths["product"].write_bytes(bottle_jpeg())
    paths["not_an_image"].write_bytes(b"this is not an image at all")
    return paths


@pytest.fixture
def page(browser):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, accept_downloads=True, locale="ko-KR"
    )
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda exc: page.problems.append(f"pageerror: {exc}"))
    page.on(
        "console",
        lambda msg: page.problems.append(f"console: {msg.text}") if msg.type == "error" else None,
    )
    yield page
    context.close()


def visible_image(page, selector: str) -> None:
    page.wait_for_function(
        """sel => { const i = document.querySelector(sel);
          return i && i.complete && i.naturalWidth > 0 && i.offsetParent !== null }""",
        arg=selector,
        timeout=30_000,
    )


def save_screenshot(page, name: str) -> None:
    """With UPDATE_SCREENSHOTS=1, refresh the README's pictures (the whole page in one view)."""
    if os.environ.get("UPDATE_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        height = page.evaluate("() => document.documentElement.scrollHeight")
        page.set_viewport_size({"width": 1280, "height": height})
        page.screenshot(path=str(SCREENSHOTS / name))


def test_ppl_page_generate_and_download(nginx, page, files):
    page.goto(nginx["ppl-gen"].url + "/ppl-gen/")
    page.wait_for_selector("#engine-note", state="visible")  # local preview engine is announced
    page.set_input_files("#character-input", str(files["character"]))
    page.set_input_files("#product-input", str(files["product"]))
    visible_image(page, "#character-preview")
    visible_image(page, "#product-preview")
    page.locator(".preset").first.click()
    assert page.input_value("#prompt")
    page.click("#generate")
    visible_image(page, "#result-image")
    assert page.get_attribute("#download", "download") == "generated-ppl-image.png"
    with page.expect_download() as info:
        page.click("#download")
    download = info.value
    assert download.suggested_filename == "generated-ppl-image.png"
    image = Image.open(io.BytesIO(Path(download.path()).read_bytes()))
    assert image.format == "PNG" and image.size == (1024, 1024)  # 1:1 is the page's default
    assert page.is_enabled("#generate")
    save_screenshot(page, "ppl-page.png")
    assert page.problems == []


def test_goods_page_with_a_chosen_kind(nginx, page, files):
    page.goto(nginx["goods-gen"].url + "/goods-gen/")
    page.wait_for_selector('.goods-card[data-goods-type="mug"]')
    page.click('.goods-card[data-goods-type="mug"]')
    assert page.is_checked('input[name="goods_type"][value="mug"]')
    page.set_input_files("#character-input", str(files["character"]))
    visible_image(page, "#character-preview")
    page.click("#generate")
    visible_image(page, "#result-image")
    size = page.evaluate(
        """() => { const i = document.querySelector('#result-image');
          return [i.naturalWidth, i.naturalHeight] }"""
    )
    assert size == [1024, 768]  # the mug's own 4:3
    with page.expect_download() as info:
        page.click("#download")
    assert info.value.suggested_filename == "generated-goods.png"
    save_screenshot(page, "goods-page.png")
    assert page.problems == []


def test_server_error_shows_message_and_request_id(nginx, page, files):
    page.goto(nginx["ppl-gen"].url + "/ppl-gen/")
    page.set_input_files("#character-input", str(files["character"]))
    page.set_input_files("#product-input", str(files["product"]))
    visible_image(page, "#product-preview")
    # A ratio the page never offers: only the server can refuse it.
    page.evaluate(
        """() => { const s = document.querySelector('#aspect-ratio');
          s.add(new Option('7:3', '7:3')); s.value = '7:3'; }"""
    )
    page.click("#generate")
    page.wait_for_selector("#error", state="visible")
    text = page.inner_text("#error")
    assert "aspect_ratio" in text and "요청 ID" in text


def test_phone_width_keeps_controls_reachable(nginx, browser):
    context = browser.new_context(viewport={"width": 375, "height": 812})
    page = context.new_page()
    page.goto(nginx["goods-gen"].url + "/goods-gen/")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 375  # no sideways scrolling
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement && document.activeElement.tagName")
    assert focused and focused != "BODY"
    context.close()


class SlowEngine:
    """The local engine, held back long enough to cancel or time out in the browser."""

    name = "local"

    def __init__(self, inner, delay: float) -> None:
        self.inner, self.delay = inner, delay

    def not_ready_reason(self):
        return None

    async def generate(self, params, images, ctx):
        await asyncio.sleep(self.delay)
        return await self.inner.generate(params, images, ctx)

    async def aclose(self):
        await self.inner.aclose()


@pytest.fixture(scope="module")
def slow_ppl(dist) -> Iterator[Nginx]:
    require("nginx")
    settings = PplSettings(ppl_engine="local", frontend_dir=dist / "ppl-gen")
    app = create_service_app(
        PPL_SPEC, settings, lambda r: SlowEngine(build_ppl_engine(r), delay=20)
    )
    with ServerThread(app) as backend:
        server = Nginx("ppl-gen", backend.port, dist)
        try:
            server.wait_ready()
            yield server
        finally:
            server.stop()


def start_slow_generation(page, server, files) -> None:
    page.goto(server.url + "/ppl-gen/")
    page.set_input_files("#character-input", str(files["character"]))
    page.set_input_files("#product-input", str(files["product"]))
    visible_image(page, "#product-preview")
    page.click("#generate")
    page.wait_for_selector("#cancel", state="visible")
    page.wait_for_selector("#progress", state="visible")
    assert page.is_disabled("#generate")


def test_cancel_stops_the_wait(slow_ppl, page, files):
    start_slow_generation(page, slow_ppl, files)
    page.wait_for_function(
        "() => parseInt(document.querySelector('#elapsed').textContent) >= 1", timeout=5000
    )
    assert "90" in page.inner_text("#expected")
    page.click("#cancel")
    page.wait_for_function("() => !document.querySelector('#generate').disabled", timeout=5000)
    assert page.is_hidden("#cancel")
    assert "취소" in page.inner_text("body")
    assert not page.is_visible("#result-image")


def test_client_limit_shows_the_timeout_message(slow_ppl, page, files):
    page.clock.install()
    start_slow_generation(page, slow_ppl, files)
    page.clock.fast_forward("03:01")
    page.wait_for_selector("#error", state="visible", timeout=5000)
    assert "이미지 생성 시간이 초과되었습니다" in page.inner_text("#error")
    assert page.is_enabled("#generate")
