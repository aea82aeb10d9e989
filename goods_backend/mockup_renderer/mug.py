"""Ceramic mug with a cylinder-wrapped print."""

from __future__ import annotations

import numpy as np
from PIL import Image

from goods_backend.mockup_renderer._look import _Look
from goods_backend.mockup_renderer._paint import _fit_art, _ink, _Mask, _Paint, _premul
from goods_backend.mockup_renderer._raster import _coords, _facing, _gauss, _sample_columns

# --------------------------------------------------------------------------- products
# Every drawer gets the lifted art, the layer size and the look, and returns an
# RGBA layer with the product on transparency, lit from the upper left.


def _draw_mug(art: Image.Image, w: int, h: int, look: _Look) -> Image.Image:
    """Ceramic mug: lit cylinder, rim and interior, D handle; the print wraps the curve."""
    base = look.base("mug")
    r = min(w, h) / 2.62  # body radius
    b = 0.2 * r  # rim ellipse half-height: camera a little above the rim
    hb = 2.1 * r  # body height between the rim and foot centre lines
    cx = (w - 2.55 * r) / 2 + r
    yt = (h - (hb + 2 * b)) / 2 + b
    yb = yt + hb
    x, y = _coords(w, h)

    body = (
        _Mask(w, h)
        .rect((cx - r, yt, cx + r, yb))
        .ellipse((cx - r, yt - b, cx + r, yt + b))
        .ellipse((cx - r, yb - b, cx + r, yb + b))
        .array()
    )
    top = _Mask(w, h).ellipse((cx - r, yt - b, cx + r, yt + b)).array()
    irx, iry = 0.92 * r, 0.9 * b
    inner = _Mask(w, h).ellipse((cx - irx, yt - iry, cx + irx, yt + iry)).array()
    side = np.clip(body - top, 0.0, 1.0)
    lip = np.clip(top - inner, 0.0, 1.0)

    # Cylinder lighting: Lambert on each column's normal plus a softbox streak.
    u = np.clip((x - cx) / r, -0.999, 0.999)
    nz = np.sqrt(1.0 - u * u)
    diffuse = np.clip(-0.5 * u + 0.866 * nz, 0.0, 1.0)
    rim_front = yt + b * nz  # where the rim's front edge crosses this column
    sv = np.clip((y - rim_front) / hb, 0.0, 1.0)
    streak = 0.5 * np.exp(-(((u + 0.48) / 0.075) ** 2)) + 0.16 * np.exp(
        -(((u - 0.88) / 0.045) ** 2)
    )
    spec = streak * np.clip(sv * 6.0, 0, 1) * np.clip((1.0 - sv) * 5.0, 0, 1)
    ao = (1.0 - 0.22 * np.exp(-(1.0 - sv) * hb / (0.1 * r))) * (
        1.0 - 0.12 * np.exp(-sv * hb / (0.05 * r))
    )
    shade = (0.38 + 0.66 * diffuse) * ao

    # The print wraps the cylinder: a column at u shows the unrolled design at
    # arc length r*asin(u) (compressing towards the sides, where the lighting
    # also darkens it), and rows follow the rim's ellipse so the print curves.
    fitted = _fit_art(art, 2.24 * r * look.print_scale, 0.74 * hb * look.print_scale)
    f_rgb, f_a = _premul(fitted)
    src = np.concatenate([f_rgb, f_a[None]])
    arc = (r * np.arcsin(u))[0]
    sx = arc + fitted.width / 2
    sy = (y - rim_front) - (hb - fitted.height) / 2
    wrap = np.zeros((4, h, w), np.float32)
    cols = np.flatnonzero(np.abs(arc) < fitted.width / 2 + 2)
    y_lo, y_hi = yt + (hb - fitted.height) / 2 - 2, yt + b + (hb + fitted.height) / 2 + 2
    rows = np.flatnonzero((y[:, 0] > y_lo) & (y[:, 0] < y_hi))
    if cols.size and rows.size:
        c0, c1, r0, r1 = cols[0], cols[-1] + 1, rows[0], rows[-1] + 1
        wrap[:, r0:r1, c0:c1] = _sample_columns(src, sx[c0:c1], sy[r0:r1, c0:c1])
    side_col = _ink(base, wrap[:3], wrap[3]) * shade + 255.0 * spec

    # Inside: the far inner wall catches the light, the bottom lies in the front wall's shade.
    ti = np.clip((y - (yt - iry)) / (2 * iry), 0.0, 1.0)
    inside_tone = (0.9 - 0.32 * ti) * (0.9 + 0.1 * u) * (1.0 - 0.3 * np.exp(-(1.0 - ti) / 0.12))
    lip_tone = 1.0 + 0.25 * np.exp(-(((u + 0.45) / 0.3) ** 2)) * (y > yt)

    # Handle: a D-shaped ring behind the body, tube-shaded, darker where it meets the body.
    hx, hy = cx + 0.96 * r, yt + b + hb * 0.42
    ring = (
        _Mask(w, h)
        .ellipse((hx - 0.56 * r, hy - 0.66 * r, hx + 0.56 * r, hy + 0.66 * r))
        .ellipse((hx - 0.36 * r, hy - 0.45 * r, hx + 0.36 * r, hy + 0.45 * r), fill=0)
        .array()
    )
    tube = _gauss(ring, 0.05 * r)
    tube = np.clip(tube / max(float(tube.max()), 1e-3), 0.0, 1.0)
    occl = 1.0 - 0.35 * np.exp(-np.clip(x - (cx + r), 0, None) / (0.12 * r))
    handle_col = (
        base * ((0.42 + 0.42 * tube + 0.12 * _facing(tube)) * occl) + 255.0 * 0.28 * tube**8
    )

    paint = _Paint(w, h)
    paint.over(handle_col, ring)
    paint.over(side_col, side)
    paint.over(base * lip_tone, lip)
    paint.over(base * inside_tone, inner)
    return paint.image()
