"""Background removal shared by print files and the renderers: flood from the border only."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from webtoon_core.cutout import remove_background

PAPER = (248, 247, 242)
BLUE = (40, 90, 200)


def figure(background: tuple[int, ...] = PAPER, size: int = 400) -> Image.Image:
    """A blue body with a white face inside a dark outline, and white eyes: inner whites."""
    mode = "RGBA" if len(background) == 4 else "RGB"
    image = Image.new(mode, (size, size), background)
    d = ImageDraw.Draw(image)
    d.rounded_rectangle((100, 200, 300, 380), radius=20, fill=BLUE)
    d.ellipse((110, 30, 290, 210), fill=(255, 255, 255), outline=(30, 30, 30), width=6)
    d.ellipse((150, 90, 180, 130), fill=(20, 20, 20))
    return image


def test_a_plain_background_is_flooded_away_and_inner_whites_stay():
    result = remove_background(figure(), has_alpha=False)
    alpha = result.alpha
    report = result.report
    assert report.method == "flood" and report.background_removed and report.border_plain
    assert report.background == PAPER and report.plain_share == 1.0
    assert alpha[5, 5] == 0 and alpha[390, 390] == 0 and alpha[150, 40] == 0  # paper, all round
    assert alpha[150, 240] == 255, "the white face inside the outline stays opaque"
    assert alpha[300, 200] == 255
    assert 0.4 < report.removed_share < 0.8
    assert report.as_json()["background"] == "#f8f7f2"


def test_real_alpha_is_used_as_it_is():
    art = figure(background=(255, 255, 255, 0))
    art.putpixel((200, 300), (40, 90, 200, 77))  # a partly transparent pixel is kept too
    result = remove_background(art)  # the function asks has_real_transparency itself
    assert result.report.method == "alpha" and not result.report.background_removed
    assert result.report.threshold is None
    assert result.image.tobytes() == art.tobytes()


def test_a_subject_filling_the_frame_is_kept_opaque():
    rng = np.random.default_rng(1)
    photo = Image.fromarray(rng.integers(0, 256, (300, 300, 3), dtype=np.uint8))
    result = remove_background(photo, has_alpha=False)
    assert result.report.method == "kept" and result.report.border_plain is False
    assert result.report.plain_share is not None and result.report.plain_share < 0.8
    assert (result.alpha == 255).all()

    close_up = Image.new("RGB", (300, 300), (230, 190, 160))  # a face filling the frame...
    d = ImageDraw.Draw(close_up)
    for x in range(0, 300, 30):
        d.rectangle((x, 0, x + 14, 300), fill=(60, 40, 30))  # ...striped hair all round it
    assert remove_background(close_up, has_alpha=False).report.method == "kept"


def test_a_subject_the_colour_of_its_background_is_not_eaten():
    image = Image.new("RGB", (200, 200), PAPER)
    ImageDraw.Draw(image).rectangle((20, 20, 180, 180), fill=(250, 249, 245))  # paper on paper
    result = remove_background(image, has_alpha=False)
    assert result.report.method == "kept", "a flood that leaves nothing is not trusted"


@pytest.mark.parametrize("quality", [60, 85])
def test_jpeg_noise_on_the_background_is_tolerated(quality: int):
    rng = np.random.default_rng(2)
    pixels = np.asarray(figure(), dtype=np.float32) + rng.normal(0, 3, (400, 400, 3))
    noisy = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    out = io.BytesIO()
    noisy.save(out, format="JPEG", quality=quality)
    result = remove_background(Image.open(io.BytesIO(out.getvalue())), has_alpha=False)
    assert result.report.method == "flood"
    assert result.report.threshold is not None and result.report.threshold > 24  # raised by noise
    alpha = result.alpha
    background = np.ones((400, 400), dtype=bool)
    background[20:390, 90:310] = False  # the figure and a margin round it
    assert (alpha[background] == 0).mean() > 0.99, "grain does not leave specks behind"
    assert alpha[150, 240] == 255 and alpha[300, 200] == 255


def test_edges_get_a_soft_alpha_and_the_subject_a_hard_one():
    big = figure(size=800).resize((400, 400), Image.Resampling.LANCZOS)  # anti-aliased edges
    alpha = remove_background(big, has_alpha=False).alpha
    partial = (alpha > 0) & (alpha < 255)
    assert 0 < partial.sum() < 0.02 * alpha.size  # a one-pixel rim at most


def test_specks_in_a_flooded_background_go_with_it_and_small_details_on_the_subject_stay():
    image = figure()
    d = ImageDraw.Draw(image)
    for x, y in ((20, 20), (370, 40), (30, 350)):
        d.rectangle((x, y, x + 1, y + 1), fill=(60, 60, 60))  # dust: 2x2 px, far from the figure
    d.rectangle((195, 380, 196, 399), fill=BLUE)  # a thin line attached to the figure
    result = remove_background(image, has_alpha=False)
    assert result.report.specks_removed == 3
    assert result.alpha[20, 20] == 0 and result.alpha[40, 370] == 0
    assert result.alpha[395, 195] == 255, "attached details are not specks"
    assert result.report.as_json()["specks_removed"] == 3


# --------------------------------------------------------------------------- products


def label_bottle() -> Image.Image:
    """A green bottle on white whose white label runs from edge to edge, with print on it."""
    image = Image.new("RGB", (300, 600), (255, 255, 255))
    d = ImageDraw.Draw(image)
    d.rectangle((120, 40, 180, 90), fill=(30, 30, 30))
    d.rectangle((130, 90, 170, 150), fill=(30, 140, 90))
    d.rounded_rectangle((70, 140, 230, 560), radius=26, fill=(30, 140, 90))
    d.rectangle((70, 260, 230, 420), fill=(255, 255, 255))
    d.rectangle((100, 320, 200, 345), fill=(200, 40, 60))
    return image


def test_a_label_round_a_product_is_given_back_for_products_only():
    art = remove_background(label_bottle(), has_alpha=False)
    assert art.alpha[340, 80] == 0, "art: the print files' cut line keeps following the flood"
    product = remove_background(label_bottle(), has_alpha=False, subject="product")
    assert product.report.method == "flood" and product.report.subject == "product"
    assert product.alpha[300, 80] == 255 and product.alpha[400, 220] == 255, "label kept"
    assert product.alpha[300, 40] == 0 and product.alpha[100, 80] == 0, "background still goes"
    assert 0.1 < product.report.bridged_share < 0.15  # the label: 160 x 160 of 300 x 600
    assert product.report.as_json()["bridged_share"] == round(product.report.bridged_share, 4)


def test_two_products_side_by_side_are_not_bridged():
    image = Image.new("RGB", (400, 300), (255, 255, 255))
    d = ImageDraw.Draw(image)
    d.rectangle((40, 60, 170, 240), fill=BLUE)
    d.rectangle((230, 60, 360, 240), fill=BLUE)
    result = remove_background(image, has_alpha=False, subject="product")
    assert result.alpha[150, 200] == 0 and result.report.bridged_share == 0


def test_a_coloured_field_filling_the_frame_is_the_product():
    face = Image.new("RGB", (500, 380), (240, 130, 30))  # a box face: orange to the edges
    ImageDraw.Draw(face).ellipse((40, 60, 200, 220), fill=(255, 255, 255))
    product = remove_background(face, has_alpha=False, subject="product")
    assert product.report.method == "kept" and product.report.whole_frame
    assert (product.alpha == 255).all()
    art = remove_background(face, has_alpha=False)  # art on a coloured sheet is still cut out
    assert art.report.method == "flood" and not art.report.whole_frame


def test_scattered_marks_on_a_plain_field_are_the_product():
    face = Image.new("RGB", (500, 380), (250, 250, 250))  # a white box face with print
    d = ImageDraw.Draw(face)
    for row, y in enumerate((60, 140, 220, 300)):
        for k in range(6):
            d.rectangle((40 + k * 70, y, 80 + k * 70, y + 40), fill=(30, 30, 30))
    product = remove_background(face, has_alpha=False, subject="product")
    assert product.report.method == "kept" and product.report.whole_frame
    # one solid product on the same field is cut out as usual
    bottle = remove_background(label_bottle(), has_alpha=False, subject="product")
    assert not bottle.report.whole_frame
