"""The PPL compositor's contract beyond its pictures, and the shared compositing helpers.

* one answer to "does this image have real transparency": the caller's flag
  (``PreparedImage.has_alpha`` on the service path), else
  ``webtoon_core.images.has_real_transparency``;
* the shot's proportions are named, frozen geometry;
* the helpers both local engines share (``webtoon_core.compositing``) keep
  transparent pixels' colour out of edges;
* there is one background removal (``webtoon_core.cutout``), not a second copy.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable

import numpy as np
import pytest
from PIL import Image, ImageDraw

from ppl_backend import local_engine
from ppl_backend.compositor import PLACEMENTS, STAGE, WORN, compose_product_shot
from ppl_backend.compositor import render as compositor_render
from ppl_backend.params import PplParams
from webtoon_core import compositing
from webtoon_core.compositing import rotate_rgba, scale_rgba, subject_bbox
from webtoon_core.cutout import remove_background
from webtoon_core.images import ImageLimits, prepare_upload

SHEET = (236, 240, 246)
SHIRT = (40, 90, 200)
LIMITS = ImageLimits(max_side=1024, max_pixels=40_000_000, max_axis=16383)


def figure(alpha: int = 255) -> Image.Image:
    """A blue figure on a plain sheet; every pixel has the same ``alpha``."""
    image = Image.new("RGBA", (300, 450), (*SHEET, alpha))
    draw = ImageDraw.Draw(image)
    draw.ellipse((110, 30, 190, 110), fill=(245, 205, 175, alpha))
    draw.rounded_rectangle((90, 110, 210, 420), 30, fill=(*SHIRT, alpha))
    return image


def box() -> Image.Image:
    image = Image.new("RGB", (200, 150), (255, 255, 255))
    ImageDraw.Draw(image).rectangle((20, 30, 180, 130), fill=(240, 150, 20))
    return image


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def shot(character: Image.Image, character_has_alpha: bool | None = None) -> bytes:
    out = compose_product_shot(
        character,
        box(),
        prompt="holding the box",
        aspect_ratio="1:1",
        seed=4,
        character_has_alpha=character_has_alpha,
    )
    return out.tobytes()


# --------------------------------------------------------------------------- transparency


def test_without_a_flag_the_compositor_asks_has_real_transparency() -> None:
    # Alpha 252 is below 255: real transparency, so the sheet is kept as drawn, not keyed out.
    faint = figure(alpha=252)
    assert shot(faint) == shot(faint, character_has_alpha=True)
    assert shot(faint) != shot(faint, character_has_alpha=False)


def test_an_opaque_rgba_input_is_keyed_like_rgb() -> None:
    assert shot(figure(255)) == shot(figure(255).convert("RGB"))


def test_the_service_uses_the_flag_recorded_at_normalisation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def asked_again(image: Image.Image) -> bool:
        raise AssertionError("transparency is answered once, when the upload is normalised")

    monkeypatch.setattr(compositor_render, "has_real_transparency", asked_again)
    character = prepare_upload(png(figure(0)), field="input_image_1", limits=LIMITS)
    product = prepare_upload(png(box()), field="input_image_2", limits=LIMITS)
    assert character.has_alpha and not product.has_alpha
    params = PplParams(prompt="holding the box", aspect_ratio="1:1", seed=3)
    data = local_engine.render(params, {"input_image_1": character, "input_image_2": product})
    assert Image.open(io.BytesIO(data)).size == (1024, 1024)


# --------------------------------------------------------------------------- geometry


def test_every_prompt_placement_has_its_geometry() -> None:
    assert set(PLACEMENTS) == {
        "show", "worn", "closeup", "hold", "use", "table", "display", "floor", "beside",
    }  # fmt: skip
    for name, placement in PLACEMENTS.items():
        assert placement.framings and placement.size[0] < placement.size[1], name
        if placement.surface is not None:  # standing on something: upright
            assert placement.tilt == 0, name
    assert set(WORN) == {"hat", "eyewear", "scarf", "top", "bag"}


def test_geometry_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(STAGE, "floor", 0.5)  # setattr: a plain assignment would not type-check
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(PLACEMENTS["hold"], "tilt", 0.0)


# --------------------------------------------------------------------------- shared helpers


def test_one_background_removal_keeps_real_alpha_and_floods_an_opaque_sheet() -> None:
    assert not hasattr(compositing, "cutout"), "the old keying copy is gone"
    drawn = figure(0)
    kept = remove_background(drawn, has_alpha=True).image
    assert np.array_equal(np.asarray(kept), np.asarray(drawn))
    flooded = remove_background(figure(255), has_alpha=False).alpha
    assert flooded[5, 5] == 0 and flooded[250, 150] == 255  # sheet cleared, shirt kept


def test_subject_bbox_threshold() -> None:
    image = Image.new("RGBA", (40, 30), (0, 0, 0, 0))
    image.putpixel((5, 6), (0, 0, 0, 10))  # faint: only a zero threshold sees it
    image.putpixel((20, 12), (0, 0, 0, 255))
    assert subject_bbox(image, threshold=0) == (5, 6, 21, 13)
    assert subject_bbox(image) == (20, 12, 21, 13)
    assert subject_bbox(Image.new("RGBA", (40, 30))) == (0, 0, 40, 30)  # empty: all of it


def white_square() -> Image.Image:
    """Opaque white on transparent *black*: resampling straight alpha would grey its edge."""
    image = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle((16, 16, 47, 47), fill=(255, 255, 255, 255))
    return image


@pytest.mark.parametrize(
    "transform",
    [lambda im: scale_rgba(im, 0.37), lambda im: rotate_rgba(im, 17.0)],
    ids=["scale", "rotate"],
)
def test_resampling_is_premultiplied(transform: Callable[[Image.Image], Image.Image]) -> None:
    out = np.asarray(transform(white_square()))
    visible = out[..., 3] > 8
    assert visible.any() and (out[..., 3] < 255).any()  # there are soft edge pixels
    assert out[visible][:, :3].min() >= 250  # and they stay white


def test_scale_rgba_rounds_and_never_collapses() -> None:
    assert scale_rgba(white_square(), 0.5).size == (32, 32)
    assert scale_rgba(white_square(), 0.001).size == (1, 1)
