"""The local goods engine: offline product mockups drawn with Pillow + numpy.

Every test builds its character on the spot: a figure in saturated magenta and
cyan (colours no product, backdrop or shading produces by itself), so finding
those colours in a mockup proves the print is really there.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from goods_backend.mockup_renderer import GOODS_KINDS, render_mockup
from webtoon_core.compositing import canvas_size

MAGENTA = (255, 0, 255)
CYAN = (0, 255, 255)
PAPER = (246, 246, 242)
RATIOS = ("1:1", "3:4", "16:9", "21:9", "9:21")
SIDE = 384  # small canvases keep the suite fast; the drawing scales with the canvas


def character(mode: str = "RGB", variant: int = 0) -> Image.Image:
    """A 600x800 figure: cyan head and legs, magenta body and arms, on plain paper.

    ``variant=1`` is a different character (magenta head, cyan body, wider pose).
    ``mode="RGBA"`` puts the same figure on a transparent background.
    """
    background = (*PAPER, 0) if mode == "RGBA" else PAPER
    image = Image.new(mode, (600, 800), background)
    d = ImageDraw.Draw(image)
    head, body = (CYAN, MAGENTA) if variant == 0 else (MAGENTA, CYAN)
    if variant == 0:
        d.ellipse((190, 80, 410, 300), fill=head)
        d.rounded_rectangle((200, 300, 400, 560), radius=40, fill=body)
        d.rectangle((130, 320, 200, 360), fill=body)
        d.rectangle((400, 320, 470, 360), fill=body)
        d.rectangle((225, 560, 280, 740), fill=head)
        d.rectangle((320, 560, 375, 740), fill=head)
    else:
        d.ellipse((120, 120, 480, 420), fill=head)
        d.polygon([(300, 380), (540, 700), (60, 700)], fill=body)
    return image


def render(kind: str, *, char: Image.Image | None = None, prompt: str = "", ratio: str = "1:1",
           seed: int | None = 5, side: int = SIDE) -> Image.Image:  # fmt: skip
    return render_mockup(
        char if char is not None else character(),
        kind=kind,
        prompt=prompt,
        aspect_ratio=ratio,
        seed=seed,
        longest_side=side,
    )


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image, dtype=np.int16)


def magenta(a: np.ndarray) -> np.ndarray:
    return (a[..., 0] > 170) & (a[..., 2] > 170) & (a[..., 1] < 90)


def cyan(a: np.ndarray) -> np.ndarray:
    return (a[..., 0] < 90) & (a[..., 1] > 170) & (a[..., 2] > 170)


def mean_abs_diff(a: Image.Image, b: Image.Image) -> float:
    return float(np.abs(pixels(a) - pixels(b)).mean())


@pytest.fixture(scope="module")
def gallery() -> dict[str, Image.Image]:
    """One 1:1 mockup per kind, same character and seed."""
    return {kind: render(kind) for kind in GOODS_KINDS}


def test_the_ten_kinds():
    assert GOODS_KINDS == (
        "tshirt", "mug", "ecobag", "acrylic_keyring", "acrylic_stand",
        "sticker", "phone_case", "badge", "cushion", "poster",
    )  # fmt: skip


@pytest.mark.parametrize(("kind", "ratio"), list(itertools.product(GOODS_KINDS, RATIOS)))
def test_every_kind_renders_rgb_at_the_canvas_size_for_the_ratio(kind, ratio):
    char = character()
    out = render(kind, char=char, ratio=ratio)
    assert out.mode == "RGB"
    assert out.size == canvas_size(ratio, longest_side=SIDE, source_size=char.size)
    # the product is there: the print shows whatever the canvas shape
    assert magenta(pixels(out)).sum() > 0.002 * out.width * out.height


@pytest.mark.parametrize("kind", GOODS_KINDS)
def test_full_size_default_is_1024(kind):
    out = render_mockup(character(), kind=kind, prompt="", aspect_ratio="3:4", seed=1)
    assert out.size == (768, 1024)


@pytest.mark.parametrize("kind", GOODS_KINDS)
def test_same_inputs_give_identical_pixels(kind):
    first = render(kind, char=character(), seed=42)
    again = render(kind, char=character(), seed=42)
    assert first.tobytes() == again.tobytes()
    assert render(kind, seed=None).tobytes() == render(kind, seed=None).tobytes()


@pytest.mark.parametrize("kind", GOODS_KINDS)
def test_the_seed_changes_the_picture(kind):
    assert mean_abs_diff(render(kind, seed=1), render(kind, seed=2)) > 1.0


@pytest.mark.parametrize("kind", GOODS_KINDS)
def test_the_character_changes_the_picture(kind):
    a = render(kind, char=character(variant=0))
    b = render(kind, char=character(variant=1))
    assert mean_abs_diff(a, b) > 1.0


def test_kinds_differ_pairwise(gallery):
    for (ka, a), (kb, b) in itertools.combinations(gallery.items(), 2):
        assert mean_abs_diff(a, b) > 6.0, (ka, kb)


@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
@pytest.mark.parametrize("kind", GOODS_KINDS)
def test_the_print_is_on_the_product_in_the_middle_of_the_canvas(kind, mode):
    out = pixels(render(kind, char=character(mode)))
    h, w = out.shape[:2]
    centre = out[h // 4 : 3 * h // 4, w // 4 : 3 * w // 4]
    area = centre.shape[0] * centre.shape[1]
    assert magenta(centre).sum() > 0.01 * area
    assert cyan(centre).sum() > 0.005 * area
    # and the middle is the product, not the bare backdrop: far from the corner colour
    corner = out[:8, :8].reshape(-1, 3).mean(axis=0)
    assert (np.abs(centre - corner).sum(axis=2) > 40).mean() > 0.3


def test_sticker_print_is_ringed_by_a_white_border():
    out = pixels(render("sticker", side=512))
    art = Image.fromarray(((magenta(out) | cyan(out)) * 255).astype(np.uint8))

    def grown(r: int) -> np.ndarray:  # square dilation by r px
        return np.asarray(art.filter(ImageFilter.BoxBlur(r))) > 0

    ring = grown(10) & ~grown(4)
    assert ring.sum() > 500
    brightest = out.min(axis=2)  # near white means every channel is high
    assert (brightest[ring] >= 228).mean() > 0.85
    # the backdrop is not white itself, so the white really is the sticker's border
    assert out[:8, :8].min(axis=2).mean() < 228


def test_badge_print_is_clipped_to_a_circle():
    # a full-bleed square design: unclipped, it would fill its box to the corners
    stripes = Image.new("RGB", (400, 400), MAGENTA)
    d = ImageDraw.Draw(stripes)
    for x in range(0, 400, 40):
        d.rectangle((x, 0, x + 19, 399), fill=CYAN)
    out = pixels(render("badge", char=stripes, seed=3, side=512))
    ink = magenta(out) | cyan(out)
    ys, xs = np.nonzero(ink)
    top, bottom, left, right = ys.min(), ys.max(), xs.min(), xs.max()
    side = min(bottom - top, right - left)
    assert side > 0.4 * 512
    patch = max(4, side // 14)  # the corner triangles a circle leaves in its square
    box = ink[top : bottom + 1, left : right + 1]
    cy, cx = box.shape[0] // 2, box.shape[1] // 2
    centre = box[cy - patch : cy + patch, cx - patch : cx + patch]
    assert centre.mean() > 0.9
    for corner in (
        box[:patch, :patch],
        box[:patch, -patch:],
        box[-patch:, :patch],
        box[-patch:, -patch:],
    ):
        assert corner.mean() < 0.01


def _torso(image: Image.Image) -> np.ndarray:
    """Mean colour of the shirt below the chest print (1:1 canvas)."""
    a = pixels(image)
    h, w = a.shape[:2]
    return (
        a[int(0.7 * h) : int(0.76 * h), int(0.44 * w) : int(0.56 * w)].reshape(-1, 3).mean(axis=0)
    )


@pytest.mark.parametrize(
    "prompt", ["navy", "a navy blue oversized tee", "네이비 티셔츠로 만들어줘"]
)
def test_colour_hint_dyes_the_tshirt(prompt):
    plain = _torso(render("tshirt"))
    navy = _torso(render("tshirt", prompt=prompt))
    assert plain.min() > 200  # default: white cotton
    assert navy.max() < 110 and navy[2] > navy[0] + 15  # dark blue


@pytest.mark.parametrize(
    ("prompt", "dark"),
    [("black", True), ("검정 머그", True), ("a colored mug", False), ("credit the artist", False)],
)
def test_colour_words_are_matched_as_words(prompt, dark):
    # "colored" and "credit" contain "red" but name no colour: the mug stays white
    mug = pixels(render("mug", prompt=prompt))
    h, w = mug.shape[:2]
    body = mug[int(0.62 * h) : int(0.7 * h), int(0.3 * w) : int(0.36 * w)].mean()
    assert (body < 90) if dark else (body > 150)


def test_colour_hint_leaves_products_without_a_base_colour_alone():
    assert render("sticker", prompt="navy").tobytes() == render("sticker", prompt="").tobytes()


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="spaceship"):
        render_mockup(character(), kind="spaceship", prompt="", aspect_ratio="1:1", seed=1)
