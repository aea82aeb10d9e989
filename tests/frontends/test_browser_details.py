"""The goods set's details and the seed field, in real Chromium: where the focus goes after
[모두 취소] and a card's [다시 시도], the single result after leaving set mode, a thumbnail
opened large, and letters refused from the seed with a word said.

Each runs the way where it matters: the result followed again goes through the API both ways
(``served``); the zoomed image is a blob: URL under nginx's CSP; the rest behind one of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from goods_backend.main import SPEC as GOODS_SPEC
from goods_backend.main import build_engine as build_goods_engine
from goods_backend.settings import GoodsSettings
from tests.frontends.pages import (
    PHONE,
    RECORD_TEXTS,
    TIMEOUT_MS,
    active_id,
    new_page,
    open_page,
    recorded_texts,
    visible_image,
)
from tests.frontends.test_browser_focus import dropped, focused_clear_of_the_bar, no_body_focus
from tests.frontends.test_browser_live import (
    CountingGate,
    card,
    fail_kind_once,
    serve_behind_nginx,
    wait_for_cards,
    wait_until,
)
from webtoon_core.app import create_service_app

SLUG = "goods-gen"
API = f"/api/{SLUG}"
SEED_LETTERS = "시드에는 숫자(0~9)만 넣을 수 있어요."


@pytest.fixture
def gated_goods(dist) -> Iterator[tuple[str, list[CountingGate]]]:
    """The goods service behind nginx, its local engine held until a test opens the gate."""
    engines: list[CountingGate] = []

    def factory(resources: Any) -> CountingGate:
        engines.append(CountingGate(build_goods_engine(resources)))
        return engines[-1]

    app = create_service_app(
        GOODS_SPEC, GoodsSettings(goods_engine="local", sse_heartbeat_s=1), factory
    )
    for server in serve_behind_nginx(SLUG, app, dist):
        yield server.url, engines
        for engine in engines:
            engine.gate.set()


def tick_only(page, kinds: list[str]) -> None:
    """In set mode, exactly ``kinds`` ticked (cards clicked as a person would)."""
    for goods in page.locator(".goods-card").all():
        kind = goods.get_attribute("data-goods-type")
        if page.is_checked(f'.goods-card__input[value="{kind}"]') != (kind in kinds):
            goods.click()
    ticked = page.eval_on_selector_all(
        ".goods-card__input:checked", "els => els.map((e) => e.value)"
    )
    assert sorted(ticked) == sorted(kinds)


def open_set(page, base: str, kinds: list[str]) -> None:
    """The goods page with a sample character, set mode on and exactly ``kinds`` ticked."""
    open_page(page, base, SLUG)
    page.click('.sample[data-slot="character"][data-sample="haru"]')
    visible_image(page, "#character-preview")
    page.click("label.switch")
    assert page.is_checked("#set-mode")
    tick_only(page, kinds)


# --- Focus after [모두 취소] and a card's [다시 시도] -----------------------------------------


def test_cancel_all_by_keyboard_hands_the_focus_to_the_sets_heading(gated_goods, browser):
    base, engines = gated_goods
    page = new_page(browser, PHONE)
    try:
        open_set(page, base, ["tshirt", "mug", "sticker", "badge"])
        page.click("#generate")
        wait_until(lambda: engines[0].entered == 3)  # three held, one queued
        wait_for_cards(page, "running", 3)
        page.wait_for_selector("#set-cancel", state="visible")
        no_body_focus(page)
        page.focus("#set-cancel")
        page.keyboard.press("Enter")
        wait_for_cards(page, "cancelled", 4)
        page.wait_for_function(
            "() => document.querySelector('#set-cancel').hidden", timeout=TIMEOUT_MS
        )
        page.wait_for_function(
            "() => document.activeElement.id === 'set-heading'", timeout=TIMEOUT_MS
        )
        state = focused_clear_of_the_bar(page)
        assert state["id"] == "set-heading"
        assert page.inner_text("#set-heading") == "굿즈 세트"
        assert dropped(page) == []
        assert page.is_enabled("#generate")
        wait_until(lambda: engines[0].cancelled == 3)  # the held generations stopped too
        assert engines[0].entered == 3  # the queued kind was never sent
        assert page.problems == []
    finally:
        page.context.close()


# The card's state, and whether its [다시 시도] is hidden, at the moment the card takes focus.
FOCUS_ARRIVES = """
sel => {
  window.__arrived = null;
  const target = document.querySelector(sel);
  target.addEventListener("focus", () => {
    window.__arrived = {
      state: target.dataset.state,
      retryHidden: target.querySelector(".set-retry").hidden,
    };
  }, { once: true });
}
"""


def test_retrying_a_failed_kind_by_keyboard_keeps_the_focus_on_its_card(nginx, browser):
    failed: list[str] = []
    page = new_page(browser, PHONE)
    try:
        page.route(f"**{API}/generate", fail_kind_once("mug", failed))
        open_set(page, nginx[SLUG].url, ["tshirt", "mug"])
        page.click("#generate")
        page.wait_for_selector(f'{card("mug")}[data-state="failed"]', timeout=TIMEOUT_MS)
        wait_for_cards(page, "done", 1)
        page.wait_for_function("() => !document.querySelector('#set-cancel').offsetParent")
        retry = f"{card('mug')} .set-retry"
        assert page.get_attribute(retry, "aria-label") == "머그컵 다시 시도"
        no_body_focus(page)
        page.evaluate(RECORD_TEXTS, "#set-live")
        page.evaluate(FOCUS_ARRIVES, card("mug"))
        page.focus(retry)
        page.keyboard.press("Enter")
        # The button hides at once (the kind is queued again): its card holds the focus.
        page.wait_for_function("() => window.__arrived !== null")
        assert page.evaluate("() => window.__arrived") == {"state": "queued", "retryHidden": True}
        assert "머그컵: 다시 시도합니다" in recorded_texts(page)
        # Made again; the focus is still where it was put, in view and clear of the bar.
        wait_for_cards(page, "done", 2)
        visible_image(page, f"{card('mug')} .set-card__image")
        assert page.evaluate(
            "sel => document.activeElement === document.querySelector(sel)", card("mug")
        )
        state = focused_clear_of_the_bar(page)
        assert "set-card" in state["className"]
        assert dropped(page) == []
        assert failed == ["mug"]
    finally:
        page.context.close()


# --- Leaving set mode: the single result is the set's image of the kind kept -------------------

# Each frame from now on: whether #result shows, whether it is marked stale (dimmed while the
# next result is fetched), its meta line and its image.
RECORD_RESULT_FRAMES = """
() => {
  window.__frames = [];
  const result = document.querySelector("#result");
  const meta = document.querySelector("#result-meta");
  const image = document.querySelector("#result-image");
  const frame = () => {
    window.__frames.push({
      shown: result.checkVisibility(),
      stale: result.classList.contains("is-stale"),
      meta: meta.textContent,
      src: image.src,
    });
    if (!window.__stopFrames) requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}
"""


def result_frames(page) -> list[dict]:
    """The frames recorded since RECORD_RESULT_FRAMES, up to the next one painted."""
    return page.evaluate(
        """() => new Promise((done) => {
             window.__stopFrames = true;
             requestAnimationFrame(() => requestAnimationFrame(() => done(window.__frames)));
           })"""
    )


def single_result(page) -> None:
    """A single image of the kind ticked (set mode off), shown with its meta line."""
    page.click("#generate")
    visible_image(page, "#result-image")
    page.wait_for_function("() => !document.querySelector('#generate').disabled")


def set_jobs(page, base: str) -> dict[str, str]:
    """The set's jobs (the batch the address names), goods kind → job id."""
    batch = page.evaluate("() => new URL(location.href).searchParams.get('set')")
    assert batch, page.url
    listed = page.evaluate(
        """async (url) => (await (await fetch(url, { headers: { Accept: "application/json" } }))
             .json()).jobs""",
        f"{base}{API}/jobs?batch_id={batch}&scope=all&limit=100",
    )
    return {job["params"]["goods_type"]: job["id"] for job in listed}


def test_leaving_set_mode_shows_the_sets_image_of_the_kind_kept_never_an_older_one(served, browser):
    page = new_page(browser)
    try:
        open_page(page, served[SLUG], SLUG)
        page.click('.sample[data-slot="character"][data-sample="haru"]')
        visible_image(page, "#character-preview")
        single_result(page)  # the first kind, one image
        assert page.inner_text("#result-meta").startswith("티셔츠 · 완료")
        older = page.get_attribute("#result-image", "src")

        page.click("label.switch")
        tick_only(page, ["tshirt", "mug"])
        page.click("#generate")
        wait_for_cards(page, "done", 2)
        visible_image(page, f"{card('mug')} .set-card__image")
        page.wait_for_function("() => !document.querySelector('#set-mode').disabled")
        jobs = set_jobs(page, served[SLUG])
        assert set(jobs) == {"tshirt", "mug"}
        mug_size = page.eval_on_selector(
            f"{card('mug')} .set-card__image", "i => [i.naturalWidth, i.naturalHeight]"
        )

        tick_only(page, ["mug"])  # one kind kept, then back to one image
        page.evaluate(RECORD_RESULT_FRAMES)
        page.click("label.switch")
        assert not page.is_checked("#set-mode")
        assert page.is_checked('.goods-card__input[type="radio"][value="mug"]')
        page.wait_for_function(
            "() => document.querySelector('#result-meta').textContent.startsWith('머그컵 · 완료')",
            timeout=TIMEOUT_MS,
        )
        visible_image(page, "#result-image")
        assert page.get_attribute("#result-image", "src") != older
        size = page.eval_on_selector("#result-image", "i => [i.naturalWidth, i.naturalHeight]")
        assert size == mug_size == [1024, 768]  # the mug's own ratio, the set's image
        # The address names the job shown: the set's mug, no longer the set.
        address = page.evaluate("() => Object.fromEntries(new URL(location.href).searchParams)")
        assert address == {"job": jobs["mug"]}
        # Never, in any frame, the older T-shirt image presented as the current result: while
        # the set's mug is fetched it is marked stale.
        frames = result_frames(page)
        older_as_current = [
            f for f in frames if f["shown"] and not f["stale"] and f["src"] == older
        ]
        assert older_as_current == [], frames
        assert page.problems == []
    finally:
        page.context.close()


def test_leaving_set_mode_with_a_kind_the_set_did_not_make_shows_no_older_result(nginx, browser):
    page = new_page(browser)
    try:
        open_page(page, nginx[SLUG].url, SLUG)
        page.click('.sample[data-slot="character"][data-sample="haru"]')
        visible_image(page, "#character-preview")
        single_result(page)
        assert page.inner_text("#result-meta").startswith("티셔츠 · 완료")

        page.click("label.switch")
        tick_only(page, ["mug"])
        page.click("#generate")
        wait_for_cards(page, "done", 1)
        page.wait_for_function("() => !document.querySelector('#set-mode').disabled")
        tick_only(page, ["sticker"])  # not made by the set
        page.click("label.switch")
        assert page.is_checked('.goods-card__input[type="radio"][value="sticker"]')
        assert page.is_hidden("#result")  # the T-shirt from before the set is not shown
        assert page.is_visible("#result-empty")
        assert page.inner_text("#result-meta") == ""
        assert "job" not in page.evaluate(
            "() => Object.fromEntries(new URL(location.href).searchParams)"
        )
    finally:
        page.context.close()


def test_after_a_set_a_job_rerun_from_history_is_sent_and_shown_not_the_sets_image(
    backends, browser
):
    """Leaving set mode to show a job (최근 작업) shows that job: the set's image of the kind
    still ticked is only for a person turning the switch off."""
    page = new_page(browser)
    try:
        open_page(page, backends[SLUG].url, SLUG)
        page.click('.sample[data-slot="character"][data-sample="haru"]')
        visible_image(page, "#character-preview")
        page.click('.goods-card[data-goods-type="badge"]')
        single_result(page)
        assert page.inner_text("#result-meta").startswith("뱃지 · 완료")
        badge = page.evaluate("() => new URL(location.href).searchParams.get('job')")

        page.click("label.switch")
        tick_only(page, ["tshirt", "mug"])
        page.click("#generate")
        wait_for_cards(page, "done", 2)
        page.wait_for_function("() => !document.querySelector('#set-mode').disabled")

        page.click(f'#history-list .history-item[data-job-id="{badge}"] button')
        page.wait_for_selector("#job-dialog[open]")
        with page.expect_response(f"**{API}/jobs/{badge}/rerun") as answer:
            page.click("#job-dialog-rerun")
        assert answer.value.ok
        assert not page.is_checked("#set-mode")
        page.wait_for_function(
            "() => document.querySelector('#result-meta').textContent.startsWith('뱃지 · 완료')",
            timeout=TIMEOUT_MS,
        )
        shown = page.evaluate("() => new URL(location.href).searchParams.get('job')")
        assert shown and shown != badge  # the rerun, not the set's T-shirt
        assert page.problems == []
    finally:
        page.context.close()


RECORD_META_WRITES = """() => {
  window.__metaWrites = [];
  const meta = document.querySelector('#result-meta');
  new MutationObserver(() => window.__metaWrites.push(meta.textContent))
    .observe(meta, { childList: true, characterData: true, subtree: true });
}"""


def test_a_result_line_is_written_once_with_its_size(backends, browser):
    """#result-meta is a live region: one new result, one announcement."""
    page = new_page(browser)
    try:
        open_page(page, backends[SLUG].url, SLUG)
        page.click('.sample[data-slot="character"][data-sample="haru"]')
        visible_image(page, "#character-preview")
        single_result(page)
        page.evaluate(RECORD_META_WRITES)
        page.click('.goods-card[data-goods-type="mug"]')
        single_result(page)
        page.wait_for_function(
            "() => document.querySelector('#result-meta').textContent.startsWith('머그컵')"
        )
        said = [text for text in page.evaluate("() => window.__metaWrites") if text]
        assert len(said) == 1 and "1024×768" in said[0], said
    finally:
        page.context.close()


def test_a_missing_picture_is_announced_once_and_a_new_pick_says_it_is_preparing(backends, browser):
    page = new_page(browser)
    try:
        open_page(page, backends[SLUG].url, SLUG)
        hint = "#character-hint"
        assert page.get_attribute(hint, "aria-live") == "polite"
        page.click("#generate")
        page.wait_for_function("() => document.querySelector('#form-alert').textContent !== ''")
        # Said by the bar's alert; the zone's hint shows it but is not a second live region.
        assert "캐릭터 이미지를 올려 주세요" in page.inner_text(hint)
        assert page.get_attribute(hint, "aria-live") is None
        page.evaluate(
            """(sel) => { window.__hints = [];
                 const el = document.querySelector(sel);
                 new MutationObserver(() => window.__hints.push(el.textContent))
                   .observe(el, { childList: true, characterData: true, subtree: true }); }""",
            hint,
        )
        page.click('.sample[data-slot="character"][data-sample="haru"]')
        visible_image(page, "#character-preview")
        hints = page.evaluate("() => window.__hints")
        assert "이미지를 준비하고 있어요…" in hints, hints
        assert page.get_attribute(hint, "aria-live") == "polite"
        assert page.get_attribute("#character-input", "aria-invalid") is None
    finally:
        page.context.close()


def test_while_the_sets_image_decodes_the_older_kinds_meta_line_is_not_shown_as_current(
    backends, browser
):
    page = new_page(browser)
    try:
        open_page(page, backends[SLUG].url, SLUG)
        page.click('.sample[data-slot="character"][data-sample="haru"]')
        visible_image(page, "#character-preview")
        single_result(page)
        older = page.get_attribute("#result-image", "src")
        page.click("label.switch")
        tick_only(page, ["mug"])
        page.click("#generate")
        wait_for_cards(page, "done", 1)
        page.wait_for_function("() => !document.querySelector('#set-mode').disabled")
        # The next decode of the result image is held until the test lets it go: the moment a
        # slow decode (a large image, a slow phone) would last.
        page.evaluate(
            """() => { document.querySelector('#result-image').decode = () =>
                 new Promise((done) => { window.__releaseDecode = done; }); }"""
        )
        page.click("label.switch")
        page.wait_for_function("() => typeof window.__releaseDecode === 'function'")
        now = page.evaluate(
            """() => ({ shown: document.querySelector('#result').checkVisibility(),
                        stale: document.querySelector('#result').classList.contains('is-stale'),
                        meta: document.querySelector('#result-meta').textContent,
                        src: document.querySelector('#result-image').src })"""
        )
        page.evaluate("() => window.__releaseDecode()")
        assert now["src"] != older  # the set's mug is in the frame already
        if now["shown"] and not now["stale"]:
            assert not now["meta"].startswith("티셔츠"), now
    finally:
        page.context.close()


# --- A set thumbnail, large --------------------------------------------------------------------


def test_a_set_thumbnail_opens_large_and_escape_gives_the_focus_back(nginx, browser):
    page = new_page(browser)
    try:
        open_set(page, nginx[SLUG].url, ["tshirt", "mug"])
        page.click("#generate")
        wait_for_cards(page, "done", 2)
        zoom = f"{card('mug')} .set-card__zoom"
        page.wait_for_selector(zoom, state="visible")
        assert page.get_attribute(zoom, "aria-label") == "머그컵 시안 크게 보기"
        assert page.get_attribute(zoom, "aria-haspopup") == "dialog"
        thumbnail = page.eval_on_selector(
            f"{card('mug')} .set-card__image",
            "i => ({ src: i.src, width: i.getBoundingClientRect().width })",
        )
        page.focus(zoom)
        page.keyboard.press("Enter")
        page.wait_for_selector("#zoom-dialog[open]")
        visible_image(page, "#zoom-image")  # a blob: image, allowed by the page's CSP
        assert page.inner_text("#zoom-title") == "머그컵 시안"
        assert page.get_attribute("#zoom-image", "alt") == "머그컵 시안"
        assert page.get_attribute("#zoom-image", "src") == thumbnail["src"]
        assert page.get_attribute("#zoom-download", "href") == thumbnail["src"]
        assert page.get_attribute("#zoom-download", "download") == "generated-goods-mug.png"
        large = page.locator("#zoom-image").bounding_box()
        assert large and large["width"] > thumbnail["width"] * 1.5  # enlarged indeed
        assert active_id(page) == "zoom-title"  # the dialog is announced by its title
        assert page.evaluate("() => document.querySelector('#zoom-dialog').matches(':modal')")

        page.keyboard.press("Escape")
        page.wait_for_function("() => !document.querySelector('#zoom-dialog').open")
        assert page.evaluate("sel => document.activeElement === document.querySelector(sel)", zoom)
        # The other card's thumbnail opens its own image; [닫기] closes it the same way.
        other = f"{card('tshirt')} .set-card__zoom"
        page.click(other)
        page.wait_for_selector("#zoom-dialog[open]")
        assert page.inner_text("#zoom-title") == "티셔츠 시안"
        assert page.get_attribute("#zoom-download", "download") == "generated-goods-tshirt.png"
        page.click("#zoom-close")
        page.wait_for_function("() => !document.querySelector('#zoom-dialog').open")
        assert page.evaluate("sel => document.activeElement === document.querySelector(sel)", other)
        assert page.problems == []
    finally:
        page.context.close()


# --- The seed takes digits only, and says so ----------------------------------------------------


def seed_note(page) -> str:
    return page.inner_text("#seed-note")


def test_a_letter_typed_into_the_seed_is_refused_with_a_word(backends, browser):
    page = new_page(browser)
    try:
        open_page(page, backends["ppl-gen"].url, "ppl-gen")
        page.evaluate(RECORD_TEXTS, "#seed-note")
        page.fill("#seed", "")
        page.focus("#seed")
        page.keyboard.type("12a")
        assert page.input_value("#seed") == "12"
        assert seed_note(page) == f"{SEED_LETTERS} ‘a’은(는) 넣지 않았습니다."
        assert page.is_visible("#seed-note")
        assert page.get_attribute("#seed-note", "aria-live") == "polite"
        page.keyboard.type("3")  # typing on: the digit goes in and the note has done its work
        assert page.input_value("#seed") == "123"
        assert seed_note(page) == ""
        assert recorded_texts(page) == [f"{SEED_LETTERS} ‘a’은(는) 넣지 않았습니다."]
        # Past the maximum: the digit is refused, and the maximum said.
        page.fill("#seed", "")
        page.keyboard.type("9999999999")
        assert page.input_value("#seed") == "999999999"
        assert seed_note(page) == "시드는 2147483647까지입니다."
        # Deleting is always allowed; leaving the field clears the note.
        page.keyboard.press("Backspace")
        assert page.input_value("#seed") == "99999999"
        page.keyboard.type("x")
        assert SEED_LETTERS in seed_note(page)
        page.focus("#prompt")
        assert seed_note(page) == ""
        assert page.problems == []
    finally:
        page.context.close()


def test_text_with_letters_pasted_into_the_seed_is_refused_with_a_word(backends, browser):
    page = new_page(browser)
    base = backends["ppl-gen"].url
    try:
        page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
        open_page(page, base, "ppl-gen")

        def paste(text: str) -> None:
            page.evaluate("text => navigator.clipboard.writeText(text)", text)
            page.focus("#seed")
            page.keyboard.press("Control+V")

        page.fill("#seed", "7")
        paste("4a2")
        assert page.input_value("#seed") == "7"  # nothing of it went in
        assert seed_note(page) == f"{SEED_LETTERS} ‘4a2’은(는) 넣지 않았습니다."
        paste("seed: 12345 from the last run")  # long: named by its start
        assert page.input_value("#seed") == "7"
        assert seed_note(page) == f"{SEED_LETTERS} ‘seed: 12345 …’은(는) 넣지 않았습니다."
        paste("42")  # digits go in, and the note goes
        assert page.input_value("#seed") == "742"
        assert seed_note(page) == ""
        assert page.problems == []
    finally:
        page.context.close()
