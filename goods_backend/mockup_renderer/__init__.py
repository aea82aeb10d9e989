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
Product layers are built by compositing parts back to front (:class:`Paint`).

Layout of the package: :mod:`.look` (what the prompt and seed vary), :mod:`.raster`
(float-map helpers), :mod:`.paint` (shape masks, the layer canvas, prints),
:mod:`.staging` (backdrop, shadows, lifting the art off its background), and one
module per product family, each naming its proportions in a frozen geometry
dataclass next to its drawer: :mod:`.mug` (``MugGeometry``), :mod:`.apparel`
(``TshirtGeometry``, ``EcobagGeometry``, ``CushionGeometry``), :mod:`.acrylic`
(``KeyringGeometry``, ``StandGeometry``, ``StickerGeometry``, ``BadgeGeometry``) and
:mod:`.printed` (``PhoneCaseGeometry``, ``PosterGeometry``).  Modules share public
names only; what the PPL compositor also needs lives in ``webtoon_core.compositing``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image

from goods_backend.mockup_renderer.acrylic import (
    BADGE,
    KEYRING,
    STAND,
    STICKER,
    draw_badge,
    draw_keyring,
    draw_stand,
    draw_sticker,
)
from goods_backend.mockup_renderer.apparel import (
    CUSHION,
    ECOBAG,
    TSHIRT,
    draw_cushion,
    draw_ecobag,
    draw_tshirt,
)
from goods_backend.mockup_renderer.look import Look, make_look, planar
from goods_backend.mockup_renderer.mug import MUG, draw_mug
from goods_backend.mockup_renderer.printed import PHONE_CASE, POSTER, draw_phone_case, draw_poster
from goods_backend.mockup_renderer.staging import (
    Pose,
    backdrop_light,
    lift_art,
    shadow_strength,
)
from webtoon_core.compositing import canvas_size, rotate_rgba, subject_bbox
from webtoon_core.images import has_real_transparency

__all__ = ["GOODS_KINDS", "render_mockup"]

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

Drawer = Callable[[Image.Image, int, int, Look], Image.Image]
LayerAspect = Callable[[float, float], float]  # (art w/h, canvas w/h) -> product layer w/h


@dataclass(frozen=True)
class _Kind:
    """How one kind of goods is drawn and staged on the canvas."""

    draw: Drawer
    aspect: LayerAspect
    pose: Pose  # "flat" (lying, shadow all round), "stand" (on the floor), "wall" (hung)
    fill: float = 0.8  # share of the canvas the product may take
    tilt: float = 0.0  # max degrees of seeded rotation
    lift: float = 1.0  # how far above its surface it lies (drop shadow offset and blur)


def _fixed(aspect: float) -> LayerAspect:
    """Proportions that depend on neither the art nor the canvas."""

    def layer_aspect(_art_aspect: float, _canvas_aspect: float) -> float:
        return aspect

    return layer_aspect


_KINDS: dict[str, _Kind] = {
    "tshirt": _Kind(draw_tshirt, _fixed(TSHIRT.aspect), "flat", tilt=2.5, lift=0.5),
    "mug": _Kind(draw_mug, _fixed(MUG.aspect), "stand", fill=0.76),
    "ecobag": _Kind(draw_ecobag, _fixed(ECOBAG.aspect), "flat", tilt=2.5, lift=0.5),
    "acrylic_keyring": _Kind(
        draw_keyring, KEYRING.layer_aspect, "flat", fill=0.84, tilt=6.0, lift=0.8
    ),
    "acrylic_stand": _Kind(draw_stand, STAND.layer_aspect, "stand", fill=0.84),
    "sticker": _Kind(draw_sticker, STICKER.layer_aspect, "flat", tilt=5.0, lift=0.35),
    "phone_case": _Kind(draw_phone_case, _fixed(PHONE_CASE.aspect), "flat", fill=0.82, tilt=4.0),
    "badge": _Kind(draw_badge, _fixed(BADGE.aspect), "flat", fill=0.72, tilt=4.0),
    "cushion": _Kind(draw_cushion, _fixed(CUSHION.aspect), "stand", fill=0.76),
    "poster": _Kind(draw_poster, POSTER.layer_aspect, "wall"),
}


def render_mockup(
    character: Image.Image,
    *,
    kind: str,
    prompt: str,
    aspect_ratio: str,
    seed: int | None,
    longest_side: int = 1024,
    has_alpha: bool | None = None,
) -> Image.Image:
    """Draw ``character`` printed on a ``kind`` of goods, as a studio product shot.

    ``character`` is EXIF-oriented, RGB or RGBA, longest side <= 1024; a plain
    background is removed (or its alpha used).  ``has_alpha`` says whether it has
    real transparency (``PreparedImage.has_alpha``); None asks
    :func:`webtoon_core.images.has_real_transparency`.  ``kind`` must be one of
    :data:`GOODS_KINDS` (``ValueError`` otherwise).  ``prompt`` may name a base
    colour for coloured products.  The result is an RGB image of
    ``canvas_size(aspect_ratio, longest_side=...)`` pixels with the product
    centred and scaled to fit; it depends only on the arguments (see module doc).
    """
    spec = _KINDS.get(kind)
    if spec is None:
        raise ValueError(f"unknown goods kind {kind!r}; expected one of {', '.join(GOODS_KINDS)}")
    width, height = canvas_size(aspect_ratio, longest_side=longest_side, source_size=character.size)
    look = make_look(prompt, seed)
    if has_alpha is None:
        has_alpha = has_real_transparency(character)
    art = lift_art(character, has_alpha=has_alpha)

    layer = spec.draw(art, *_product_size(spec, art, width, height), look)
    layer = _fit_in_canvas(_tilted(layer, spec.tilt * look.tilt), width, height)
    return _stage(layer, width, height, spec, look)


def _product_size(spec: _Kind, art: Image.Image, width: int, height: int) -> tuple[int, int]:
    """The product layer's size: its own proportions fitted into the canvas, leaving margin."""
    aspect = spec.aspect(art.width / art.height, width / height)
    bw, bh = spec.fill * width, spec.fill * height
    if bw / bh > aspect:
        bw = bh * aspect
    else:
        bh = bw / aspect
    return max(16, round(bw)), max(16, round(bh))


def _tilted(layer: Image.Image, angle: float) -> Image.Image:
    """The layer turned by ``angle`` degrees (if visibly), trimmed to what is visible."""
    if abs(angle) > 0.05:
        layer = rotate_rgba(layer, angle, Image.Resampling.BILINEAR)
    return layer.crop(subject_bbox(layer, threshold=0))


def _fit_in_canvas(layer: Image.Image, width: int, height: int) -> Image.Image:
    """The layer shrunk (never grown) to fit the canvas: a tilt can make it overflow."""
    if layer.width <= width and layer.height <= height:
        return layer
    f = min(width / layer.width, height / layer.height)
    size = (max(1, int(layer.width * f)), max(1, int(layer.height * f)))
    return layer.resize(size, Image.Resampling.LANCZOS)


def _stage(layer: Image.Image, width: int, height: int, spec: _Kind, look: Look) -> Image.Image:
    """The layer centred on its studio backdrop, over its shadow."""
    px, py = (width - layer.width) // 2, (height - layer.height) // 2
    light = backdrop_light(width, height, spec.pose, look)
    # shadows darken towards a deeper shade of the backdrop rather than to grey
    light *= 1.0 - 0.62 * shadow_strength(
        layer.getchannel("A"), width, height, px, py, spec.pose, spec.lift
    )
    backdrop = np.clip(light * planar(look.backdrop) + 0.5, 0, 255).astype(np.uint8)
    canvas = Image.merge("RGB", [Image.fromarray(band) for band in backdrop])
    canvas.paste(layer, (px, py), layer)
    return canvas
