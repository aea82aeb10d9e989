"""The links between the two generators (header tabs, footer links), every way the product runs.

``make run``: each backend serves its page and sends the other generator's path to the other
port. Behind the frontend nginx (one page each): nginx redirects the other generator's path to
SIBLING_PAGE_URL, and without it answers its Korean not-found page; never the API's raw JSON
``NOT_FOUND``.
"""

from __future__ import annotations

import httpx
import pytest

from tests.frontends.conftest import PAGES, Nginx, other, require
from tests.frontends.pages import new_page, open_page

TITLES = {"ppl-gen": "PPL 이미지 생성기", "goods-gen": "굿즈 디자인 생성기"}
LINKS = ".site-nav a, .site-footer a"


def landed(page) -> dict[str, str]:
    return page.evaluate(
        "() => ({ path: location.pathname, title: document.title,"
        " heading: (document.querySelector('h1') || {}).textContent || '',"
        " body: document.body.innerText.slice(0, 200) })"
    )


@pytest.mark.parametrize("start", PAGES)
def test_every_link_between_the_generators_lands_on_the_other_page(served, browser, start):
    page = new_page(browser)
    try:
        open_page(page, served[start], start)
        hrefs = page.eval_on_selector_all(
            LINKS, "links => links.map((a) => a.getAttribute('href'))"
        )
        assert sorted(set(hrefs)) == ["/goods-gen/", "/ppl-gen/"], hrefs  # from the services
        current = page.eval_on_selector_all(
            "[aria-current=page]", "links => links.map((a) => a.getAttribute('href'))"
        )
        assert current == [f"/{start}/", f"/{start}/"]  # header tab and footer link
        for index in range(page.locator(LINKS).count()):
            open_page(page, served[start], start)
            link = page.locator(LINKS).nth(index)
            target = link.get_attribute("href").strip("/")
            with page.expect_navigation():
                link.click()
            page.wait_for_load_state()
            where = landed(page)
            assert where["path"] == f"/{target}/", (index, where)
            assert where["heading"] == TITLES[target], where
            assert "NOT_FOUND" not in where["body"] and '"error"' not in where["body"]
            if target == other(start):  # really the other service's page, not a copy here
                assert page.url.startswith(served[target]), page.url
        assert page.problems == []
    finally:
        page.context.close()


@pytest.mark.parametrize("start", PAGES)
def test_the_other_generators_path_redirects_there(served, start):
    """What the links ask for, without a browser: a redirect to the other page, no JSON."""
    for path in (f"/{other(start)}/", f"/{other(start)}"):
        response = httpx.get(served[start] + path)
        assert response.status_code in (301, 302), (path, response.status_code, response.text[:80])
        assert response.headers["location"].startswith(served[other(start)]), response.headers
        final = httpx.get(served[start] + path, follow_redirects=True)
        assert final.status_code == 200 and final.headers["content-type"].startswith("text/html")
        assert TITLES[other(start)] in final.text


@pytest.fixture(scope="module")
def lone_nginx(dist, backends):
    """One page's nginx on its own: no ingress in front and no SIBLING_PAGE_URL."""
    require("nginx")
    server = Nginx("ppl-gen", backends["ppl-gen"].port, dist)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def test_without_a_sibling_url_nginx_answers_its_korean_not_found_page(lone_nginx, browser):
    response = httpx.get(lone_nginx.url + "/goods-gen/")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "페이지를 찾을 수 없습니다" in response.text and "NOT_FOUND" not in response.text
    assert "content-security-policy" in response.headers
    page = new_page(browser)
    try:
        open_page(page, lone_nginx.url, "ppl-gen")
        page.click(".site-nav a[href='/goods-gen/']")
        page.wait_for_selector("text=페이지를 찾을 수 없습니다")
        # Styled (its CSS is found from any address) and a way back.
        colour = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
        assert colour == "rgb(245, 244, 251)"
        page.click("a.button")
        page.wait_for_selector("#generate")
        assert landed(page)["path"] == "/ppl-gen/"
    finally:
        page.context.close()


def test_an_unknown_address_under_nginx_is_the_korean_page_and_the_api_keeps_its_json(lone_nginx):
    page = httpx.get(lone_nginx.url + "/somewhere-else")
    assert page.status_code == 404 and "페이지를 찾을 수 없습니다" in page.text
    api = httpx.get(lone_nginx.url + "/api/ppl-gen/nothing-here")
    assert api.status_code == 404 and api.json()["error"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    "value",
    ["/goods-gen/", "ftp://example.com/goods-gen/", "https://example.com/a b", "https://x/;evil"],
)
def test_a_bad_sibling_url_stops_nginx_before_it_serves(dist, value):
    require("nginx")
    server = Nginx("ppl-gen", 1, dist, env={"SIBLING_PAGE_URL": value})
    try:
        assert server.proc.wait(timeout=10) == 64
    finally:
        output = server.stop()
    assert "SIBLING_PAGE_URL" in output
