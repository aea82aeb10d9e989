"""The build: both pages render, field names match the API, nothing inline or external."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from frontends.build import hashed_name
from goods_backend.params import FILE_FIELDS as GOODS_FILES
from goods_backend.params import GoodsParams
from ppl_backend.params import FILE_FIELDS as PPL_FILES
from ppl_backend.params import PplParams

API_FIELDS = {
    "ppl-gen": set(PplParams.model_fields) | set(PPL_FILES),
    "goods-gen": set(GoodsParams.model_fields) | set(GOODS_FILES),
}
REQUIRED_IN_FORM = {
    "ppl-gen": {"prompt", "input_image_1", "input_image_2", "aspect_ratio", "output_format", "safety_tolerance", "seed"},
    "goods-gen": {"input_image", "prompt", "aspect_ratio", "output_format", "safety_tolerance", "seed"},
}


class PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.in_form = 0
        self.form_names: set[str] = set()
        self.refs: list[str] = []
        self.inline_scripts = 0
        self.style_attrs = 0
        self.handler_attrs: list[str] = []
        self.ids: set[str] = set()
        self._script_is_data = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "form" and a.get("id") == "generate-form":
            self.in_form += 1
        if self.in_form and tag in ("input", "select", "textarea") and a.get("name"):
            self.form_names.add(a["name"])
        for key in ("src", "href"):
            if a.get(key):
                self.refs.append(a[key])
        if "style" in a:
            self.style_attrs += 1
        self.handler_attrs += [k for k in a if k.startswith("on")]
        if tag == "script":
            self._script_is_data = a.get("type") == "application/json"
            if "src" not in a and not self._script_is_data:
                self.inline_scripts += 1

    def handle_endtag(self, tag):
        if tag == "form" and self.in_form:
            self.in_form -= 1


def parse(dist: Path, page: str) -> PageParser:
    parser = PageParser()
    parser.feed((dist / page / "index.html").read_text(encoding="utf-8"))
    return parser


@pytest.mark.parametrize("page", ["ppl-gen", "goods-gen"])
def test_page_renders_with_korean_text(dist: Path, page: str):
    html = (dist / page / "index.html").read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert 'lang="ko"' in html
    assert re.search(r"[\uac00-\ud7a3]{2,}", html)
    assert 'id="page-config"' in html


@pytest.mark.parametrize("page", ["ppl-gen", "goods-gen"])
def test_form_field_names_match_the_api(dist: Path, page: str):
    names = parse(dist, page).form_names
    assert names <= API_FIELDS[page], names - API_FIELDS[page]
    assert REQUIRED_IN_FORM[page] <= names, REQUIRED_IN_FORM[page] - names


@pytest.mark.parametrize("page", ["ppl-gen", "goods-gen"])
def test_assets_are_hashed_local_and_present(dist: Path, page: str):
    parser = parse(dist, page)
    local = [r for r in parser.refs if r.startswith("assets/")]
    assert any(r.endswith(".css") for r in local) and any(r.endswith(".js") for r in local)
    for ref in local:
        assert (dist / page / ref).is_file(), ref
        assert re.fullmatch(r"assets/[\w-]+\.[0-9a-f]{10}\.(css|js|svg|png|ico)", ref), ref
    for ref in parser.refs:
        assert not ref.startswith(("http://", "https://", "//")), f"external reference {ref}"


@pytest.mark.parametrize("page", ["ppl-gen", "goods-gen"])
def test_nothing_inline_that_the_csp_would_block(dist: Path, page: str):
    parser = parse(dist, page)
    assert parser.inline_scripts == 0
    assert parser.style_attrs == 0
    assert parser.handler_attrs == []
    for asset in (dist / page / "assets").iterdir():
        text = asset.read_text(encoding="utf-8", errors="replace")
        assert not re.search(r"(?:url\(|import\s|from\s)['\"]?(?:https?:)?//", text), asset.name


@pytest.mark.parametrize(
    ("page", "ids"),
    [
        ("ppl-gen", {"character-input", "product-input", "prompt", "generate", "cancel", "progress", "result", "download", "error", "engine-note"}),
        ("goods-gen", {"character-input", "goods-types", "prompt", "generate", "cancel", "progress", "result", "download", "error", "engine-note"}),
    ],
)
def test_page_has_the_controls_users_need(dist: Path, page: str, ids: set[str]):
    assert ids <= parse(dist, page).ids


def test_choices_come_from_the_backend(dist: Path):
    from goods_backend.params import ASPECT_RATIOS as GOODS_RATIOS
    from ppl_backend.params import ASPECT_RATIOS as PPL_RATIOS

    ppl = (dist / "ppl-gen" / "index.html").read_text(encoding="utf-8")
    goods = (dist / "goods-gen" / "index.html").read_text(encoding="utf-8")
    for ratio in PPL_RATIOS:
        assert f'value="{ratio}"' in ppl
    assert 'value="match_input_image"' not in goods
    for ratio in GOODS_RATIOS:
        assert f'value="{ratio}"' in goods


def test_hashed_name_follows_content(tmp_path: Path):
    a = tmp_path / "app.css"
    a.write_text("body{}")
    first = hashed_name(a)
    a.write_text("body{color:red}")
    assert first != hashed_name(a)
    assert first.startswith("app.") and first.endswith(".css")
