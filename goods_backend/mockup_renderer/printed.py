"""Flat printed goods: phone case and poster."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from goods_backend.mockup_renderer._look import _LANCZOS, _WHITE, _Look, _rgb
from goods_backend.mockup_renderer._paint import (
    _ink,
    _Mask,
    _Paint,
    _palette_mean,
    _print_in,
    _rgba_image,
)
from goods_backend.mockup_renderer._raster import _coords, _disc, _facing, _gauss, _grain, _sheen

# --------------------------------------------------------------------------- products
# Every drawer gets the lifted art, the layer size and the look, and returns an
# RGBA layer with the product on transparency, lit from the upper left.


def _camera_sprite(size: int, ss: int = 3) -> Image.Image:
    """Phone camera island: dark glass plate, three lenses, flash and mic."""
    m = size * ss
    img = Image.new("RGBA", (m, m), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle([0, 0, m - 1, m - 1], radius=m * 0.24, fill=(52, 54, 60, 255))
    d.rounded_rectangle(
        [m * 0.03, m * 0.03, m * 0.97, m * 0.97], radius=m * 0.22, fill=(66, 68, 75, 255)
    )
    rings = (
        (1.0, (160, 162, 168)),
        (0.88, (44, 44, 48)),
        (0.74, (16, 16, 20)),
        (0.5, (30, 38, 60)),
        (0.3, (48, 62, 96)),
        (0.16, (10, 10, 14)),
    )
    for cx, cy in ((0.28, 0.28), (0.28, 0.72), (0.72, 0.5)):
        for f, col in rings:
            r = 0.2 * m * f
            d.ellipse([cx * m - r, cy * m - r, cx * m + r, cy * m + r], fill=(*col, 255))
        r = 0.2 * m * 0.09
        gx, gy = cx * m - 0.06 * m, cy * m - 0.06 * m
        d.ellipse([gx - r, gy - r, gx + r, gy + r], fill=(235, 240, 255, 255))
    for f, col in ((0.075, (226, 220, 196)), (0.05, (250, 247, 232))):
        r = m * f
        d.ellipse([0.72 * m - r, 0.18 * m - r, 0.72 * m + r, 0.18 * m + r], fill=(*col, 255))
    r = m * 0.022
    d.ellipse([0.72 * m - r, 0.82 * m - r, 0.72 * m + r, 0.82 * m + r], fill=(18, 18, 20, 255))
    return img.resize((size, size), _LANCZOS)


def _draw_phone_case(art: Image.Image, w: int, h: int, look: _Look) -> Image.Image:
    """Phone case seen from the back: bumper rim, side buttons, camera island, print."""
    base = look.base("phone_case")
    x, y = _coords(w, h)
    x0, x1, y0, y1 = 0.03 * w, 0.97 * w, 0.005 * h, 0.995 * h
    cw, ch = x1 - x0, y1 - y0
    radius = 0.17 * cw
    t = 0.035 * cw  # bumper rim width

    bt = 0.022 * w
    btn = (
        _Mask(w, h)
        .rect((x0 - bt, y0 + 0.2 * ch, x0 + bt, y0 + 0.29 * ch), radius=bt)
        .rect((x1 - bt, y0 + 0.17 * ch, x1 + bt, y0 + 0.22 * ch), radius=bt)
        .rect((x1 - bt, y0 + 0.25 * ch, x1 + bt, y0 + 0.31 * ch), radius=bt)
        .array()
    )
    outer = _Mask(w, h).rect((x0, y0, x1, y1), radius=radius).array()
    inner = _Mask(w, h).rect((x0 + t, y0 + t, x1 - t, y1 - t), radius=radius - t).array()
    rim = np.clip(outer - inner, 0.0, 1.0)
    rim_tone = 0.9 + 0.1 * _facing(_gauss(outer, t * 0.6))
    # the back dips slightly inside the raised rim: a soft inner shadow
    back_tone = (1.02 - 0.05 * y / h) * (
        0.9 + 0.1 * np.clip(_gauss(inner, t * 0.5) * 2.0 - 0.6, 0, 1)
    )

    print_box = (x0 + 0.11 * cw, y0 + 0.3 * ch, x1 - 0.11 * cw, y1 - 0.07 * ch)
    prgb, pa = _print_in(art, w, h, print_box, look.print_scale)

    # Camera island top left, inside a cut-out that shows the case's wall.
    msize = round(0.42 * cw)
    mx, my = round(x0 + 0.075 * cw), round(y0 + 0.035 * ch)
    gap = 0.03 * cw
    opening = (
        _Mask(w, h)
        .rect((mx - gap, my - gap, mx + msize + gap, my + msize + gap), radius=0.24 * msize + gap)
        .array()
    )

    paint = _Paint(w, h)
    paint.over(base * 0.82, btn)
    paint.over(_ink(base, prgb, pa) * back_tone, inner)
    paint.over(base * rim_tone, rim)
    paint.over(base * 0.55, opening)
    paint.over(_WHITE, outer * _sheen(w, h, 0.34, 0.28))
    layer = paint.image()
    layer.alpha_composite(_camera_sprite(msize), (mx, my))
    return layer


def _draw_poster(art: Image.Image, w: int, h: int, look: _Look) -> Image.Image:
    """Framed poster: charcoal moulding, glass glare; the design fills the whole sheet."""
    x, y = _coords(w, h)
    s = min(w, h)
    fr = max(2.0, 0.04 * s)  # moulding width
    ix0, iy0, ix1, iy1 = fr, fr, w - fr, h - fr
    iw, ih = ix1 - ix0, iy1 - iy0

    # Design: a pale gradient in the character's own palette, a disc behind it, a keyline.
    mean = _palette_mean(art)
    t = np.clip((y - iy0) / ih, 0.0, 1.0)
    bg = (mean * 0.16 + 255.0 * 0.84) * (1.0 - t) + (mean * 0.36 + 255.0 * 0.64) * t
    disc = 0.55 * _disc(x, y, w / 2, iy0 + ih * 0.47, 0.36 * min(iw, ih))
    line_w = max(1.0, 0.005 * s)
    inset = 0.045 * min(iw, ih)
    keyline = _Mask(w, h).rect((ix0 + inset, iy0 + inset, ix1 - inset, iy1 - inset)).array()
    keyline -= (
        _Mask(w, h)
        .rect(
            (ix0 + inset + line_w, iy0 + inset + line_w, ix1 - inset - line_w, iy1 - inset - line_w)
        )
        .array()
    )
    design = bg * (1.0 - disc) + (mean * 0.5 + 127.5) * disc
    design = design * (1.0 - keyline) + 255.0 * keyline
    box = (ix0 + 0.08 * iw, iy0 + 0.07 * ih, ix1 - 0.08 * iw, iy1 - 0.06 * ih)
    prgb, pa = _print_in(art, w, h, box, look.print_scale)
    design = _ink(design, prgb, pa)
    # paper tooth, the moulding's shadow on the sheet's top/left, then glass glare
    lip = np.exp(-np.clip(y - iy0, 0, None) / (0.012 * s)) + np.exp(
        -np.clip(x - ix0, 0, None) / (0.012 * s)
    )
    design *= (1.0 + 0.012 * _grain(look, 41, w, h)) * (1.0 - 0.28 * np.clip(lip, 0, 1))
    design += 255.0 * _sheen(w, h, 0.3, 0.12)

    # Frame: matte charcoal with a lit outer chamfer, and an inner lip that is
    # bright where it faces the light (the opening's bottom/right sides).
    inner = (x > ix0) & (x < ix1) & (y > iy0) & (y < iy1)
    d_out = np.minimum(np.minimum(x, w - x), np.minimum(y, h - y))
    top_left = np.minimum(x, y) <= np.minimum(w - x, h - y)  # which side of the frame
    outer_bevel = np.clip(1.0 - d_out / (0.25 * fr), 0, 1)
    inner_bevel = np.clip(1.0 - (fr - d_out) / (0.22 * fr), 0, 1)
    frame = (
        46.0
        + 22.0 * outer_bevel * np.where(top_left, 1.0, -0.6)
        + 34.0 * inner_bevel * np.where(top_left, -0.5, 1.0)
    )
    col = np.where(inner, design, frame * _rgb((1.0, 0.98, 0.96)))
    return _rgba_image(col, np.ones((h, w), np.float32))
