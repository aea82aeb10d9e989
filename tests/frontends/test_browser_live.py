"""Live progress and goods sets in real Chromium, through the project's nginx.

The pages read ``POST .../generate`` as an event stream (``Accept: text/event-stream``) and
fall back to the plain answer; the goods page makes several kinds at once (at most three
requests at a time) and zips the results in the browser.  Backends run the local engines,
held at chosen points where a test needs a deterministic moment.
"""

from __future__ import annotations

import asyncio
import io
import json
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image

from goods_backend.main import SPEC as GOODS_SPEC
from goods_backend.main import build_engine as build_goods_engine
from goods_backend.settings import GoodsSettings
from ppl_backend.main import SPEC as PPL_SPEC
from ppl_backend.main import build_engine as build_ppl_engine
from ppl_backend.settings import PplSettings
from tests.frontends.conftest import Nginx, require
from tests.support import ServerThread, bottle_jpeg, character_png, png_bytes
from webtoon_core.app import create_service_app

TIMEOUT_MS = 30_000


# --- Fixtures ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("uploads-live")
    paths = {"character": folder / "character.png", "product": folder / "product.jpg"}
    paths["character"].write_bytes(character_png())
    paths["product"].write_bytes(bottle_jpeg())
    return paths


def new_page(browser, width: int = 1280, height: int = 900):
    context = browser.new_context(
        viewport={"width": width, "height": height}, accept_downloads=True, locale="ko-KR"
    )
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda exc: page.problems.append(f"pageerror: {exc}"))
    page.on(
        "console",
        lambda msg: page.problems.append(f"console: {msg.text}") if msg.type == "error" else None,
    )
    return context, page


@pytest.fixture
def page(browser):
    context, page = new_page(browser)
    yield page
    context.close()


async def wait_for(event: threading.Event) -> None:
    while not event.is_set():  # noqa: ASYNC110 - opened from the test thread
        await asyncio.sleep(0.02)


class StagedEngine:
    """The local engine, held twice: after the uploads are prepared, then after a provider-like
    ``submitted`` + ``progress(Pending, 0.4)``; the local engine then reports rendering/rendered."""

    name = "local"

    def __init__(self, inner) -> None:
        self.inner = inner
        self.after_prepared = threading.Event()
        self.after_progress = threading.Event()

    def not_ready_reason(self):
        return None

    async def generate(self, params, images, ctx):
        await wait_for(self.after_prepared)
        ctx.submitted("task-1")
        ctx.progress("Pending", 0.4)
        await wait_for(self.after_progress)
        return await self.inner.generate(params, images, ctx)

    async def aclose(self):
        await self.inner.aclose()


class CountingGate:
    """The local engine, held until the gate opens; counts generations entered and at once."""

    name = "local"

    def __init__(self, inner) -> None:
        self.inner = inner
        self.gate = threading.Event()
        self.entered = 0
        self.active = 0
        self.max_active = 0
        self.cancelled = 0

    def not_ready_reason(self):
        return None

    async def generate(self, params, images, ctx):
        self.entered += 1
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        try:
            await wait_for(self.gate)
            return await self.inner.generate(params, images, ctx)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        finally:
            self.active -= 1

    async def aclose(self):
        await self.inner.aclose()


def serve_behind_nginx(page_slug: str, app, dist: Path) -> Iterator[Nginx]:
    require("nginx")
    with ServerThread(app) as backend:
        server = Nginx(page_slug, backend.port, dist)
        try:
            server.wait_ready()
            yield server
        finally:
            server.stop()


@pytest.fixture
def staged_ppl(dist) -> Iterator[tuple[Nginx, list[StagedEngine]]]:
    engines: list[StagedEngine] = []

    def factory(resources):
        engines.append(StagedEngine(build_ppl_engine(resources)))
        return engines[-1]

    app = create_service_app(
        PPL_SPEC, PplSettings(ppl_engine="local", frontend_dir=dist / "ppl-gen"), factory
    )
    for server in serve_behind_nginx("ppl-gen", app, dist):
        yield server, engines
        for engine in engines:  # never leave a generation hanging at teardown
            engine.after_prepared.set()
            engine.after_progress.set()


@pytest.fixture
def gated_goods(dist):
    engines: list[CountingGate] = []

    def factory(resources):
        engines.append(CountingGate(build_goods_engine(resources)))
        return engines[-1]

    app = create_service_app(
        GOODS_SPEC, GoodsSettings(goods_engine="local", sse_heartbeat_s=1), factory
    )
    for server in serve_behind_nginx("goods-gen", app, dist):
        yield server, engines, app
        for engine in engines:
            engine.gate.set()


# --- Helpers ------------------------------------------------------------------------------


def visible_image(page, selector: str) -> None:
    page.wait_for_function(
        """sel => { const i = document.querySelector(sel);
          return i && i.complete && i.naturalWidth > 0 && i.offsetParent !== null }""",
        arg=selector,
        timeout=TIMEOUT_MS,
    )


def history_settled(page) -> None:
    """The page's last requests about a finished job are done (최근 작업 shows it finished, its
    thumbnail loaded): a test may stop the server now without the page seeing it gone."""
    page.wait_for_function(
        """() => { const i = document.querySelector(
             '#history-list .history-item:first-child[data-status=succeeded] img');
           return i && i.complete && i.naturalWidth > 0 }""",
        timeout=TIMEOUT_MS,
    )


def wait_until(condition: Callable[[], bool], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


# Every text ever put into an element (each textContent write adds a new text node).
RECORD_TEXTS = """
sel => {
  window.__texts = [];
  const target = document.querySelector(sel);
  new MutationObserver((records) => {
    for (const r of records) {
      for (const n of r.addedNodes) if (n.nodeType === 3) window.__texts.push(n.data);
    }
  }).observe(target, { childList: true });
}
"""


def recorded_texts(page) -> list[str]:
    texts = page.evaluate("() => window.__texts")
    return [t for i, t in enumerate(texts) if i == 0 or texts[i - 1] != t]


def open_ppl(page, url: str, files) -> None:
    page.goto(url + "/ppl-gen/")
    page.set_input_files("#character-input", str(files["character"]))
    page.set_input_files("#product-input", str(files["product"]))
    visible_image(page, "#character-preview")
    visible_image(page, "#product-preview")


def open_goods_set(page, url: str, files, kinds: list[str]) -> None:
    """Goods page in set mode with exactly ``kinds`` ticked."""
    page.goto(url + "/goods-gen/")
    page.wait_for_selector('.goods-card[data-goods-type="mug"]')
    page.set_input_files("#character-input", str(files["character"]))
    visible_image(page, "#character-preview")
    page.click("label.switch")
    assert page.is_checked("#set-mode")
    page.wait_for_selector(
        '#goods-types[role="group"] input[type="checkbox"][value="tshirt"]', state="attached"
    )
    for card in page.locator(".goods-card").all():
        kind = card.get_attribute("data-goods-type")
        if page.is_checked(f'.goods-card__input[value="{kind}"]') != (kind in kinds):
            card.click()
    checked = page.eval_on_selector_all(
        ".goods-card__input:checked", "els => els.map(e => e.value)"
    )
    assert sorted(checked) == sorted(kinds)


def card(kind: str) -> str:
    return f'#set-results .set-card[data-goods-type="{kind}"]'


def wait_for_cards(page, state: str, count: int) -> None:
    page.wait_for_function(
        """([state, count]) => document.querySelectorAll(
             `#set-results .set-card[data-state='${state}']`).length === count""",
        arg=[state, count],
        timeout=TIMEOUT_MS,
    )


def zip_names(download) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(Path(download.path()).read_bytes())) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


# --- PPL: live progress -----------------------------------------------------------------------


def test_ppl_stage_label_and_bar_follow_the_stream(staged_ppl, page, files):
    server, engines = staged_ppl
    open_ppl(page, server.url, files)
    page.evaluate(RECORD_TEXTS, "#progress-live")
    with (
        page.expect_response("**/api/ppl-gen/generate") as started,
        page.expect_response("**/api/ppl-gen/jobs/*/events") as followed,
    ):
        page.click("#generate")
    # The upload is answered with the job as soon as it is read (202), then the job's own
    # events drive the stages.
    assert started.value.status == 202
    assert started.value.request.headers["prefer"] == "respond-async"
    assert followed.value.headers["content-type"].startswith("text/event-stream")

    # Held after the uploads were prepared.
    page.wait_for_function(
        "() => document.querySelector('#progress-text').textContent === '이미지 준비 완료'",
        timeout=TIMEOUT_MS,
    )
    assert 6 <= page.eval_on_selector("#progress-bar", "el => el.value") < 40
    assert page.inner_text("#progress-live") == "이미지 준비 완료"
    assert page.is_visible("#cancel") and page.is_disabled("#generate")

    # Held after submitted + progress(Pending, 0.4): the provider's own fraction drives the bar.
    engines[0].after_prepared.set()
    page.wait_for_function(
        "() => document.querySelector('#progress-text').textContent === '생성 중 40%'",
        timeout=TIMEOUT_MS,
    )
    assert page.eval_on_selector("#progress-bar", "el => el.value") == 40
    assert "생성 중 40%" in page.get_attribute("#progress-bar", "aria-valuetext")

    engines[0].after_progress.set()
    visible_image(page, "#result-image")
    assert page.eval_on_selector("#progress-bar", "el => el.value") == 100
    assert page.inner_text("#progress-live") == "완료"
    assert page.inner_text("#result-meta").startswith("완료")
    assert page.get_attribute("#download", "download") == "generated-ppl-image.png"

    # Stage changes were announced in order (percent updates are not announcements).
    announced = recorded_texts(page)
    # (The held engine reports its own submitted/progress, then the local engine its own.)
    expected = ["이미지를 만들고 있어요", "접수됨", "이미지 준비 완료", "생성 요청 전송",
                "생성 중 40%", "생성 요청 전송", "미리보기 렌더링 0%", "미리보기 렌더링 완료",
                "완료"]  # fmt: skip
    assert [t for t in announced if t in expected] == expected, announced
    assert page.problems == []


def test_goods_label_passes_through_every_stage_on_the_local_engine(nginx, page, files):
    page.goto(nginx["goods-gen"].url + "/goods-gen/")
    page.set_input_files("#character-input", str(files["character"]))
    visible_image(page, "#character-preview")
    page.evaluate(RECORD_TEXTS, "#progress-text")
    page.click("#generate")
    visible_image(page, "#result-image")
    labels = recorded_texts(page)
    for label in ("접수됨", "이미지 준비 완료", "생성 요청 전송", "미리보기 렌더링 0%", "완료"):
        assert label in labels, labels
    assert labels.index("접수됨") < labels.index("생성 요청 전송") < labels.index("완료")
    assert page.eval_on_selector("#progress-bar", "el => el.value") == 100
    assert page.get_attribute("#download", "download") == "generated-goods.png"
    assert page.problems == []


def test_a_refusal_before_the_stream_shows_the_korean_message_and_request_id(nginx, page, files):
    open_ppl(page, nginx["ppl-gen"].url, files)
    page.evaluate(
        """() => { const s = document.querySelector('#aspect-ratio');
          s.add(new Option('7:3', '7:3')); s.value = '7:3'; }"""
    )
    with page.expect_response("**/api/ppl-gen/generate") as info:
        page.click("#generate")
    # Refused before any stream starts: the real status and the JSON error, not an event.
    assert info.value.status == 422
    assert info.value.headers["content-type"].startswith("application/json")
    page.wait_for_selector("#error", state="visible")
    text = page.inner_text("#error")
    assert "aspect_ratio" in text and "요청 ID: " in text
    assert page.is_enabled("#generate") and page.is_hidden("#progress")


def test_cancel_during_the_stream_stops_the_server_side_wait(gated_goods, page, files):
    server, engines, app = gated_goods
    page.goto(server.url + "/goods-gen/")
    page.set_input_files("#character-input", str(files["character"]))
    visible_image(page, "#character-preview")
    page.click("#generate")
    wait_until(lambda: engines[0].entered == 1)
    page.click("#cancel")
    page.wait_for_selector("#error", state="visible")
    assert "취소" in page.inner_text("#error")
    wait_until(lambda: engines[0].cancelled == 1 and app.state.runner.active == 0)


# --- Fallback: no event stream --------------------------------------------------------------


def test_plain_image_answer_still_shows_the_result(nginx, page, files):
    prefer: list[str] = []
    image = png_bytes((320, 240))

    def plain(route):
        prefer.append(route.request.headers.get("prefer", ""))
        route.fulfill(
            status=200, content_type="image/png", body=image, headers={"X-Request-ID": "plain-1"}
        )

    page.route("**/api/ppl-gen/generate", plain)
    open_ppl(page, nginx["ppl-gen"].url, files)
    page.click("#generate")
    visible_image(page, "#result-image")
    assert prefer == ["respond-async"]  # it asked for a job, and coped with the image itself
    size = page.evaluate(
        """() => { const i = document.querySelector('#result-image');
          return [i.naturalWidth, i.naturalHeight] }"""
    )
    assert size == [320, 240]
    assert page.get_attribute("#download", "download") == "generated-ppl-image.png"
    assert page.eval_on_selector("#progress-bar", "el => el.value") == 100
    assert page.is_enabled("#generate")


def test_plain_json_error_shows_message_and_request_id(nginx, page, files):
    body = {
        "error": {
            "code": "CONTENT_MODERATED",
            "message": "안전성 검사에서 차단되었습니다.",
            "request_id": "req-json-1",
        }
    }
    page.route(
        "**/api/ppl-gen/generate",
        lambda route: route.fulfill(
            status=422, content_type="application/json", body=json.dumps(body, ensure_ascii=False)
        ),
    )
    open_ppl(page, nginx["ppl-gen"].url, files)
    page.click("#generate")
    page.wait_for_selector("#error", state="visible")
    text = page.inner_text("#error")
    assert "안전성 검사에서 차단되었습니다." in text and "요청 ID: req-json-1" in text


def test_proxy_html_error_page_gets_a_korean_message(nginx, page, files):
    page.route(
        "**/api/ppl-gen/generate",
        lambda route: route.fulfill(
            status=502, content_type="text/html", body="<html><body>Bad Gateway</body></html>"
        ),
    )
    open_ppl(page, nginx["ppl-gen"].url, files)
    page.click("#generate")
    page.wait_for_selector("#error", state="visible")
    assert "서버에서 이미지를 만들지 못했습니다 (HTTP 502)" in page.inner_text("#error")


def test_without_the_prefer_header_the_server_answers_bytes_and_the_page_copes(nginx, page, files):
    def drop_accept(route):
        dropped = ("accept", "prefer")
        headers = {k: v for k, v in route.request.headers.items() if k.lower() not in dropped}
        route.continue_(headers=headers)

    page.route("**/api/ppl-gen/generate", drop_accept)
    open_ppl(page, nginx["ppl-gen"].url, files)
    with page.expect_response("**/api/ppl-gen/generate") as info:
        page.click("#generate")
    assert info.value.headers["content-type"] == "image/png"  # the plain answer, not a job
    visible_image(page, "#result-image")
    assert page.inner_text("#result-meta").startswith("완료")
    assert page.problems == []


# --- Goods sets ---------------------------------------------------------------------------------


def test_goods_set_of_three_and_its_zip(nginx, page, files):
    kinds = ["tshirt", "mug", "sticker"]
    open_goods_set(page, nginx["goods-gen"].url, files, kinds)
    assert page.inner_text("#generate") == "3개 한 번에 생성하기"
    page.click("#generate")
    wait_for_cards(page, "done", 3)
    for kind in kinds:
        visible_image(page, f"{card(kind)} .set-card__image")
        assert (
            page.get_attribute(f"{card(kind)} .set-download", "download")
            == f"generated-goods-{kind}.png"
        )
    assert page.is_hidden("#result") and page.is_hidden("#result-empty")
    assert "3개 중 3개 완료" in page.inner_text("#set-summary")
    assert page.is_enabled("#generate") and page.is_hidden("#set-cancel")

    with page.expect_download() as info:
        page.click("#download-zip")
    assert info.value.suggested_filename == "generated-goods-set.zip"
    contents = zip_names(info.value)
    assert set(contents) == {f"generated-goods-{kind}.png" for kind in kinds}
    sizes = {name: Image.open(io.BytesIO(data)).size for name, data in contents.items()}
    assert sizes["generated-goods-mug.png"] == (1024, 768)  # each kind keeps its own ratio
    for data in contents.values():
        assert Image.open(io.BytesIO(data)).format == "PNG"

    with page.expect_download() as one:
        page.click(f"{card('sticker')} .set-download")
    assert one.value.suggested_filename == "generated-goods-sticker.png"
    assert page.problems == []


def test_at_most_three_requests_in_flight(gated_goods, page, files):
    server, engines, _ = gated_goods
    kinds = ["tshirt", "mug", "sticker", "badge", "poster"]
    open_goods_set(page, server.url, files, kinds)
    page.click("#generate")
    wait_until(lambda: engines[0].entered == 3)
    wait_for_cards(page, "running", 3)
    wait_for_cards(page, "queued", 2)
    time.sleep(1.0)  # held: nothing finishes, so nothing more may start
    assert engines[0].entered == 3 and engines[0].active == 3
    assert page.is_visible("#set-cancel") and page.is_disabled("#generate")
    assert page.is_disabled("#set-mode")  # no switching modes mid-set
    engines[0].gate.set()
    wait_for_cards(page, "done", 5)
    assert engines[0].entered == 5
    assert engines[0].max_active == 3
    assert "5개 중 5개 완료" in page.inner_text("#set-summary")
    assert page.inner_text("#zip-count") == "(5개)"
    assert page.problems == []


def test_cancel_all_stops_running_and_queued_kinds(gated_goods, page, files):
    server, engines, app = gated_goods
    open_goods_set(page, server.url, files, ["tshirt", "mug", "sticker", "badge"])
    page.click("#generate")
    wait_until(lambda: engines[0].entered == 3)
    page.click("#set-cancel")
    wait_for_cards(page, "cancelled", 4)
    assert page.is_enabled("#generate") and page.is_hidden("#download-zip")
    assert page.locator("#set-results .set-retry:visible").count() == 4
    wait_until(lambda: app.state.runner.active == 0)  # the aborted streams ended the server's waits
    assert engines[0].entered == 3  # the queued one was never sent


def fail_kind_once(kind: str, failed: list[str] | None = None):
    """A route handler for the goods generate POST: the first request for ``kind`` is refused
    before any job exists (the service's own JSON error, request ID req-<kind>-1; noted in
    ``failed``); every other request goes through."""
    failed = [] if failed is None else failed

    def handle(route) -> None:
        body = route.request.post_data_buffer or b""
        if f'name="goods_type"\r\n\r\n{kind}\r\n'.encode() in body and not failed:
            failed.append(kind)
            error = {
                "code": "CONTENT_MODERATED",
                "message": "안전성 검사에서 차단되었습니다. 설정을 바꿔 다시 시도해 주세요.",
                "request_id": f"req-{kind}-1",
            }
            route.fulfill(
                status=422,
                content_type="application/json",
                body=json.dumps({"error": error}, ensure_ascii=False).encode(),
            )
        else:
            route.continue_()

    return handle


def test_failed_kind_can_be_retried(nginx, page, files):
    page.route("**/api/goods-gen/generate", fail_kind_once("mug"))
    open_goods_set(page, nginx["goods-gen"].url, files, ["tshirt", "mug", "sticker"])
    page.click("#generate")
    page.wait_for_selector(f'{card("mug")}[data-state="failed"]', timeout=TIMEOUT_MS)
    wait_for_cards(page, "done", 2)
    error = page.inner_text(f"{card('mug')} .set-card__error")
    assert "안전성 검사에서 차단되었습니다" in error and "요청 ID: req-mug-1" in error
    assert "실패 1개" in page.inner_text("#set-summary")
    assert page.is_visible("#download-zip") and page.inner_text("#zip-count") == "(2개)"
    assert page.is_hidden(f"{card('tshirt')} .set-retry")

    page.click(f"{card('mug')} .set-retry")
    wait_for_cards(page, "done", 3)
    visible_image(page, f"{card('mug')} .set-card__image")
    assert page.is_hidden(f"{card('mug')} .set-card__error")
    with page.expect_download() as info:
        page.click("#download-zip")
    assert set(zip_names(info.value)) == {
        f"generated-goods-{k}.png" for k in ("tshirt", "mug", "sticker")
    }


def test_set_mode_by_keyboard_and_back_to_one_kind(nginx, page):
    page.goto(nginx["goods-gen"].url + "/goods-gen/")
    page.wait_for_selector('.goods-card[data-goods-type="mug"]')
    page.focus("#set-mode")
    page.keyboard.press("Space")
    assert page.is_checked("#set-mode")
    assert page.get_attribute("#goods-types", "role") == "group"
    assert page.is_visible("#set-results") and page.is_visible("#kind-status")
    page.focus('.goods-card__input[value="mug"]')
    page.keyboard.press("Space")
    assert page.is_checked('.goods-card__input[value="mug"]') and page.is_checked(
        '.goods-card__input[value="tshirt"]'
    )
    assert "2개 선택됨" in page.inner_text("#kind-status")
    page.focus("#set-mode")
    page.keyboard.press("Space")  # back to one kind: radios again, one kept
    assert page.get_attribute("#goods-types", "role") == "radiogroup"
    assert page.locator('.goods-card__input[type="radio"]:checked').count() == 1
    assert page.is_hidden("#set-results") and page.inner_text("#generate") == "이미지 생성하기"


def test_goods_set_at_phone_width(nginx, browser, files):
    context, page = new_page(browser, width=375, height=812)
    try:
        open_goods_set(page, nginx["goods-gen"].url, files, ["tshirt", "mug", "sticker"])
        page.click("#generate")
        wait_for_cards(page, "done", 3)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
        for selector in ("#download-zip", f"{card('mug')} .set-download"):
            box = page.locator(selector).bounding_box()
            assert box and box["height"] >= 40 and box["x"] >= 0 and box["x"] + box["width"] <= 375
        assert page.problems == []
    finally:
        context.close()


# --- The real engines, against fake providers on 127.0.0.1 ---------------------------------


def test_goods_page_shows_bfl_progress_from_the_provider(dist, page, files):
    from goods_backend.main import create_app as create_goods
    from tests.goods.fake_bfl import FakeBfl
    from tests.support import CANARY_TOKEN, serve

    fake = FakeBfl(ready_after_polls=5)  # Pending with progress 0.1, 0.2, 0.3, 0.4, then Ready
    with serve(fake.app()) as provider:
        settings = GoodsSettings(
            goods_engine="bfl", bfl_api_key=CANARY_TOKEN, bfl_base_url=provider.url,
            bfl_poll_interval_s=0.3, result_hosts=(provider.url,),
        )  # fmt: skip
        for server in serve_behind_nginx("goods-gen", create_goods(settings), dist):
            page.goto(server.url + "/goods-gen/")
            page.wait_for_selector("#engine-note", state="hidden")  # a real engine: no preview note
            page.set_input_files("#character-input", str(files["character"]))
            visible_image(page, "#character-preview")
            page.evaluate(RECORD_TEXTS, "#progress-text")
            page.click("#generate")
            visible_image(page, "#result-image")
            history_settled(page)
    labels = recorded_texts(page)
    provider_steps = [t for t in labels if t.startswith("생성 중") and t.endswith("%")]
    assert provider_steps[:2] == ["생성 중 10%", "생성 중 20%"], labels  # BFL's own fractions
    assert labels[-1] == "완료"
    assert page.problems == []


def test_ppl_page_shows_replicate_status_from_the_provider(dist, page, files):
    from ppl_backend.main import create_app as create_ppl
    from tests.ppl.fake_replicate import Behaviour, fake_replicate
    from tests.support import CANARY_TOKEN, serve

    behaviour = Behaviour(mode="succeed", polls_before_done=4)
    with serve(fake_replicate(behaviour)) as provider:
        settings = PplSettings(
            ppl_engine="replicate", replicate_api_token=CANARY_TOKEN,
            replicate_base_url=provider.url, replicate_poll_interval_s=0.3,
            result_hosts=(provider.url,),
        )  # fmt: skip
        for server in serve_behind_nginx("ppl-gen", create_ppl(settings), dist):
            open_ppl(page, server.url, files)
            page.evaluate(RECORD_TEXTS, "#progress-text")
            page.click("#generate")
            visible_image(page, "#result-image")
            history_settled(page)
    labels = recorded_texts(page)
    assert "시작 중" in labels and any(t.startswith("생성 중") for t in labels), labels
    assert labels.index("시작 중") < labels.index("완료")
    assert behaviour.polls == 4
    assert page.problems == []


def test_the_goods_page_says_what_a_set_will_cost_before_it_starts(dist, page, files):
    from goods_backend.main import create_app as create_goods
    from tests.goods.fake_bfl import FakeBfl
    from tests.support import CANARY_TOKEN, serve

    with serve(FakeBfl().app()) as provider:
        settings = GoodsSettings(
            goods_engine="bfl", bfl_api_key=CANARY_TOKEN, bfl_base_url=provider.url,
            result_hosts=(provider.url,),
        )  # fmt: skip
        for server in serve_behind_nginx("goods-gen", create_goods(settings), dist):
            open_goods_set(page, server.url, files, ["mug", "tshirt", "sticker"])
            page.wait_for_selector("#price-note", state="visible")
            assert page.inner_text("#price-note") == "예상 비용: 이미지 1장에 약 $0.08"
            assert page.inner_text("#kind-status").endswith(
                "3개 선택됨 · 최대 6개 · 예상 비용 약 $0.24"
            )
    assert page.problems == []


def test_the_local_preview_shows_no_price(nginx, page, files):
    page.goto(nginx["goods-gen"].url + "/goods-gen/")
    page.wait_for_selector("#engine-note", state="visible")
    assert page.is_hidden("#price-note")
