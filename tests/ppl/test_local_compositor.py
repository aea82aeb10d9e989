"""Tests for the local PPL engine (``ppl_backend.compositor``).

Inputs are synthetic: a flat-coloured figure on a plain light sheet and a pure
red bottle on white, so every colour in the output can be attributed to its source.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from ppl_backend.compositor import compose_product_shot

SHIRT = (40, 90, 200)
PANTS = (60, 60, 80)
SKIN = (245, 205, 175)
RED = (255, 0, 0)
GREEN = (0, 200, 0)


def make_character(background: tuple[int, int, int] = (236, 240, 246)) -> Image.Image:
    im = Image.new("RGB", (600, 900), background)
    d = ImageDraw.Draw(im)
    d.ellipse((220, 60, 380, 230), fill=SKIN)
    d.pieslice((210, 40, 390, 200), 180, 360, fill=(90, 60, 40))
    d.rounded_rectangle((190, 240, 410, 560), 30, fill=SHIRT)
    d.rounded_rectangle((130, 250, 190, 520), 25, fill=SHIRT)
    d.rounded_rectangle((410, 250, 470, 520), 25, fill=SHIRT)
    d.ellipse((128, 500, 192, 560), fill=SKIN)
    d.ellipse((408, 500, 472, 560), fill=SKIN)
    d.rectangle((210, 560, 290, 850), fill=PANTS)
    d.rectangle((310, 560, 390, 850), fill=PANTS)
    return im


def make_bottle(label: bool = False) -> Image.Image:
    im = Image.new("RGB", (300, 500), (255, 255, 255))
    d = ImageDraw.Draw(im)
    d.rounded_rectangle((90, 140, 210, 460), 20, fill=RED)
    d.rectangle((125, 60, 175, 140), fill=RED)
    d.rectangle((115, 40, 185, 70), fill=(40, 40, 40))
    if label:
        d.rectangle((105, 240, 195, 360), fill=(255, 255, 255))
    return im


def make_box() -> Image.Image:
    im = Image.new("RGB", (400, 300), (255, 255, 255))
    ImageDraw.Draw(im).rectangle((40, 60, 360, 260), fill=(240, 150, 20))
    return im


def make_rgba_ring() -> Image.Image:
    """A green ring whose transparent pixels are black: a premultiplication trap."""
    im = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.ellipse((30, 30, 270, 270), fill=GREEN + (255,))
    d.ellipse((90, 90, 210, 210), fill=(0, 0, 0, 0))
    return im


def render(
    product: Image.Image | None = None,
    *,
    prompt: str = "holding the bottle",
    aspect_ratio: str = "1:1",
    seed: int | None = 1,
    character: Image.Image | None = None,
) -> np.ndarray:
    out = compose_product_shot(
        character if character is not None else make_character(),
        product if product is not None else make_bottle(),
        prompt=prompt,
        aspect_ratio=aspect_ratio,
        seed=seed,
    )
    assert out.mode == "RGB"
    return np.asarray(out).astype(np.int16)


def red_mask(arr: np.ndarray) -> np.ndarray:
    r, g, b = arr[..., 0], arr[..., 1], arr[..., 2]
    return (r > 150) & (g < 80) & (b < 80)


def colour_mask(arr: np.ndarray, colour: tuple[int, int, int], tol: int = 30) -> np.ndarray:
    return (np.abs(arr - np.array(colour)).max(axis=-1)) <= tol


def centroid_x(mask: np.ndarray) -> float:
    assert mask.any()
    return float(np.nonzero(mask)[1].mean())


EXPECTED_SIZES = {
    "match_input_image": (683, 1024),  # the 600x900 character's 2:3 shape
    "1:1": (1024, 1024),
    "16:9": (1024, 576),
    "9:16": (576, 1024),
    "4:3": (1024, 768),
    "3:4": (768, 1024),
    "3:2": (1024, 683),
    "2:3": (683, 1024),
    "4:5": (819, 1024),
    "5:4": (1024, 819),
    "21:9": (1024, 439),
    "9:21": (439, 1024),
    "2:1": (1024, 512),
    "1:2": (512, 1024),
}


@pytest.mark.parametrize(("aspect_ratio", "size"), EXPECTED_SIZES.items())
def test_output_size_matches_every_aspect_ratio(aspect_ratio: str, size: tuple[int, int]) -> None:
    arr = render(aspect_ratio=aspect_ratio)
    assert (arr.shape[1], arr.shape[0]) == size
    # Whatever the frame, both subjects are in it at a sensible size.
    assert 0.002 < red_mask(arr).mean() < 0.2
    assert colour_mask(arr, SHIRT).mean() > 0.03


def test_match_input_image_follows_a_landscape_character() -> None:
    wide = make_character().resize((900, 600))
    arr = render(aspect_ratio="match_input_image", character=wide)
    assert (arr.shape[1], arr.shape[0]) == (1024, 683)


def test_same_inputs_and_seed_give_identical_pixels() -> None:
    kwargs = {"prompt": "holding the bottle", "aspect_ratio": "16:9", "seed": 42}
    a = compose_product_shot(make_character(), make_bottle(), **kwargs)
    b = compose_product_shot(make_character(), make_bottle(), **kwargs)
    assert a.tobytes() == b.tobytes()


def test_no_seed_is_still_deterministic() -> None:
    a = compose_product_shot(
        make_character(), make_bottle(), prompt="p", aspect_ratio="1:1", seed=None
    )
    b = compose_product_shot(
        make_character(), make_bottle(), prompt="p", aspect_ratio="1:1", seed=None
    )
    assert a.tobytes() == b.tobytes()


def test_different_seeds_give_different_images() -> None:
    images = {render(seed=s).tobytes() for s in (1, 2, 3)}
    assert len(images) == 3


def test_different_product_gives_different_pixels() -> None:
    bottle, box = render(make_bottle()), render(make_box())
    assert not np.array_equal(bottle, box)
    orange = colour_mask(box, (240, 150, 20), tol=45)
    assert orange.mean() > 0.005 and not red_mask(box).any()


def test_product_is_cut_out_without_a_white_box() -> None:
    arr = render(prompt="holding the bottle")
    red = red_mask(arr)
    assert 0.005 < red.mean() < 0.1
    ys, xs = np.nonzero(red)
    y0, y1, x0, x1 = ys.min(), ys.max(), xs.min(), xs.max()
    # A ring 4-12 px outside the bottle's box: it shows backdrop/character, not the white sheet.
    outer = np.zeros(red.shape, bool)
    outer[max(0, y0 - 12) : y1 + 13, max(0, x0 - 12) : x1 + 13] = True
    outer[max(0, y0 - 4) : y1 + 5, max(0, x0 - 4) : x1 + 5] = False
    white = (arr >= 250).all(axis=-1)
    assert white[outer].mean() < 0.01
    assert white.mean() < 0.001  # nowhere in the frame is there a paper-white patch


@pytest.mark.parametrize("aspect_ratio", ["1:1", "21:9", "9:16"])
@pytest.mark.parametrize(
    ("prompt", "side"),
    [
        ("character holding the bottle in the left hand, left", -1),
        ("character holding the bottle, right side", 1),
        ("the bottle on a table to the left", -1),
        ("bottle on display to the right", 1),
        ("왼쪽에 제품을 들고 있는 캐릭터", -1),
        ("오른쪽 테이블 위에 제품", 1),
    ],
)
def test_left_right_keywords_choose_the_side(prompt: str, side: int, aspect_ratio: str) -> None:
    for seed in (0, 5):
        arr = render(prompt=prompt, aspect_ratio=aspect_ratio, seed=seed)
        offset = centroid_x(red_mask(arr)) - centroid_x(colour_mask(arr, SHIRT))
        assert offset * side > 0, (prompt, aspect_ratio, seed, offset)


def test_standing_placement_puts_product_on_the_floor_and_holding_does_not() -> None:
    def red_bottom_vs_feet(prompt: str) -> float:
        arr = render(prompt=prompt, aspect_ratio="16:9")
        feet = np.nonzero(colour_mask(arr, PANTS))[0].max()
        return (feet - np.nonzero(red_mask(arr))[0].max()) / arr.shape[0]

    assert abs(red_bottom_vs_feet("the bottle standing beside him")) < 0.04
    # A held product is framed closer (the legs leave the frame); in a full shot it is
    # still well off the floor.
    held = render(prompt="holding the bottle", aspect_ratio="16:9")
    assert colour_mask(held, PANTS)[-1].any() or red_bottom_vs_feet("holding the bottle") > 0.15
    full = render(prompt="holding the bottle", aspect_ratio="9:16", seed=3)
    feet = np.nonzero(colour_mask(full, PANTS))[0].max()
    assert (
        feet == full.shape[0] - 1
        or feet - np.nonzero(red_mask(full))[0].max() > 0.1 * full.shape[0]
    )


@pytest.mark.parametrize("size", [300, 1000])  # 1000 px also exercises the pre-shrink path
def test_rgba_product_keeps_its_transparency(size: int) -> None:
    arr = render(make_rgba_ring().resize((size, size)), prompt="ring on display beside her")
    green = colour_mask(arr, GREEN, tol=60) & (arr[..., 1] > arr[..., 0] + 80)
    assert green.mean() > 0.005
    near_black = (arr < 25).all(axis=-1)
    assert near_black.mean() < 0.0005  # transparent black pixels never show up
    ys, xs = np.nonzero(green)
    cy, cx = int(ys.mean()), int(xs.mean())  # the hole in the middle of the ring
    hole = arr[cy - 3 : cy + 4, cx - 3 : cx + 4]
    assert not green[cy - 3 : cy + 4, cx - 3 : cx + 4].any()
    assert hole.mean() > 150  # the light backdrop shows through, not black


@pytest.mark.parametrize("scale", [1, 2])
def test_white_label_inside_keyed_product_stays_opaque(scale: int) -> None:
    # Tinted sheet: the backdrop can never reach r, g > 230, so such pixels are the label.
    character = make_character(background=(200, 215, 235))
    bottle = make_bottle(label=True).resize((300 * scale, 500 * scale))
    arr = render(bottle, prompt="bottle on the table", character=character)
    ys, xs = np.nonzero(red_mask(arr))
    box = arr[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    label = (box[..., 0] > 230) & (box[..., 1] > 230)
    assert label.mean() > 0.05


def test_character_stays_visible() -> None:
    for aspect_ratio in ("1:1", "21:9", "9:21"):
        arr = render(aspect_ratio=aspect_ratio)
        assert colour_mask(arr, SHIRT).mean() > 0.03
        assert colour_mask(arr, SKIN, tol=20).mean() > 0.005


def test_pale_skin_on_a_cream_sheet_is_not_see_through() -> None:
    # Skin is within the keying tolerance of this sheet: inside the figure it must stay opaque.
    arr = render(character=make_character(background=(250, 230, 200)))
    assert colour_mask(arr, SKIN, tol=12).mean() > 0.012  # ~0.02 when opaque
