"""The mockup renderer's contract beyond its pictures.

* one answer to "does this image have real transparency": the caller's flag
  (``PreparedImage.has_alpha`` on the service path), else
  ``webtoon_core.images.has_real_transparency``;
* each product's proportions are a named, frozen geometry;
* the two local engines share code through public names only.
"""

from __future__ import annotations

import ast
import dataclasses
import io
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

import goods_backend.mockup_renderer as renderer
from goods_backend import local_engine
from goods_backend.mockup_renderer import GOODS_KINDS, acrylic, apparel, mug, printed, render_mockup
from goods_backend.params import GoodsParams
from webtoon_core.images import ImageLimits, prepare_upload

ROOT = Path(__file__).resolve().parents[2]
LIMITS = ImageLimits(max_side=1024, max_pixels=40_000_000, max_axis=16383)
PAPER = (246, 246, 242)


def character(alpha: int = 255) -> Image.Image:
    """A magenta figure on plain paper; every pixel has the same ``alpha``."""
    image = Image.new("RGBA", (300, 400), (*PAPER, alpha))
    draw = ImageDraw.Draw(image)
    draw.ellipse((95, 40, 205, 150), fill=(0, 255, 255, alpha))
    draw.rounded_rectangle((100, 150, 200, 370), radius=20, fill=(255, 0, 255, alpha))
    return image


def mockup(image: Image.Image, kind: str = "sticker", has_alpha: bool | None = None) -> bytes:
    out = render_mockup(
        image,
        kind=kind,
        prompt="",
        aspect_ratio="1:1",
        seed=5,
        longest_side=256,
        has_alpha=has_alpha,
    )
    return out.tobytes()


# --------------------------------------------------------------------------- transparency


@pytest.mark.parametrize("kind", ["sticker", "tshirt"])
def test_without_a_flag_the_renderer_asks_has_real_transparency(kind: str) -> None:
    # Alpha 252 is below 255: real transparency, so the art is used as drawn, not keyed.
    faint = character(alpha=252)
    assert mockup(faint, kind) == mockup(faint, kind, True)
    assert mockup(faint, kind) != mockup(faint, kind, False)


def test_an_opaque_rgba_input_is_keyed_like_rgb() -> None:
    assert mockup(character(255)) == mockup(character(255).convert("RGB"))


def test_the_service_uses_the_flag_recorded_at_normalisation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def asked_again(image: Image.Image) -> bool:
        raise AssertionError("transparency is answered once, when the upload is normalised")

    monkeypatch.setattr(renderer, "has_real_transparency", asked_again)
    out = io.BytesIO()
    character(0).save(out, format="PNG")
    prepared = prepare_upload(out.getvalue(), field="input_image", limits=LIMITS)
    assert prepared.has_alpha
    data = local_engine.render(GoodsParams(goods_type="badge", seed=2), {"input_image": prepared})
    assert Image.open(io.BytesIO(data)).width > 0


# --------------------------------------------------------------------------- geometry

GEOMETRY = {
    "mug": mug.MUG,
    "tshirt": apparel.TSHIRT,
    "ecobag": apparel.ECOBAG,
    "cushion": apparel.CUSHION,
    "acrylic_keyring": acrylic.KEYRING,
    "acrylic_stand": acrylic.STAND,
    "sticker": acrylic.STICKER,
    "badge": acrylic.BADGE,
    "phone_case": printed.PHONE_CASE,
    "poster": printed.POSTER,
}


def test_every_kind_has_a_frozen_geometry() -> None:
    assert set(GEOMETRY) == set(GOODS_KINDS)
    for kind, geometry in GEOMETRY.items():
        assert dataclasses.is_dataclass(geometry), kind
        first = dataclasses.fields(geometry)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(geometry, first, 0.5)


def test_layer_aspects_follow_the_art_or_the_canvas() -> None:
    assert acrylic.STICKER.layer_aspect(1.0, 1.0) == 1.0  # a border on a square stays square
    assert acrylic.KEYRING.layer_aspect(5.0, 1.0) == 1.3  # clamped to a plausible charm
    assert printed.POSTER.layer_aspect(1.0, 16 / 9) > 1 > printed.POSTER.layer_aspect(1.0, 0.75)


# --------------------------------------------------------------------------- structure

ENGINE_MODULES = sorted(
    [
        *(ROOT / "goods_backend" / "mockup_renderer").glob("*.py"),
        ROOT / "goods_backend" / "local_engine.py",
        *(ROOT / "ppl_backend" / "compositor").glob("*.py"),
        ROOT / "ppl_backend" / "local_engine.py",
        ROOT / "webtoon_core" / "compositing.py",
    ]
)


@pytest.mark.parametrize("path", ENGINE_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_engines_share_code_through_public_names_only(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module != "__future__":
            module = node.module or ""
            assert not any(part.startswith("_") for part in module.split(".")), module
            private = [alias.name for alias in node.names if alias.name.startswith("_")]
            assert not private, f"{path.name} imports {private} from {module}"


def test_the_art_is_lifted_by_the_shared_background_removal() -> None:
    """One background removal for mockups, PPL and print files: inner whites stay opaque."""
    from goods_backend.mockup_renderer.staging import lift_art
    from webtoon_core.cutout import remove_background

    art = Image.new("RGB", (300, 400), (255, 255, 255))
    draw = ImageDraw.Draw(art)
    draw.ellipse((80, 40, 220, 180), fill=(255, 255, 255), outline=(20, 20, 20), width=6)
    draw.rounded_rectangle((100, 180, 200, 370), radius=20, fill=(255, 0, 255))
    lifted = lift_art(art, has_alpha=False)
    expected = remove_background(art, has_alpha=False).image
    box = expected.getchannel("A").point(lambda a: 255 if a > 16 else 0).getbbox()
    assert box is not None
    assert lifted.getchannel("A").tobytes() == expected.crop(box).getchannel("A").tobytes()
    assert lifted.getpixel((lifted.width // 2, 60))[3] == 255, "the white face stays"
