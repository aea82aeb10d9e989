"""axe-core on both pages, in the states a person meets: idle, with an error, with a result.

axe-core (pinned in .tools/package.json, installed by ``make test``) is injected into the
real page behind the project's nginx; the context bypasses CSP only so the injected script
may run. Any violation fails, whatever its impact; a missing axe-core fails too.
"""

from __future__ import annotations

import pytest

from tests.frontends.conftest import axe_violations
from tests.frontends.pages import PHONE, TIMEOUT_MS, new_page, open_page, visible_image


def no_violations(page, state: str) -> None:
    found = axe_violations(page)
    assert found == [], f"{state}: {found}"


def settled(page) -> None:
    page.wait_for_function(
        "() => document.querySelector('#history-list').getAttribute('aria-busy') === 'false'"
    )


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_the_ppl_page_has_no_axe_violations_idle_with_errors_and_with_a_result(
    nginx, browser, viewport
):
    page = new_page(browser, viewport or {"width": 1280, "height": 900}, bypass_csp=True)
    try:
        open_page(page, nginx["ppl-gen"].url, "ppl-gen")
        settled(page)
        no_violations(page, "idle")
        page.click("#generate")  # nothing uploaded: the field problem and the bar's alert
        page.wait_for_function("() => document.querySelector('#form-alert').textContent !== ''")
        no_violations(page, "field error")
        page.click('.sample[data-slot="character"][data-sample="haru"]')
        page.click('.sample[data-slot="product"][data-sample="can"]')
        visible_image(page, "#product-preview")
        visible_image(page, "#character-preview")
        page.evaluate(  # a ratio only the server refuses: its error in #error
            "() => { const s = document.querySelector('#aspect-ratio');"
            " s.add(new Option('7:3', '7:3')); s.value = '7:3'; }"
        )
        page.click("#generate")
        page.wait_for_selector("#error", state="visible", timeout=TIMEOUT_MS)
        no_violations(page, "server error")
        page.select_option("#aspect-ratio", "1:1")
        page.click("#generate")
        visible_image(page, "#result-image")
        page.wait_for_function("() => !document.querySelector('#generate').disabled")
        no_violations(page, "result")
        # The server's refusal is in the console as a failed request; nothing else is.
        assert [p for p in page.problems if "status of 422" not in p] == []
    finally:
        page.context.close()


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_the_goods_page_has_no_axe_violations_idle_with_errors_and_with_results(
    nginx, browser, viewport
):
    page = new_page(browser, viewport or {"width": 1280, "height": 900}, bypass_csp=True)
    try:
        open_page(page, nginx["goods-gen"].url, "goods-gen")
        settled(page)
        no_violations(page, "idle")
        page.click("#generate")
        page.wait_for_function("() => document.querySelector('#form-alert').textContent !== ''")
        no_violations(page, "field error")
        page.click('.sample[data-slot="character"][data-sample="tori"]')
        visible_image(page, "#character-preview")
        page.click('.goods-card[data-goods-type="mug"]')
        page.click("#generate")
        visible_image(page, "#result-image")
        page.wait_for_function("() => !document.querySelector('#generate').disabled")
        no_violations(page, "result")
        # A set at its limit (cards unavailable, the limit said), then its results.
        page.click("label.switch")
        kinds = [c.get_attribute("data-goods-type") for c in page.locator(".goods-card").all()]
        for kind in kinds[:6]:
            if not page.is_checked(f'.goods-card__input[value="{kind}"]'):
                page.click(f'.goods-card[data-goods-type="{kind}"]')
        page.click(f'.goods-card[data-goods-type="{kinds[-1]}"]', force=True)
        page.wait_for_function("() => document.querySelector('#form-alert').textContent !== ''")
        no_violations(page, "set limit")
        for kind in kinds[3:6]:
            page.click(f'.goods-card[data-goods-type="{kind}"]')
        page.click("#generate")
        page.wait_for_function(
            "() => document.querySelectorAll('.set-card[data-state=done]').length === 3",
            timeout=TIMEOUT_MS,
        )
        no_violations(page, "set results")
        page.click(".set-card__zoom >> nth=0")
        page.wait_for_selector("#zoom-dialog[open]")
        no_violations(page, "thumbnail enlarged")
        assert page.problems == []
    finally:
        page.context.close()


def test_a_missing_axe_core_is_a_failure_not_a_skip(monkeypatch, tmp_path):
    from _pytest.outcomes import Failed

    from tests.frontends import conftest

    monkeypatch.setattr(conftest, "AXE", tmp_path / "axe.min.js")
    with pytest.raises(Failed, match="axe-core is missing"):
        conftest.axe_violations(object())
