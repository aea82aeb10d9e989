"""Die-cut and pin goods: acrylic keyring and stand, sticker, badge."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

from goods_backend.mockup_renderer.look import TO_LIGHT, WHITE, Look, planar
from goods_backend.mockup_renderer.paint import (
    Mask,
    Paint,
    fit_art,
    ink,
    palette_mean,
    premul,
    print_in,
)
from goods_backend.mockup_renderer.raster import (
    coords,
    dilate,
    embed,
    filled_circle,
    gauss,
    light_facing,
    sheen,
    shift,
    smooth,
)

# --------------------------------------------------------------------------- geometry


@dataclass(frozen=True)
class AcrylicGeometry:
    """Cut acrylic, in the piece's short side unless noted."""

    thickness: float = 0.008  # the slab's visible edge wall, lower right (at least 1 px)
    bevel: float = 0.006  # the width of the lit/shaded bevel along the cut (at least 1 px)
    cut_round: float = 0.3  # the die line's rounding, in cut borders


@dataclass(frozen=True)
class KeyringGeometry:
    """An acrylic charm on a chain, in the piece's short side (``s``) unless noted."""

    piece: tuple[float, float] = (0.96, 0.78)  # the piece's box, in layer w and h: chain above
    border: float = 0.05  # clear acrylic around the art
    hole: float = 0.034  # radius of the hole for the jump ring
    tab: float = 0.95  # the tab round the hole: hole radius + this many borders
    tab_room: tuple[float, float] = (2.0, 2.2)  # rows kept above the art: borders, hole radii
    head_band: float = 0.02  # columns this close to the top of the art count as its top
    hole_clearance: tuple[float, float] = (0.55, 1.05)  # above the art: borders, hole radii
    tab_round: float = 0.35  # the tab's blend into the outline, in borders
    wire: float = 0.42  # in hole radii (at least 1 px)
    jump_ring: float = 1.8  # radius, in hole radii
    jump_ring_drop: float = 0.35  # the ring's centre sits this far lower, in hole radii
    split_ring: float = 0.095  # radius of the split ring at the top of the layer
    split_shift: float = 0.04  # the split ring hangs this far right of the hole
    split_coil: float = 0.93  # its second coil, in split-ring radii (wire x 0.9)
    link: tuple[float, float] = (0.085, 0.05)  # a chain link's length and width
    link_pitch: float = 0.72  # links overlap: a link every this many link lengths
    link_span: float = 0.7  # each link's half-length, in pitches
    chain_sway: float = 0.015  # the chain bows this far sideways
    front_arc: float = 1.2  # the jump ring passes in front within this many tab radii

    def layer_aspect(self, art_aspect: float, _canvas_aspect: float) -> float:
        """The layer's w / h: the cut border widens the art, the chain above adds height."""
        return float(np.clip(0.78 * (art_aspect + 0.2) / 1.25, 0.45, 1.3))


@dataclass(frozen=True)
class StandGeometry:
    """An acrylic figure in a clear oval base, in base radii (``rx``) unless noted."""

    base_radius: tuple[float, float] = (0.46, 0.42)  # at most this share of the layer's w / h
    base_depth: float = 0.26  # the oval's half-height seen from slightly above
    base_thickness: float = 0.1
    bottom_margin: float = 2.0  # in px
    slot_back: float = 0.08  # the slot is this far behind the base's centre, in base depths
    figure_width: float = 0.94  # widest figure, in layer widths
    border: float = 0.045  # clear acrylic round the art, in min(layer width, slot height)
    foot_band: float = 0.08  # the lowest share of the art that the foot spans
    foot_height: float = 1.2  # the squared-off foot, in borders
    cut_below: float = 0.75  # the foot is cut straight this far below the art, in borders
    rim_width: float = 0.008  # the base's edge highlights (at least 1 px)
    glint_drop: float = 0.4  # a glint inside the slab, in slab thicknesses below the top
    slot_depth: float = 0.05  # the slot's half-height, in base depths (at least 1.5 px)
    slot_margin: float = 0.02  # the slot is this much wider than the foot, in layer widths

    def layer_aspect(self, art_aspect: float, _canvas_aspect: float) -> float:
        """The layer's w / h: the art plus its border, never narrower than the base."""
        return float(np.clip(max(art_aspect + 0.18, 0.95) / 1.45, 0.5, 1.5))


@dataclass(frozen=True)
class StickerGeometry:
    """A die-cut vinyl sticker, in the layer's short side (``s``) unless noted."""

    border: float = 0.055  # the white border, in the mean of the layer's sides
    peel: float = 0.11  # how far the lower-right corner is folded back
    cut_edge: float = 0.003  # the shaded cut edge (at least 0.8 px)
    flap_shadow: tuple[float, float, float] = (0.015, 0.01, 0.014)  # blur, dx, dy

    def layer_aspect(self, art_aspect: float, _canvas_aspect: float) -> float:
        """The layer's w / h: the art's, widened by the border."""
        return (art_aspect + 0.22) / 1.22


@dataclass(frozen=True)
class BadgeGeometry:
    """A pin-back button, in face radii (``rad``) unless noted."""

    aspect: float = 1.0  # of the product layer (w / h)
    radius: float = 0.47  # in the layer's short side
    raise_: float = 0.015  # the face sits this far above the layer's centre
    shell_drop: float = 0.045  # the shell's side shows this far below the face
    design_ring: float = 0.9  # a printed ring round the design
    ring_width: float = 0.012  # (at least 0.8 px)
    print_radius: float = 0.9  # half-side of the print's box
    curl: float = 0.035  # the face darkens where it curls over the edge
    highlight: tuple[float, float, float, float] = (-0.38, -0.42, 0.42, 0.26)  # centre, radii
    rim_glint: tuple[float, float] = (0.955, 0.02)  # where the edge glints, and how wide


ACRYLIC = AcrylicGeometry()
KEYRING = KeyringGeometry()
STAND = StandGeometry()
STICKER = StickerGeometry()
BADGE = BadgeGeometry()

# --------------------------------------------------------------------------- acrylic / die-cut


@dataclass(frozen=True)
class _Piece:
    """A cut piece: premultiplied print colour (3, H, W), print alpha and cut-shape mask."""

    prgb: np.ndarray
    pa: np.ndarray
    shape: np.ndarray

    def placed(self, w: int, h: int, x: int, y: int) -> _Piece:
        """The piece moved into a w x h layer at (x, y), clipped."""
        return _Piece(
            embed(self.prgb, w, h, x, y), embed(self.pa, w, h, x, y), embed(self.shape, w, h, x, y)
        )


def _cut_piece(
    art: Image.Image, max_w: float, max_h: float, border: float, *, top_room: int = 0
) -> _Piece:
    """Art fitted into max_w x max_h (border included) and its rounded cut outline.

    All of the padded piece size; ``top_room`` adds empty rows above for a tab.
    """
    fitted = fit_art(art, max(1.0, max_w - 2 * border), max(1.0, max_h - 2 * border))
    pad = math.ceil(border * 1.25) + 2
    layer = Image.new("RGBA", (fitted.width + 2 * pad, fitted.height + 2 * pad + top_room))
    layer.paste(fitted, (pad, pad + top_room))
    prgb, pa = premul(layer)
    shape = smooth(dilate(pa, border), border * ACRYLIC.cut_round)
    return _Piece(prgb, pa, np.maximum(shape, pa))


def _paint_acrylic(paint: Paint, piece: _Piece, *, size: float) -> None:
    """Clear acrylic with a print on its back face: edge wall, bevel glints and gloss.

    The clear parts are only partly opaque so the backdrop shows through, which
    is what makes acrylic read as acrylic next to the fully opaque print.
    """
    shape = piece.shape
    h, w = shape.shape
    t = max(1, round(size * ACRYLIC.thickness))
    wall = np.clip(shift(shape, t, t) - shape, 0.0, 1.0)
    paint.over((150.0, 168.0, 186.0), wall * 0.6)
    paint.over((236.0, 244.0, 250.0), shape * 0.3)
    paint.over_premul(piece.prgb, piece.pa)
    field = gauss(shape, max(1.0, size * ACRYLIC.bevel))
    rim = shape * np.clip((1.0 - field) * 2.2, 0.0, 1.0)
    facing = light_facing(field)
    paint.over(WHITE, rim * (0.35 + 0.6 * np.clip(facing, 0, 1)))
    paint.over((70.0, 90.0, 112.0), rim * 0.35 * np.clip(-facing, 0, 1))
    paint.over(WHITE, shape * sheen(w, h, 0.3, 0.42))


def _metal(mask: np.ndarray, width: float) -> np.ndarray:
    """Polished steel (planar colour) for a wire mask: bright tube centre, lit glints."""
    field = gauss(mask, max(0.7, width * 0.3))
    tube = np.clip((field - 0.35) / 0.5, 0.0, 1.0)
    v = 96.0 + 110.0 * tube + 42.0 * light_facing(field) + 70.0 * tube**6
    steel: np.ndarray = np.clip(v * planar((0.97, 0.99, 1.03)), 0, 255)
    return steel


# --------------------------------------------------------------------------- keyring
# Every drawer gets the lifted art, the layer size and the look, and returns an
# RGBA layer with the product on transparency, lit from the upper left.


def draw_keyring(art: Image.Image, w: int, h: int, look: Look) -> Image.Image:
    """Acrylic charm cut along the silhouette, with a hole, jump ring, chain and split ring."""
    x, y = coords(w, h)
    pw, ph = w * KEYRING.piece[0], h * KEYRING.piece[1]
    s = min(pw, ph)
    piece, (hx_p, hy_p) = _keyring_piece(art, pw, ph, s, look.print_scale)
    # The piece hangs at the bottom of the layer, the chain above it.
    rows = np.flatnonzero(piece.shape.max(axis=1) > 0.01)
    ox = round((w - piece.pa.shape[1]) / 2)
    oy = h - (int(rows[-1]) + 2 if rows.size else piece.pa.shape[0])
    placed = piece.placed(w, h, ox, oy)
    hx, hy = hx_p + ox, hy_p + oy
    metal, wire = _keyring_metal(w, h, hx, hy, s)
    steel = _metal(metal, wire)
    # the ring's left arc passes in front of the acrylic, the rest behind it
    r_tab = _keyring_radii(s)[2]
    near_hole = (np.abs(y - hy) < r_tab * KEYRING.front_arc) & (x < hx)
    front = metal * near_hole * (placed.shape > 0.05)

    paint = Paint(w, h)
    paint.over(steel, metal * (1.0 - front))
    _paint_acrylic(paint, placed, size=s)
    paint.over(steel, front)
    return paint.image()


def _keyring_radii(s: float) -> tuple[float, float, float]:
    """The cut border, the hole's radius and the tab's radius, in pixels."""
    border = KEYRING.border * s
    r_hole = KEYRING.hole * s
    return border, r_hole, r_hole + border * KEYRING.tab


def _keyring_piece(
    art: Image.Image, pw: float, ph: float, s: float, print_scale: float
) -> tuple[_Piece, tuple[float, float]]:
    """The cut charm with a round tab and hole above its highest point (usually the head),
    and the hole's centre, in the piece's own pixels."""
    border, r_hole, r_tab = _keyring_radii(s)
    rows_for_tab, radii_for_tab = KEYRING.tab_room
    room = math.ceil(rows_for_tab * border + radii_for_tab * r_hole)
    cut = _cut_piece(art, pw * print_scale, (ph - room) * print_scale, border, top_room=room)
    pa = cut.pa
    solid = pa > 0.5
    if solid.any():
        tops = np.where(solid.any(axis=0), solid.argmax(axis=0), pa.shape[0])
        y_top = int(tops.min())
        hx_p = float(np.median(np.flatnonzero(tops <= y_top + KEYRING.head_band * s))) + 0.5
    else:
        y_top, hx_p = pa.shape[0] // 2, pa.shape[1] / 2
    above_border, above_hole = KEYRING.hole_clearance
    hy_p = y_top - border * above_border - r_hole * above_hole
    px_, py_ = coords(pa.shape[1], pa.shape[0])
    tab = filled_circle(px_, py_, hx_p, hy_p, r_tab)
    shape = smooth(np.maximum(cut.shape, tab), border * KEYRING.tab_round)
    shape = np.maximum(shape, pa) * (1.0 - filled_circle(px_, py_, hx_p, hy_p, r_hole))
    return _Piece(cut.prgb, pa, shape), (hx_p, hy_p)


def _keyring_metal(w: int, h: int, hx: float, hy: float, s: float) -> tuple[np.ndarray, float]:
    """The metal's mask and wire width: a jump ring through the hole at (hx, hy), a short
    chain, and a split ring at the top of the layer."""
    r_hole = KEYRING.hole * s
    wire = max(1.0, KEYRING.wire * r_hole)
    rr = KEYRING.jump_ring * r_hole
    metal = Mask(w, h)
    rcy = hy - rr + KEYRING.jump_ring_drop * r_hole
    metal.ring((hx - rr, rcy - rr, hx + rr, rcy + rr), wire)
    split_r = KEYRING.split_ring * s
    top_y = split_r + wire
    sx = hx + KEYRING.split_shift * s
    metal.ring((sx - split_r, top_y - split_r, sx + split_r, top_y + split_r), wire)
    inner_r = split_r * KEYRING.split_coil
    metal.ring((sx - inner_r, top_y - inner_r, sx + inner_r, top_y + inner_r), wire * 0.9)
    _chain(metal, (sx, top_y + split_r), (hx, rcy - rr), s, wire)
    return metal.array(), wire


def _chain(
    metal: Mask, top: tuple[float, float], bottom: tuple[float, float], s: float, wire: float
) -> None:
    """Alternating chain links (face on, edge on) from the split ring down to the jump ring."""
    (sx, y_b), (hx, y_a) = top, bottom
    link_l, link_w = KEYRING.link[0] * s, KEYRING.link[1] * s
    n = max(1, round((y_a - y_b) / (link_l * KEYRING.link_pitch)))
    step = (y_a - y_b) / n
    for i in range(n):
        t = (i + 0.5) / n
        ly = y_b + step * (i + 0.5)
        lx = sx + (hx - sx) * t + KEYRING.chain_sway * s * math.sin(math.pi * t)
        half = step * KEYRING.link_span
        if i % 2 == 0:  # link seen face on
            metal.ring((lx - link_w / 2, ly - half, lx + link_w / 2, ly + half), wire * 0.8)
        else:  # link seen edge on
            metal.rect((lx - wire * 0.6, ly - half, lx + wire * 0.6, ly + half), radius=wire * 0.6)


# --------------------------------------------------------------------------- stand


@dataclass(frozen=True)
class _Base:
    """The stand's oval base in layer pixels: radii, slab thickness, centre, slot line."""

    rx: float
    ry: float
    tb: float
    cx: float
    cy: float
    slot_y: float


def draw_stand(art: Image.Image, w: int, h: int, look: Look) -> Image.Image:
    """Acrylic figure with a flat foot standing in the slot of a clear oval base."""
    base = _measure_base(w, h)
    border = STAND.border * min(w, base.slot_y)
    fw, fh = w * STAND.figure_width * look.print_scale, base.slot_y * look.print_scale
    figure, y_cut, foot_w = _flat_footed(_cut_piece(art, fw, fh, border), border)
    ox, oy = round((w - figure.shape.shape[1]) / 2), round(base.slot_y - y_cut)
    paint = Paint(w, h)
    _paint_base(paint, w, h, base, foot_w)
    _paint_acrylic(paint, figure.placed(w, h, ox, oy), size=min(w, h))
    return paint.image()


def _measure_base(w: int, h: int) -> _Base:
    """Fit the base into the bottom of a w x h layer."""
    rx = min(STAND.base_radius[0] * w, STAND.base_radius[1] * h)
    ry, tb = STAND.base_depth * rx, STAND.base_thickness * rx
    cx, cy = w / 2, h - STAND.bottom_margin - tb - ry
    return _Base(rx, ry, tb, cx, cy, cy - STAND.slot_back * ry)


def _flat_footed(piece: _Piece, border: float) -> tuple[_Piece, int, float]:
    """The piece with its outline squared off under the lowest part of the art and cut
    straight there; also the row of the cut and the foot's width."""
    pa, shape = piece.pa, piece.shape
    solid = pa > 0.5
    rows = np.flatnonzero(solid.any(axis=1))
    y_bot = int(rows[-1]) if rows.size else pa.shape[0] - 1
    band = solid[max(0, y_bot - int(STAND.foot_band * pa.shape[0])) : y_bot + 1]
    feet = np.flatnonzero(band.any(axis=0))
    fx0, fx1 = (int(feet[0]), int(feet[-1])) if feet.size else (0, pa.shape[1] - 1)
    foot = np.zeros_like(shape)
    foot_top = max(0, int(y_bot - STAND.foot_height * border))
    foot[foot_top:, max(0, int(fx0 - border)) : int(fx1 + border) + 1] = 1.0
    shape = np.maximum(smooth(np.maximum(shape, foot), border * ACRYLIC.cut_round), pa)
    y_cut = min(shape.shape[0], int(y_bot + STAND.cut_below * border))
    keep = (np.arange(shape.shape[0]) < y_cut)[:, None].astype(np.float32)
    cut = _Piece(piece.prgb * keep, pa * keep, shape * keep)
    return cut, y_cut, (fx1 - fx0) + 2 * border


def _paint_base(paint: Paint, w: int, h: int, base: _Base, foot_w: float) -> None:
    """A clear oval slab seen from slightly above, with a slot for a foot ``foot_w`` wide."""
    x, y = coords(w, h)
    rx, ry, tb, cxb, cyb = base.rx, base.ry, base.tb, base.cx, base.cy
    oval = (cxb - rx, cyb - ry, cxb + rx, cyb + ry)
    underside = (cxb - rx, cyb + tb - ry, cxb + rx, cyb + tb + ry)
    top = Mask(w, h).ellipse(oval).array()
    slab = Mask(w, h).ellipse(oval).rect((cxb - rx, cyb, cxb + rx, cyb + tb)).ellipse(underside)
    side = np.clip(slab.array() - top, 0.0, 1.0)
    lw = max(1.0, STAND.rim_width * rx)
    rim = Mask(w, h).ring(oval, lw).array()
    front_half = np.clip(y - cyb + 0.5, 0, 1)
    bottom_rim = Mask(w, h).ring(underside, lw).array()
    bottom_rim *= np.clip(y - cyb - tb + 0.5, 0, 1)
    drop = tb * STAND.glint_drop
    glint = Mask(w, h).ring((cxb - rx, cyb - ry + drop, cxb + rx, cyb + ry + drop), lw).array()
    glint *= np.clip(y - cyb - drop + 0.5, 0, 1) * side
    slot_h = max(1.5, STAND.slot_depth * ry)
    slot_half = foot_w / 2 + STAND.slot_margin * w
    slot_box = (cxb - slot_half, base.slot_y - slot_h, cxb + slot_half, base.slot_y + slot_h)
    slot = Mask(w, h).rect(slot_box, radius=slot_h).array()

    paint.over((200.0, 214.0, 228.0), side * (0.5 - 0.1 * (x - cxb) / rx))
    paint.over((238.0, 245.0, 250.0), top * 0.3)
    paint.over(WHITE, top * sheen(w, h, 0.55, 0.3))
    paint.over(WHITE, rim * (0.55 + 0.35 * front_half))
    paint.over(WHITE, glint * 0.45)
    paint.over((120.0, 140.0, 160.0), bottom_rim * 0.55)
    paint.over((70.0, 82.0, 96.0), slot * 0.6)


# --------------------------------------------------------------------------- sticker


def draw_sticker(art: Image.Image, w: int, h: int, look: Look) -> Image.Image:
    """Die-cut vinyl sticker: thick white border along the silhouette, a peeled corner."""
    s = min(w, h)
    border = STICKER.border * (w + h) / 2
    cut = _cut_piece(art, w * look.print_scale, h * look.print_scale, border)
    ox, oy = round((w - cut.shape.shape[1]) / 2), round((h - cut.shape.shape[0]) / 2)
    piece = cut.placed(w, h, ox, oy)
    x, y = coords(w, h)
    diag = x + y
    keep, flap, c = _peel(piece.shape, diag, STICKER.peel * s)
    sticker = piece.shape * keep
    field = gauss(sticker, max(0.8, s * STICKER.cut_edge))
    cut_edge = sticker * np.clip((1.0 - field) * 2.0, 0, 1)

    paint = Paint(w, h)
    paint.over((251.0, 251.0, 249.0), sticker)
    paint.over_premul(piece.prgb * keep, piece.pa * keep)
    paint.over((190.0, 190.0, 188.0), cut_edge * 0.45)
    paint.over(WHITE, sticker * sheen(w, h, 0.25, 0.2))
    if flap.any():
        _paint_flap(paint, flap, diag, c, STICKER.peel * s, s)
    return paint.image()


def _peel(shape: np.ndarray, diag: np.ndarray, peel: float) -> tuple[np.ndarray, np.ndarray, int]:
    """What stays flat, the folded-back flap, and the fold line ``x + y = c``.

    The part beyond a 45-degree line ``peel`` in from the lower-right extreme is
    folded back over the sticker, showing the paper backside.  Folding mirrors
    across x + y = c, which maps (x, y) to (c - y, c - x): a pure index
    permutation, so the flap costs one gather.
    """
    inside = shape > 0.5
    if not inside.any():
        return np.ones_like(shape), np.zeros_like(shape), 0
    h, w = shape.shape
    c = round(float(diag[inside].max()) - peel)
    keep = np.clip((c - diag) / math.sqrt(2.0) + 0.5, 0.0, 1.0)
    xi, yi = np.arange(w)[None, :], np.arange(h)[:, None]
    src_y, src_x = c - xi, c - yi
    valid = (src_y >= 0) & (src_y < h) & (src_x >= 0) & (src_x < w)
    mirrored = shape[np.clip(src_y, 0, h - 1), np.clip(src_x, 0, w - 1)]
    flap = np.where(valid, mirrored, 0.0) * keep * (diag < c)
    return keep, flap, c


def _paint_flap(
    paint: Paint, flap: np.ndarray, diag: np.ndarray, c: int, peel: float, s: float
) -> None:
    """The flap's soft shadow on the sticker, then its paper backside, bright where it rolls."""
    blur, dx, dy = STICKER.flap_shadow
    lifted = shift(gauss(flap, s * blur), round(s * dx), round(s * dy))
    paint.over((0.0, 0.0, 0.0), np.clip(lifted, 0, 1) * 0.35 * (1.0 - flap))
    d = np.clip((c - diag) / math.sqrt(2.0) / peel, 0.0, 1.0)
    curl = 0.8 + 0.2 * d + 0.1 * np.exp(-((d / 0.08) ** 2))
    paint.over(planar((232.0, 232.0, 228.0)) * curl, flap)


# --------------------------------------------------------------------------- badge


def draw_badge(art: Image.Image, w: int, h: int, look: Look) -> Image.Image:
    """Pin-back button: domed face clipped to a circle, crimped edge, glossy highlight."""
    x, y = coords(w, h)
    rad = BADGE.radius * min(w, h)
    cx, cy = w / 2, h / 2 - BADGE.raise_ * rad
    face = filled_circle(x, y, cx, cy, rad)
    edge = filled_circle(x, y, cx, cy + BADGE.shell_drop * rad, rad)  # the shell's side

    # Face: a pale tint of the character's palette behind the art, with a ring.
    bg = palette_mean(art) * 0.14 + 255.0 * 0.86
    dist = np.sqrt((x - cx) ** 2 + (y - cy) ** 2) / rad
    ring_w = max(0.8, BADGE.ring_width * rad)
    design_ring = np.clip(1.0 - np.abs(dist - BADGE.design_ring) * rad / ring_w, 0, 1)
    p = BADGE.print_radius
    box = (cx - p * rad, cy - p * rad, cx + p * rad, cy + p * rad)
    prgb, pa = print_in(art, w, h, box, look.print_scale)
    col = ink(bg * (1.0 - 0.35 * design_ring), prgb, pa)
    col, gloss = _dome(col, x, y, (cx, cy), rad, dist)

    paint = Paint(w, h)
    paint.over(bg * (0.62 + 0.12 * np.clip(-(y - cy) / rad, -1, 1)), edge)
    paint.over(col, face)
    paint.over(WHITE, face * gloss)
    return paint.image()


def _dome(
    col: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    centre: tuple[float, float],
    rad: float,
    dist: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The face shaded as a dome (darker towards the curl, lighter to the upper left),
    and its gloss: a soft highlight and a rim glint."""
    cx, cy = centre
    lit = ((x - cx) * TO_LIGHT[0] + (y - cy) * TO_LIGHT[1]) / rad  # > 0 towards the light
    curl = np.exp(-(1.0 - np.clip(dist, 0, 1)) / BADGE.curl)
    col = col * ((1.0 - 0.08 * dist**2 - 0.3 * curl) * (1.0 + 0.05 * lit))
    hu, hv, hru, hrv = BADGE.highlight
    hx, hy = cx + hu * rad, cy + hv * rad
    blob = np.exp(-(((x - hx) / (hru * rad)) ** 2 + ((y - hy) / (hrv * rad)) ** 2))
    at, width = BADGE.rim_glint
    glint = np.exp(-(((dist - at) / width) ** 2)) * np.clip(lit, 0, 1)
    return col, np.clip(0.32 * blob + 0.7 * glint, 0, 1)
