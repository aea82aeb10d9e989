"""Render the two pages into static files: ``python -m frontends.build [--out DIR]``.

Output, one self-contained folder per page (what each nginx container serves,
and what ``make run`` serves from the backends)::

    DIR/ppl-gen/index.html      DIR/ppl-gen/assets/app.<hash>.css ...
    DIR/goods-gen/index.html    DIR/goods-gen/assets/...

Assets get content-hashed names, so they can be cached for a year as
immutable while ``index.html`` is revalidated.  Every value the services also
know is read from them, never typed again here: each page's path, API base and
download file name from its ``SPEC``, the form's choices (seed maximum, goods
catalogue, file fields) from its parameter module, and the upload and time
limits from the settings' defaults (the page refreshes the limits from
``GET {api_base}/info``).  Importing this module reads no environment and
writes nothing: settings are taken as declared (``model_construct``), and the
service modules build no app when imported.

The scripts under ``static/js/`` are ES modules, served as they are (no bundler).
Their relative import specifiers are rewritten to the imported files' hashed
names, and a module is hashed after that rewrite, so a change anywhere in a page's
import graph gives every module that (transitively) imports it a new name too.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from frontends.samples import SAMPLES, Sample
from goods_backend.main import SPEC as GOODS_SPEC
from goods_backend.settings import GoodsSettings
from ppl_backend.main import SPEC as PPL_SPEC
from ppl_backend.settings import PplSettings
from webtoon_core.settings import CommonSettings
from webtoon_core.spec import ServiceSpec

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
MODULES = STATIC / "js"  # every .js under it is an ES module (vendor/ holds classic scripts)
DEFAULT_OUT = HERE / "dist"
DEFAULT_SEED = 11  # the form's seed before anyone types one (a page choice, not a service one)
SET_MAX = 6  # how many goods kinds one set may hold (the page runs three at a time)


@dataclass(frozen=True)
class Page:
    """One generator page: what is the page's own, and the service it talks to."""

    template: str
    title: str
    nav_label: str  # the header tab and footer link
    expected_wait_s: int  # the runbook's averages: PPL ~90 s, goods ~60 s
    spec: ServiceSpec[Any, Any]
    settings: CommonSettings  # the service's declared defaults (no environment read)

    @property
    def slug(self) -> str:
        """URL path segment and output folder: ``ppl-gen``."""
        return self.spec.page_path.strip("/")

    @property
    def page(self) -> str:
        return self.spec.key

    def choices(self) -> dict[str, Any]:
        return self.spec.choices(self.settings)

    def config(self) -> dict[str, Any]:
        """The page config (``#page-config``): the service's values, read, not retyped."""
        settings = self.settings
        choices = self.choices()
        return {
            "page": self.page,
            "api_base": self.spec.api_prefix,
            "expected_wait_s": self.expected_wait_s,
            # The page waits for the whole request: the upload (the service drops it after
            # UPLOAD_TIMEOUT_S) and then the generation (GENERATION_TIMEOUT_S): 60 + 120 s.
            "client_timeout_s": round(settings.upload_timeout_s + settings.generation_timeout_s),
            "upload_timeout_s": settings.upload_timeout_s,
            "download_stem": self.spec.download_stem,
            # Build-time defaults; the page refreshes them from GET {api_base}/info.
            "max_upload_mb": settings.max_upload_mb,
            "max_image_side": settings.max_image_side,
            "default_seed": DEFAULT_SEED,
            "max_seed": choices["seed"]["max"],
            "set_max": SET_MAX,
        }


def declared_defaults(settings: type[CommonSettings]) -> CommonSettings:
    """A service's settings as declared in its class: no environment, no validation."""
    return settings.model_construct()


PAGES = (
    Page("ppl.html.j2", "PPL 이미지 생성기", "PPL 생성", 90, PPL_SPEC,
         declared_defaults(PplSettings)),
    Page("goods.html.j2", "굿즈 디자인 생성기", "굿즈 시안", 60, GOODS_SPEC,
         declared_defaults(GoodsSettings)),
)  # fmt: skip


def hashed_name(path: Path, data: bytes | None = None) -> str:
    """``app.css`` -> ``app.<first 10 hex of sha256>.css``, of ``data`` (else the file's)."""
    digest = hashlib.sha256(path.read_bytes() if data is None else data).hexdigest()[:10]
    return f"{path.stem}.{digest}{path.suffix}"


class BuildError(Exception):
    """The static files cannot be built as they are (an import the build cannot rewrite)."""


# A static import or re-export at the start of a line (our modules are not minified):
#   import { a, b } from "./x.js";   import * as x from '../x.js';   import "./x.js";
#   export { a } from "./x.js";      export * from "./x.js";
IMPORT = re.compile(
    r"""^(?P<head>[ \t]*(?:import[ \t]*(?:[\w$*{},\s]+?\bfrom[ \t]*)?"""
    r"""|export[ \t]*[\w$*{},\s]+?\bfrom[ \t]*))"""
    r"""(?P<quote>["'])(?P<specifier>[^"'\n]+)(?P=quote)""",
    re.MULTILINE,
)
# Every import statement must be one IMPORT reads; dynamic import() is not rewritten.
IMPORT_STATEMENT = re.compile(r"^[ \t]*import\b(?![ \t]*\()", re.MULTILINE)
DYNAMIC_IMPORT = re.compile(r"\bimport[ \t]*\(")


def _label(path: Path) -> str:
    return path.relative_to(STATIC).as_posix()


def resolve_import(source: Path, specifier: str) -> Path:
    """The file a relative specifier names: a static file (browsers add no extension)."""
    if not specifier.startswith(("./", "../")):
        raise BuildError(
            f"{_label(source)}: import {specifier!r} is not a relative path to a static file"
        )
    target = (source.parent / specifier).resolve()
    if not target.is_file() or STATIC.resolve() not in target.parents:
        raise BuildError(
            f"{_label(source)}: import {specifier!r} names no file under frontends/static"
        )
    return target


class Assets:
    """The static files of one page folder, copied under hashed names, modules rewritten first."""

    def __init__(self, target: Path) -> None:
        self.dir = target / "assets"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.names: dict[Path, str] = {}  # source (resolved) -> hashed file name
        self.imports: dict[Path, list[Path]] = {}  # module -> the modules it imports, in order
        for source in sorted(p for p in STATIC.rglob("*") if p.is_file()):
            self.emit(source.resolve())

    def emit(self, source: Path, chain: tuple[Path, ...] = ()) -> str:
        """Copy ``source`` (after the modules it imports) and return its hashed name."""
        if source in self.names:
            return self.names[source]
        if source in chain:
            cycle = " -> ".join(_label(p) for p in (*chain[chain.index(source) :], source))
            raise BuildError(f"import cycle (content hashes cannot name each other): {cycle}")
        data = source.read_bytes()
        if source.suffix == ".js" and MODULES.resolve() in source.parents:
            data = self._rewrite(source, data.decode("utf-8"), (*chain, source)).encode("utf-8")
        name = hashed_name(source, data)
        (self.dir / name).write_bytes(data)
        self.names[source] = name
        return name

    def _rewrite(self, source: Path, text: str, chain: tuple[Path, ...]) -> str:
        if DYNAMIC_IMPORT.search(text):
            raise BuildError(f"{_label(source)}: dynamic import() is not rewritten to hashed names")
        statements = {m.start() for m in IMPORT_STATEMENT.finditer(text)}
        read = {m.start() for m in IMPORT.finditer(text)}
        if statements - read:
            line = text.count("\n", 0, min(statements - read)) + 1
            raise BuildError(f"{_label(source)}:{line}: an import statement the build cannot read")
        imports = self.imports.setdefault(source, [])

        def swap(match: re.Match[str]) -> str:
            target = resolve_import(source, match["specifier"])
            imports.append(target)
            # Every asset sits in the same flat folder.
            return f"{match['head']}{match['quote']}./{self.emit(target, chain)}{match['quote']}"

        return IMPORT.sub(swap, text)

    def url(self, path: str) -> str:
        """``css/app.css`` -> ``assets/app.<h>.css`` (what the page links to)."""
        source = (STATIC / path).resolve()
        if source not in self.names:
            raise KeyError(f"unknown asset {path!r}")
        return f"assets/{self.names[source]}"

    def module_imports(self, path: str) -> list[str]:
        """Every module ``path`` imports, directly or not, once each in order (modulepreload)."""
        seen: list[Path] = []

        def walk(module: Path) -> None:
            for target in self.imports.get(module, []):
                if target not in seen:
                    seen.append(target)
                    walk(target)

        self.url(path)  # an unknown entry is an error, not an empty list
        walk((STATIC / path).resolve())
        return [f"assets/{self.names[p]}" for p in seen]


def render_page(env: Environment, page: Page, out: Path) -> Path:
    target = out / page.slug
    if target.exists():
        shutil.rmtree(target)
    assets = Assets(target)
    html = env.get_template(page.template).render(
        asset=assets.url,
        module_imports=assets.module_imports,
        page=page.page,
        title=page.title,
        config=page.config(),
        choices=page.choices(),
        # The header tabs and footer links: every page's own path, from its service.
        nav=[(f"{p.spec.page_path}/", p.nav_label, p.page, p.title) for p in PAGES],
        samples=samples_for(page, assets),
    )
    (target / "index.html").write_text(html, encoding="utf-8")
    # nginx's answer for a path it has nothing for (error_page 404): linked from the site root.
    not_found = env.get_template("not-found.html.j2").render(
        asset=assets.url, root=f"{page.spec.page_path}/", title=page.title
    )
    (target / "not-found.html").write_text(not_found, encoding="utf-8")
    return target


def samples_for(page: Page, assets: Assets) -> dict[str, list[dict[str, str]]]:
    """The sample pictures a page offers, by upload slot (``character``, ``product``)."""
    slots = ("character", "product") if page.page == "ppl" else ("character",)
    found: dict[str, list[dict[str, str]]] = {slot: [] for slot in slots}
    for sample in SAMPLES:
        if sample.slot in found:
            found[sample.slot].append(_sample_entry(sample, assets))
    return found


def _sample_entry(sample: Sample, assets: Assets) -> dict[str, str]:
    return {
        "id": sample.name,
        "label": sample.label,
        "src": assets.url(f"samples/{sample.file}"),
        "file": sample.file,
    }


def build(out: Path = DEFAULT_OUT) -> list[Path]:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return [render_page(env, page, out) for page in PAGES]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    for target in build(args.out):
        print(f"built {target}")


if __name__ == "__main__":
    main()
