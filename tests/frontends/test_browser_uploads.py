"""Pictures in, on any line: upload progress, the service's own refusals, every kind of file,
paste, samples, the service down. Both ways the product runs, where it matters."""

from __future__ import annotations

import asyncio
import io
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from frontends.samples import SAMPLES
from goods_backend.main import create_app as create_goods
from goods_backend.settings import GoodsSettings
from ppl_backend.main import SPEC as PPL_SPEC
from ppl_backend.main import build_engine as build_ppl_engine
from ppl_backend.main import create_app as create_ppl
from ppl_backend.settings import PplSettings
from tests.frontends.conftest import Nginx, require
from tests.frontends.pages import (
    RECORD_TEXTS,
    TIMEOUT_MS,
    image_file,
    new_page,
    noisy_png,
    open_page,
    recorded_texts,
    throttle_upload,
    visible_image,
)
from tests.support import ServerThread, free_port
from webtoon_core.app import create_service_app
from webtoon_core.errors import UploadTimeout

NETWORK_BLAME = "네트워크 연결을 확인"  # what the page used to say for everything
SERVICE_DOWN = "이미지 생성 서비스에 연결할 수 없습니다"


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pictures")


def upload_ppl(page, folder: Path, noisy: bool = False) -> None:
    if noisy:
        page.set_input_files("#character-input", str(noisy_png(folder, "character.png", 560)))
        page.set_input_files("#product-input", str(noisy_png(folder, "product.png", 560)))
    else:
        page.click('.sample[data-slot="character"][data-sample="haru"]')
        page.click('.sample[data-slot="product"][data-sample="can"]')
    visible_image(page, "#character-preview")
    visible_image(page, "#product-preview")


# --- 5. A slow upload shows as an upload, with its real progress --------------------------------


def test_a_slow_upload_shows_its_real_progress_before_any_generating(served, browser, folder):
    page = new_page(browser)
    try:
        open_page(page, served["ppl-gen"], "ppl-gen")
        upload_ppl(page, folder, noisy=True)
        sent: list[dict[str, str]] = []
        page.on(
            "request",
            lambda r: sent.append(r.headers) if r.url.endswith("/generate") else None,
        )
        page.evaluate(RECORD_TEXTS, "#progress-text")
        bars: list[float] = []
        page.expose_function("__bar", lambda v: bars.append(v))
        page.evaluate(
            """() => { const bar = document.querySelector('#progress-bar');
                 new MutationObserver(() => window.__bar(bar.value))
                   .observe(bar, { attributes: true }); }"""
        )
        throttle_upload(page, 120_000)  # ~120 KB/s: about five seconds for the two pictures
        page.click("#generate")
        visible_image(page, "#result-image", timeout=60_000)
        texts = recorded_texts(page)
        uploading = [t for t in texts if t.startswith("이미지 올리는 중")]
        percents = [int(m.group(1)) for t in uploading if (m := re.search(r"(\d+)%", t))]
        assert len(set(percents)) >= 3, texts  # real progress, not one label
        assert percents == sorted(percents) and percents[-1] >= 90, percents
        assert re.search(r"\(\d+KB / \d+KB\)", uploading[-1]), uploading
        # Nothing says "generating" while the pictures are still going.
        first_upload = texts.index(uploading[0])
        last_upload = texts.index(uploading[-1])
        assert all(
            not t.startswith(("이미지를 만들고", "생성", "미리보기"))
            for t in texts[first_upload:last_upload]
        )
        assert texts.index("접수됨") > last_upload, texts
        assert max(bars) >= 90 and len(bars) >= 3
        assert sent and sent[0].get("prefer") == "respond-async"
        assert page.problems == []
    finally:
        page.context.close()


@pytest.fixture(scope="module")
def impatient_ppl(dist) -> Iterator[ServerThread]:
    """The PPL service as `make run` runs it, giving up on an upload after one second."""
    app = create_ppl(
        PplSettings(ppl_engine="local", frontend_dir=dist / "ppl-gen", upload_timeout_s=1.0)
    )
    with ServerThread(app) as server:
        yield server


def test_the_services_upload_timeout_is_told_in_its_own_words(impatient_ppl, browser, folder):
    page = new_page(browser)
    try:
        open_page(page, impatient_ppl.url, "ppl-gen")
        upload_ppl(page, folder, noisy=True)
        throttle_upload(page, 60_000)
        page.click("#generate")
        page.wait_for_selector("#error", state="visible", timeout=60_000)
        text = page.inner_text("#error")
        assert UploadTimeout.message in text and "요청 ID" in text, text
        assert SERVICE_DOWN not in text
        assert page.is_enabled("#generate")
    finally:
        page.context.close()


def test_cancel_during_the_upload_stops_it_at_once(served, browser, folder):
    page = new_page(browser)
    try:
        open_page(page, served["ppl-gen"], "ppl-gen")
        upload_ppl(page, folder, noisy=True)
        throttle_upload(page, 40_000)
        page.click("#generate")
        page.wait_for_function(
            """() => /이미지 올리는 중 \\d+%/
                 .test(document.querySelector('#progress-text').textContent)"""
        )
        page.click("#cancel")
        page.wait_for_function("() => !document.querySelector('#generate').disabled", timeout=1500)
        assert "취소" in page.inner_text("#error")
    finally:
        page.context.close()


# --- 11. The service down is not "your network" ---------------------------------------------------


def test_with_the_backend_down_make_run_says_the_service_is_unavailable(dist, browser):
    app = create_ppl(PplSettings(ppl_engine="local", frontend_dir=dist / "ppl-gen"))
    server = ServerThread(app).__enter__()
    page = new_page(browser)
    try:
        open_page(page, server.url, "ppl-gen")
        upload_ppl(page, Path())
        server.__exit__(None, None, None)  # the service stops; the page stays
        page.click("#generate")
        page.wait_for_selector("#error", state="visible", timeout=TIMEOUT_MS)
        text = page.inner_text("#error")
        assert SERVICE_DOWN in text and NETWORK_BLAME not in text, text
    finally:
        page.context.close()
        server.__exit__(None, None, None)


def test_with_the_backend_down_behind_nginx_the_proxy_says_so(dist, browser):
    require("nginx")
    server = Nginx("goods-gen", free_port(), dist)  # nothing listens on the backend's port
    page = new_page(browser)
    try:
        server.wait_ready()
        open_page(page, server.url, "goods-gen")
        page.click('.sample[data-slot="character"][data-sample="tori"]')
        visible_image(page, "#character-preview")
        page.click("#generate")
        page.wait_for_selector("#error", state="visible", timeout=TIMEOUT_MS)
        text = page.inner_text("#error")
        assert "이미지 생성 서버에 연결할 수 없습니다" in text and NETWORK_BLAME not in text, text
    finally:
        page.context.close()
        server.stop()


def test_offline_is_said_as_offline(served, browser):
    page = new_page(browser)
    try:
        open_page(page, served["ppl-gen"], "ppl-gen")
        upload_ppl(page, Path())
        page.context.set_offline(True)
        page.click("#generate")
        page.wait_for_selector("#error", state="visible", timeout=TIMEOUT_MS)
        assert "인터넷에 연결되어 있지 않습니다" in page.inner_text("#error")
    finally:
        page.context.close()


# --- 7. Any picture the browser opens; a non-picture is told so -----------------------------------


RECORD_FORMS = """() => {
  window.__forms = [];
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (body) {
    if (body instanceof FormData) {
      window.__forms.push(Array.from(body.entries(), ([name, value]) =>
        typeof value === "string" ? [name, value] : [name, value.name, value.type, value.size]));
    }
    return send.call(this, body);
  };
}"""


def test_webp_with_transparency_is_taken_and_sent_as_png(served, browser, folder):
    webp = image_file(folder, "character.webp", "WEBP", colour=(40, 120, 220, 255), lossless=True)
    page = new_page(browser)
    try:
        open_page(page, served["goods-gen"], "goods-gen")
        page.evaluate(RECORD_FORMS)
        page.set_input_files("#character-input", str(webp))
        visible_image(page, "#character-preview")
        assert "480×640" in page.inner_text("#character-hint")
        page.click("#generate")
        visible_image(page, "#result-image")
        (form,) = page.evaluate("() => window.__forms")
        files = [part for part in form if len(part) == 4]
        # Redrawn as PNG (transparency kept), not the WebP itself: the service takes it.
        assert files == [["input_image", "character.png", "image/png", files[0][3]]], form
    finally:
        page.context.close()


def test_a_gif_gives_its_first_frame(served, browser, folder):
    frames = [Image.new("RGB", (200, 260), colour) for colour in ((230, 30, 30), (30, 30, 230))]
    path = folder / "wave.gif"
    frames[0].save(
        path, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0
    )
    page = new_page(browser)
    try:
        open_page(page, served["ppl-gen"], "ppl-gen")
        page.set_input_files("#character-input", str(path))
        visible_image(page, "#character-preview")
        centre = page.evaluate(
            """() => { const img = document.querySelector('#character-preview');
              const c = document.createElement('canvas');
              c.width = img.naturalWidth; c.height = img.naturalHeight;
              const g = c.getContext('2d'); g.drawImage(img, 0, 0);
              const centre = g.getImageData(c.width / 2, c.height / 2, 1, 1);
              return Array.from(centre.data.slice(0, 3)); }"""
        )
        assert centre[0] > 180 and centre[2] < 80, centre  # red: the first frame
    finally:
        page.context.close()


def test_a_heic_the_browser_cannot_open_is_told_by_name(served, browser, folder):
    heic = folder / "IMG_0001.HEIC"
    heic.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 400)
    page = new_page(browser)
    try:
        open_page(page, served["goods-gen"], "goods-gen")
        page.set_input_files("#character-input", str(heic))
        page.wait_for_function(
            "() => document.querySelector('#character-hint').classList.contains('is-error')"
        )
        hint = page.inner_text("#character-hint")
        assert "HEIC" in hint and "JPEG" in hint, hint
        assert page.get_attribute("#character-input", "aria-invalid") == "true"
        assert "HEIC" in page.inner_text("#form-alert")
    finally:
        page.context.close()


@pytest.mark.parametrize(
    ("name", "data", "mime"),
    [
        ("notes.txt", b"this is not an image at all", "text/plain"),
        ("notes.png", b"this is not an image at all", "image/png"),
        ("report.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "application/pdf"),
    ],
)
def test_a_file_that_is_not_a_picture_is_told_so(served, browser, name, data, mime):
    page = new_page(browser)
    try:
        open_page(page, served["ppl-gen"], "ppl-gen")
        page.set_input_files(
            "#character-input", files=[{"name": name, "mimeType": mime, "buffer": data}]
        )
        page.wait_for_function(
            "() => document.querySelector('#character-hint').classList.contains('is-error')"
        )
        hint = page.inner_text("#character-hint")
        assert "이미지 파일이 아닙니다" in hint and "PNG 또는 JPEG" not in hint, hint
        assert "이미지 파일이 아닙니다" in page.inner_text("#form-alert")
        assert page.get_attribute("#character-input", "aria-invalid") == "true"
    finally:
        page.context.close()


def test_a_picture_pasted_from_the_clipboard_fills_the_empty_zone(served, browser):
    page = new_page(browser)
    try:
        page.context.grant_permissions(
            ["clipboard-read", "clipboard-write"], origin=served["ppl-gen"]
        )
        open_page(page, served["ppl-gen"], "ppl-gen")
        page.click('.sample[data-slot="character"][data-sample="tori"]')
        visible_image(page, "#character-preview")
        page.evaluate(
            """async () => {
              const c = document.createElement('canvas'); c.width = 300; c.height = 420;
              const g = c.getContext('2d'); g.fillStyle = '#3a6'; g.fillRect(40, 40, 220, 340);
              const blob = await new Promise((done) => c.toBlob(done, 'image/png'));
              await navigator.clipboard.write([new ClipboardItem({ 'image/png': blob })]);
            }"""
        )
        page.click("h1")
        page.keyboard.press("Control+V")
        visible_image(page, "#product-preview")  # the zone still empty
        assert page.inner_text("#product-hint").startswith("붙여 넣은 이미지 · 300×420")
        assert "예시" in page.inner_text("#character-hint")  # the filled one kept its picture
        # Text pasted into the prompt stays text.
        page.evaluate("() => navigator.clipboard.writeText('A new scene')")
        page.fill("#prompt", "")
        page.focus("#prompt")
        page.keyboard.press("Control+V")
        assert page.input_value("#prompt") == "A new scene"
        page.click("#generate")
        visible_image(page, "#result-image")
    finally:
        page.context.close()


# --- 8. Samples, one click away ------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["ppl-gen", "goods-gen"])
def test_samples_make_a_result_without_ones_own_pictures(served, browser, slug):
    page = new_page(browser)
    try:
        open_page(page, served[slug], slug)
        buttons = page.locator(".sample")
        expected = [s for s in SAMPLES if slug == "ppl-gen" or s.slot == "character"]
        assert buttons.count() == len(expected)
        for sample in expected:  # each one named for a screen reader, its picture loaded
            button = page.locator(
                f'.sample[data-slot="{sample.slot}"][data-sample="{sample.name}"]'
            )
            assert sample.label in button.inner_text()
            visible_image(page, f'.sample[data-sample="{sample.name}"] img')
        page.click('.sample[data-slot="character"][data-sample="minjun"]')
        if slug == "ppl-gen":
            page.click('.sample[data-slot="product"][data-sample="snack"]')
            visible_image(page, "#product-preview")
        visible_image(page, "#character-preview")
        assert page.inner_text("#character-hint").startswith("예시: 민준")
        assert page.get_attribute('.sample[data-sample="minjun"]', "aria-pressed") == "true"
        page.click("#generate")
        visible_image(page, "#result-image")
        assert page.problems == []
    finally:
        page.context.close()


def test_sample_pictures_are_small_and_drawn_for_the_product():
    from frontends import samples

    for sample in SAMPLES:
        path = samples.OUT / sample.file
        assert path.is_file(), path
        assert path.stat().st_size < 30 * 1024, (path, path.stat().st_size)
        image = Image.open(io.BytesIO(path.read_bytes()))
        if sample.slot == "character":  # characters on real transparency
            assert image.format == "PNG"
            alpha = image.convert("RGBA").getchannel("A")
            assert alpha.getextrema() == (0, 255)
        else:
            assert image.format == "JPEG"


def test_the_sample_drawings_are_what_is_committed(tmp_path):
    """``python -m frontends.samples`` redraws them: the same pictures (the committed files
    are the drawings', not anything from elsewhere)."""
    from frontends import samples

    for path in samples.write(tmp_path):
        drawn = Image.open(path).convert("RGBA")
        committed = Image.open(samples.OUT / path.name).convert("RGBA")
        assert drawn.size == committed.size
        difference = sum(
            abs(a - b) for a, b in zip(drawn.tobytes(), committed.tobytes(), strict=True)
        ) / len(drawn.tobytes())
        assert difference < 2, (path.name, difference)


# --- 10. No leave warning: jobs are kept --------------------------------------------------------


class HeldEngine:
    name = "local"

    def __init__(self, inner) -> None:
        self.inner = inner
        self.release = threading.Event()

    def not_ready_reason(self):
        return None

    async def generate(self, params, images, ctx):
        while not self.release.is_set():  # noqa: ASYNC110 - set from the test thread
            await asyncio.sleep(0.02)
        return await self.inner.generate(params, images, ctx)

    async def aclose(self):
        await self.inner.aclose()


def test_leaving_mid_generation_asks_nothing(dist, browser):
    engines: list[HeldEngine] = []

    def factory(resources):
        engines.append(HeldEngine(build_ppl_engine(resources)))
        return engines[-1]

    settings = PplSettings(ppl_engine="local", frontend_dir=dist / "ppl-gen")
    with ServerThread(create_service_app(PPL_SPEC, settings, factory)) as server:
        page = new_page(browser)
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.type), d.dismiss()))
        try:
            open_page(page, server.url, "ppl-gen")
            upload_ppl(page, Path())
            page.click("#generate")
            page.wait_for_function("() => new URLSearchParams(location.search).get('job')")
            page.goto("about:blank")
            assert dialogs == []
        finally:
            engines[0].release.set()
            page.context.close()


def test_goods_make_run_backend_serves_the_converted_pictures(dist):
    """The service itself still takes PNG and JPEG only: the page's conversion is what lets
    WebP through (a WebP sent as it is is refused)."""
    import httpx

    app = create_goods(GoodsSettings(goods_engine="local", frontend_dir=dist / "goods-gen"))
    webp = io.BytesIO()
    Image.new("RGB", (200, 200), (200, 40, 40)).save(webp, format="WEBP")
    with ServerThread(app) as server:
        refused = httpx.post(
            server.url + "/api/goods-gen/generate",
            data={"goods_type": "mug"},
            files={"input_image": ("c.webp", webp.getvalue(), "image/webp")},
        )
    assert refused.status_code == 415
