"""Staging: studio backdrop, shadows, and lifting the character off its background."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from goods_backend.mockup_renderer._look import _Look
from goods_backend.mockup_renderer._raster import _coords, _grain, _upscale
from webtoon_core.compositing import cutout, soft_shadow, subject_bbox

# --------------------------------------------------------------------------- staging


def _backdrop_light(w: int, h: int, pose: str, look: _Look) -> np.ndarray:
    """Brightness of the studio backdrop (H, W): a seamless sweep, a tabletop or a lit wall.

    The lighting is smooth, so it is computed on a 1/8 grid and upscaled; only
    the grain is per pixel.
    """
    lw, lh = max(8, w // 8), max(8, h // 8)
    x, y = _coords(lw, lh)
    u, v = x / lw - 0.5 - look.glow_x, y / lh
    aspect = w / h
    if pose == "stand":  # sweep: darker high up, a pool of light behind the product
        g = 1.02 - 0.07 * v + 0.07 * np.exp(-((u * aspect) ** 2 + (v - 0.55) ** 2) / 0.16)
    elif pose == "wall":  # a spotlight washing down the wall
        g = 0.99 + 0.09 * np.exp(-((u * aspect) ** 2 / 0.3 + (v - 0.05) ** 2 / 0.4)) - 0.04 * v
    else:  # tabletop lit from the upper left
        g = 1.0 + 0.07 * np.exp(-(((u + 0.2) * aspect) ** 2 + (v - 0.25) ** 2) / 0.35)
    g = g - 0.06 * ((u * 2) ** 2 + ((v - 0.5) * 2) ** 2) / 2  # gentle vignette
    grain = 0.004 if pose == "stand" else 0.008
    return _upscale(g, w, h) * (1.0 + grain * _grain(look, 1, w, h))


def _shadow(
    alpha: Image.Image, w: int, h: int, x: int, y: int, pose: str, lift: float
) -> np.ndarray:
    """Shadow strength (H, W) in [0, 1] for a layer whose alpha is pasted at (x, y).

    Shadows are soft by nature, so they are cast on a half-size canvas and upscaled.
    """
    k = 2 if min(w, h) >= 256 else 1
    sw, sh = -(-w // k), -(-h // k)
    s = min(w, h) / k
    small = alpha.resize(
        (max(1, alpha.width // k), max(1, alpha.height // k)), Image.Resampling.BOX
    )

    def combine(parts: list[Image.Image]) -> np.ndarray:
        light = np.ones((sh, sw), np.float32)
        for part in parts:
            light *= 1.0 - np.asarray(part, np.float32) / 255.0
        return _upscale(1.0 - light, sw * k, sh * k)[:h, :w]

    def cast(dx: float, dy: float, blur: float, opacity: float) -> Image.Image:
        canvas = Image.new("L", (sw, sh), 0)
        canvas.paste(small, (round(x / k + dx), round(y / k + dy)))
        return soft_shadow(canvas, blur=max(blur, 0.5), opacity=opacity)

    if pose == "stand":
        # a standing product: a dark contact line under its footprint plus a soft pool
        a = np.asarray(small) > 128
        rows = np.flatnonzero(a.any(axis=1))
        if not rows.size:
            return np.zeros((h, w), np.float32)
        low = a[max(0, rows[-1] - int(0.08 * small.height)) : rows[-1] + 1].any(axis=0)
        cols = np.flatnonzero(low)
        fx0, fx1, fy = x / k + cols[0], x / k + cols[-1], y / k + rows[-1]
        half, mid = (fx1 - fx0) / 2, (fx0 + fx1) / 2
        parts = []
        for rx, ry, blur, opacity in ((1.12, 0.1, 0.03, 0.45), (0.98, 0.035, 0.006, 0.6)):
            canvas = Image.new("L", (sw, sh), 0)
            ImageDraw.Draw(canvas).ellipse(
                [mid - half * rx, fy - half * ry * 1.3, mid + half * rx, fy + half * ry * 0.7],
                fill=255,
            )
            parts.append(soft_shadow(canvas, blur=max(0.5, blur * s), opacity=opacity))
        return combine(parts)
    if pose == "wall":
        return combine(
            [cast(0.006 * s, 0.03 * s, 0.025 * s, 0.5), cast(0.0, 0.005 * s, 0.005 * s, 0.35)]
        )
    return combine([
        cast(0.012 * s * lift, 0.02 * s * lift, 0.022 * s * lift + 0.004 * s, 0.45),
        cast(0.002 * s * lift, 0.004 * s * lift, 0.004 * s, 0.3),
    ])  # fmt: skip


def _spread_runs(marker: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mark every horizontal run of ``mask`` that contains a marked pixel (one sweep)."""
    h, w = mask.shape
    m = np.zeros((h, w + 1), bool)  # a False column separates the rows
    m[:, :w] = mask
    k = np.zeros((h, w + 1), bool)
    k[:, :w] = marker & mask
    run = np.cumsum(~m.ravel())  # pixels of one run share the count of breaks before them
    hit = np.zeros(int(run[-1]) + 1, bool)
    hit[run[k.ravel()]] = True
    return (hit[run] & m.ravel()).reshape(h, w + 1)[:, :w]


def _solidify(rgba: Image.Image) -> Image.Image:
    """Make everything inside the silhouette opaque.

    ``cutout`` keys on distance from the background colour, so pale parts of a
    drawing (skin, eye whites, highlights) come out partly or fully transparent
    and a coloured product would show through them.  A print is opaque ink, so
    only background *connected to the border* stays transparent: it is found
    by sweeping runs of transparent pixels inwards from the edge on a coarse
    grid, and the rest (slightly eroded, to keep the cut's soft edge) is filled.
    """
    alpha = rgba.getchannel("A")
    f = max(1.0, max(rgba.size) / 256)
    small_size = (max(1, round(rgba.width / f)), max(1, round(rgba.height / f)))
    clear = np.asarray(alpha.resize(small_size, Image.Resampling.BOX)) < 128
    bg = np.zeros_like(clear)
    bg[[0, -1], :] = clear[[0, -1], :]
    bg[:, [0, -1]] = clear[:, [0, -1]]
    for _ in range(64):  # converges in a few sweeps for real outlines
        before = int(bg.sum())
        bg = _spread_runs(bg, clear)
        bg = _spread_runs(bg.T, clear.T).T
        if int(bg.sum()) == before:
            break
    inside = ~bg
    inside[1:] &= inside[:-1].copy()
    inside[:-1] &= inside[1:].copy()
    inside[:, 1:] &= inside[:, :-1].copy()
    inside[:, :-1] &= inside[:, 1:].copy()
    fill = Image.fromarray(inside.astype(np.uint8) * 255).resize(
        rgba.size, Image.Resampling.BILINEAR
    )
    out = rgba.copy()
    out.putalpha(Image.fromarray(np.maximum(np.asarray(alpha), np.asarray(fill))))
    return out


def _decontaminate(rgba: Image.Image) -> Image.Image:
    """Replace the colour of the cut's edge pixels with the colour just inside them.

    Keyed edges keep the anti-aliasing blend towards the old background, which
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


def _lift(character: Image.Image) -> Image.Image:
    """The character off its background (solid inside), cropped to what is visible.

    A real alpha channel is kept as drawn; a keyed-out background is solidified.
    """
    rgba = cutout(character)
    own_alpha = (
        character.mode in ("RGBA", "LA", "PA") and character.getchannel("A").getextrema()[0] < 250
    )
    if not own_alpha:
        rgba = _solidify(rgba)  # before cropping: pale parts at the extremities count too
    box = subject_bbox(rgba)
    if box[2] - box[0] >= 2 and box[3] - box[1] >= 2:
        rgba = rgba.crop(box)
    return rgba if own_alpha else _decontaminate(rgba)
