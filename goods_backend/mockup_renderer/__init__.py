"""Local goods engine: offline, deterministic product mockups drawn with Pillow + numpy.

The production goods engine is an AI model.  This module is its free, instant
stand-in: it draws each kind of merchandise as a small product photo -- the
object modelled with shapes, gradients and shading on a studio backdrop with a
contact shadow -- and prints the creator's character on it the way that
product carries a print (chest print, cylinder wrap, die-cut, button face...).

Contract of :func:`render_mockup`:

* the output is an RGB image whose size comes from
  :func:`webtoon_core.compositing.canvas_size` for the requested ratio;
* it is a pure function of its arguments: same character, kind, prompt, ratio,
  seed and size give identical pixels (``seed=None`` behaves as a fixed seed);
  randomness only ever comes from generators seeded here, never global state;
* the seed only varies small things (tilt, backdrop tint, print scale, fabric
  folds and grain), so a creator can re-roll a mockup without changing the product;
* a colour named in the prompt becomes the base colour of products that come
  in colours (t-shirt, mug, eco bag, phone case, cushion).

Everything is vectorised (no per-pixel Python loops): a 1024 px mockup takes
roughly 0.1 s on one core, background removal included.

Drawing conventions used below: masks and alphas are float32 ``(H, W)`` arrays
in [0, 1]; colours are float32 *planar* ``(3, H, W)`` arrays (or ``(3, 1, 1)``
constants) in [0, 255] -- planar because multiplying a colour by a mask then
broadcasts over the leading axis, several times faster than ``(H, W, 3)``.
Product layers are built by compositing parts back to front (:class:`_Paint`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image

from goods_backend.mockup_renderer._look import _LANCZOS, _Look, _make_look, _rgb
from goods_backend.mockup_renderer._staging import _backdrop_light, _lift, _shadow
from goods_backend.mockup_renderer.acrylic import (
    _draw_badge,
    _draw_keyring,
    _draw_stand,
    _draw_sticker,
)
from goods_backend.mockup_renderer.apparel import _draw_cushion, _draw_ecobag, _draw_tshirt
from goods_backend.mockup_renderer.mug import _draw_mug
from goods_backend.mockup_renderer.printed import _draw_phone_case, _draw_poster
from webtoon_core.compositing import canvas_size

GOODS_KINDS: tuple[str, ...] = (
    "tshirt",
    "mug",
    "ecobag",
    "acrylic_keyring",
    "acrylic_stand",
    "sticker",
    "phone_case",
    "badge",
    "cushion",
    "poster",
)


# --------------------------------------------------------------------------- dispatch


@dataclass(frozen=True)
class _Kind:
    """How one kind of goods is drawn and staged."""

    draw: Callable[[Image.Image, int, int, _Look], Image.Image]
    aspect: Callable[[float, float], float]  # (art w/h, canvas w/h) -> product w/h
    pose: str  # "flat" (lying, shadow all round), "stand" (on the floor), "wall" (hung)
    fill: float = 0.8  # share of the canvas the product may take
    tilt: float = 0.0  # max degrees of seeded rotation
    lift: float = 1.0  # how far above the surface it lies (drop shadow offset)


def _keyring_aspect(art_aspect: float, _canvas: float) -> float:
    return float(np.clip(0.78 * (art_aspect + 0.2) / 1.25, 0.45, 1.3))


def _stand_aspect(art_aspect: float, _canvas: float) -> float:
    return float(np.clip(max(art_aspect + 0.18, 0.95) / 1.45, 0.5, 1.5))


def _poster_aspect(_art: float, canvas_aspect: float) -> float:
    return 1.414 if canvas_aspect >= 1.45 else 1 / 1.414  # ISO sheet, turned to suit the canvas


_KINDS: dict[str, _Kind] = {
    "tshirt": _Kind(_draw_tshirt, lambda a, c: 1.12, "flat", tilt=2.5, lift=0.5),
    "mug": _Kind(_draw_mug, lambda a, c: 1.0, "stand", fill=0.76),
    "ecobag": _Kind(_draw_ecobag, lambda a, c: 0.71, "flat", tilt=2.5, lift=0.5),
    "acrylic_keyring": _Kind(_draw_keyring, _keyring_aspect, "flat", fill=0.84, tilt=6.0, lift=0.8),
    "acrylic_stand": _Kind(_draw_stand, _stand_aspect, "stand", fill=0.84),
    "sticker": _Kind(_draw_sticker, lambda a, c: (a + 0.22) / 1.22, "flat", tilt=5.0, lift=0.35),
    "phone_case": _Kind(_draw_phone_case, lambda a, c: 0.5, "flat", fill=0.82, tilt=4.0),
    "badge": _Kind(_draw_badge, lambda a, c: 1.0, "flat", fill=0.72, tilt=4.0),
    "cushion": _Kind(_draw_cushion, lambda a, c: 1.0, "stand", fill=0.76),
    "poster": _Kind(_draw_poster, _poster_aspect, "wall"),
}


def render_mockup(
    character: Image.Image,
    *,
    kind: str,
    prompt: str,
    aspect_ratio: str,
    seed: int | None,
    longest_side: int = 1024,
) -> Image.Image:
    """Draw ``character`` printed on a ``kind`` of goods, as a studio product shot.

    ``character`` is EXIF-oriented, RGB or RGBA, longest side <= 1024; a plain
    background is removed (or its alpha used).  ``kind`` must be one of
    :data:`GOODS_KINDS` (``ValueError`` otherwise).  ``prompt`` may name a base
    colour for coloured products.  The result is an RGB image of
    ``canvas_size(aspect_ratio, longest_side=...)`` pixels with the product
    centred and scaled to fit; it depends only on the arguments (see module doc).
    """
    spec = _KINDS.get(kind)
    if spec is None:
        raise ValueError(f"unknown goods kind {kind!r}; expected one of {', '.join(GOODS_KINDS)}")
    width, height = canvas_size(aspect_ratio, longest_side=longest_side, source_size=character.size)
    look = _make_look(prompt, seed)
    art = _lift(character)

    # Fit the product's own proportions into the canvas, leaving studio margin.
    aspect = spec.aspect(art.width / art.height, width / height)
    bw, bh = spec.fill * width, spec.fill * height
    if bw / bh > aspect:
        bw = bh * aspect
    else:
        bh = bw / aspect
    layer = spec.draw(art, max(16, round(bw)), max(16, round(bh)), look)

    angle = spec.tilt * look.tilt
    if abs(angle) > 0.05:
        # rotate premultiplied so transparent edges do not bleed dark fringes
        layer = layer.convert("RGBa").rotate(angle, Image.Resampling.BILINEAR, expand=True)
        layer = layer.convert("RGBA")
    bbox = layer.getchannel("A").getbbox()
    if bbox:
        layer = layer.crop(bbox)
    if layer.width > width or layer.height > height:
        f = min(width / layer.width, height / layer.height)
        layer = layer.resize(
            (max(1, int(layer.width * f)), max(1, int(layer.height * f))), _LANCZOS
        )
    px, py = (width - layer.width) // 2, (height - layer.height) // 2

    light = _backdrop_light(width, height, spec.pose, look)
    # shadows darken towards a deeper shade of the backdrop rather than to grey
    light *= 1.0 - 0.62 * _shadow(
        layer.getchannel("A"), width, height, px, py, spec.pose, spec.lift
    )
    backdrop = np.clip(light * _rgb(look.backdrop) + 0.5, 0, 255).astype(np.uint8)
    canvas = Image.merge("RGB", [Image.fromarray(band) for band in backdrop])
    canvas.paste(layer, (px, py), layer)
    return canvas
