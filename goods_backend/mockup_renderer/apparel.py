"""Soft goods: t-shirt, eco bag and cushion (dyed cloth with a printed design)."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from goods_backend.mockup_renderer._look import _Look
from goods_backend.mockup_renderer._paint import (
    _fabric_contrast,
    _ink,
    _Mask,
    _Paint,
    _print_in,
    _rgba_image,
)
from goods_backend.mockup_renderer._raster import _coords, _folds, _gauss, _grain, _shift, _smooth

# --------------------------------------------------------------------------- products
# Every drawer gets the lifted art, the layer size and the look, and returns an
# RGBA layer with the product on transparency, lit from the upper left.


def _draw_tshirt(art: Image.Image, w: int, h: int, look: _Look) -> Image.Image:
    """Flat-lay crew-neck tee: silhouette, collar ribs, seams, folds; chest print."""
    base = look.base("tshirt")
    x, y = _coords(w, h)

    def p(u: float, v: float) -> tuple[float, float]:
        return (u * w, v * h)

    neck_l, neck_r, neck_y = 0.395, 0.605, 0.035
    back_neck = [
        p(neck_r - (neck_r - neck_l) * t, neck_y + 0.016 * math.sin(math.pi * t))
        for t in np.linspace(0.0, 1.0, 9)
    ]
    outline = [
        p(neck_l, neck_y), p(0.205, 0.09), p(0.03, 0.30), p(0.125, 0.43), p(0.215, 0.345),
        p(0.205, 0.975), p(0.795, 0.975), p(0.785, 0.345), p(0.875, 0.43), p(0.97, 0.30),
        p(0.795, 0.09), *back_neck,
    ]  # fmt: skip
    shape = _smooth(_Mask(w, h).polygon(outline).array(), max(0.6, w * 0.004))

    # Collar: the inside of the back shows through the scooped front neckline,
    # framed by a rib band at the back and a wider one along the front.
    cx, rx, ry, ny = 0.5 * w, 0.105 * w, 0.10 * h, neck_y * h
    band = 0.03 * w
    front = _Mask(w, h).ellipse((cx - rx, ny - ry, cx + rx, ny + ry)).array()
    front_out = (
        _Mask(w, h)
        .ellipse((cx - rx - band, ny - ry - band, cx + rx + band, ny + ry + band))
        .array()
    )
    tx = np.clip((x / w - neck_l) / (neck_r - neck_l), 0.0, 1.0)
    back_curve = (neck_y + 0.016 * np.sin(np.pi * tx)) * h
    opening = front * shape
    back_rib = opening * np.clip(back_curve + 0.022 * h - y + 0.5, 0.0, 1.0)
    inside = opening - back_rib
    below = np.clip(y - ny + 0.5, 0.0, 1.0)
    front_rib = np.clip(front_out - front, 0.0, 1.0) * shape * below
    depth = np.clip((y - ny) / ry, 0.0, 1.0)
    ribs = 1.0 + 0.035 * np.cos(np.arctan2(y - ny, x - cx) * (2 * np.pi * rx / max(2.5, w * 0.006)))
    tone = (
        1.0
        + inside * ((0.58 + 0.16 * depth) - 1.0)
        + back_rib * (0.86 * ribs - 1.0)
        + front_rib * (0.985 * ribs - 1.0)
    )
    # the front rib casts a thin shadow on the body just below it
    tone *= (
        1.0 - 0.5 * np.clip(_gauss(front_out, max(0.8, w * 0.004)) - front_out, 0.0, 1.0) * below
    )

    # Stitching: armhole seams, double-needle hems on the cuffs and the bottom.
    lines = _Mask(w, h)
    lw = max(0.7, w * 0.0022)
    for side in (1, -1):

        def q(u: float, v: float, side: int = side) -> tuple[float, float]:
            return p(0.5 + side * (u - 0.5), v)

        lines.line([q(0.212, 0.095), q(0.226, 0.22), q(0.219, 0.345)], lw)
        (ax, ay), (bx, by) = q(0.03, 0.30), q(0.125, 0.43)
        n = math.hypot(by - ay, bx - ax)
        nx, ny_ = (by - ay) / n, -(bx - ax) / n
        if (cx - ax) * nx + (0.3 * h - ay) * ny_ < 0:  # point the offset into the sleeve
            nx, ny_ = -nx, -ny_
        off = 0.028 * w
        lines.line([(ax + nx * off, ay + ny_ * off), (bx + nx * off, by + ny_ * off)], lw)
    lines.line([p(0.206, 0.948), p(0.794, 0.948)], lw)
    stitches = lines.array() * shape

    flip = look.rng(11).choice([-1.0, 1.0], size=6)
    folds = _folds(w, h, [
        (0.22, 0.36, 0.34, 0.52, 0.05 * flip[0], 0.025),
        (0.78, 0.36, 0.66, 0.52, 0.05 * flip[1], 0.025),
        (0.29, 0.95, 0.40, 0.80, 0.05 * flip[2], 0.02),
        (0.73, 0.96, 0.61, 0.83, 0.05 * flip[3], 0.02),
        (0.30, 0.11, 0.25, 0.24, 0.035 * flip[4], 0.02),
        (0.70, 0.11, 0.75, 0.24, 0.035 * flip[5], 0.02),
    ])  # fmt: skip
    edge = np.clip(_gauss(shape, w * 0.03) * 1.7 - 0.35, 0.0, 1.0)
    light = 1.03 - 0.07 * (y / h) - 0.03 * (x / w)
    chest = (0.33 * w, 0.185 * h, 0.67 * w, 0.64 * h)
    prgb, pa = _print_in(art, w, h, chest, look.print_scale, top=True)
    shade = (0.8 + 0.2 * edge) * light * (1.0 + folds) * (1.0 - 0.16 * stitches)
    shade = _fabric_contrast(shade, base, pa)
    shade *= (1.0 + 0.018 * _grain(look, 12, w, h)) * tone
    return _rgba_image(_ink(base, prgb, pa) * shade, shape)


def _draw_ecobag(art: Image.Image, w: int, h: int, look: _Look) -> Image.Image:
    """Canvas tote, flat: two handles, hem and box stitches, weave; print on the front."""
    base = look.base("ecobag")
    x, y = _coords(w, h)
    bw = 0.94 * w
    bh = min(1.06 * bw, h * 0.7)
    bx0, bx1 = (w - bw) / 2, (w + bw) / 2
    by1 = h - 0.005 * h
    by0 = by1 - bh
    hd = by0 - 0.01 * h  # handle drop above the bag
    sw = 0.06 * bw  # strap width
    anchors = (bx0 + 0.27 * bw, bx0 + 0.73 * bw)

    def strap(dx: float, dy: float, width: float) -> np.ndarray:
        xl, xr = anchors[0] + dx, anchors[1] + dx
        xc, rx, ry = (xl + xr) / 2, (xr - xl) / 2, hd - sw / 2 + dy
        pts = [(xl, by0 + 0.09 * bh)]
        pts += [
            (xc - rx * math.cos(t), by0 - ry * math.sin(t)) for t in np.linspace(0, math.pi, 40)
        ]
        pts += [(xr, by0 + 0.09 * bh)]
        return _Mask(w, h).line(pts, width).array()

    back = strap(0.018 * bw, -0.03 * bh, sw)
    front = strap(0.0, 0.0, sw)
    edge_stitch = np.clip(strap(0.0, 0.0, sw * 0.8) - strap(0.0, 0.0, sw * 0.66), 0, 1)
    body = _Mask(w, h).rect((bx0, by0, bx1, by1), radius=0.015 * bw).array()
    front_on_body = front * np.clip(y - by0 + 0.5, 0, 1)

    # Stitching: a running stitch along the folded top hem, a box-X on each strap.
    st = _Mask(w, h)
    lw = max(0.7, w * 0.0025)
    hem_y = by0 + 0.055 * bh
    n = 46
    for i in range(n):
        xa = bx0 + 0.02 * bw + (bw * 0.96) * i / n
        st.line([(xa, hem_y), (xa + bw * 0.96 / n * 0.55, hem_y)], lw)
    for xc in anchors:
        x0, x1, y0, y1 = xc - sw * 0.38, xc + sw * 0.38, by0 + 0.02 * bh, by0 + 0.075 * bh
        st.line([(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0), (x1, y1)], lw)
        st.line([(x1, y0), (x0, y1)], lw)
    stitches = st.array()

    # Canvas weave: per-row and per-column thread noise plus fibre grain.
    rng = look.rng(21)
    weave = (
        0.012 * rng.standard_normal((h, 1), dtype=np.float32)
        + 0.012 * rng.standard_normal((1, w), dtype=np.float32)
        + 0.016 * _grain(look, 22, w, h)
    )
    flip = rng.choice([-1.0, 1.0], size=4)
    uy0 = by0 / h
    folds = _folds(w, h, [
        (0.06, 0.98, 0.22, uy0 + 0.2, 0.05 * flip[0], 0.03),
        (0.95, 0.97, 0.8, uy0 + 0.25, 0.05 * flip[1], 0.03),
        (0.45, 0.99, 0.52, uy0 + 0.45, 0.03 * flip[2], 0.04),
        (0.2, uy0 + 0.09, 0.5, uy0 + 0.14, 0.03 * flip[3], 0.02),
    ])  # fmt: skip
    edge = np.clip(_gauss(body, bw * 0.04) * 1.7 - 0.35, 0.0, 1.0)
    hem_band = np.clip(hem_y + lw - y + 0.5, 0, 1) * body
    light = 1.03 - 0.06 * (y / h) - 0.03 * (x / w)
    box = (bx0 + 0.13 * bw, by0 + 0.15 * bh, bx1 - 0.13 * bw, by1 - 0.09 * bh)
    prgb, pa = _print_in(art, w, h, box, look.print_scale)
    shade = (0.82 + 0.18 * edge) * light * (1.0 + folds) * (1.0 - 0.06 * hem_band) * (1.0 + weave)
    shade = _fabric_contrast(shade, base, pa)
    # ink soaks into canvas: the weave and folds show through the print too
    body_col = _ink(base, prgb, pa) * (shade * (1.0 - 0.22 * stitches))

    strap_tone = 0.93 * light * (1.0 + weave)
    paint = _Paint(w, h)
    paint.over(base * (0.74 * strap_tone), back)
    paint.over(body_col, body)
    # the front strap casts a soft shadow on the bag face
    cast = _shift(_gauss(front_on_body, sw * 0.15), 2, 3)
    paint.over((0.0, 0.0, 0.0), np.clip(cast - front_on_body, 0, 1) * body * 0.25)
    strap_tone = strap_tone * (1.0 - 0.2 * edge_stitch) * (1.0 - 0.22 * stitches * front_on_body)
    paint.over(base * strap_tone, front)
    return paint.image()


def _draw_cushion(art: Image.Image, w: int, h: int, look: _Look) -> Image.Image:
    """Square pillow: bowed edges, puffy radial shading, corner creases, piping; print centred."""
    base = look.base("cushion")
    x, y = _coords(w, h)
    size = min(w, h)
    corners = [
        (0.03 * w, 0.04 * h),
        (0.97 * w, 0.03 * h),
        (0.975 * w, 0.965 * h),
        (0.025 * w, 0.97 * h),
    ]
    pts: list[tuple[float, float]] = []
    for i in range(4):  # edges bow inwards between the corners, as a stuffed pillow's do
        (ax, ay), (bx, by) = corners[i], corners[(i + 1) % 4]
        n = math.hypot(bx - ax, by - ay)
        nx, ny = -(by - ay) / n, (bx - ax) / n
        if (w / 2 - ax) * nx + (h / 2 - ay) * ny < 0:
            nx, ny = -nx, -ny
        for t in np.linspace(0.0, 1.0, 24, endpoint=False):
            bow = 0.05 * size * math.sin(math.pi * t) ** 0.8
            pts.append((ax + (bx - ax) * t + nx * bow, ay + (by - ay) * t + ny * bow))
    shape = _smooth(_Mask(w, h).polygon(pts).array(), 0.006 * size)

    # Puffiness: fuller (brighter) deep inside the outline and towards the middle,
    # falling off into the pinched corners; the key light rakes from the upper left.
    puff = np.clip((_gauss(shape, 0.16 * size) - 0.2) / 0.8, 0.0, 1.0) ** 0.6
    dome = 1.0 - 0.16 * (((x - w / 2) / (w / 2)) ** 2 + ((y - h / 2) / (h / 2)) ** 2)
    light = 1.0 + 0.16 * (0.5 - (0.55 * x / w + 0.45 * y / h))
    # piping along the edge: a dark seam line with a lit ridge just outside it
    seam_field = _gauss(shape, 0.008 * size)
    seam = np.exp(-(((seam_field - 0.88) / 0.035) ** 2)) * shape
    ridge = np.exp(-(((seam_field - 0.66) / 0.06) ** 2)) * shape
    flip = look.rng(31).choice([0.7, 1.0], size=8)
    creases = []
    for i, (ax, ay) in enumerate(corners):  # a pair of pinch creases running in from each corner
        ux, uy = ax / w, ay / h
        dx, dy = 0.5 - ux, 0.5 - uy
        n = math.hypot(dx, dy)
        dx, dy = dx / n, dy / n
        for j, spread in enumerate((-0.07, 0.07)):
            tx, ty = ux + dx * 0.3 - dy * spread, uy + dy * 0.3 + dx * spread
            creases.append((ux, uy, tx, ty, 0.1 * flip[i * 2 + j], 0.014))
    satin = 0.06 * np.exp(-(((x / w - 0.34) / 0.2) ** 2 + ((y / h - 0.3) / 0.16) ** 2)) * puff
    shade = (0.56 + 0.48 * puff) * dome * light * (1.0 + _folds(w, h, creases))
    shade *= (1.0 - 0.16 * seam + 0.05 * ridge) * (1.0 + 0.015 * _grain(look, 32, w, h))
    prgb, pa = _print_in(art, w, h, (0.2 * w, 0.19 * h, 0.8 * w, 0.81 * h), look.print_scale)
    shade = _fabric_contrast(shade, base, pa)
    return _rgba_image(_ink(base, prgb, pa) * shade + 255.0 * satin, shape)
