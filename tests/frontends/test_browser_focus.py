"""A phone, and the keyboard alone: problems in view, nothing focused under the sticky bar, focus
never dropped, the goods set's limit said on screen. Both pages, both ways the product runs."""

from __future__ import annotations

import pytest

from tests.frontends.pages import (
    DESKTOP,
    PHONE,
    TIMEOUT_MS,
    active_id,
    focus_state,
    image_file,
    in_viewport,
    new_page,
    open_page,
    visible_image,
)
from tests.support import character_png


@pytest.fixture(scope="module")
def character(tmp_path_factory):
    path = tmp_path_factory.mktemp("focus") / "character.png"
    path.write_bytes(character_png())
    return path


@pytest.fixture(scope="module")
def product(tmp_path_factory):
    return image_file(tmp_path_factory.mktemp("focus-product"), "product.jpg", "JPEG")


def field_problem(page, field: str) -> dict:
    """What the page says about a field: aria-invalid, and the texts its aria-describedby names."""
    return page.evaluate(
        """sel => { const el = document.querySelector(sel);
          const ids = (el.getAttribute("aria-describedby") || "").split(/\\s+/).filter(Boolean);
          const text = (id) => (document.getElementById(id) || {}).textContent || "";
          return { invalid: el.getAttribute("aria-invalid"), described: ids.map(text) }; }""",
        field,
    )


def focused_clear_of_the_bar(page) -> dict:
    state = focus_state(page)
    assert state is not None, "focus was dropped to <body>"
    assert state["visible"] and not state["overlaps"], state
    return state


# --- 2. On a phone, a problem is in view, announced, and at its field --------------------------


@pytest.mark.parametrize(
    ("slug", "field", "message"),
    [
        ("ppl-gen", "#character-input", "캐릭터 이미지를 올려 주세요"),
        ("goods-gen", "#character-input", "캐릭터 이미지를 올려 주세요"),
    ],
)
def test_on_a_phone_a_missing_image_is_said_in_view_and_at_its_zone(
    served, browser, character, slug, field, message
):
    page = new_page(browser, PHONE)
    try:
        open_page(page, served[slug], slug)
        page.click("#generate")
        page.wait_for_function("() => document.querySelector('#form-alert').textContent !== ''")
        assert message in page.inner_text("#form-alert")
        assert page.get_attribute("#form-alert", "role") == "alert"
        assert in_viewport(page, "#form-alert")  # beside the button just pressed
        assert active_id(page) == field.lstrip("#")
        problem = field_problem(page, field)
        assert problem["invalid"] == "true" and any(message in t for t in problem["described"])
        focused_clear_of_the_bar(page)  # the zone is on screen, not under the bar
        assert in_viewport(page, field.replace("-input", "-zone"))
        assert page.is_hidden("#error")  # not only in the result panel far below
        # Fixing it clears it.
        page.set_input_files(field, str(character))
        page.wait_for_function(
            "sel => !document.querySelector(sel).hasAttribute('aria-invalid')", arg=field
        )
        assert page.inner_text("#form-alert") == ""
        assert page.problems == []
    finally:
        page.context.close()


def test_on_a_phone_a_bad_seed_is_said_in_view_at_the_seed(served, browser, character, product):
    page = new_page(browser, PHONE)
    try:
        open_page(page, served["ppl-gen"], "ppl-gen")
        page.set_input_files("#character-input", str(character))
        page.set_input_files("#product-input", str(product))
        visible_image(page, "#product-preview")
        # A value no one can type (refused as typed): restored from elsewhere.
        page.evaluate("() => { document.querySelector('#seed').value = '99999999999'; }")
        page.evaluate("() => window.scrollTo(0, 0)")
        page.click("#generate")
        page.wait_for_function(
            "() => document.querySelector('#seed').getAttribute('aria-invalid') === 'true'"
        )
        assert "시드는 0부터 2147483647" in page.inner_text("#form-alert")
        assert in_viewport(page, "#form-alert")
        assert active_id(page) == "seed"
        focused_clear_of_the_bar(page)
        problem = field_problem(page, "#seed")
        assert any("2147483647 사이의 정수" in t for t in problem["described"])
        assert page.is_visible("#seed-error")
        page.fill("#seed", "42")
        assert page.get_attribute("#seed", "aria-invalid") is None and page.is_hidden("#seed-error")
    finally:
        page.context.close()


def test_on_a_phone_an_empty_prompt_is_said_at_the_prompt(served, browser, character, product):
    page = new_page(browser, PHONE)
    try:
        open_page(page, served["ppl-gen"], "ppl-gen")
        page.set_input_files("#character-input", str(character))
        page.set_input_files("#product-input", str(product))
        visible_image(page, "#product-preview")
        page.fill("#prompt", "")
        page.click("#generate")
        page.wait_for_function("() => document.activeElement.id === 'prompt'")
        assert "프롬프트를 입력해 주세요" in page.inner_text("#form-alert")
        assert field_problem(page, "#prompt")["invalid"] == "true"
        focused_clear_of_the_bar(page)
    finally:
        page.context.close()


def test_a_set_without_kinds_is_said_at_the_kinds(served, browser, character):
    page = new_page(browser, PHONE)
    try:
        open_page(page, served["goods-gen"], "goods-gen")
        page.set_input_files("#character-input", str(character))
        visible_image(page, "#character-preview")
        page.click("label.switch")
        page.click('.goods-card[data-goods-type="tshirt"]')  # untick the one ticked
        page.click("#generate")
        page.wait_for_function(
            "() => document.activeElement.getAttribute('aria-invalid') === 'true'"
        )
        assert "굿즈를 하나 이상 골라 주세요" in page.inner_text("#form-alert")
        assert page.is_visible("#kinds-error")
        focused_clear_of_the_bar(page)
    finally:
        page.context.close()


# --- 3. Tab through everything: nothing focused is under the sticky bar -------------------------


def tab_through(page, steps: int = 120) -> list[dict]:
    """Tab from the top of the page to its end; every stop must be seen, clear of the bar."""
    page.evaluate("() => { window.scrollTo(0, 0); document.activeElement.blur(); }")
    seen: list[dict] = []
    for _ in range(steps):
        page.keyboard.press("Tab")
        state = focus_state(page)
        if state is None:  # past the last control: the browser's own UI
            break
        assert state["visible"], state
        assert not state["overlaps"], state
        seen.append(state)
    return seen


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("slug", ["ppl-gen", "goods-gen"])
def test_keyboard_only_every_focus_stop_is_visible_and_clear_of_the_sticky_bar(
    served, browser, slug, viewport
):
    page = new_page(browser, viewport)
    try:
        open_page(page, served[slug], slug)
        page.wait_for_function(
            "() => document.querySelector('#history-list').getAttribute('aria-busy') === 'false'"
        )
        seen = tab_through(page)
        labels = " | ".join(s["label"] for s in seen)
        ids = {s["id"] for s in seen}
        # The controls the issue names are among the stops: seed, random seed, the goods grid.
        assert {"seed", "seed-random", "generate"} <= ids, labels
        if slug == "goods-gen":
            assert "set-mode" in ids and "goods-card__input" in labels, labels
        # Set mode's checkboxes are stops of their own: all of them clear of the bar too.
        if slug == "goods-gen":
            page.focus("#set-mode")
            page.keyboard.press("Space")
            seen = tab_through(page, 160)
            assert sum("goods-card__input" in s["className"] for s in seen) >= 10
        assert any(s["inBar"] for s in seen)  # the bar's own button is reached too
        assert page.problems == []
    finally:
        page.context.close()


def test_shift_tab_back_up_through_the_form_keeps_focus_clear_of_the_bar(served, browser):
    page = new_page(browser, PHONE)
    try:
        open_page(page, served["goods-gen"], "goods-gen")
        page.focus("#generate")
        for _ in range(40):
            page.keyboard.press("Shift+Tab")
            state = focus_state(page)
            if state is None:
                break
            assert state["visible"] and not state["overlaps"], state
    finally:
        page.context.close()


# --- 4. Focus is never dropped to <body> ---------------------------------------------------------


def no_body_focus(page) -> None:
    """Record, from now on, any moment focus falls to <body> (a focusout with nowhere to go)."""
    page.evaluate(
        """() => { window.__dropped = [];
          document.addEventListener("focusout", (event) => {
            const from = event.target.id || event.target.className;
            setTimeout(() => {
              if (document.activeElement === document.body) window.__dropped.push(from);
            }, 0);
          }, true); }"""
    )


def dropped(page) -> list[str]:
    return page.evaluate("() => window.__dropped")


def test_regenerate_keeps_the_focus_in_the_result_panel_then_gives_it_back(
    served, browser, character
):
    page = new_page(browser, PHONE)
    try:
        open_page(page, served["goods-gen"], "goods-gen")
        page.set_input_files("#character-input", str(character))
        visible_image(page, "#character-preview")
        page.click("#generate")
        visible_image(page, "#result-image")
        page.wait_for_function("() => !document.querySelector('#regenerate').disabled")
        first = page.get_attribute("#result-image", "src")
        no_body_focus(page)
        page.focus("#regenerate")
        page.keyboard.press("Enter")
        page.wait_for_function("() => document.activeElement.id !== 'regenerate'")
        assert active_id(page) == "result-heading"  # where the progress shows
        focused_clear_of_the_bar(page)
        page.wait_for_function(
            "src => document.querySelector('#result-image').src !== src",
            arg=first,
            timeout=TIMEOUT_MS,
        )
        page.wait_for_function(
            "() => document.activeElement.id === 'regenerate'", timeout=TIMEOUT_MS
        )
        assert dropped(page) == []
    finally:
        page.context.close()


# --- 6. The seventh goods kind -------------------------------------------------------------------


def test_on_a_phone_a_seventh_kind_is_refused_on_screen_and_the_rest_marked_unavailable(
    served, browser
):
    page = new_page(browser, PHONE)
    try:
        open_page(page, served["goods-gen"], "goods-gen")
        page.click("label.switch")
        kinds = [c.get_attribute("data-goods-type") for c in page.locator(".goods-card").all()]
        for kind in kinds[1:6]:
            page.click(f'.goods-card[data-goods-type="{kind}"]')
        unavailable = page.eval_on_selector_all(
            ".goods-card__input[aria-disabled=true]", "els => els.map((e) => e.value)"
        )
        assert sorted(unavailable) == sorted(kinds[6:])  # all unticked ones, marked
        assert page.locator(".goods-card.is-unavailable").count() == len(kinds) - 6
        assert "6개 선택됨" in page.inner_text("#kind-status")
        seventh = f'.goods-card[data-goods-type="{kinds[-1]}"]'
        page.locator(seventh).scroll_into_view_if_needed()
        page.click(seventh, force=True)  # aria-disabled: Playwright would wait; a thumb does not
        assert not page.is_checked(f'.goods-card__input[value="{kinds[-1]}"]')
        assert "최대 6개" in page.inner_text("#form-alert")
        assert in_viewport(page, "#form-alert")  # on screen with the card just tapped
        assert in_viewport(page, seventh)
        # Unticking one makes the rest available again and clears the message.
        page.click(f'.goods-card[data-goods-type="{kinds[0]}"]')
        assert page.locator(".goods-card__input[aria-disabled=true]").count() == 0
        assert page.inner_text("#form-alert") == ""
        page.click(seventh)
        assert page.is_checked(f'.goods-card__input[value="{kinds[-1]}"]')
    finally:
        page.context.close()
