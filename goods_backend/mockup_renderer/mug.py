"""Ceramic mug with a cylinder-wrapped print."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from goods_backend.mockup_renderer.look import Look
from goods_backend.mockup_renderer.paint import Mask, Paint, fit_art, ink, premul
from goods_backend.mockup_renderer.raster import coords, gauss, light_facing, sample_columns

# --------------------------------------------------------------------------- geometry


@dataclass(frozen=True)
class Highlight:
    """A vertical band of reflected light across a cylinder, at ``u`` in [-1, 1]."""

    u: float  # across the body: -1 left edge, 0 the axis, 1 right edge
    width: float  # in the same units
    strength: float


@dataclass(frozen=True)
class MugGeometry:
    """A mug's proportions, in body radii (``r``) unless noted."""

    aspect: float = 1.0  # of the product layer (w / h)
    layer: float = 2.62  # the layer's short side: body, handle and margin
    body_and_handle: float = 2.55  # width, centred across the layer
    rim: float = 0.2  # the rim ellipse's half-height: the camera is a little above the rim
    body_height: float = 2.1  # between the rim and foot centre lines
    opening: tuple[float, float] = (0.92, 0.9)  # inside the lip: in r, in rim half-heights
    print_size: tuple[float, float] = (2.24, 0.74)  # unrolled print: in r, in body heights
    handle_at: tuple[float, float] = (0.96, 0.42)  # from the axis in r; below the rim, in bodies
    handle_outer: tuple[float, float] = (0.56, 0.66)  # the D's outer radii
    handle_inner: tuple[float, float] = (0.36, 0.45)  # its hole
    handle_round: float = 0.05  # blur that rounds the handle into a tube
    handle_contact: float = 0.12  # the handle darkens this close to the body
    rim_occlusion: float = 0.1  # the body darkens this far below the rim
    foot_occlusion: float = 0.05  # ...and this far above the foot
    streaks: tuple[Highlight, ...] = (Highlight(-0.48, 0.075, 0.5), Highlight(0.88, 0.045, 0.16))
    lip_glint: Highlight = Highlight(-0.45, 0.3, 0.25)


MUG = MugGeometry()


@dataclass(frozen=True)
class _Body:
    """The mug measured in layer pixels: radius, rim half-height, body height, axis, rim line."""

    r: float
    b: float
    hb: float
    cx: float
    yt: float

    @property
    def yb(self) -> float:
        """The foot's centre line."""
        return self.yt + self.hb


# --------------------------------------------------------------------------- drawing
# Every drawer gets the lifted art, the layer size and the look, and returns an
# RGBA layer with the product on transparency, lit from the upper left.


def draw_mug(art: Image.Image, w: int, h: int, look: Look) -> Image.Image:
    """Ceramic mug: lit cylinder, rim and interior, D handle; the print wraps the curve."""
    base = look.base("mug")
    body = _measure(w, h)
    x, y = coords(w, h)
    side, lip, inner = _mug_masks(w, h, body)
    u = np.clip((x - body.cx) / body.r, -0.999, 0.999)  # across the cylinder, -1..1
    rim_front = body.yt + body.b * np.sqrt(1.0 - u * u)  # the rim's front edge in each column
    shade, spec = _cylinder_light(u, y, rim_front, body)
    wrap = _wrapped_print(art, look.print_scale, u, y, rim_front, body)
    side_col = ink(base, wrap[:3], wrap[3]) * shade + 255.0 * spec
    inside_tone, lip_tone = _inside_light(u, y, body)
    ring, handle_col = _handle(w, h, x, body, base)

    paint = Paint(w, h)
    paint.over(handle_col, ring)
    paint.over(side_col, side)
    paint.over(base * lip_tone, lip)
    paint.over(base * inside_tone, inner)
    return paint.image()


def _measure(w: int, h: int) -> _Body:
    """Fit the mug's proportions into a w x h layer, centred."""
    r = min(w, h) / MUG.layer
    b = MUG.rim * r
    hb = MUG.body_height * r
    cx = (w - MUG.body_and_handle * r) / 2 + r
    yt = (h - (hb + 2 * b)) / 2 + b
    return _Body(r, b, hb, cx, yt)


def _mug_masks(w: int, h: int, body: _Body) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The outside wall, the lip (rim top) and the opening, as coverage masks."""
    r, b, cx, yt, yb = body.r, body.b, body.cx, body.yt, body.yb
    whole = (
        Mask(w, h)
        .rect((cx - r, yt, cx + r, yb))
        .ellipse((cx - r, yt - b, cx + r, yt + b))
        .ellipse((cx - r, yb - b, cx + r, yb + b))
        .array()
    )
    top = Mask(w, h).ellipse((cx - r, yt - b, cx + r, yt + b)).array()
    irx, iry = MUG.opening[0] * r, MUG.opening[1] * b
    inner = Mask(w, h).ellipse((cx - irx, yt - iry, cx + irx, yt + iry)).array()
    return np.clip(whole - top, 0.0, 1.0), np.clip(top - inner, 0.0, 1.0), inner


def _cylinder_light(
    u: np.ndarray, y: np.ndarray, rim_front: np.ndarray, body: _Body
) -> tuple[np.ndarray, np.ndarray]:
    """Shading and specular of the outside wall: Lambert on each column's normal,
    softbox streaks, and occlusion under the rim and at the foot."""
    nz = np.sqrt(1.0 - u * u)
    diffuse = np.clip(-0.5 * u + 0.866 * nz, 0.0, 1.0)  # key light from the left, 30 deg
    sv = np.clip((y - rim_front) / body.hb, 0.0, 1.0)  # 0 at the rim, 1 at the foot
    first, second = MUG.streaks
    streak = _band(u, first) + _band(u, second)
    spec = streak * np.clip(sv * 6.0, 0, 1) * np.clip((1.0 - sv) * 5.0, 0, 1)
    hb, r = body.hb, body.r
    ao = (1.0 - 0.22 * np.exp(-(1.0 - sv) * hb / (MUG.rim_occlusion * r))) * (
        1.0 - 0.12 * np.exp(-sv * hb / (MUG.foot_occlusion * r))
    )
    return (0.38 + 0.66 * diffuse) * ao, spec


def _band(u: np.ndarray, light: Highlight) -> np.ndarray:
    """A highlight's strength in each column."""
    band: np.ndarray = light.strength * np.exp(-(((u - light.u) / light.width) ** 2))
    return band


def _wrapped_print(
    art: Image.Image,
    print_scale: float,
    u: np.ndarray,
    y: np.ndarray,
    rim_front: np.ndarray,
    body: _Body,
) -> np.ndarray:
    """The print wrapped round the cylinder: premultiplied colour and alpha, (4, H, W).

    A column at u shows the unrolled design at arc length r*asin(u) (compressing
    towards the sides, where the lighting also darkens it), and rows follow the
    rim's ellipse so the print curves.
    """
    r, hb, yt = body.r, body.hb, body.yt
    fitted = fit_art(art, MUG.print_size[0] * r * print_scale, MUG.print_size[1] * hb * print_scale)
    f_rgb, f_a = premul(fitted)
    src = np.concatenate([f_rgb, f_a[None]])
    arc = (r * np.arcsin(u))[0]
    sx = arc + fitted.width / 2
    sy = (y - rim_front) - (hb - fitted.height) / 2
    wrap = np.zeros((4, len(y), u.shape[1]), np.float32)  # y is a column, u a row
    cols = np.flatnonzero(np.abs(arc) < fitted.width / 2 + 2)
    y_lo, y_hi = yt + (hb - fitted.height) / 2 - 2, yt + body.b + (hb + fitted.height) / 2 + 2
    rows = np.flatnonzero((y[:, 0] > y_lo) & (y[:, 0] < y_hi))
    if cols.size and rows.size:  # sample only the window the print can reach
        c0, c1, r0, r1 = cols[0], cols[-1] + 1, rows[0], rows[-1] + 1
        wrap[:, r0:r1, c0:c1] = sample_columns(src, sx[c0:c1], sy[r0:r1, c0:c1])
    return wrap


def _inside_light(u: np.ndarray, y: np.ndarray, body: _Body) -> tuple[np.ndarray, np.ndarray]:
    """Tones of the opening and of the lip.

    The far inner wall catches the light, the bottom lies in the front wall's
    shade; the lip glints where it faces the key light.
    """
    iry = MUG.opening[1] * body.b
    ti = np.clip((y - (body.yt - iry)) / (2 * iry), 0.0, 1.0)
    inside_tone = (0.9 - 0.32 * ti) * (0.9 + 0.1 * u) * (1.0 - 0.3 * np.exp(-(1.0 - ti) / 0.12))
    lip_tone = 1.0 + _band(u, MUG.lip_glint) * (y > body.yt)
    return inside_tone, lip_tone


def _handle(
    w: int, h: int, x: np.ndarray, body: _Body, base: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The D-shaped handle behind the body: its mask and its tube-shaded colour,
    darker where it meets the body."""
    r = body.r
    hx, hy = body.cx + MUG.handle_at[0] * r, body.yt + body.b + body.hb * MUG.handle_at[1]
    (ox, oy), (ix, iy) = MUG.handle_outer, MUG.handle_inner
    ring = (
        Mask(w, h)
        .ellipse((hx - ox * r, hy - oy * r, hx + ox * r, hy + oy * r))
        .ellipse((hx - ix * r, hy - iy * r, hx + ix * r, hy + iy * r), fill=0)
        .array()
    )
    tube = gauss(ring, MUG.handle_round * r)
    tube = np.clip(tube / max(float(tube.max()), 1e-3), 0.0, 1.0)
    occl = 1.0 - 0.35 * np.exp(-np.clip(x - (body.cx + r), 0, None) / (MUG.handle_contact * r))
    glaze = 255.0 * 0.28 * tube**8  # the glossy tube's highlight
    return ring, base * ((0.42 + 0.42 * tube + 0.12 * light_facing(tube)) * occl) + glaze
