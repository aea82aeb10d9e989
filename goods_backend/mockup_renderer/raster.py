"""Vectorised raster helpers on float maps: blurs, thresholds, fields, sampling."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

from goods_backend.mockup_renderer.look import TO_LIGHT, Look

# --------------------------------------------------------------------------- raster helpers


def coords(w: int, h: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates as a broadcastable row (1, w) and column (h, 1)."""
    x = (np.arange(w, dtype=np.float32) + 0.5)[None, :]
    y = (np.arange(h, dtype=np.float32) + 0.5)[:, None]
    return x, y


def _box1(a: np.ndarray, r: int) -> np.ndarray:
    """Edge-clamped running mean of width 2r+1 along axis 0 (cumulative-sum trick)."""
    p = np.concatenate([np.repeat(a[:1], r + 1, 0), a, np.repeat(a[-1:], r, 0)])
    c = np.cumsum(p, axis=0, dtype=np.float32)
    return (c[2 * r + 1 :] - c[: -(2 * r + 1)]) / (2 * r + 1)


def gauss(a: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of a [0, 1] map.

    Small radii use Pillow's 8-bit blur (fast, precise enough at that scale).
    Large radii run three box passes in float on a downscaled copy and upscale
    bicubically: the result is smooth, so nothing visible is lost, the cost is
    flat in the radius, and thresholds taken on it (dilation) stay sub-pixel.
    """
    if sigma < 0.4:
        return a.astype(np.float32)
    h, w = a.shape
    if sigma < 6.0:
        img = Image.fromarray(np.clip(a * 255.0 + 0.5, 0, 255).astype(np.uint8))
        return np.asarray(img.filter(ImageFilter.GaussianBlur(sigma)), np.float32) / 255.0
    step = int(sigma // 3)
    sw, sh = max(2, round(w / step)), max(2, round(h / step))
    small = np.asarray(Image.fromarray(a.astype(np.float32)).resize((sw, sh), Image.Resampling.BOX))
    s = sigma * sw / w
    r = max(1, round((math.sqrt(4.0 * s * s + 1.0) - 1.0) / 2.0))
    out = small
    for _ in range(3):  # three box passes approximate a Gaussian closely
        out = _box1(_box1(out, r).T, r).T
    return upscale(np.ascontiguousarray(out), w, h)


def upscale(a: np.ndarray, w: int, h: int) -> np.ndarray:
    """Bicubic resize of a float map (used to evaluate smooth fields on coarse grids)."""
    return np.asarray(
        Image.fromarray(a.astype(np.float32)).resize((w, h), Image.Resampling.BICUBIC), np.float32
    )


def ramp(field: np.ndarray, level: float, slope: float) -> np.ndarray:
    """Anti-aliased threshold: 0 -> 1 across one pixel where ``field`` crosses ``level``."""
    return np.clip((field - level) / max(slope, 1e-6) + 0.5, 0.0, 1.0)


def smooth(mask: np.ndarray, sigma: float) -> np.ndarray:
    """Round a mask's corners and fill its notches (blur, re-threshold at half)."""
    if sigma < 0.6:
        return mask
    return ramp(gauss(mask, sigma), 0.5, 0.4 / sigma)


def dilate(alpha: np.ndarray, radius: float) -> np.ndarray:
    """Grow a silhouette by about ``radius`` px with a rounded outline (a cutting path).

    A blurred straight edge falls to Q(1.6) ~= 0.055 at 1.6 sigma outside it,
    so thresholding there dilates by ``radius``; thin details grow a little
    less, which is what a smooth die line does anyway.
    """
    sigma = max(radius, 0.5) / 1.6
    grown = ramp(gauss(alpha, sigma), 0.0548, 0.111 / sigma)
    outline: np.ndarray = np.maximum(grown, alpha)
    return outline


def light_facing(field: np.ndarray) -> np.ndarray:
    """How much a blurred mask's outward edge faces the key light, in [-1, 1]."""
    gy, gx = np.gradient(field)
    norm = np.sqrt(gx * gx + gy * gy) + 1e-6
    # the outward normal is -grad; dot it with the direction towards the light
    facing: np.ndarray = -(gx * TO_LIGHT[0] + gy * TO_LIGHT[1]) / norm
    return facing


def shift(a: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """Translate a 2-D map by whole pixels, filling with zeros."""
    out = np.zeros_like(a)
    h, w = a.shape
    if abs(dx) >= w or abs(dy) >= h:
        return out
    out[max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = a[
        max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)
    ]
    return out


def filled_circle(x: np.ndarray, y: np.ndarray, cx: float, cy: float, r: float) -> np.ndarray:
    """Anti-aliased filled circle."""
    return np.clip(r - np.sqrt((x - cx) ** 2 + (y - cy) ** 2) + 0.5, 0.0, 1.0)


def grain(look: Look, salt: int, w: int, h: int) -> np.ndarray:
    """Unit-variance pixel noise, seeded: fabric weave, paper tooth, backdrop grain.

    A 256 px tile is repeated: at a few percent amplitude the period is
    invisible, and it costs a fraction of drawing a full canvas of normals.
    """
    tile = look.rng(salt).standard_normal((256, 256), dtype=np.float32)
    return np.tile(tile, (-(-h // 256), -(-w // 256)))[:h, :w]


@dataclass(frozen=True)
class Fold:
    """A soft cloth fold along a segment, in unit coordinates of the layer (0..1 each way)."""

    x0: float
    y0: float
    x1: float
    y1: float
    amplitude: float  # light/shadow strength; its sign says which side is lit
    width: float  # across the fold, in layer widths


def fold_relief(w: int, h: int, folds: Sequence[Fold]) -> np.ndarray:
    """Soft fabric folds: a light/shadow pair across each segment, computed at 1/4 size.

    The profile is a derivative of Gaussian across the segment, faded at its ends.
    """
    lw, lh = max(4, w // 4), max(4, h // 4)
    x, y = coords(lw, lh)
    out = np.zeros((lh, lw), np.float32)
    for fold in folds:
        x0, y0, x1, y1 = fold.x0, fold.y0, fold.x1, fold.y1
        ax, ay, dx, dy = x0 * lw, y0 * lh, (x1 - x0) * lw, (y1 - y0) * lh
        length2 = dx * dx + dy * dy + 1e-6
        t = np.clip(((x - ax) * dx + (y - ay) * dy) / length2, 0.0, 1.0)
        d = ((x - ax) * dy - (y - ay) * dx) / math.sqrt(length2) / max(fold.width * lw, 0.5)
        # each fold's profile is formed in float64 (seeded amplitudes are float64), then summed
        amp = np.float64(fold.amplitude)
        out += amp * d * np.exp(-0.5 * d * d) * np.sin(np.pi * t)
    return upscale(out, w, h)


def sheen(w: int, h: int, at: float, strength: float) -> np.ndarray:
    """A glossy diagonal reflection: a broad soft band plus a thin bright streak.

    Smooth, so it is evaluated on a 1/4 grid and upscaled.
    """
    lw, lh = max(4, w // 4), max(4, h // 4)
    x, y = coords(lw, lh)
    d = (x / lw * 0.75 + y / lh * 0.45) / 1.2
    broad = np.exp(-(((d - at) / 0.11) ** 2))
    streak = np.exp(-(((d - at - 0.17) / 0.014) ** 2))
    return upscale(strength * (0.55 * broad + 0.6 * streak), w, h)


def sample_columns(src: np.ndarray, sx: np.ndarray, sy: np.ndarray) -> np.ndarray:
    """Bilinear sample of planar ``src`` (c, h, w) where the mapping is separable by column.

    Output column j reads source column ``sx[j]`` (float) and output row i of it
    reads source row ``sy[i, j]``; zero outside, so the print's edges stay soft.
    Two cheap passes (columns, then a per-column shift) instead of a 2-D gather.
    """
    _, h, w = src.shape
    pad = np.pad(src, ((0, 0), (1, 1), (1, 1)))
    xp = np.clip(sx + 0.5, 0.0, w + 1.0)  # +1 for the pad, -0.5 for pixel centres
    x0 = np.minimum(xp.astype(np.int32), w)
    fx = xp - x0
    cols = pad[:, :, x0] * (1.0 - fx) + pad[:, :, x0 + 1] * fx
    yp = np.clip(sy + 0.5, 0.0, h + 1.0)
    y0 = np.minimum(yp.astype(np.int32), h)
    fy = yp - y0
    top = np.take_along_axis(cols, y0[None], axis=1)
    bottom = np.take_along_axis(cols, y0[None] + 1, axis=1)
    return top * (1.0 - fy) + bottom * fy


def embed(a: np.ndarray, w: int, h: int, x: int, y: int) -> np.ndarray:
    """Place ``a`` (spatial in its last two axes) into a zero w x h canvas at (x, y), clipped."""
    out = np.zeros((*a.shape[:-2], h, w), np.float32)
    ah, aw = a.shape[-2:]
    sx0, sy0, dx0, dy0 = max(0, -x), max(0, -y), max(0, x), max(0, y)
    cw, ch = min(aw - sx0, w - dx0), min(ah - sy0, h - dy0)
    if cw > 0 and ch > 0:
        out[..., dy0 : dy0 + ch, dx0 : dx0 + cw] = a[..., sy0 : sy0 + ch, sx0 : sx0 + cw]
    return out


def window(alpha: np.ndarray) -> tuple[slice, slice] | None:
    """Bounding slices of the non-zero part of a map (None when empty)."""
    rows = np.flatnonzero(alpha.any(axis=1))
    if not rows.size:
        return None
    cols = np.flatnonzero(alpha[rows[0] : rows[-1] + 1].any(axis=0))
    return slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)
