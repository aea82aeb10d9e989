"""Flat printed goods: phone case and poster."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from goods_backend.mockup_renderer.look import WHITE, Look, planar
from goods_backend.mockup_renderer.paint import (
    Mask,
    Paint,
    ink,
    palette_mean,
    print_in,
    rgba_image,
)
from goods_backend.mockup_renderer.raster import (
    coords,
    filled_circle,
    gauss,
    grain,
    light_facing,
    sheen,
)

Point = tuple[float, float]
Box = tuple[float, float, float, float]

# --------------------------------------------------------------------------- geometry


@dataclass(frozen=True)
class CameraIsland:
    """A phone's camera island, in island widths (it is square)."""

    corner: float = 0.24  # corner radius of the glass plate
    plate_inset: float = 0.03  # the lighter inner plate
    plate_corner: float = 0.22
    lenses: tuple[Point, ...] = ((0.28, 0.28), (0.28, 0.72), (0.72, 0.5))
    lens_radius: float = 0.2
    glint: tuple[float, float] = (0.06, 0.09)  # up-left of the lens centre; radius in lens radii
    flash: Point = (0.72, 0.18)
    flash_radii: tuple[float, float] = (0.075, 0.05)  # its bezel and its bulb
    mic: Point = (0.72, 0.82)
    mic_radius: float = 0.022


@dataclass(frozen=True)
class PhoneCaseGeometry:
    """A phone case seen from the back, in case widths (cw) and heights (ch) unless noted."""

    aspect: float = 0.5  # of the product layer (w / h)
    body: Box = (0.03, 0.005, 0.97, 0.995)  # in layer widths and heights: room for the buttons
    corner: float = 0.17  # corner radius
    bumper: float = 0.035  # the raised rim's width
    button_depth: float = 0.022  # how far the side buttons stand out, in layer widths
    # (edge, top, bottom) of each side button, in ch: -1 the left edge, +1 the right
    buttons: tuple[tuple[int, float, float], ...] = (
        (-1, 0.2, 0.29),
        (1, 0.17, 0.22),
        (1, 0.25, 0.31),
    )
    print_insets: Box = (0.11, 0.3, 0.11, 0.07)  # the print box inside the case: l, t, r, b
    camera_size: float = 0.42  # the island's side, in cw
    camera_at: Point = (0.075, 0.035)  # its top-left corner from the case's, in cw and ch
    camera_gap: float = 0.03  # the cut-out around it, in cw
    island: CameraIsland = CameraIsland()


@dataclass(frozen=True)
class PosterGeometry:
    """A framed poster, in the layer's short side (``s``) or the sheet (iw x ih) unless noted."""

    iso_aspect: float = 1.414  # an ISO sheet, turned to suit the canvas
    landscape_from: float = 1.45  # canvases at least this wide (w / h) hang it landscape
    moulding: float = 0.04  # the frame's width, in s (at least 2 px)
    disc_at: tuple[float, float] = (
        0.5,
        0.47,
    )  # the design's backing disc: x in layer widths, y in ih
    disc_radius: float = 0.36  # in the sheet's short side
    disc_strength: float = 0.55
    keyline_inset: float = 0.045  # in the sheet's short side
    keyline_width: float = 0.005  # in s (at least 1 px)
    print_insets: Box = (0.08, 0.07, 0.08, 0.06)  # l, t, r, b
    lip_shadow: float = 0.012  # the moulding's shadow on the sheet, in s
    bevels: tuple[float, float] = (0.25, 0.22)  # outer and inner chamfer, in moulding widths

    def layer_aspect(self, _art_aspect: float, canvas_aspect: float) -> float:
        """The framed sheet's w / h on a canvas of this shape."""
        return self.iso_aspect if canvas_aspect >= self.landscape_from else 1 / self.iso_aspect


PHONE_CASE = PhoneCaseGeometry()
POSTER = PosterGeometry()
_LENS_RINGS = (  # from the bezel in: (radius in lens radii, colour)
    (1.0, (160, 162, 168)),
    (0.88, (44, 44, 48)),
    (0.74, (16, 16, 20)),
    (0.5, (30, 38, 60)),
    (0.3, (48, 62, 96)),
    (0.16, (10, 10, 14)),
)

# --------------------------------------------------------------------------- phone case
# Every drawer gets the lifted art, the layer size and the look, and returns an
# RGBA layer with the product on transparency, lit from the upper left.


def draw_phone_case(art: Image.Image, w: int, h: int, look: Look) -> Image.Image:
    """Phone case seen from the back: bumper rim, side buttons, camera island, print."""
    base = look.base("phone_case")
    _, y = coords(w, h)
    u0, v0, u1, v1 = PHONE_CASE.body
    x0, x1, y0, y1 = u0 * w, u1 * w, v0 * h, v1 * h
    cw, ch = x1 - x0, y1 - y0
    radius = PHONE_CASE.corner * cw
    t = PHONE_CASE.bumper * cw
    outer = Mask(w, h).rect((x0, y0, x1, y1), radius=radius).array()
    inner = Mask(w, h).rect((x0 + t, y0 + t, x1 - t, y1 - t), radius=radius - t).array()
    rim = np.clip(outer - inner, 0.0, 1.0)
    rim_tone = 0.9 + 0.1 * light_facing(gauss(outer, t * 0.6))
    # the back dips slightly inside the raised rim: a soft inner shadow
    back_tone = (1.02 - 0.05 * y / h) * (
        0.9 + 0.1 * np.clip(gauss(inner, t * 0.5) * 2.0 - 0.6, 0, 1)
    )
    left, top, right, bottom = PHONE_CASE.print_insets
    print_box = (x0 + left * cw, y0 + top * ch, x1 - right * cw, y1 - bottom * ch)
    prgb, pa = print_in(art, w, h, print_box, look.print_scale)
    msize = round(PHONE_CASE.camera_size * cw)
    mx = round(x0 + PHONE_CASE.camera_at[0] * cw)
    my = round(y0 + PHONE_CASE.camera_at[1] * ch)
    gap = PHONE_CASE.camera_gap * cw
    corner = PHONE_CASE.island.corner * msize + gap
    opening = Mask(w, h).rect((mx - gap, my - gap, mx + msize + gap, my + msize + gap), corner)

    paint = Paint(w, h)
    paint.over(base * 0.82, _side_buttons(w, h, (x0, y0, x1, y1)))
    paint.over(ink(base, prgb, pa) * back_tone, inner)
    paint.over(base * rim_tone, rim)
    paint.over(base * 0.55, opening.array())  # the case's wall, seen through the cut-out
    paint.over(WHITE, outer * sheen(w, h, 0.34, 0.28))
    layer = paint.image()
    layer.alpha_composite(_camera_sprite(msize), (mx, my))
    return layer


def _side_buttons(w: int, h: int, body: Box) -> np.ndarray:
    """The side buttons' mask: rounded bars straddling the case's left and right edges."""
    x0, y0, x1, y1 = body
    ch = y1 - y0
    bt = PHONE_CASE.button_depth * w
    buttons = Mask(w, h)
    for edge, top, bottom in PHONE_CASE.buttons:
        ex = x0 if edge < 0 else x1
        buttons.rect((ex - bt, y0 + top * ch, ex + bt, y0 + bottom * ch), radius=bt)
    return buttons.array()


def _camera_sprite(size: int, ss: int = 3) -> Image.Image:
    """Phone camera island: dark glass plate, three lenses, flash and mic."""
    cam = PHONE_CASE.island
    m = size * ss
    img = Image.new("RGBA", (m, m), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle([0, 0, m - 1, m - 1], radius=m * cam.corner, fill=(52, 54, 60, 255))
    near, far = m * cam.plate_inset, m * (1 - cam.plate_inset)
    d.rounded_rectangle([near, near, far, far], radius=m * cam.plate_corner, fill=(66, 68, 75, 255))

    def dot(cx: float, cy: float, r: float, colour: tuple[int, int, int]) -> None:
        d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(*colour, 255))

    glint_offset, glint_radius = cam.glint
    for cx, cy in cam.lenses:
        for f, col in _LENS_RINGS:
            dot(cx * m, cy * m, cam.lens_radius * m * f, col)
        glint = (cx * m - glint_offset * m, cy * m - glint_offset * m)
        dot(*glint, cam.lens_radius * m * glint_radius, (235, 240, 255))
    fx, fy = cam.flash
    for f, col in zip(cam.flash_radii, ((226, 220, 196), (250, 247, 232)), strict=True):
        dot(fx * m, fy * m, m * f, col)
    dot(cam.mic[0] * m, cam.mic[1] * m, m * cam.mic_radius, (18, 18, 20))
    return img.resize((size, size), Image.Resampling.LANCZOS)


# --------------------------------------------------------------------------- poster


def draw_poster(art: Image.Image, w: int, h: int, look: Look) -> Image.Image:
    """Framed poster: charcoal moulding, glass glare; the design fills the whole sheet."""
    x, y = coords(w, h)
    fr = max(2.0, POSTER.moulding * min(w, h))
    sheet = (fr, fr, w - fr, h - fr)
    design = _poster_design(art, w, h, sheet, look)
    ix0, iy0, ix1, iy1 = sheet
    inner = (x > ix0) & (x < ix1) & (y > iy0) & (y < iy1)
    col = np.where(inner, design, _moulding(w, h, fr) * planar((1.0, 0.98, 0.96)))
    return rgba_image(col, np.ones((h, w), np.float32))


def _poster_design(art: Image.Image, w: int, h: int, sheet: Box, look: Look) -> np.ndarray:
    """The printed sheet: a pale gradient in the character's own palette, a disc behind
    the art, a keyline; paper tooth, the moulding's shadow and the glass's glare on top."""
    x, y = coords(w, h)
    s = min(w, h)
    ix0, iy0, ix1, iy1 = sheet
    iw, ih = ix1 - ix0, iy1 - iy0
    mean = palette_mean(art)
    t = np.clip((y - iy0) / ih, 0.0, 1.0)
    bg = (mean * 0.16 + 255.0 * 0.84) * (1.0 - t) + (mean * 0.36 + 255.0 * 0.64) * t
    disc_x, disc_y = POSTER.disc_at
    disc_r = POSTER.disc_radius * min(iw, ih)
    disc = POSTER.disc_strength * filled_circle(x, y, disc_x * w, iy0 + ih * disc_y, disc_r)
    keyline = _keyline(
        w, h, sheet, POSTER.keyline_inset * min(iw, ih), max(1.0, POSTER.keyline_width * s)
    )
    design = bg * (1.0 - disc) + (mean * 0.5 + 127.5) * disc
    design = design * (1.0 - keyline) + 255.0 * keyline
    left, top, right, bottom = POSTER.print_insets
    box = (ix0 + left * iw, iy0 + top * ih, ix1 - right * iw, iy1 - bottom * ih)
    prgb, pa = print_in(art, w, h, box, look.print_scale)
    design = ink(design, prgb, pa)
    # paper tooth, the moulding's shadow on the sheet's top/left, then glass glare
    reach = POSTER.lip_shadow * s
    lip = np.exp(-np.clip(y - iy0, 0, None) / reach) + np.exp(-np.clip(x - ix0, 0, None) / reach)
    design *= (1.0 + 0.012 * grain(look, 41, w, h)) * (1.0 - 0.28 * np.clip(lip, 0, 1))
    design += 255.0 * sheen(w, h, 0.3, 0.12)
    return design


def _keyline(w: int, h: int, sheet: Box, inset: float, line_w: float) -> np.ndarray:
    """A thin rectangle ``inset`` inside the sheet's edge."""
    ix0, iy0, ix1, iy1 = sheet
    outer = Mask(w, h).rect((ix0 + inset, iy0 + inset, ix1 - inset, iy1 - inset)).array()
    inner_edge = (
        ix0 + inset + line_w,
        iy0 + inset + line_w,
        ix1 - inset - line_w,
        iy1 - inset - line_w,
    )
    outer -= Mask(w, h).rect(inner_edge).array()
    return outer


def _moulding(w: int, h: int, fr: float) -> np.ndarray:
    """Brightness of the frame: matte charcoal with a lit outer chamfer, and an inner lip
    that is bright where it faces the light (the opening's bottom/right sides)."""
    x, y = coords(w, h)
    d_out = np.minimum(np.minimum(x, w - x), np.minimum(y, h - y))
    top_left = np.minimum(x, y) <= np.minimum(w - x, h - y)  # which side of the frame
    outer_bevel = np.clip(1.0 - d_out / (POSTER.bevels[0] * fr), 0, 1)
    inner_bevel = np.clip(1.0 - (fr - d_out) / (POSTER.bevels[1] * fr), 0, 1)
    frame: np.ndarray = (
        46.0
        + 22.0 * outer_bevel * np.where(top_left, 1.0, -0.6)
        + 34.0 * inner_bevel * np.where(top_left, -0.5, 1.0)
    )
    return frame
