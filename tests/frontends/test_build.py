"""The build: both pages render, field names match the API, nothing inline or external,
and each page's ES module graph resolves to hashed files."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from frontends import build as build_module
from frontends.build import BuildError, hashed_name
from goods_backend.params import FILE_FIELDS as GOODS_FILES
from goods_backend.params import GoodsParams
from ppl_backend.params import FILE_FIELDS as PPL_FILES
from ppl_backend.params import PplParams

API_FIELDS = {
    "ppl-gen": set(PplParams.model_fields) | set(PPL_FILES),
    "goods-gen": set(GoodsParams.model_fields) | set(GOODS_FILES),
}
REQUIRED_IN_FORM = {
    "ppl-gen": {
        "prompt",
        "input_image_1",
        "input_image_2",
        "aspect_ratio",
        "output_format",
        "safety_tolerance",
        "seed",
    },
    "goods-gen": {
        "input_image",
        "prompt",
        "aspect_ratio",
        "output_format",
        "safety_tolerance",
        "seed",
    },
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
        self.module_scripts: list[str] = []
        self.classic_scripts: list[str] = []
        self.preloads: list[str] = []
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
            if "src" in a:
                kind = self.module_scripts if a.get("type") == "module" else self.classic_scripts
                kind.append(a["src"])
        if tag == "link" and a.get("rel") == "modulepreload":
            self.preloads.append(a["href"])

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
        assert re.fullmatch(r"assets/[\w-]+\.[0-9a-f]{10}\.(css|js|svg|png|jpg|ico)", ref), ref
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
        (
            "ppl-gen",
            {
                "character-input",
                "product-input",
                "prompt",
                "generate",
                "cancel",
                "progress",
                "result",
                "download",
                "error",
                "engine-note",
            },
        ),
        (
            "goods-gen",
            {
                "character-input",
                "goods-types",
                "prompt",
                "generate",
                "cancel",
                "progress",
                "result",
                "download",
                "error",
                "engine-note",
            },
        ),
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


# --- ES modules: the build rewrites import specifiers to hashed names -------------------------

HASHED_MODULE = re.compile(r"\./([\w-]+)\.([0-9a-f]{10})\.js")
# Any static import or re-export, wherever it sits (an independent reading of the built files).
SPECIFIER = re.compile(
    r"""(?:^|[;}\s])(?:import\s*(?:[^"';()]*?\bfrom\s*)?|export\s*[^"';()=]*?\bfrom\s*)(["'])([^"']*)\1"""
)


def module_graph(assets: Path, entry: str) -> dict[str, list[str]]:
    """Every module reachable from ``entry`` (a file name in ``assets``) -> the specifiers it
    imports."""
    graph: dict[str, list[str]] = {}
    todo = [entry]
    while todo:
        name = todo.pop()
        if name in graph:
            continue
        text = (assets / name).read_text(encoding="utf-8")
        specifiers = [m.group(2) for m in SPECIFIER.finditer(text)]
        graph[name] = specifiers
        todo += [spec[2:] for spec in specifiers]
    return graph


@pytest.mark.parametrize("page", ["ppl-gen", "goods-gen"])
def test_the_page_script_is_one_module_whose_graph_resolves_to_hashed_files(dist: Path, page: str):
    parser = parse(dist, page)
    assets = dist / page / "assets"
    assert len(parser.module_scripts) == 1, parser.module_scripts
    vendor = [f"assets/{p.name}" for p in assets.glob("fflate.*.js")] if page == "goods-gen" else []
    assert parser.classic_scripts == vendor  # the ZIP library, goods only
    entry = parser.module_scripts[0].removeprefix("assets/")
    graph = module_graph(assets, entry)
    assert len(graph) > 5  # the page, ui/ and core/ modules
    for name, specifiers in graph.items():
        assert HASHED_MODULE.fullmatch(f"./{name}"), name
        data = (assets / name).read_bytes()
        # The name is the hash of the file as served (after its own imports were rewritten).
        assert name.split(".")[-2] == hashlib.sha256(data).hexdigest()[:10], name
        for spec in specifiers:
            assert HASHED_MODULE.fullmatch(spec), f"{name} imports {spec!r}"
            assert (assets / spec[2:]).is_file(), f"{name} imports {spec!r}, which is not in dist"
    # Every imported module is preloaded (no request waterfall), and nothing else is.
    assert sorted(parser.preloads) == sorted(f"assets/{name}" for name in graph if name != entry)


@pytest.mark.parametrize("page", ["ppl-gen", "goods-gen"])
def test_no_unhashed_specifier_remains(dist: Path, page: str):
    sources = {p.name for p in (build_module.STATIC / "js").rglob("*.js")}
    for asset in (dist / page / "assets").glob("*.js"):
        text = asset.read_text(encoding="utf-8")
        for match in SPECIFIER.finditer(text):
            assert HASHED_MODULE.fullmatch(match.group(2)), f"{asset.name}: {match.group(2)!r}"
        for name in sources:  # no source path ("./core/stream.js", "../ui/dom.js") is left
            source_path = re.compile(rf"""["'][./\w-]*/{re.escape(name)}["']""")
            assert not source_path.search(text), f"{asset.name} names {name}"


# Node's own module parser links the built graph without running it (no DOM needed).
LINK_GRAPH = """
import vm from "node:vm";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
const modules = new Map();
const edges = {};
function load(file) {
  if (!modules.has(file)) {
    modules.set(file, new vm.SourceTextModule(readFileSync(file, "utf8"), { identifier: file }));
    edges[path.basename(file)] = [];
  }
  return modules.get(file);
}
const entry = process.env.ENTRY;
await load(entry).link((specifier, referrer) => {
  const file = path.resolve(path.dirname(referrer.identifier), specifier);
  if (!existsSync(file)) {
    throw new Error(`${referrer.identifier} imports ${specifier}: no such file`);
  }
  edges[path.basename(referrer.identifier)].push(specifier);
  return load(file);
});
console.log(JSON.stringify(edges));
"""


@pytest.mark.parametrize("page", ["ppl-gen", "goods-gen"])
def test_node_links_the_built_module_graph(dist: Path, page: str, tmp_path: Path):
    node = shutil.which("node")
    if not node:
        pytest.skip("node is not installed (the graph is still checked above without it)")
    script = tmp_path / "link.mjs"
    script.write_text(LINK_GRAPH, encoding="utf-8")
    entry = dist / page / parse(dist, page).module_scripts[0]
    done = subprocess.run(
        [node, "--experimental-vm-modules", "--no-warnings", str(script)],
        env={**os.environ, "ENTRY": str(entry)},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    linked = json.loads(done.stdout)
    assert linked == module_graph(entry.parent, entry.name)  # the same graph, read by a real parser


# --- The rewrite itself, on a small static tree ------------------------------------------------


@pytest.fixture
def static_tree(tmp_path: Path, monkeypatch) -> Path:
    static = tmp_path / "static"
    (static / "js" / "core").mkdir(parents=True)
    (static / "vendor").mkdir()
    (static / "js" / "core" / "leaf.js").write_text('export const leaf = "leaf";\n')
    (static / "js" / "core" / "mid.js").write_text(
        'import { leaf } from "./leaf.js";\n'
        'export { leaf } from "./leaf.js";\n'
        "export const mid = () => leaf;\n"
    )
    (static / "js" / "page.js").write_text(
        "import {\n  mid,\n} from './core/mid.js';\nimport \"./core/leaf.js\";\n"
        '// an import in a comment from "./nowhere.js" is left alone\n'
        'export function f() { return "import from ./x.js"; }\nmid();\n'
    )
    (static / "vendor" / "lib.js").write_text('!function(){var from="./not-a-module.js"}();\n')
    monkeypatch.setattr(build_module, "STATIC", static)
    monkeypatch.setattr(build_module, "MODULES", static / "js")
    return static


def test_the_build_rewrites_every_import_form(static_tree: Path, tmp_path: Path):
    assets = build_module.Assets(tmp_path / "out")
    leaf, mid = (assets.url(f"js/core/{n}.js").removeprefix("assets/") for n in ("leaf", "mid"))
    page = (tmp_path / "out" / assets.url("js/page.js")).read_text()
    assert f"}} from './{mid}';" in page and f'import "./{leaf}";' in page
    assert '"./nowhere.js"' in page and '"import from ./x.js"' in page  # not import statements
    assert (tmp_path / "out" / "assets" / mid).read_text().count(f'from "./{leaf}"') == 2
    assert assets.module_imports("js/page.js") == [f"assets/{mid}", f"assets/{leaf}"]
    vendor = (tmp_path / "out" / assets.url("vendor/lib.js")).read_text()
    # Classic scripts are copied as they are.
    assert vendor == (static_tree / "vendor" / "lib.js").read_text()


def test_a_changed_module_renames_everything_that_imports_it(static_tree: Path, tmp_path: Path):
    before = build_module.Assets(tmp_path / "a")
    (static_tree / "js" / "core" / "leaf.js").write_text('export const leaf = "changed";\n')
    after = build_module.Assets(tmp_path / "b")
    for path in ("js/core/leaf.js", "js/core/mid.js", "js/page.js"):
        assert before.url(path) != after.url(path), path  # no stale cached importer


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ('import { x } from "fflate";\n', "not a relative path"),
        ('import { x } from "./missing.js";\n', "names no file"),
        ('import { x } from "./core/leaf";\n', "names no file"),  # browsers add no extension
        ('const m = await import("./core/leaf.js");\n', "dynamic import"),
        ('import {\n  a = 1 } from "./core/leaf.js";\n', "cannot read"),
    ],
)
def test_imports_the_build_cannot_rewrite_fail_the_build(
    static_tree: Path, tmp_path: Path, source: str, problem: str
):
    (static_tree / "js" / "page.js").write_text(source)
    with pytest.raises(BuildError, match=problem):
        build_module.Assets(tmp_path / "out")


def test_an_import_cycle_fails_the_build(static_tree: Path, tmp_path: Path):
    leaf = static_tree / "js" / "core" / "leaf.js"
    leaf.write_text('import { mid } from "./mid.js";\nexport const leaf = 1;\n')
    with pytest.raises(BuildError, match="import cycle"):
        build_module.Assets(tmp_path / "out")
