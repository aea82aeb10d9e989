"""Jobs on the pages, in real Chromium: a reload or a link finds the job again, [취소] cancels
it on the server, 최근 작업 lists, opens, re-runs and deletes jobs, and a goods set comes back
after a reload.

Each test gets backends with a job store of its own (a temp dir), so the history it sees is
exactly the jobs it made. Most run behind the project's nginx; some against the backend
serving the page itself (``make run``).
"""

from __future__ import annotations

import io
import re
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from PIL import Image

from goods_backend.main import SPEC as GOODS_SPEC
from goods_backend.main import build_engine as build_goods_engine
from goods_backend.settings import GoodsSettings
from ppl_backend.main import SPEC as PPL_SPEC
from ppl_backend.main import build_engine as build_ppl_engine
from ppl_backend.settings import PplSettings
from tests.frontends.test_browser_live import (
    TIMEOUT_MS,
    CountingGate,
    StagedEngine,
    new_page,
    serve_behind_nginx,
    visible_image,
    wait_until,
)
from tests.support import ServerThread, bottle_jpeg, character_png
from webtoon_core.app import create_service_app

GOODS = "/api/goods-gen"
PPL = "/api/ppl-gen"
CHARACTER = character_png()


# --- Fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("uploads-jobs")
    paths = {"character": folder / "character.png", "product": folder / "product.jpg"}
    paths["character"].write_bytes(CHARACTER)
    paths["product"].write_bytes(bottle_jpeg())
    return paths


@pytest.fixture
def page(browser):
    context, page = new_page(browser)
    yield page
    context.close()


def goods_app(dist: Path, store: Path, factory=build_goods_engine, **settings):
    return create_service_app(
        GOODS_SPEC,
        GoodsSettings(
            goods_engine="local", frontend_dir=dist / "goods-gen", job_store_url=f"file://{store}",
            sse_heartbeat_s=1, **settings,
        ),
        factory,
    )  # fmt: skip


def ppl_app(dist: Path, store: Path, factory=build_ppl_engine):
    settings = PplSettings(
        ppl_engine="local", frontend_dir=dist / "ppl-gen", job_store_url=f"file://{store}"
    )
    return create_service_app(PPL_SPEC, settings, factory)


@pytest.fixture
def goods(dist, tmp_path):
    """The goods page and API behind nginx, on a job store of its own."""
    app = goods_app(dist, tmp_path / "jobs")
    yield from serve_behind_nginx("goods-gen", app, dist)


@pytest.fixture
def goods_direct(dist, tmp_path) -> Iterator[ServerThread]:
    """The goods backend serving its own page (make run), on a job store of its own."""
    with ServerThread(goods_app(dist, tmp_path / "jobs")) as server:
        yield server


@pytest.fixture
def ppl_direct(dist, tmp_path) -> Iterator[ServerThread]:
    with ServerThread(ppl_app(dist, tmp_path / "jobs")) as server:
        yield server


@pytest.fixture
def staged_goods(dist, tmp_path):
    engines: list[StagedEngine] = []

    def factory(resources):
        engines.append(StagedEngine(build_goods_engine(resources)))
        return engines[-1]

    for server in serve_behind_nginx(
        "goods-gen", goods_app(dist, tmp_path / "jobs", factory), dist
    ):
        yield server, engines
        for engine in engines:
            engine.after_prepared.set()
            engine.after_progress.set()


@pytest.fixture
def staged_ppl_direct(dist, tmp_path):
    """The PPL backend serving its own page (make run), its engine held as StagedEngine holds it."""
    engines: list[StagedEngine] = []

    def factory(resources):
        engines.append(StagedEngine(build_ppl_engine(resources)))
        return engines[-1]

    with ServerThread(ppl_app(dist, tmp_path / "jobs", factory)) as server:
        yield server, engines
        for engine in engines:
            engine.after_prepared.set()
            engine.after_progress.set()


@pytest.fixture
def gated_goods(dist, tmp_path):
    engines: list[CountingGate] = []

    def factory(resources):
        engines.append(CountingGate(build_goods_engine(resources)))
        return engines[-1]

    app = goods_app(dist, tmp_path / "jobs", factory)
    for server in serve_behind_nginx("goods-gen", app, dist):
        yield server, engines, app
        for engine in engines:
            engine.gate.set()


# --- Helpers --------------------------------------------------------------------------------


def make_job(base: str, api: str = GOODS, kind: str | None = "mug", seed: int | None = 5) -> str:
    """A job made through the API (as another tab would), answered at once (202)."""
    data = {"goods_type": kind} if kind else {"prompt": "holding the product"}
    if seed is not None:
        data["seed"] = str(seed)
    files = (
        {"input_image": ("c.png", CHARACTER, "image/png")}
        if api == GOODS
        else {
            "input_image_1": ("c.png", CHARACTER, "image/png"),
            "input_image_2": ("p.jpg", bottle_jpeg(), "image/jpeg"),
        }
    )
    answer = httpx.post(
        f"{base}{api}/generate",
        data=data,
        files=files,
        headers={"Prefer": "respond-async"},
        timeout=30,
    )
    assert answer.status_code == 202, answer.text
    return str(answer.json()["id"])


def job(base: str, job_id: str, api: str = GOODS) -> dict:
    answer = httpx.get(f"{base}{api}/jobs/{job_id}", timeout=10)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def finished(base: str, job_id: str, api: str = GOODS) -> dict:
    found: dict = {}

    def ended() -> bool:
        found.update(job(base, job_id, api))
        return found["status"] not in ("queued", "running")

    wait_until(ended, seconds=30)
    return found


def jobs_listed(base: str, api: str = GOODS) -> list[dict]:
    return list(httpx.get(f"{base}{api}/jobs", params={"limit": 100}, timeout=10).json()["jobs"])


def address_job(page) -> str:
    return parse_qs(urlparse(page.url).query).get("job", [""])[0]


def wait_text(page, selector: str, text: str) -> None:
    page.wait_for_function(
        """([sel, text]) => { const el = document.querySelector(sel);
          return el && el.textContent.includes(text) }""",
        arg=[selector, text],
        timeout=TIMEOUT_MS,
    )


def history_ids(page) -> list[str]:
    return page.eval_on_selector_all(
        "#history-list .history-item", "els => els.map(e => e.dataset.jobId)"
    )


def upload(page, files, kind: str | None = None) -> None:
    page.wait_for_selector('.goods-card[data-goods-type="mug"]')
    if kind:
        page.click(f'.goods-card[data-goods-type="{kind}"]')
    page.set_input_files("#character-input", str(files["character"]))
    visible_image(page, "#character-preview")


# --- A reload, a link, [취소] -------------------------------------------------------------------


def test_a_reload_mid_generation_follows_the_same_job_to_its_result(staged_goods, page, files):
    server, engines = staged_goods
    page.goto(server.url + "/goods-gen/")
    upload(page, files, "mug")
    page.click("#generate")
    engines[0].after_prepared.set()
    wait_text(page, "#progress-text", "생성 중 40%")
    job_id = address_job(page)
    assert re.fullmatch(r"[0-9A-Z]{26}", job_id), page.url  # the job is named in the address

    page.reload()
    # The progress view comes back from the job's own events (replayed, then live).
    page.wait_for_selector("#progress", state="visible", timeout=TIMEOUT_MS)
    wait_text(page, "#progress-text", "생성 중 40%")
    assert page.eval_on_selector("#progress-bar", "el => el.value") == 40
    assert page.is_visible("#cancel") and page.is_disabled("#generate")
    assert page.is_checked('.goods-card__input[value="mug"]')  # the form shows the job's settings
    assert address_job(page) == job_id

    engines[0].after_progress.set()
    visible_image(page, "#result-image")
    # The goods kind is said with the result (the job's, not whatever the form shows later).
    assert page.inner_text("#result-meta").startswith("머그컵 · 완료")
    assert page.inner_text("#result-meta").endswith("시드 11")
    assert page.get_attribute("#download", "download") == "generated-goods.png"
    listed = jobs_listed(server.url)
    assert [j["id"] for j in listed] == [job_id] and listed[0][
        "status"
    ] == "succeeded"  # one job, not two
    assert page.problems == []


def test_the_ppl_page_served_by_its_backend_also_picks_up_after_a_reload(
    staged_ppl_direct, page, files
):
    server, engines = staged_ppl_direct
    page.goto(server.url + "/ppl-gen/")
    page.set_input_files("#character-input", str(files["character"]))
    page.set_input_files("#product-input", str(files["product"]))
    visible_image(page, "#product-preview")
    page.fill("#prompt", "The character holds the bottle up")
    page.click("#generate")
    wait_text(page, "#progress-text", "이미지 준비 완료")
    page.wait_for_function("() => new URLSearchParams(location.search).get('job')")
    job_id = address_job(page)
    page.reload()
    wait_text(page, "#progress-text", "이미지 준비 완료")
    assert page.input_value("#prompt") == "The character holds the bottle up"
    engines[0].after_prepared.set()
    wait_text(page, "#progress-text", "생성 중 40%")  # live again, past what was replayed
    engines[0].after_progress.set()
    visible_image(page, "#result-image")
    assert page.get_attribute("#download", "download") == "generated-ppl-image.png"
    assert [j["id"] for j in jobs_listed(server.url, PPL)] == [job_id]
    assert page.problems == []


def test_a_link_to_a_finished_job_shows_its_result_and_an_unknown_one_says_so(goods_direct, page):
    base = goods_direct.url
    job_id = make_job(base, kind="sticker", seed=42)
    finished(base, job_id)
    page.goto(f"{base}/goods-gen/?job={job_id}")
    visible_image(page, "#result-image")
    meta = page.inner_text("#result-meta")
    assert meta.startswith("스티커 · 완료") and "시드 42" in meta
    assert page.get_attribute("#download", "download") == "generated-goods.png"
    assert (
        page.is_checked('.goods-card__input[value="sticker"]') and page.input_value("#seed") == "42"
    )
    assert page.is_enabled("#generate") and page.is_hidden("#progress")

    page.goto(f"{base}/goods-gen/?job=01ARZ3NDEKTSV4RRFFQ69G5FAV")
    page.wait_for_selector("#error", state="visible")
    assert "작업을 찾을 수 없습니다" in page.inner_text("#error")
    assert address_job(page) == ""  # a dead link is not kept
    assert page.is_hidden("#result")
    # Chromium logs the 404 it was asked to fetch; nothing else went wrong.
    assert [p for p in page.problems if "404 (Not Found)" not in p] == []


def test_cancel_asks_the_server_to_cancel_the_job(gated_goods, page, files):
    server, engines, app = gated_goods
    page.goto(server.url + "/goods-gen/")
    upload(page, files)
    page.click("#generate")
    wait_until(lambda: engines[0].entered == 1)
    page.wait_for_function("() => new URLSearchParams(location.search).get('job')")
    job_id = address_job(page)
    with page.expect_request(f"**{GOODS}/jobs/{job_id}/cancel") as sent:
        page.click("#cancel")
    assert sent.value.method == "POST"
    page.wait_for_selector("#error", state="visible")
    assert "생성을 취소했습니다" in page.inner_text("#error")
    assert page.is_enabled("#generate") and page.is_hidden("#cancel")
    wait_until(lambda: engines[0].cancelled == 1 and app.state.runner.active == 0)
    assert job(server.url, job_id)["status"] == "canceled"

    page.reload()  # the address still names it: it reads as cancelled, not as a failure
    page.wait_for_selector("#error", state="visible")
    assert "생성을 취소했습니다" in page.inner_text("#error")
    assert "notice--error" not in (page.get_attribute("#error", "class") or "")


def test_leaving_the_page_leaves_the_job_running(gated_goods, browser, files):
    server, engines, _ = gated_goods
    context, page = new_page(browser)
    page.goto(server.url + "/goods-gen/")
    upload(page, files)
    page.click("#generate")
    wait_until(lambda: engines[0].entered == 1)
    page.wait_for_function("() => new URLSearchParams(location.search).get('job')")
    job_id = address_job(page)
    context.close()  # no "leave this page?" question, and no cancel
    time.sleep(0.5)
    assert job(server.url, job_id)["status"] == "running"
    engines[0].gate.set()
    assert finished(server.url, job_id)["status"] == "succeeded"


# --- 최근 작업 ----------------------------------------------------------------------------------


def test_history_lists_jobs_newest_first_with_thumbnails_and_loads_more(goods, page):
    kinds = ["mug", "tshirt", "sticker", "badge", "poster", "cushion", "ecobag"]
    made = [make_job(goods.url, kind=kinds[i % len(kinds)], seed=i) for i in range(14)]
    for job_id in made:
        finished(goods.url, job_id)
    page.goto(goods.url + "/goods-gen/")
    page.wait_for_function(
        "() => document.querySelectorAll('#history-list .history-item').length === 12"
    )
    newest_first = list(reversed(made))
    assert history_ids(page) == newest_first[:12]
    first = "#history-list .history-item:first-child"
    assert page.inner_text(f"{first} .history-item__kind") == "에코백"  # made[13]: kinds[13 % 7]
    assert page.inner_text(f"{first} .history-item__status") == "완료"
    assert page.get_attribute(f"{first} time", "datetime")
    page.wait_for_function(
        """() => [...document.querySelectorAll('#history-list .history-item__image')]
             .every(i => i.complete && i.naturalWidth > 0)""",
        timeout=TIMEOUT_MS,
    )
    assert page.locator("#history-list .history-item__image").count() == 12
    assert page.is_hidden("#history-empty")

    page.focus("#history-more")
    with page.expect_response(re.compile(r".*/jobs\?limit=12&cursor=.+")):
        page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelectorAll('#history-list .history-item').length === 14"
    )
    assert history_ids(page) == newest_first
    assert page.is_hidden("#history-more")  # no more pages
    focused = page.evaluate("() => document.activeElement.closest('.history-item')?.dataset.jobId")
    assert focused == newest_first[12]  # reading goes on at the first job just loaded
    assert "2개를 더 불러왔습니다" in page.inner_text("#history-live")
    assert page.problems == []


def test_a_job_opens_by_keyboard_with_its_settings_result_and_download(goods, page):
    job_id = make_job(goods.url, kind="mug", seed=77)
    finished(goods.url, job_id)
    page.goto(goods.url + "/goods-gen/")
    item = f'#history-list .history-item[data-job-id="{job_id}"] button'
    page.wait_for_selector(item)
    page.focus(item)
    page.keyboard.press("Enter")
    page.wait_for_selector("#job-dialog[open]")
    assert page.evaluate("() => document.activeElement.id") == "job-dialog-title"
    assert page.inner_text("#job-dialog-title") == "머그컵 작업"
    params = page.inner_text("#job-dialog-params")
    assert "굿즈 종류\n머그컵" in params and "시드\n77" in params and "로컬 미리보기" in params
    assert page.inner_text("#job-dialog-summary").startswith("완료")
    visible_image(page, "#job-dialog-image")
    with page.expect_download() as info:
        page.click("#job-dialog-download")
    assert info.value.suggested_filename == "generated-goods.png"
    assert Image.open(io.BytesIO(Path(info.value.path()).read_bytes())).size == (1024, 768)
    page.keyboard.press("Escape")
    page.wait_for_selector("#job-dialog", state="hidden")
    page.wait_for_function(  # focus is back on the job that was opened
        "id => document.activeElement.closest('.history-item')?.dataset.jobId === id", arg=job_id
    )
    assert page.problems == []


def test_rerun_from_history_is_followed_like_a_fresh_generation(goods, page):
    old = make_job(goods.url, kind="badge", seed=9)
    finished(goods.url, old)
    page.goto(goods.url + "/goods-gen/")
    page.click(f'#history-list .history-item[data-job-id="{old}"] button')
    page.wait_for_selector("#job-dialog[open]")
    with page.expect_response(f"**{GOODS}/jobs/{old}/rerun") as answer:
        page.click("#job-dialog-rerun")
    assert answer.value.headers["content-type"].startswith("text/event-stream")
    page.wait_for_selector("#job-dialog", state="hidden")
    visible_image(page, "#result-image")
    new = address_job(page)
    assert new and new != old
    assert "시드 9" in page.inner_text("#result-meta")
    again = finished(goods.url, new)
    assert again["rerun_of"] == old and again["params"]["goods_type"] == "badge"
    page.wait_for_function(
        "id => document.querySelector('#history-list .history-item')?.dataset.jobId === id", arg=new
    )
    assert history_ids(page) == [new, old]
    assert page.problems == []


def test_delete_asks_first_then_removes_the_job(goods, page):
    keep = make_job(goods.url, kind="mug")
    gone = make_job(goods.url, kind="sticker")
    finished(goods.url, keep)
    finished(goods.url, gone)
    page.goto(goods.url + "/goods-gen/")
    page.click(f'#history-list .history-item[data-job-id="{gone}"] button')
    page.wait_for_selector("#job-dialog[open]")
    page.click("#job-dialog-delete")
    page.wait_for_selector("#job-dialog-confirm", state="visible")
    assert "되돌릴 수 없어요" in page.inner_text("#job-dialog-confirm")
    assert page.evaluate("() => document.activeElement.id") == "job-dialog-confirm-keep"
    page.click("#job-dialog-confirm-keep")  # changed their mind: nothing happens
    assert page.is_hidden("#job-dialog-confirm")
    assert job(goods.url, gone)["status"] == "succeeded"

    page.click("#job-dialog-delete")
    with page.expect_response(f"**{GOODS}/jobs/{gone}") as answer:
        page.click("#job-dialog-confirm-delete")
    assert answer.value.request.method == "DELETE" and answer.value.status == 204
    page.wait_for_selector("#job-dialog", state="hidden")
    page.wait_for_function(
        "() => document.querySelectorAll('#history-list .history-item').length === 1"
    )
    assert history_ids(page) == [keep]
    assert page.inner_text("#history-live") == "작업을 삭제했습니다."
    page.wait_for_function(  # focus goes to the next job, not lost on <body>
        "id => document.activeElement.closest('.history-item')?.dataset.jobId === id", arg=keep
    )
    assert httpx.get(f"{goods.url}{GOODS}/jobs/{gone}").status_code == 404


def test_history_shows_a_generation_while_it_runs_and_when_it_ends(staged_goods, page, files):
    server, engines = staged_goods
    page.goto(server.url + "/goods-gen/")
    page.wait_for_selector("#history-empty", state="visible")
    upload(page, files, "tshirt")
    page.click("#generate")
    page.wait_for_selector("#history-list .history-item")
    assert page.inner_text("#history-list .history-item .history-item__status") in (
        "대기 중",
        "생성 중",
    )
    assert page.is_hidden("#history-empty")
    engines[0].after_prepared.set()
    engines[0].after_progress.set()
    visible_image(page, "#result-image")
    wait_text(page, "#history-list .history-item .history-item__status", "완료")
    visible_image(page, "#history-list .history-item__image")
    assert history_ids(page) == [address_job(page)]


def test_history_empty_and_error_states_are_in_korean(goods, page):
    page.route("**/api/goods-gen/jobs?*", lambda route: route.fulfill(status=503, body="down"))
    page.goto(goods.url + "/goods-gen/")
    page.wait_for_selector("#history-error", state="visible")
    assert "최근 작업을 불러오지 못했습니다" in page.inner_text("#history-error")
    assert page.is_hidden("#history-empty")
    page.unroute("**/api/goods-gen/jobs?*")
    page.click("#history-retry")
    page.wait_for_selector("#history-empty", state="visible")
    assert page.inner_text("#history-empty").startswith("아직 만든 작업이 없습니다")
    assert page.is_hidden("#history-error")


def test_ppl_page_served_by_its_backend_lists_follows_and_reruns_jobs(ppl_direct, page, files):
    base = ppl_direct.url
    job_id = make_job(base, api=PPL, kind=None, seed=3)
    finished(base, job_id, api=PPL)
    page.goto(f"{base}/ppl-gen/")
    item = f'#history-list .history-item[data-job-id="{job_id}"]'
    page.wait_for_selector(item)
    assert page.inner_text(f"{item} .history-item__kind") == "PPL"
    visible_image(page, f"{item} .history-item__image")
    page.click(f"{item} button")
    page.wait_for_selector("#job-dialog[open]")
    assert "프롬프트\nholding the product" in page.inner_text("#job-dialog-params")
    page.click("#job-dialog-rerun")
    visible_image(page, "#result-image")
    new = address_job(page)
    assert new != job_id and finished(base, new, api=PPL)["rerun_of"] == job_id
    page.reload()
    visible_image(page, "#result-image")  # the rerun's result, found again from the address
    assert page.input_value("#prompt") == "holding the product"
    assert history_ids(page)[:2] == [new, job_id]
    assert page.problems == []


# --- A goods set is a batch of jobs ---------------------------------------------------------------


def open_set(page, url: str, files, kinds: list[str]) -> None:
    page.goto(url + "/goods-gen/")
    upload(page, files)
    page.click("label.switch")
    for card in page.locator(".goods-card").all():
        kind = card.get_attribute("data-goods-type")
        if page.is_checked(f'.goods-card__input[value="{kind}"]') != (kind in kinds):
            card.click()


def card(kind: str) -> str:
    return f'#set-results .set-card[data-goods-type="{kind}"]'


def cards_in(page, state: str, count: int) -> None:
    page.wait_for_function(
        """([state, count]) => document.querySelectorAll(
             `#set-results .set-card[data-state='${state}']`).length === count""",
        arg=[state, count],
        timeout=TIMEOUT_MS,
    )


def test_a_goods_set_survives_a_reload(gated_goods, page, files):
    server, engines, _ = gated_goods
    kinds = ["tshirt", "mug", "sticker", "badge"]
    open_set(page, server.url, files, kinds)
    page.click("#generate")
    wait_until(lambda: engines[0].entered == 3)
    cards_in(page, "running", 3)
    cards_in(page, "queued", 1)
    batch = parse_qs(urlparse(page.url).query)["set"][0]
    page.wait_for_function(  # every running card's job is kept before the reload
        """() => JSON.parse(localStorage.getItem('webtoon:goods-set'))
             .cards.filter(c => c.job).length === 3"""
    )

    page.reload()
    page.wait_for_selector(card("badge"))
    assert page.is_checked("#set-mode")
    assert sorted(
        page.eval_on_selector_all(".goods-card__input:checked", "els => els.map(e => e.value)")
    ) == sorted(kinds)
    cards_in(page, "running", 3)  # followed, not sent again
    cards_in(page, "queued", 1)  # never sent: waits its turn, as before
    time.sleep(0.5)
    assert engines[0].entered == 3
    assert page.is_visible("#set-cancel") and page.is_disabled("#generate")

    engines[0].gate.set()
    cards_in(page, "done", 4)
    assert engines[0].entered == 4  # the queued kind was sent once, with the kept form
    for kind in kinds:
        visible_image(page, f"{card(kind)} .set-card__image")
    batch_jobs = [j for j in jobs_listed(server.url) if j["batch_id"] == batch]
    assert sorted(j["params"]["goods_type"] for j in batch_jobs) == sorted(kinds)
    assert all(j["status"] == "succeeded" for j in batch_jobs)
    assert page.is_visible(f"{card('sticker')} .set-print") and page.is_hidden(
        f"{card('mug')} .set-print"
    )

    page.reload()  # a finished set comes back with its images, and zips as before
    cards_in(page, "done", 4)
    assert "4개 중 4개 완료" in page.inner_text("#set-summary")
    with page.expect_download() as info:
        page.click("#download-zip")
    with zipfile.ZipFile(Path(info.value.path())) as archive:
        assert sorted(archive.namelist()) == sorted(f"generated-goods-{k}.png" for k in kinds)
    assert engines[0].entered == 4
    assert page.problems == []


def test_cancel_all_cancels_the_sets_jobs(gated_goods, page, files):
    server, engines, app = gated_goods
    open_set(page, server.url, files, ["tshirt", "mug", "sticker", "badge"])
    page.click("#generate")
    wait_until(lambda: engines[0].entered == 3)
    page.wait_for_function(
        """() => JSON.parse(localStorage.getItem('webtoon:goods-set') || '{"cards":[]}')
             .cards.filter(c => c.job).length === 3"""
    )
    page.click("#set-cancel")
    cards_in(page, "cancelled", 4)
    wait_until(lambda: engines[0].cancelled == 3 and app.state.runner.active == 0)
    assert sorted(j["status"] for j in jobs_listed(server.url)) == ["canceled"] * 3
    assert engines[0].entered == 3


# --- Phone size -------------------------------------------------------------------------------


def test_history_and_its_dialog_fit_a_phone(goods, browser):
    job_id = make_job(goods.url, kind="mug")
    finished(goods.url, job_id)
    context, page = new_page(browser, width=390, height=844)
    try:
        page.goto(goods.url + "/goods-gen/")
        item = f'#history-list .history-item[data-job-id="{job_id}"] button'
        page.wait_for_selector(item)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        page.click(item)
        page.wait_for_selector("#job-dialog[open]")
        box = page.locator("#job-dialog").bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["height"] <= 844
        for selector in ("#job-dialog-rerun", "#job-dialog-delete", "#job-dialog-close"):
            button = page.locator(selector).bounding_box()
            assert button and button["height"] >= 40 and button["x"] + button["width"] <= 390, (
                selector
            )
        assert page.problems == []
    finally:
        context.close()
