"""Staging: studio backdrop, shadows, and lifting the character off its background."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from goods_backend.mockup_renderer.look import Look
from goods_backend.mockup_renderer.raster import coords, grain, upscale
from webtoon_core.compositing import soft_shadow, subject_bbox
from webtoon_core.cutout import remove_background

Pose = Literal["flat", "stand", "wall"]  # lying on a table, standing on the floor, hung

# --------------------------------------------------------------------------- geometry


@dataclass(frozen=True)
class DropShadow:
    """A soft, offset copy of the product's silhouette, in the canvas's short side.

    ``offset`` and ``blur`` grow with how far the product lies above its surface
    (its kind's ``lift``); ``contact_blur`` is there even when it touches.
    """

    offset: tuple[float, float]  # down and to the right, away from the key light
    blur: float
    opacity: float
    contact_blur: float = 0.0


@dataclass(frozen=True)
class ContactPool:
    """The shadow under a standing product: an ellipse around its footprint's bottom line.

    ``width`` and ``height`` are radii in half the footprint's width; the pool
    reaches ``1.3`` heights behind the footprint (up) and ``0.7`` in front.
    ``blur`` is in the canvas's short side.
    """

    width: float
    height: float
    blur: float
    opacity: float


# A flat-lying product: a broad soft shadow plus a tight, darker one where it nearly touches.
FLAT_SHADOWS = (
    DropShadow((0.012, 0.02), blur=0.022, opacity=0.45, contact_blur=0.004),
    DropShadow((0.002, 0.004), blur=0.0, opacity=0.3, contact_blur=0.004),
)
# A framed poster on the wall (lift 1): cast downwards by a light above, and a thin edge line.
WALL_SHADOWS = (
    DropShadow((0.006, 0.03), blur=0.025, opacity=0.5),
    DropShadow((0.0, 0.005), blur=0.005, opacity=0.35),
)
# A standing product: a soft pool plus a dark contact line under its footprint.
STAND_POOLS = (ContactPool(1.12, 0.1, 0.03, 0.45), ContactPool(0.98, 0.035, 0.006, 0.6))
FOOTPRINT_BAND = 0.08  # the bottom share of the silhouette's height that touches the floor
_POOL_BEHIND, _POOL_IN_FRONT = 1.3, 0.7

# --------------------------------------------------------------------------- backdrop


def backdrop_light(w: int, h: int, pose: Pose, look: Look) -> np.ndarray:
    """Brightness of the studio backdrop (H, W): a seamless sweep, a tabletop or a lit wall.

    The lighting is smooth, so it is computed on a 1/8 grid and upscaled; only
    the grain is per pixel.
    """
    lw, lh = max(8, w // 8), max(8, h // 8)
    x, y = coords(lw, lh)
    u, v = x / lw - 0.5 - look.glow_x, y / lh  # u: across, centred on the light; v: down
    aspect = w / h
    if pose == "stand":
        g = _sweep_light(u, v, aspect)
    elif pose == "wall":
        g = _wall_light(u, v, aspect)
    else:
        g = _tabletop_light(u, v, aspect)
    g = g - 0.06 * ((u * 2) ** 2 + ((v - 0.5) * 2) ** 2) / 2  # gentle vignette
    grain_amount = 0.004 if pose == "stand" else 0.008
    return upscale(g, w, h) * (1.0 + grain_amount * grain(look, 1, w, h))


def _sweep_light(u: np.ndarray, v: np.ndarray, aspect: float) -> np.ndarray:
    """A seamless sweep: darker high up, a pool of light behind the product."""
    light: np.ndarray = (
        1.02 - 0.07 * v + 0.07 * np.exp(-((u * aspect) ** 2 + (v - 0.55) ** 2) / 0.16)
    )
    return light


def _wall_light(u: np.ndarray, v: np.ndarray, aspect: float) -> np.ndarray:
    """A spotlight washing down the wall from above."""
    light: np.ndarray = (
        0.99 + 0.09 * np.exp(-((u * aspect) ** 2 / 0.3 + (v - 0.05) ** 2 / 0.4)) - 0.04 * v
    )
    return light


def _tabletop_light(u: np.ndarray, v: np.ndarray, aspect: float) -> np.ndarray:
    """A tabletop lit from the upper left."""
    light: np.ndarray = 1.0 + 0.07 * np.exp(-(((u + 0.2) * aspect) ** 2 + (v - 0.25) ** 2) / 0.35)
    return light


# --------------------------------------------------------------------------- shadows


@dataclass(frozen=True)
class _ShadowGrid:
    """Shadows are soft, so they are cast on a canvas ``k`` times smaller, then upscaled."""

    silhouette: Image.Image  # the layer's alpha, ``k`` times smaller
    x: float  # where the layer's top-left corner lands, in grid pixels
    y: float
    size: tuple[int, int]  # of the grid canvas
    k: int
    scale: float  # the canvas's short side, in grid pixels


def shadow_strength(
    alpha: Image.Image, w: int, h: int, x: int, y: int, pose: Pose, lift: float
) -> np.ndarray:
    """Shadow strength (H, W) in [0, 1] for a layer whose alpha is pasted at (x, y).

    ``pose`` is "stand" (a pool on the floor), "wall" or "flat" (drop shadows;
    ``lift`` scales how far a flat product lies above the table).
    """
    k = 2 if min(w, h) >= 256 else 1
    small = alpha.resize(
        (max(1, alpha.width // k), max(1, alpha.height // k)), Image.Resampling.BOX
    )
    grid = _ShadowGrid(small, x / k, y / k, (-(-w // k), -(-h // k)), k, min(w, h) / k)
    if pose == "stand":
        parts = _contact_pools(grid)
        if parts is None:
            return np.zeros((h, w), np.float32)
    else:
        drops = WALL_SHADOWS if pose == "wall" else FLAT_SHADOWS
        parts = [_drop_shadow(grid, drop, lift) for drop in drops]
    sw, sh = grid.size
    light = np.ones((sh, sw), np.float32)
    for part in parts:  # each shadow takes its share of the light that is left
        light *= 1.0 - np.asarray(part, np.float32) / 255.0
    return upscale(1.0 - light, sw * k, sh * k)[:h, :w]


def _drop_shadow(grid: _ShadowGrid, drop: DropShadow, lift: float) -> Image.Image:
    """One drop shadow's mask on the grid."""
    s = grid.scale
    dx, dy = drop.offset[0] * s * lift, drop.offset[1] * s * lift
    blur = drop.blur * s * lift + drop.contact_blur * s
    canvas = Image.new("L", grid.size, 0)
    canvas.paste(grid.silhouette, (round(grid.x + dx), round(grid.y + dy)))
    return soft_shadow(canvas, blur=max(blur, 0.5), opacity=drop.opacity)


def _contact_pools(grid: _ShadowGrid) -> list[Image.Image] | None:
    """The pools under a standing product's footprint (None when the layer is empty)."""
    solid = np.asarray(grid.silhouette) > 128
    rows = np.flatnonzero(solid.any(axis=1))
    if not rows.size:
        return None
    band = int(FOOTPRINT_BAND * grid.silhouette.height)
    cols = np.flatnonzero(solid[max(0, rows[-1] - band) : rows[-1] + 1].any(axis=0))
    fx0, fx1, fy = grid.x + cols[0], grid.x + cols[-1], grid.y + rows[-1]
    half, mid = (fx1 - fx0) / 2, (fx0 + fx1) / 2
    parts = []
    for pool in STAND_POOLS:
        rx, ry = half * pool.width, half * pool.height
        canvas = Image.new("L", grid.size, 0)
        box = [mid - rx, fy - ry * _POOL_BEHIND, mid + rx, fy + ry * _POOL_IN_FRONT]
        ImageDraw.Draw(canvas).ellipse(box, fill=255)
        parts.append(
            soft_shadow(canvas, blur=max(0.5, pool.blur * grid.scale), opacity=pool.opacity)
        )
    return parts


# --------------------------------------------------------------------------- the art


def _decontaminate(rgba: Image.Image) -> Image.Image:
    """Replace the colour of the cut's edge pixels with the colour just inside them.

    Cut edges keep the anti-aliasing blend towards the old background, which
    shows as a pale fringe on a dark product.  The colour of the opaque core
    nearby (normalised convolution: box(colour * core) / box(core)) is what
    those pixels would have been without the paper behind them.
    """
    alpha = rgba.getchannel("A")
    opaque = alpha.point(lambda v: 255 if v >= 253 else 0)
    core = opaque.filter(ImageFilter.BoxBlur(1)).point(lambda v: 255 if v >= 250 else 0)  # erode
    rgb = rgba.convert("RGB")
    spread = Image.composite(rgb, Image.new("RGB", rgb.size), core).filter(ImageFilter.BoxBlur(2))
    weight = np.asarray(core.filter(ImageFilter.BoxBlur(2)), np.float32) / 255.0
    # only the thin band between the core and the transparent outside is touched
    band = np.nonzero((np.asarray(alpha) > 0) & (np.asarray(core) == 0) & (weight > 0.04))
    fixed = np.array(rgb)
    estimate = np.asarray(spread, np.float32)[band] / weight[band][:, None]
    fixed[band] = np.clip(estimate + 0.5, 0, 255).astype(np.uint8)
    out = Image.fromarray(fixed).convert("RGBA")
    out.putalpha(alpha)
    return out


def lift_art(character: Image.Image, *, has_alpha: bool) -> Image.Image:
    """The character off its background (solid inside), cropped to what is visible.

    ``has_alpha``: the character has real transparency, which is kept as drawn;
    otherwise :func:`webtoon_core.cutout.remove_background` floods the plain
    background from the border (the one background removal the print files and
    the PPL compositor use too), so whites inside the drawing stay opaque ink.
    """
    rgba = remove_background(character, has_alpha=has_alpha).image
    box = subject_bbox(rgba)
    if box[2] - box[0] >= 2 and box[3] - box[1] >= 2:
        rgba = rgba.crop(box)
    return rgba if has_alpha else _decontaminate(rgba)
