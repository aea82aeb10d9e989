"""Soft goods: t-shirt, eco bag and cushion (dyed cloth with a printed design)."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from PIL import Image

from goods_backend.mockup_renderer.look import Look
from goods_backend.mockup_renderer.paint import (
    Mask,
    Paint,
    fabric_contrast,
    ink,
    print_in,
    rgba_image,
)
from goods_backend.mockup_renderer.raster import (
    Fold,
    coords,
    fold_relief,
    gauss,
    grain,
    shift,
    smooth,
)

Point = tuple[float, float]
Box = tuple[float, float, float, float]

# --------------------------------------------------------------------------- geometry


@dataclass(frozen=True)
class TshirtGeometry:
    """A flat-lay crew-neck tee, in layer widths (u) and heights (v): points are (u, v)."""

    aspect: float = 1.12  # of the product layer (w / h)
    neck: tuple[float, float] = (0.395, 0.605)  # the neckline's ends, in u
    neck_y: float = 0.035
    back_neck_sag: float = 0.016  # the back neckline dips this far between its ends
    # Clockwise from the left end of the neckline: shoulder, sleeve, cuff, armpit,
    # hem, then the same on the right, back to the right end of the neckline.
    outline: tuple[Point, ...] = (
        (0.205, 0.09), (0.03, 0.30), (0.125, 0.43), (0.215, 0.345), (0.205, 0.975),
        (0.795, 0.975), (0.785, 0.345), (0.875, 0.43), (0.97, 0.30), (0.795, 0.09),
    )  # fmt: skip
    cuff: tuple[Point, Point] = ((0.03, 0.30), (0.125, 0.43))  # the left sleeve's opening
    collar: tuple[float, float] = (0.105, 0.10)  # front neckline radii, in u and v
    collar_band: float = 0.03  # front rib width, in u
    back_rib: float = 0.022  # in v
    armhole_seam: tuple[Point, ...] = ((0.212, 0.095), (0.226, 0.22), (0.219, 0.345))  # left
    cuff_hem: float = 0.028  # the cuff's stitch line inside the opening, in u
    bottom_hem: tuple[Point, Point] = ((0.206, 0.948), (0.794, 0.948))
    chest_print: Box = (0.33, 0.185, 0.67, 0.64)  # printed from the top of this box down
    # Folds at the armpits, up from the hem and off the shoulders; the seed picks each side.
    folds: tuple[Fold, ...] = (
        Fold(0.22, 0.36, 0.34, 0.52, 0.05, 0.025),
        Fold(0.78, 0.36, 0.66, 0.52, 0.05, 0.025),
        Fold(0.29, 0.95, 0.40, 0.80, 0.05, 0.02),
        Fold(0.73, 0.96, 0.61, 0.83, 0.05, 0.02),
        Fold(0.30, 0.11, 0.25, 0.24, 0.035, 0.02),
        Fold(0.70, 0.11, 0.75, 0.24, 0.035, 0.02),
    )


@dataclass(frozen=True)
class EcobagGeometry:
    """A flat canvas tote, in bag widths (bw) and heights (bh) unless noted."""

    aspect: float = 0.71  # of the product layer (w / h)
    width: float = 0.94  # in layer widths
    height: float = 1.06  # in bw, but at most ``max_height``
    max_height: float = 0.7  # in layer heights: the handles need the rest
    bottom_margin: float = 0.005  # in layer heights
    handle_top: float = 0.01  # the handles' loop stops this far below the layer top, in heights
    strap_width: float = 0.06  # in bw
    strap_anchors: tuple[float, float] = (0.27, 0.73)  # where the straps meet the bag, in bw
    strap_sewn: float = 0.09  # straps run this far down the bag's face
    back_strap: tuple[float, float] = (0.018, -0.03)  # the back strap's offset, in bw and bh
    strap_edge_stitch: tuple[float, float] = (0.8, 0.66)  # its outer and inner edge, in straps
    corner_radius: float = 0.015  # in bw
    hem: float = 0.055  # the running stitch of the folded top hem, below the top
    hem_stitches: int = 46
    hem_span: tuple[float, float] = (0.02, 0.96)  # where the stitches start and how far they run
    stitch_dash: float = 0.55  # each stitch's share of its pitch
    box_stitch: tuple[float, float, float] = (
        0.38,
        0.02,
        0.075,
    )  # half-width in straps; top, bottom
    print_insets: Box = (0.13, 0.15, 0.13, 0.09)  # the print box inside the bag: l, t, r, b
    # Folds rising from the bottom edge: the far end's y is measured from the bag's top.
    rising_folds: tuple[Fold, ...] = (
        Fold(0.06, 0.98, 0.22, 0.2, 0.05, 0.03),
        Fold(0.95, 0.97, 0.8, 0.25, 0.05, 0.03),
        Fold(0.45, 0.99, 0.52, 0.45, 0.03, 0.04),
    )
    hem_fold: Fold = Fold(0.2, 0.09, 0.5, 0.14, 0.03, 0.02)  # both ends' y from the bag's top


@dataclass(frozen=True)
class CushionGeometry:
    """A square stuffed pillow, in layer widths / heights, or its short side (``size``)."""

    aspect: float = 1.0  # of the product layer (w / h)
    corners: tuple[Point, ...] = ((0.03, 0.04), (0.97, 0.03), (0.975, 0.965), (0.025, 0.97))
    bow: float = 0.05  # the edges bow inwards this far between the corners, in size
    bow_shape: float = 0.8  # exponent of the bow's sine profile: fuller than a sine
    edge_points: int = 24  # per edge of the outline polygon
    round: float = 0.006  # outline rounding, in size
    puff: float = 0.16  # how far in from the edge the stuffing is full, in size
    piping: float = 0.008  # blur of the edge that places the piping's seam and ridge, in size
    crease_length: float = 0.3  # pinch creases from each corner towards the centre
    crease_spread: float = 0.07  # the pair of creases fan out by this much
    crease_strength: float = 0.1
    crease_width: float = 0.014
    satin: tuple[float, float, float, float] = (0.34, 0.3, 0.2, 0.16)  # sheen centre and radii
    print_box: Box = (0.2, 0.19, 0.8, 0.81)


TSHIRT = TshirtGeometry()
ECOBAG = EcobagGeometry()
CUSHION = CushionGeometry()

# --------------------------------------------------------------------------- t-shirt
# Every drawer gets the lifted art, the layer size and the look, and returns an
# RGBA layer with the product on transparency, lit from the upper left.


def draw_tshirt(art: Image.Image, w: int, h: int, look: Look) -> Image.Image:
    """Flat-lay crew-neck tee: silhouette, collar ribs, seams, folds; chest print."""
    base = look.base("tshirt")
    x, y = coords(w, h)
    shape = _tee_outline(w, h)
    tone = _tee_collar(w, h, x, y, shape)
    stitches = _tee_stitches(w, h) * shape
    flip = look.rng(11).choice([-1.0, 1.0], size=len(TSHIRT.folds))
    folds = fold_relief(w, h, _seeded(TSHIRT.folds, flip))
    edge = np.clip(gauss(shape, w * 0.03) * 1.7 - 0.35, 0.0, 1.0)  # cloth rounds off at the edge
    light = 1.03 - 0.07 * (y / h) - 0.03 * (x / w)
    u0, v0, u1, v1 = TSHIRT.chest_print
    chest = (u0 * w, v0 * h, u1 * w, v1 * h)
    prgb, pa = print_in(art, w, h, chest, look.print_scale, top=True)
    shade = (0.8 + 0.2 * edge) * light * (1.0 + folds) * (1.0 - 0.16 * stitches)
    shade = fabric_contrast(shade, base, pa)
    shade *= (1.0 + 0.018 * grain(look, 12, w, h)) * tone
    return rgba_image(ink(base, prgb, pa) * shade, shape)


def _seeded(folds: tuple[Fold, ...], flip: np.ndarray) -> list[Fold]:
    """The folds with their amplitudes scaled by the seed's picks."""
    return [replace(fold, amplitude=fold.amplitude * flip[i]) for i, fold in enumerate(folds)]


def _tee_outline(w: int, h: int) -> np.ndarray:
    """The tee's silhouette mask: body, sleeves and a sagging back neckline."""
    neck_l, neck_r = TSHIRT.neck
    neck_y = TSHIRT.neck_y
    back_neck = [
        (
            (neck_r - (neck_r - neck_l) * t) * w,
            (neck_y + TSHIRT.back_neck_sag * math.sin(math.pi * t)) * h,
        )
        for t in np.linspace(0.0, 1.0, 9)
    ]
    outline = [(neck_l * w, neck_y * h), *((u * w, v * h) for u, v in TSHIRT.outline), *back_neck]
    return smooth(Mask(w, h).polygon(outline).array(), max(0.6, w * 0.004))


def _tee_collar(w: int, h: int, x: np.ndarray, y: np.ndarray, shape: np.ndarray) -> np.ndarray:
    """Tone of the collar: the inside of the back shows through the scooped front
    neckline, framed by a rib band at the back and a wider one along the front."""
    neck_l, neck_r = TSHIRT.neck
    neck_y = TSHIRT.neck_y
    cx, rx, ry, ny = 0.5 * w, TSHIRT.collar[0] * w, TSHIRT.collar[1] * h, neck_y * h
    band = TSHIRT.collar_band * w
    front = Mask(w, h).ellipse((cx - rx, ny - ry, cx + rx, ny + ry)).array()
    front_out = (
        Mask(w, h).ellipse((cx - rx - band, ny - ry - band, cx + rx + band, ny + ry + band)).array()
    )
    tx = np.clip((x / w - neck_l) / (neck_r - neck_l), 0.0, 1.0)
    back_curve = (neck_y + TSHIRT.back_neck_sag * np.sin(np.pi * tx)) * h
    opening = front * shape
    back_rib = opening * np.clip(back_curve + TSHIRT.back_rib * h - y + 0.5, 0.0, 1.0)
    inside = opening - back_rib
    below = np.clip(y - ny + 0.5, 0.0, 1.0)
    front_rib = np.clip(front_out - front, 0.0, 1.0) * shape * below
    depth = np.clip((y - ny) / ry, 0.0, 1.0)
    rib_pitch = max(2.5, w * 0.006)
    ribs = 1.0 + 0.035 * np.cos(np.arctan2(y - ny, x - cx) * (2 * np.pi * rx / rib_pitch))
    tone: np.ndarray = (
        1.0
        + inside * ((0.58 + 0.16 * depth) - 1.0)
        + back_rib * (0.86 * ribs - 1.0)
        + front_rib * (0.985 * ribs - 1.0)
    )
    # the front rib casts a thin shadow on the body just below it
    rib_shadow = np.clip(gauss(front_out, max(0.8, w * 0.004)) - front_out, 0.0, 1.0) * below
    tone *= 1.0 - 0.5 * rib_shadow
    return tone


def _tee_stitches(w: int, h: int) -> np.ndarray:
    """Stitching: armhole seams, double-needle hems on the cuffs and the bottom."""

    def p(u: float, v: float) -> tuple[float, float]:
        return (u * w, v * h)

    lines = Mask(w, h)
    lw = max(0.7, w * 0.0022)
    for side in (1, -1):  # the left sleeve's lines, then mirrored

        def q(u: float, v: float, side: int = side) -> tuple[float, float]:
            return p(0.5 + side * (u - 0.5), v)

        lines.line([q(u, v) for u, v in TSHIRT.armhole_seam], lw)
        (ax, ay), (bx, by) = (q(u, v) for u, v in TSHIRT.cuff)
        n = math.hypot(by - ay, bx - ax)
        nx, ny = (by - ay) / n, -(bx - ax) / n
        if (0.5 * w - ax) * nx + (0.3 * h - ay) * ny < 0:  # point the offset into the sleeve
            nx, ny = -nx, -ny
        off = TSHIRT.cuff_hem * w
        lines.line([(ax + nx * off, ay + ny * off), (bx + nx * off, by + ny * off)], lw)
    lines.line([p(u, v) for u, v in TSHIRT.bottom_hem], lw)
    return lines.array()


# --------------------------------------------------------------------------- eco bag


@dataclass(frozen=True)
class _Bag:
    """The tote measured in layer pixels: its box, the handles' height and strap width."""

    x0: float
    y0: float
    x1: float
    y1: float
    width: float
    height: float
    handle_y: float  # the top of the handles' loop
    strap: float

    @property
    def anchors(self) -> tuple[float, float]:
        """Where the two straps meet the bag's top edge."""
        left, right = ECOBAG.strap_anchors
        return self.x0 + left * self.width, self.x0 + right * self.width


def draw_ecobag(art: Image.Image, w: int, h: int, look: Look) -> Image.Image:
    """Canvas tote, flat: two handles, hem and box stitches, weave; print on the front."""
    base = look.base("ecobag")
    x, y = coords(w, h)
    bag = _measure_bag(w, h)
    bw, bh = bag.width, bag.height
    straps = _straps(w, h, y, bag)
    body = (
        Mask(w, h).rect((bag.x0, bag.y0, bag.x1, bag.y1), radius=ECOBAG.corner_radius * bw).array()
    )
    stitches, hem_y, lw = _bag_stitches(w, h, bag)
    weave, folds = _canvas_texture(w, h, bag, look)
    edge = np.clip(gauss(body, bw * 0.04) * 1.7 - 0.35, 0.0, 1.0)  # cloth rounds off at the edge
    hem_band = np.clip(hem_y + lw - y + 0.5, 0, 1) * body
    light = 1.03 - 0.06 * (y / h) - 0.03 * (x / w)
    left, top, right, bottom = ECOBAG.print_insets
    box = (bag.x0 + left * bw, bag.y0 + top * bh, bag.x1 - right * bw, bag.y1 - bottom * bh)
    prgb, pa = print_in(art, w, h, box, look.print_scale)
    shade = (0.82 + 0.18 * edge) * light * (1.0 + folds) * (1.0 - 0.06 * hem_band) * (1.0 + weave)
    shade = fabric_contrast(shade, base, pa)
    # ink soaks into canvas: the weave and folds show through the print too
    body_col = ink(base, prgb, pa) * (shade * (1.0 - 0.22 * stitches))
    strap_tone = 0.93 * light * (1.0 + weave)
    return _paint_bag(w, h, base, bag, straps, body, body_col, strap_tone, stitches)


def _measure_bag(w: int, h: int) -> _Bag:
    """Fit the bag into the bottom of a w x h layer, leaving the top for its handles."""
    bw = ECOBAG.width * w
    bh = min(ECOBAG.height * bw, h * ECOBAG.max_height)
    by1 = h - ECOBAG.bottom_margin * h
    by0 = by1 - bh
    handle_y = by0 - ECOBAG.handle_top * h
    return _Bag((w - bw) / 2, by0, (w + bw) / 2, by1, bw, bh, handle_y, ECOBAG.strap_width * bw)


def _strap(w: int, h: int, bag: _Bag, dx: float, dy: float, width: float) -> np.ndarray:
    """A strap's mask: sewn down the bag's face, looping up between the anchors."""
    bh = bag.height
    xl, xr = bag.anchors[0] + dx, bag.anchors[1] + dx
    xc, rx, ry = (xl + xr) / 2, (xr - xl) / 2, bag.handle_y - bag.strap / 2 + dy
    sewn_y = bag.y0 + ECOBAG.strap_sewn * bh
    pts = [(xl, sewn_y)]
    pts += [(xc - rx * math.cos(t), bag.y0 - ry * math.sin(t)) for t in np.linspace(0, math.pi, 40)]
    pts += [(xr, sewn_y)]
    return Mask(w, h).line(pts, width).array()


def _bag_stitches(w: int, h: int, bag: _Bag) -> tuple[np.ndarray, float, float]:
    """The stitching mask (a running stitch along the top hem, a box-X on each strap),
    the hem's y and the thread width."""
    bw, bh = bag.width, bag.height
    st = Mask(w, h)
    lw = max(0.7, w * 0.0025)
    hem_y = bag.y0 + ECOBAG.hem * bh
    n = ECOBAG.hem_stitches
    start, span = ECOBAG.hem_span
    for i in range(n):
        xa = bag.x0 + start * bw + (bw * span) * i / n
        st.line([(xa, hem_y), (xa + bw * span / n * ECOBAG.stitch_dash, hem_y)], lw)
    half, top, bottom = ECOBAG.box_stitch
    for xc in bag.anchors:
        x0, x1 = xc - bag.strap * half, xc + bag.strap * half
        y0, y1 = bag.y0 + top * bh, bag.y0 + bottom * bh
        st.line([(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0), (x1, y1)], lw)
        st.line([(x1, y0), (x0, y1)], lw)
    return st.array(), hem_y, lw


def _canvas_texture(w: int, h: int, bag: _Bag, look: Look) -> tuple[np.ndarray, np.ndarray]:
    """Seeded canvas weave (per-row and per-column thread noise plus fibre grain) and folds."""
    rng = look.rng(21)
    weave = (
        0.012 * rng.standard_normal((h, 1), dtype=np.float32)
        + 0.012 * rng.standard_normal((1, w), dtype=np.float32)
        + 0.016 * grain(look, 22, w, h)
    )
    folds = (*ECOBAG.rising_folds, ECOBAG.hem_fold)
    flip = rng.choice([-1.0, 1.0], size=len(folds))  # drawn after the weave, from the same rng
    uy0 = bag.y0 / h
    placed = [replace(fold, y1=uy0 + fold.y1) for fold in ECOBAG.rising_folds]
    placed.append(
        replace(ECOBAG.hem_fold, y0=uy0 + ECOBAG.hem_fold.y0, y1=uy0 + ECOBAG.hem_fold.y1)
    )
    return weave, fold_relief(w, h, _seeded(tuple(placed), flip))


@dataclass(frozen=True)
class _Straps:
    """The straps' masks: the back one, the front one, its edge stitching, and the part
    of the front one that lies on the bag's face."""

    back: np.ndarray
    front: np.ndarray
    edge_stitch: np.ndarray
    front_on_body: np.ndarray


def _straps(w: int, h: int, y: np.ndarray, bag: _Bag) -> _Straps:
    """Both straps (the back one offset up and right) and the front one's edge stitching."""
    bw, bh = bag.width, bag.height
    back_dx, back_dy = ECOBAG.back_strap
    back = _strap(w, h, bag, back_dx * bw, back_dy * bh, bag.strap)
    front = _strap(w, h, bag, 0.0, 0.0, bag.strap)
    outer, inner = ECOBAG.strap_edge_stitch
    edge_stitch = np.clip(
        _strap(w, h, bag, 0.0, 0.0, bag.strap * outer)
        - _strap(w, h, bag, 0.0, 0.0, bag.strap * inner),
        0,
        1,
    )
    return _Straps(back, front, edge_stitch, front * np.clip(y - bag.y0 + 0.5, 0, 1))


def _paint_bag(
    w: int,
    h: int,
    base: np.ndarray,
    bag: _Bag,
    straps: _Straps,
    body: np.ndarray,
    body_col: np.ndarray,
    strap_tone: np.ndarray,
    stitches: np.ndarray,
) -> Image.Image:
    """Composite back strap, bag body, the front strap's shadow and the front strap.

    ``strap_tone`` is the straps' shading before stitches (they are a little darker
    than the bag's face).
    """
    front, front_on_body = straps.front, straps.front_on_body
    paint = Paint(w, h)
    paint.over(base * (0.74 * strap_tone), straps.back)
    paint.over(body_col, body)
    # the front strap casts a soft shadow on the bag face
    cast = shift(gauss(front_on_body, bag.strap * 0.15), 2, 3)
    paint.over((0.0, 0.0, 0.0), np.clip(cast - front_on_body, 0, 1) * body * 0.25)
    strap_tone = (
        strap_tone * (1.0 - 0.2 * straps.edge_stitch) * (1.0 - 0.22 * stitches * front_on_body)
    )
    paint.over(base * strap_tone, front)
    return paint.image()


# --------------------------------------------------------------------------- cushion


def draw_cushion(art: Image.Image, w: int, h: int, look: Look) -> Image.Image:
    """Square pillow: bowed edges, puffy radial shading, corner creases, piping; print centred."""
    base = look.base("cushion")
    x, y = coords(w, h)
    size = min(w, h)
    corners = [(u * w, v * h) for u, v in CUSHION.corners]
    shape = smooth(Mask(w, h).polygon(_bowed_outline(w, h, corners)).array(), CUSHION.round * size)
    # Puffiness: fuller (brighter) deep inside the outline and towards the middle,
    # falling off into the pinched corners; the key light rakes from the upper left.
    puff = np.clip((gauss(shape, CUSHION.puff * size) - 0.2) / 0.8, 0.0, 1.0) ** 0.6
    dome = 1.0 - 0.16 * (((x - w / 2) / (w / 2)) ** 2 + ((y - h / 2) / (h / 2)) ** 2)
    light = 1.0 + 0.16 * (0.5 - (0.55 * x / w + 0.45 * y / h))
    # piping along the edge: a dark seam line with a lit ridge just outside it
    seam_field = gauss(shape, CUSHION.piping * size)
    seam = np.exp(-(((seam_field - 0.88) / 0.035) ** 2)) * shape
    ridge = np.exp(-(((seam_field - 0.66) / 0.06) ** 2)) * shape
    flip = look.rng(31).choice([0.7, 1.0], size=2 * len(corners))
    creases = fold_relief(w, h, _corner_creases(w, h, corners, flip))
    su, sv, sru, srv = CUSHION.satin
    satin = 0.06 * np.exp(-(((x / w - su) / sru) ** 2 + ((y / h - sv) / srv) ** 2)) * puff
    shade = (0.56 + 0.48 * puff) * dome * light * (1.0 + creases)
    shade *= (1.0 - 0.16 * seam + 0.05 * ridge) * (1.0 + 0.015 * grain(look, 32, w, h))
    u0, v0, u1, v1 = CUSHION.print_box
    prgb, pa = print_in(art, w, h, (u0 * w, v0 * h, u1 * w, v1 * h), look.print_scale)
    shade = fabric_contrast(shade, base, pa)
    return rgba_image(ink(base, prgb, pa) * shade + 255.0 * satin, shape)


def _bowed_outline(w: int, h: int, corners: list[Point]) -> list[Point]:
    """The outline polygon: edges bow inwards between the corners, as a stuffed pillow's do."""
    size = min(w, h)
    pts: list[Point] = []
    for i in range(len(corners)):
        (ax, ay), (bx, by) = corners[i], corners[(i + 1) % len(corners)]
        n = math.hypot(bx - ax, by - ay)
        nx, ny = -(by - ay) / n, (bx - ax) / n
        if (w / 2 - ax) * nx + (h / 2 - ay) * ny < 0:  # point the normal inwards
            nx, ny = -nx, -ny
        for t in np.linspace(0.0, 1.0, CUSHION.edge_points, endpoint=False):
            bow = CUSHION.bow * size * math.sin(math.pi * t) ** CUSHION.bow_shape
            pts.append((ax + (bx - ax) * t + nx * bow, ay + (by - ay) * t + ny * bow))
    return pts


def _corner_creases(w: int, h: int, corners: list[Point], flip: np.ndarray) -> list[Fold]:
    """A pair of pinch creases running in from each corner, their strength seeded."""
    creases = []
    for i, (ax, ay) in enumerate(corners):
        ux, uy = ax / w, ay / h
        dx, dy = 0.5 - ux, 0.5 - uy
        n = math.hypot(dx, dy)
        dx, dy = dx / n, dy / n
        length = CUSHION.crease_length
        for j, spread in enumerate((-CUSHION.crease_spread, CUSHION.crease_spread)):
            tx, ty = ux + dx * length - dy * spread, uy + dy * length + dx * spread
            strength = CUSHION.crease_strength * flip[i * 2 + j]
            creases.append(Fold(ux, uy, tx, ty, strength, CUSHION.crease_width))
    return creases
