"""Render the two pages into static files: ``python -m frontends.build [--out DIR]``.

Output, one self-contained folder per page (what each nginx container serves,
and what ``make run`` serves from the backends)::

    DIR/ppl-gen/index.html      DIR/ppl-gen/assets/app.<hash>.css ...
    DIR/goods-gen/index.html    DIR/goods-gen/assets/...

Assets get content-hashed names, so they can be cached for a year as
immutable while ``index.html`` is revalidated.  The form's choices come from
the backends' own parameter modules: defined once.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from goods_backend import params as goods_params
from ppl_backend import params as ppl_params
from webtoon_core.settings import CommonSettings

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
DEFAULT_OUT = HERE / "dist"
CLIENT_TIMEOUT_S = 180  # the page gives up after 3 minutes (the backend after 2)


@dataclass(frozen=True)
class Page:
    slug: str  # URL path segment and output folder
    page: str
    template: str
    title: str
    api_base: str
    expected_wait_s: int  # the runbook's averages: PPL ~90 s, goods ~60 s
    download_stem: str
    choices: dict[str, Any]


PAGES = (
    Page("ppl-gen", "ppl", "ppl.html.j2", "PPL 이미지 생성기", "/api/ppl-gen", 90,
         "generated-ppl-image", ppl_params.choices(None)),
    Page("goods-gen", "goods", "goods.html.j2", "굿즈 디자인 생성기", "/api/goods-gen", 60,
         "generated-goods", goods_params.choices(None)),
)  # fmt: skip


def hashed_name(path: Path) -> str:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    return f"{path.stem}.{digest}{path.suffix}"


def copy_assets(target: Path) -> dict[str, str]:
    """Copy every static file with a hashed name; map ``css/app.css`` -> ``assets/app.<h>.css``."""
    assets = target / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    mapping: dict[str, str] = {}
    for source in sorted(p for p in STATIC.rglob("*") if p.is_file()):
        name = hashed_name(source)
        shutil.copyfile(source, assets / name)
        mapping[source.relative_to(STATIC).as_posix()] = f"assets/{name}"
    return mapping


def render_page(env: Environment, page: Page, out: Path) -> Path:
    target = out / page.slug
    if target.exists():
        shutil.rmtree(target)
    mapping = copy_assets(target)

    def asset(path: str) -> str:
        if path not in mapping:
            raise KeyError(f"unknown asset {path!r}")
        return mapping[path]

    config = {
        "page": page.page,
        "api_base": page.api_base,
        "expected_wait_s": page.expected_wait_s,
        "client_timeout_s": CLIENT_TIMEOUT_S,
        "download_stem": page.download_stem,
        # Build-time defaults; the page refreshes them from GET {api_base}/info.
        "max_upload_mb": CommonSettings.model_fields["max_upload_mb"].default,
        "max_image_side": CommonSettings.model_fields["max_image_side"].default,
        "default_seed": 11,
    }
    html = env.get_template(page.template).render(
        asset=asset, page=page.page, title=page.title, config=config, choices=page.choices
    )
    (target / "index.html").write_text(html, encoding="utf-8")
    return target


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
