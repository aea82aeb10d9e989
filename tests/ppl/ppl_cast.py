"""The fixed cast of the PPL compositor's tests and contact sheet: characters and products.

Every picture is drawn here with Pillow and numpy, so what matters is known
exactly: where a character's face, eye whites and outlines are (in its own
pixels), and which pixels are product.  Each comes in two palettes with the
same shapes (``variant=1``): rendering a shot twice, once with each, and
taking the pixels that differ measures what of that subject is visible in
the output, without trusting the compositor's own account of its layout.

* characters: line art on white (white shirt, eye whites, black outlines);
  flat colours on real transparency with long hair; a figure on a busy,
  photo-like background; a chibi on a pastel sheet; a bust cut off by the
  bottom edge; pale skin on a cream sheet; a figure on a dark navy sheet.
* products: a box face and a poster that fill their frames; a bottle with a
  white label round it on white; a product with real transparency; a wide
  product; a tall product; a cap and a pair of glasses (worn).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

Box = tuple[int, int, int, int]
Point = tuple[int, int]
RGB = tuple[int, int, int]

# --------------------------------------------------------------------------- characters


@dataclass(frozen=True)
class Palette:
    skin: RGB
    hair: RGB
    shirt: RGB
    eye_white: RGB
    pupil: RGB
    pants: RGB
    shoes: RGB
    line: RGB | None  # None: no outlines


# Variant 1 changes every colour by more than 40 in some channel and keeps each one as far
# from the sheet as variant 0, so both palettes are cut out identically.
LINE_ART = (
    Palette(
        (252, 224, 200),
        (70, 50, 40),
        (255, 255, 255),
        (255, 255, 255),
        (20, 20, 20),
        (50, 70, 140),
        (40, 30, 30),
        (25, 25, 25),
    ),
    Palette(
        (200, 240, 252),
        (40, 110, 70),
        (255, 255, 190),
        (255, 255, 190),
        (20, 20, 120),
        (150, 60, 60),
        (30, 30, 110),
        (25, 25, 120),
    ),
)
FLAT = (
    Palette(
        (245, 208, 180),
        (120, 60, 150),
        (230, 90, 80),
        (255, 255, 255),
        (40, 30, 60),
        (60, 60, 80),
        (90, 50, 30),
        None,
    ),
    Palette(
        (180, 230, 245),
        (60, 150, 90),
        (80, 160, 230),
        (255, 250, 170),
        (140, 30, 30),
        (150, 110, 40),
        (30, 70, 120),
        None,
    ),
)
CREAM_SKIN = (
    Palette(
        (245, 205, 175),
        (110, 70, 40),
        (40, 90, 200),
        (255, 255, 255),
        (30, 30, 30),
        (60, 60, 80),
        (30, 30, 30),
        None,
    ),
    Palette(
        (235, 215, 130),
        (40, 120, 110),
        (200, 60, 60),
        (255, 250, 170),
        (30, 30, 130),
        (130, 90, 40),
        (30, 30, 130),
        None,
    ),
)


@dataclass(frozen=True)
class Character:
    """A generated character and what the tests know about it (in its own pixels)."""

    name: str
    image: Image.Image
    has_alpha: bool
    face: Box  # hairline to chin, cheek to cheek: never to be covered
    eyes: tuple[Point, Point]  # the centres of the two eyes (eye whites round them)
    inner_whites: tuple[Point, ...]  # white pixels inside the figure that must stay white
    lines: tuple[Point, ...]  # pixels on a dark outline that must stay dark
    busy: bool = False  # on a photo-like background: placed as a card


@dataclass(frozen=True)
class _Body:
    """Proportions of a standing figure, in its own height ``h`` from ``top`` at ``cx``."""

    head: float  # head height / figure height
    long_hair: bool = False
    arms_out: bool = False


def _outlined(d: ImageDraw.ImageDraw, shape: str, box: Box, fill: RGB, pal: Palette) -> None:
    width = 6 if pal.line is not None else 0
    outline = pal.line
    if shape == "ellipse":
        d.ellipse(box, fill=fill, outline=outline, width=width)
    else:
        d.rounded_rectangle(box, radius=18, fill=fill, outline=outline, width=width)


def _draw_figure(
    d: ImageDraw.ImageDraw, cx: int, top: int, h: int, body: _Body, pal: Palette
) -> tuple[Box, tuple[Point, Point], tuple[Point, ...], tuple[Point, ...]]:
    """Draw a front-facing figure; return its face box, eyes, inner whites and line points."""
    hh = int(body.head * h)  # head height
    hw = int(hh * 0.86)  # head width
    neck = top + hh
    shoulder = neck + int(0.12 * hh)
    torso_w = int(min(hw * 1.45, 0.28 * h))
    torso_h = int(min(hh * 2.3, 0.45 * (h - hh)))
    arm_w = max(18, int(hw * 0.33))
    hip = shoulder + torso_h
    feet = top + h
    # hair behind the head (long hair reaches the shoulders)
    if body.long_hair:
        d.rounded_rectangle(
            (cx - int(hw * 0.62), top + hh // 5, cx + int(hw * 0.62), neck + hh // 2),
            radius=30,
            fill=pal.hair,
        )
    # legs and shoes
    leg_w = int(torso_w * 0.36)
    for sign in (-1, 1):
        x0 = cx + sign * int(torso_w * 0.08) if sign > 0 else cx - int(torso_w * 0.08) - leg_w
        _outlined(d, "rect", (x0, hip - 20, x0 + leg_w, feet - 20), pal.pants, pal)
        _outlined(d, "ellipse", (x0 - 8, feet - 40, x0 + leg_w + 8, feet), pal.shoes, pal)
    # arms and hands
    for sign in (-1, 1):
        outer = cx + sign * (torso_w // 2 + arm_w)
        inner = cx + sign * (torso_w // 2 - 6)
        x0, x1 = min(outer, inner), max(outer, inner)
        if body.arms_out:
            ay0, ay1 = shoulder + 6, shoulder + 6 + arm_w
            ax0 = x0 if sign < 0 else x0
            reach = int(hw * 0.9)
            box = (ax0 - reach, ay0, x1, ay1) if sign < 0 else (x0, ay0, x1 + reach, ay1)
            _outlined(d, "rect", box, pal.shirt, pal)
            hx = box[0] if sign < 0 else box[2]
            _outlined(d, "ellipse", (hx - 22, ay0 - 6, hx + 22, ay1 + 6), pal.skin, pal)
        else:
            _outlined(d, "rect", (x0, shoulder + 6, x1, hip - 30), pal.shirt, pal)
            _outlined(d, "ellipse", (x0 - 4, hip - 60, x1 + 4, hip + 4), pal.skin, pal)
    # torso with a white collar (an inner white with its own outline)
    _outlined(d, "rect", (cx - torso_w // 2, shoulder, cx + torso_w // 2, hip), pal.shirt, pal)
    collar = [
        (cx - int(hw * 0.35), shoulder + 2),
        (cx + int(hw * 0.35), shoulder + 2),
        (cx, shoulder + int(hh * 0.55)),
    ]
    d.polygon(collar, fill=pal.eye_white, outline=pal.line or pal.pupil, width=4)
    # neck and head
    _outlined(d, "rect", (cx - hw // 6, neck - 20, cx + hw // 6, shoulder + 10), pal.skin, pal)
    head = (cx - hw // 2, top, cx + hw // 2, neck)
    _outlined(d, "ellipse", head, pal.skin, pal)
    d.chord((head[0], head[1], head[2], head[1] + int(hh * 0.8)), 180, 360, fill=pal.hair)
    if pal.line is not None:
        d.arc(
            (head[0], head[1], head[2], head[1] + int(hh * 0.8)), 180, 360, fill=pal.line, width=6
        )
    # eyes: white with a pupil, each inside its own outline
    eye_y = top + int(hh * 0.58)
    ew, eh = max(10, hw // 7), max(12, hh // 7)
    eyes = []
    for sign in (-1, 1):
        ex = cx + sign * int(hw * 0.2)
        d.ellipse(
            (ex - ew, eye_y - eh, ex + ew, eye_y + eh),
            fill=pal.eye_white,
            outline=pal.line or pal.pupil,
            width=3,
        )
        d.ellipse((ex - ew // 3, eye_y - eh // 4, ex + ew // 3, eye_y + eh // 2), fill=pal.pupil)
        eyes.append((ex, eye_y))
    d.line(
        (cx - hw // 8, top + int(hh * 0.82), cx + hw // 8, top + int(hh * 0.82)),
        fill=pal.pupil,
        width=3,
    )
    face = (cx - int(hw * 0.42), top + int(hh * 0.4), cx + int(hw * 0.42), neck - 4)
    white_eye = (eyes[0][0] - (2 * ew) // 3, eyes[0][1])  # between the pupil and the rim
    whites = (white_eye, (cx, shoulder + int(hh * 0.12)))
    if pal.shirt == (255, 255, 255):  # a white shirt: a large inner white
        whites += ((cx - torso_w // 4, hip - int(torso_h * 0.3)),)
    lines: tuple[Point, ...] = ()
    if pal.line is not None:
        lines = (
            (head[0] + 2, (head[1] + head[3]) // 2),
            (cx - torso_w // 2 + 2, hip - torso_h // 2),
        )
    return face, (eyes[0], eyes[1]), whites, lines


def _sheet(size: tuple[int, int], colour: tuple[int, ...]) -> Image.Image:
    return Image.new("RGBA" if len(colour) == 4 else "RGB", size, colour)


def line_art_on_white(variant: int = 0) -> Character:
    image = _sheet((600, 900), (255, 255, 255))
    face, eyes, whites, lines = _draw_figure(
        ImageDraw.Draw(image), 300, 40, 830, _Body(1 / 6.3), LINE_ART[variant]
    )
    return Character("line_art_on_white", image, False, face, eyes, whites, lines)


def on_transparent(variant: int = 0) -> Character:
    image = _sheet((560, 900), (0, 0, 0, 0))
    face, eyes, whites, lines = _draw_figure(
        ImageDraw.Draw(image), 280, 30, 850, _Body(1 / 6.5, long_hair=True), FLAT[variant]
    )
    return Character("on_transparent", image, True, face, eyes, whites, lines)


def _busy_background(size: tuple[int, int]) -> Image.Image:
    """A photo-like street: a sky gradient, buildings, windows and grain (seeded)."""
    w, h = size
    rng = np.random.default_rng(7)
    y = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    sky = (1 - y) * np.array([120, 170, 230], np.float32) + y * np.array(
        [230, 200, 170], np.float32
    )
    pixels = np.broadcast_to(sky, (h, w, 3)).copy()
    image = Image.fromarray(pixels.astype(np.uint8))
    d = ImageDraw.Draw(image)
    x = 0
    while x < w:
        bw = int(rng.integers(50, 130))
        top = int(rng.integers(int(h * 0.15), int(h * 0.55)))
        colour = tuple(int(c) for c in rng.integers(60, 200, 3))
        d.rectangle((x, top, x + bw, h), fill=colour)
        for wy in range(top + 12, h - 20, 34):
            for wx in range(x + 8, x + bw - 14, 24):
                d.rectangle((wx, wy, wx + 10, wy + 16), fill=(250, 230, 150))
        x += bw
    d.rectangle((0, int(h * 0.86), w, h), fill=(90, 90, 95))
    noisy = np.asarray(image, np.float32) + rng.normal(0, 10, (h, w, 3))
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))


def on_busy_background(variant: int = 0) -> Character:
    """Variant 1 inverts the street too: the whole picture is the card's content."""
    image = _busy_background((640, 900))
    if variant:
        image = Image.fromarray(255 - np.asarray(image))
    face, eyes, whites, lines = _draw_figure(
        ImageDraw.Draw(image), 320, 60, 820, _Body(1 / 6.2), FLAT[variant]
    )
    return Character("on_busy_background", image, False, face, eyes, whites, lines, busy=True)


def chibi_on_pastel(variant: int = 0) -> Character:
    image = _sheet((600, 700), (255, 236, 242))
    face, eyes, whites, lines = _draw_figure(
        ImageDraw.Draw(image), 300, 40, 620, _Body(1 / 2.6), LINE_ART[variant]
    )
    return Character("chibi_on_pastel", image, False, face, eyes, whites, lines)


def bust_cut_off(variant: int = 0) -> Character:
    """A half figure whose torso leaves the picture at the bottom edge."""
    image = _sheet((700, 800), (235, 235, 238))
    face, eyes, whites, lines = _draw_figure(
        ImageDraw.Draw(image), 350, 50, 2000, _Body(0.15), LINE_ART[variant]
    )
    return Character("bust_cut_off", image, False, face, eyes, whites, lines)


def pale_on_cream(variant: int = 0) -> Character:
    image = _sheet((600, 900), (250, 230, 200))
    face, eyes, whites, lines = _draw_figure(
        ImageDraw.Draw(image), 300, 40, 830, _Body(1 / 6.0), CREAM_SKIN[variant]
    )
    return Character("pale_on_cream", image, False, face, eyes, whites, lines)


def arms_out_on_navy(variant: int = 0) -> Character:
    image = _sheet((800, 900), (30, 40, 80))
    face, eyes, whites, lines = _draw_figure(
        ImageDraw.Draw(image), 400, 40, 830, _Body(1 / 6.3, arms_out=True), FLAT[variant]
    )
    return Character("arms_out_on_navy", image, False, face, eyes, whites, lines)


CHARACTERS: dict[str, Callable[[int], Character]] = {
    "line_art_on_white": line_art_on_white,
    "on_transparent": on_transparent,
    "on_busy_background": on_busy_background,
    "chibi_on_pastel": chibi_on_pastel,
    "bust_cut_off": bust_cut_off,
    "pale_on_cream": pale_on_cream,
    "arms_out_on_navy": arms_out_on_navy,
}

# --------------------------------------------------------------------------- products


@dataclass(frozen=True)
class Product:
    """A generated product image; ``variant=1`` is the same shape with inverted colours.

    Inverting keeps every colour distance (and so the cut-out) the same and changes
    every pixel the product shows, except mid-grey, which no product here uses.
    """

    name: str
    image: Image.Image
    has_alpha: bool
    kind: str  # "whole_frame", "cut_out" or "worn"
    words: str  # how a prompt names it


def _invert(image: Image.Image) -> Image.Image:
    arr = np.asarray(image).copy()
    arr[..., :3] = 255 - arr[..., :3]
    return Image.fromarray(arr, image.mode)


def _product(
    name: str, image: Image.Image, kind: str, words: str, variant: int, has_alpha: bool = False
) -> Product:
    return Product(name, _invert(image) if variant else image, has_alpha, kind, words)


def box_face(variant: int = 0) -> Product:
    """The flat front of a box filling the frame: an orange field with a logo and text."""
    image = Image.new("RGB", (500, 380), (240, 130, 30))
    d = ImageDraw.Draw(image)
    d.ellipse((40, 60, 200, 220), fill=(255, 255, 255))
    d.ellipse((80, 100, 160, 180), fill=(200, 40, 40))
    for row, y in enumerate((80, 130, 180)):
        for k in range(5 - row):
            d.rectangle((230 + k * 50, y, 266 + k * 50, y + 30), fill=(40, 30, 20))
    d.rectangle((40, 280, 460, 330), fill=(255, 240, 200))
    return _product("box_face", image, "whole_frame", "snack box", variant)


def poster(variant: int = 0) -> Product:
    """A poster filling its frame: sky gradient, sun and hills to every edge."""
    w, h = 420, 600
    y = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    sky = (1 - y) * np.array([40, 60, 160], np.float32) + y * np.array([240, 120, 90], np.float32)
    image = Image.fromarray(np.broadcast_to(sky, (h, w, 3)).astype(np.uint8))
    d = ImageDraw.Draw(image)
    d.ellipse((140, 150, 290, 300), fill=(255, 220, 80))
    d.polygon(
        [(0, 420), (150, 300), (300, 400), (420, 330), (420, 600), (0, 600)], fill=(30, 90, 60)
    )
    d.rectangle((40, 40, 380, 100), fill=(250, 250, 240))
    return _product("poster", image, "whole_frame", "poster", variant)


def label_bottle(variant: int = 0) -> Product:
    """A green bottle on white whose white label runs round it from edge to edge."""
    image = Image.new("RGB", (300, 600), (255, 255, 255))
    d = ImageDraw.Draw(image)
    d.rectangle((120, 40, 180, 90), fill=(30, 30, 30))  # cap
    d.rectangle((130, 90, 170, 150), fill=(30, 140, 90))  # neck
    d.rounded_rectangle((70, 140, 230, 560), radius=26, fill=(30, 140, 90))
    d.rectangle((70, 260, 230, 420), fill=(255, 255, 255))  # the label, edge to edge
    for k in range(4):
        d.rectangle((95 + k * 30, 320, 115 + k * 30, 345), fill=(200, 40, 60))
    return _product("label_bottle", image, "cut_out", "bottle", variant)


def transparent_product(variant: int = 0) -> Product:
    """A purple perfume bottle with a ring handle on real transparency (black under alpha 0)."""
    image = Image.new("RGBA", (360, 480), (0, 0, 0, 0))
    d = ImageDraw.Draw(image)
    d.ellipse((60, 10, 300, 230), fill=(170, 60, 200, 255))
    d.ellipse((120, 60, 240, 180), fill=(0, 0, 0, 0))  # the hole shows the scene
    d.rounded_rectangle((50, 180, 310, 470), radius=50, fill=(150, 40, 190, 255))
    d.ellipse((110, 260, 250, 400), fill=(240, 200, 250, 255))
    return _product("transparent_product", image, "cut_out", "perfume", variant, has_alpha=True)


def wide_product(variant: int = 0) -> Product:
    """A long speaker bar on light grey, three times as wide as tall."""
    image = Image.new("RGB", (660, 240), (238, 238, 238))
    d = ImageDraw.Draw(image)
    d.rounded_rectangle((20, 50, 640, 200), radius=40, fill=(170, 30, 50))
    for k in range(8):
        d.ellipse((70 + k * 70, 100, 110 + k * 70, 140), fill=(60, 10, 20))
    return _product("wide_product", image, "cut_out", "speaker", variant)


def tall_product(variant: int = 0) -> Product:
    """A slim tumbler on white, about four times as tall as wide."""
    image = Image.new("RGB", (220, 700), (255, 255, 255))
    d = ImageDraw.Draw(image)
    d.rectangle((60, 30, 160, 80), fill=(30, 30, 30))
    d.polygon([(55, 80), (165, 80), (150, 670), (70, 670)], fill=(40, 110, 210))
    d.rectangle((60, 300, 160, 380), fill=(250, 200, 60))
    return _product("tall_product", image, "cut_out", "tumbler", variant)


def cap_hat(variant: int = 0) -> Product:
    """A baseball cap seen from the front, on white."""
    image = Image.new("RGB", (520, 340), (255, 255, 255))
    d = ImageDraw.Draw(image)
    d.pieslice((80, 40, 440, 400), 180, 360, fill=(200, 40, 50))
    d.rounded_rectangle((40, 200, 480, 250), radius=20, fill=(150, 20, 30))
    d.ellipse((235, 40, 285, 70), fill=(150, 20, 30))
    d.rectangle((200, 110, 320, 160), fill=(250, 240, 230))
    return _product("cap_hat", image, "worn", "cap", variant)


def glasses(variant: int = 0) -> Product:
    """Black-framed glasses on white: clear lenses show the white sheet through them."""
    image = Image.new("RGB", (600, 220), (255, 255, 255))
    d = ImageDraw.Draw(image)
    for x0 in (40, 330):
        d.rounded_rectangle((x0, 40, x0 + 230, 190), radius=50, fill=(20, 20, 20))
        d.rounded_rectangle((x0 + 18, 58, x0 + 212, 172), radius=36, fill=(255, 255, 255))
    d.rectangle((270, 80, 330, 100), fill=(20, 20, 20))
    return _product("glasses", image, "worn", "glasses", variant)


PRODUCTS: dict[str, Callable[[int], Product]] = {
    "box_face": box_face,
    "poster": poster,
    "label_bottle": label_bottle,
    "transparent_product": transparent_product,
    "wide_product": wide_product,
    "tall_product": tall_product,
    "cap_hat": cap_hat,
    "glasses": glasses,
}
