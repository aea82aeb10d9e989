"""Die-cut and pin goods: acrylic keyring and stand, sticker, badge."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from goods_backend.mockup_renderer._look import _TO_LIGHT, _WHITE, _Look, _rgb
from goods_backend.mockup_renderer._paint import (
    _fit_art,
    _ink,
    _Mask,
    _Paint,
    _palette_mean,
    _premul,
    _print_in,
)
from goods_backend.mockup_renderer._raster import (
    _coords,
    _dilate,
    _disc,
    _embed,
    _facing,
    _gauss,
    _sheen,
    _shift,
    _smooth,
)

# --------------------------------------------------------------------------- acrylic / die-cut


def _cut_piece(
    art: Image.Image, max_w: float, max_h: float, border: float, *, top_room: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Art fitted into max_w x max_h (border included) and its rounded cut outline.

    Returns premultiplied print colour, print alpha and the cut-shape mask, all
    of the padded piece size; ``top_room`` adds empty rows above for a tab.
    """
    fitted = _fit_art(art, max(1.0, max_w - 2 * border), max(1.0, max_h - 2 * border))
    pad = math.ceil(border * 1.25) + 2
    layer = Image.new("RGBA", (fitted.width + 2 * pad, fitted.height + 2 * pad + top_room))
    layer.paste(fitted, (pad, pad + top_room))
    prgb, pa = _premul(layer)
    shape = _smooth(_dilate(pa, border), border * 0.3)
    return prgb, pa, np.maximum(shape, pa)


def _paint_acrylic(
    paint: _Paint, shape: np.ndarray, prgb: np.ndarray, pa: np.ndarray, *, size: float
) -> None:
    """Clear acrylic with a print on its back face: edge wall, bevel glints and gloss.

    The clear parts are only partly opaque so the backdrop shows through, which
    is what makes acrylic read as acrylic next to the fully opaque print.
    """
    h, w = shape.shape
    t = max(1, round(size * 0.008))  # visible slab thickness, lower right
    wall = np.clip(_shift(shape, t, t) - shape, 0.0, 1.0)
    paint.over((150.0, 168.0, 186.0), wall * 0.6)
    paint.over((236.0, 244.0, 250.0), shape * 0.3)
    paint.over_premul(prgb, pa)
    field = _gauss(shape, max(1.0, size * 0.006))
    rim = shape * np.clip((1.0 - field) * 2.2, 0.0, 1.0)
    facing = _facing(field)
    paint.over(_WHITE, rim * (0.35 + 0.6 * np.clip(facing, 0, 1)))
    paint.over((70.0, 90.0, 112.0), rim * 0.35 * np.clip(-facing, 0, 1))
    paint.over(_WHITE, shape * _sheen(w, h, 0.3, 0.42))


def _metal(mask: np.ndarray, width: float) -> np.ndarray:
    """Polished steel (planar colour) for a wire mask: bright tube centre, lit glints."""
    field = _gauss(mask, max(0.7, width * 0.3))
    tube = np.clip((field - 0.35) / 0.5, 0.0, 1.0)
    v = 96.0 + 110.0 * tube + 42.0 * _facing(field) + 70.0 * tube**6
    return np.clip(v * _rgb((0.97, 0.99, 1.03)), 0, 255)


# --------------------------------------------------------------------------- products
# Every drawer gets the lifted art, the layer size and the look, and returns an
# RGBA layer with the product on transparency, lit from the upper left.


def _draw_keyring(art: Image.Image, w: int, h: int, look: _Look) -> Image.Image:
    """Acrylic charm cut along the silhouette, with a hole, jump ring, chain and split ring."""
    x, y = _coords(w, h)
    pw, ph = w * 0.96, h * 0.78
    s = min(pw, ph)
    border = 0.05 * s
    r_hole = 0.034 * s
    r_tab = r_hole + border * 0.95
    room = math.ceil(2.0 * border + 2.2 * r_hole)
    prgb, pa, shape = _cut_piece(
        art, pw * look.print_scale, (ph - room) * look.print_scale, border, top_room=room
    )

    # The hole goes above the highest point of the silhouette (usually the head).
    solid = pa > 0.5
    if solid.any():
        tops = np.where(solid.any(axis=0), solid.argmax(axis=0), pa.shape[0])
        y_top = int(tops.min())
        hx_p = float(np.median(np.flatnonzero(tops <= y_top + 0.02 * s))) + 0.5
    else:
        y_top, hx_p = pa.shape[0] // 2, pa.shape[1] / 2
    hy_p = y_top - border * 0.55 - r_hole * 1.05
    px_, py_ = _coords(pa.shape[1], pa.shape[0])
    shape = _smooth(np.maximum(shape, _disc(px_, py_, hx_p, hy_p, r_tab)), border * 0.35)
    shape = np.maximum(shape, pa) * (1.0 - _disc(px_, py_, hx_p, hy_p, r_hole))

    # The piece hangs at the bottom of the layer, the chain above it.
    rows = np.flatnonzero(shape.max(axis=1) > 0.01)
    ox = round((w - pa.shape[1]) / 2)
    oy = h - (int(rows[-1]) + 2 if rows.size else pa.shape[0])
    shape_l, pa_l, prgb_l = (_embed(a, w, h, ox, oy) for a in (shape, pa, prgb))
    hx, hy = hx_p + ox, hy_p + oy

    # Metal: jump ring through the hole, a short chain of alternating links, a split ring.
    wire = max(1.0, 0.42 * r_hole)
    rr = 1.8 * r_hole
    metal = _Mask(w, h)
    rcy = hy - rr + 0.35 * r_hole
    metal.ring((hx - rr, rcy - rr, hx + rr, rcy + rr), wire)
    split_r = 0.095 * s
    top_y = split_r + wire
    sx = hx + 0.04 * s
    metal.ring((sx - split_r, top_y - split_r, sx + split_r, top_y + split_r), wire)
    inner_r = split_r * 0.93  # the second coil of the split ring
    metal.ring((sx - inner_r, top_y - inner_r, sx + inner_r, top_y + inner_r), wire * 0.9)
    y_a, y_b = rcy - rr, top_y + split_r
    link_l, link_w = 0.085 * s, 0.05 * s
    n = max(1, round((y_a - y_b) / (link_l * 0.72)))
    step = (y_a - y_b) / n
    for i in range(n):
        t = (i + 0.5) / n
        ly = y_b + step * (i + 0.5)
        lx = sx + (hx - sx) * t + 0.015 * s * math.sin(math.pi * t)
        half = step * 0.7
        if i % 2 == 0:  # link seen face on
            metal.ring((lx - link_w / 2, ly - half, lx + link_w / 2, ly + half), wire * 0.8)
        else:  # link seen edge on
            metal.rect((lx - wire * 0.6, ly - half, lx + wire * 0.6, ly + half), radius=wire * 0.6)
    m = metal.array()
    steel = _metal(m, wire)
    # the ring's left arc passes in front of the acrylic, the rest behind it
    front = m * ((np.abs(y - hy) < r_tab * 1.2) & (x < hx)) * (shape_l > 0.05)

    paint = _Paint(w, h)
    paint.over(steel, m * (1.0 - front))
    _paint_acrylic(paint, shape_l, prgb_l, pa_l, size=s)
    paint.over(steel, front)
    return paint.image()


def _draw_stand(art: Image.Image, w: int, h: int, look: _Look) -> Image.Image:
    """Acrylic figure with a flat foot standing in the slot of a clear oval base."""
    x, y = _coords(w, h)
    rx = min(0.46 * w, 0.42 * h)
    ry, tb = 0.26 * rx, 0.1 * rx
    cxb, cyb = w / 2, h - 2 - tb - ry
    slot_y = cyb - 0.08 * ry
    border = 0.045 * min(w, slot_y)
    fw, fh = w * 0.94 * look.print_scale, slot_y * look.print_scale
    prgb, pa, shape = _cut_piece(art, fw, fh, border)

    # Flat foot: square off the outline under the lowest part and cut it straight.
    solid = pa > 0.5
    rows = np.flatnonzero(solid.any(axis=1))
    y_bot = int(rows[-1]) if rows.size else pa.shape[0] - 1
    feet = np.flatnonzero(solid[max(0, y_bot - int(0.08 * pa.shape[0])) : y_bot + 1].any(axis=0))
    fx0, fx1 = (int(feet[0]), int(feet[-1])) if feet.size else (0, pa.shape[1] - 1)
    foot = np.zeros_like(shape)
    foot[max(0, int(y_bot - 1.2 * border)) :, max(0, int(fx0 - border)) : int(fx1 + border) + 1] = (
        1.0
    )
    shape = np.maximum(_smooth(np.maximum(shape, foot), border * 0.3), pa)
    y_cut = min(shape.shape[0], int(y_bot + 0.75 * border))
    keep = (np.arange(shape.shape[0]) < y_cut)[:, None].astype(np.float32)
    shape, pa, prgb = shape * keep, pa * keep, prgb * keep

    ox, oy = round((w - shape.shape[1]) / 2), round(slot_y - y_cut)
    shape_l, pa_l, prgb_l = (_embed(a, w, h, ox, oy) for a in (shape, pa, prgb))
    foot_w = (fx1 - fx0) + 2 * border

    # Base: a clear oval slab seen from slightly above.
    top = _Mask(w, h).ellipse((cxb - rx, cyb - ry, cxb + rx, cyb + ry)).array()
    slab = (
        _Mask(w, h)
        .ellipse((cxb - rx, cyb - ry, cxb + rx, cyb + ry))
        .rect((cxb - rx, cyb, cxb + rx, cyb + tb))
        .ellipse((cxb - rx, cyb + tb - ry, cxb + rx, cyb + tb + ry))
        .array()
    )
    side = np.clip(slab - top, 0.0, 1.0)
    lw = max(1.0, 0.008 * rx)
    rim = _Mask(w, h).ring((cxb - rx, cyb - ry, cxb + rx, cyb + ry), lw).array()
    front_half = np.clip(y - cyb + 0.5, 0, 1)
    bottom_rim = _Mask(w, h).ring((cxb - rx, cyb + tb - ry, cxb + rx, cyb + tb + ry), lw).array()
    bottom_rim *= np.clip(y - cyb - tb + 0.5, 0, 1)
    glint = (
        _Mask(w, h).ring((cxb - rx, cyb - ry + tb * 0.4, cxb + rx, cyb + ry + tb * 0.4), lw).array()
    )
    glint *= np.clip(y - cyb - tb * 0.4 + 0.5, 0, 1) * side
    slot_h = max(1.5, 0.05 * ry)
    slot_half = foot_w / 2 + 0.02 * w
    slot = (
        _Mask(w, h)
        .rect((cxb - slot_half, slot_y - slot_h, cxb + slot_half, slot_y + slot_h), radius=slot_h)
        .array()
    )

    paint = _Paint(w, h)
    paint.over((200.0, 214.0, 228.0), side * (0.5 - 0.1 * (x - cxb) / rx))
    paint.over((238.0, 245.0, 250.0), top * 0.3)
    paint.over(_WHITE, top * _sheen(w, h, 0.55, 0.3))
    paint.over(_WHITE, rim * (0.55 + 0.35 * front_half))
    paint.over(_WHITE, glint * 0.45)
    paint.over((120.0, 140.0, 160.0), bottom_rim * 0.55)
    paint.over((70.0, 82.0, 96.0), slot * 0.6)
    _paint_acrylic(paint, shape_l, prgb_l, pa_l, size=min(w, h))
    return paint.image()


def _draw_sticker(art: Image.Image, w: int, h: int, look: _Look) -> Image.Image:
    """Die-cut vinyl sticker: thick white border along the silhouette, a peeled corner."""
    s = min(w, h)
    border = 0.055 * (w + h) / 2
    prgb, pa, shape = _cut_piece(art, w * look.print_scale, h * look.print_scale, border)
    ox, oy = round((w - shape.shape[1]) / 2), round((h - shape.shape[0]) / 2)
    shape, pa, prgb = (_embed(a, w, h, ox, oy) for a in (shape, pa, prgb))
    x, y = _coords(w, h)

    # Peeled corner: the part beyond a 45-degree line near the lower-right
    # extreme is folded back over the sticker, showing the paper backside.
    # Folding mirrors across x + y = c, which maps (x, y) to (c - y, c - x):
    # a pure index permutation, so the flap costs one gather.
    diag = x + y
    inside = shape > 0.5
    keep = np.ones_like(shape)
    flap = np.zeros_like(shape)
    peel = 0.11 * s
    c = 0
    if inside.any():
        c = round(float(diag[inside].max()) - peel)
        keep = np.clip((c - diag) / math.sqrt(2.0) + 0.5, 0.0, 1.0)
        xi, yi = np.arange(w)[None, :], np.arange(h)[:, None]
        src_y, src_x = c - xi, c - yi
        valid = (src_y >= 0) & (src_y < h) & (src_x >= 0) & (src_x < w)
        mirrored = shape[np.clip(src_y, 0, h - 1), np.clip(src_x, 0, w - 1)]
        flap = np.where(valid, mirrored, 0.0) * keep * (diag < c)

    sticker = shape * keep
    field = _gauss(sticker, max(0.8, s * 0.003))
    cut_edge = sticker * np.clip((1.0 - field) * 2.0, 0, 1)

    paint = _Paint(w, h)
    paint.over((251.0, 251.0, 249.0), sticker)
    paint.over_premul(prgb * keep, pa * keep)
    paint.over((190.0, 190.0, 188.0), cut_edge * 0.45)
    paint.over(_WHITE, sticker * _sheen(w, h, 0.25, 0.2))
    if flap.any():
        lifted = _shift(_gauss(flap, s * 0.015), round(s * 0.01), round(s * 0.014))
        paint.over((0.0, 0.0, 0.0), np.clip(lifted, 0, 1) * 0.35 * (1.0 - flap))
        d = np.clip((c - diag) / math.sqrt(2.0) / peel, 0.0, 1.0)
        curl = 0.8 + 0.2 * d + 0.1 * np.exp(-((d / 0.08) ** 2))  # bright where it rolls over
        paint.over(_rgb((232.0, 232.0, 228.0)) * curl, flap)
    return paint.image()


def _draw_badge(art: Image.Image, w: int, h: int, look: _Look) -> Image.Image:
    """Pin-back button: domed face clipped to a circle, crimped edge, glossy highlight."""
    x, y = _coords(w, h)
    rad = 0.47 * min(w, h)
    cx, cy = w / 2, h / 2 - 0.015 * rad
    face = _disc(x, y, cx, cy, rad)
    edge = _disc(x, y, cx, cy + 0.045 * rad, rad)  # the shell's side, showing below the face

    # Face: a pale tint of the character's palette behind the art, with a ring.
    bg = _palette_mean(art) * 0.14 + 255.0 * 0.86
    dist = np.sqrt((x - cx) ** 2 + (y - cy) ** 2) / rad
    design_ring = np.clip(1.0 - np.abs(dist - 0.9) * rad / max(0.8, 0.012 * rad), 0, 1)
    box = (cx - 0.9 * rad, cy - 0.9 * rad, cx + 0.9 * rad, cy + 0.9 * rad)
    prgb, pa = _print_in(art, w, h, box, look.print_scale)
    col = _ink(bg * (1.0 - 0.35 * design_ring), prgb, pa)

    # Dome: darker towards the curl, lighter to the upper left, a soft highlight, a rim glint.
    lit = ((x - cx) * _TO_LIGHT[0] + (y - cy) * _TO_LIGHT[1]) / rad  # > 0 towards the light
    curl = np.exp(-(1.0 - np.clip(dist, 0, 1)) / 0.035)
    col = col * ((1.0 - 0.08 * dist**2 - 0.3 * curl) * (1.0 + 0.05 * lit))
    hx, hy = cx - 0.38 * rad, cy - 0.42 * rad
    blob = np.exp(-(((x - hx) / (0.42 * rad)) ** 2 + ((y - hy) / (0.26 * rad)) ** 2))
    glint = np.exp(-(((dist - 0.955) / 0.02) ** 2)) * np.clip(lit, 0, 1)

    paint = _Paint(w, h)
    paint.over(bg * (0.62 + 0.12 * np.clip(-(y - cy) / rad, -1, 1)), edge)
    paint.over(col, face)
    paint.over(_WHITE, face * np.clip(0.32 * blob + 0.7 * glint, 0, 1))
    return paint.image()
