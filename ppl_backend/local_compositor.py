"""Local PPL engine: an offline, deterministic product-shot compositor.

The real PPL engine is an AI model.  This module is the local stand-in: it
lifts the character and the product off their plain backgrounds, stands the
character on a clean studio backdrop sized to the requested aspect ratio, and
places the product where a held or displayed product would sit, with contact
shadows and a light colour match so the result reads as one photographed scene.

The shot's proportions are named, not scattered: :data:`STAGE` (the frame: floor
line, margins, how big the character stands), one :class:`PlacementGeometry` per
placement in :data:`PLACEMENTS` (how big the product is and what holds it up),
:data:`JITTER` (what the seed may vary), :data:`FIGURE` (where a figure's hands
are) and the shadows (:class:`CastShadow`, :class:`ContactShadow`).

Contract: same inputs + seed -> identical pixels; no network, no global random
state; pure Pillow + numpy, about 100 ms for a 1024-px frame on one core.
"""

from __future__ import annotations

import random
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from webtoon_core.compositing import (
    canvas_size,
    cutout,
    rotate_rgba,
    scale_rgba,
    soft_shadow,
    subject_bbox,
)
from webtoon_core.images import has_real_transparency

# --------------------------------------------------------------------------- geometry


@dataclass(frozen=True)
class PlacementGeometry:
    """One placement's proportions: how big the product is and what holds it up.

    Lengths are ratios of the character's cut-out height (``ch``) or width
    (``cw``), or of the product's own width (``pw``).  A held product
    (``standing=False``) is tilted a little and sits at the hand, or in front of
    the chest when ``chest`` is set; a standing one gets a slot ``footprint``
    wide beside the character, on the floor or on a plinth ``plinth_height`` tall.
    """

    product_height: float  # in ch, before the seeded jitter
    standing: bool
    character_width: float  # widest the character may be drawn side by side, in frame widths
    tilt: float = 0.0  # largest seeded tilt of a held product, in degrees
    reach: float = 0.0  # how far a held product widens the character+product group, in pw
    chest: tuple[float, float] | None = None  # (sideways from the centre in cw, down in ch)
    footprint: float = 0.0  # width of the slot beside the character, in pw
    min_footprint: float = 0.0  # narrowest slot, in cw: furniture stays believable
    plinth_height: float | None = None  # table or plinth height in ch; None: on the floor


# One per placement the prompt can ask for (see _MODES); "hold" when it names none.
PLACEMENTS: Mapping[str, PlacementGeometry] = {
    "hold": PlacementGeometry(0.31, standing=False, character_width=0.70, tilt=6.0, reach=0.65),
    "use": PlacementGeometry(
        0.30, standing=False, character_width=0.70, tilt=6.0, chest=(0.2, 0.45)
    ),
    "table": PlacementGeometry(
        0.32,
        standing=True,
        character_width=0.55,
        footprint=1.7,
        min_footprint=0.5,
        plinth_height=0.26,
    ),
    "display": PlacementGeometry(
        0.34,
        standing=True,
        character_width=0.55,
        footprint=1.4,
        min_footprint=0.32,
        plinth_height=0.32,
    ),
    "beside": PlacementGeometry(0.40, standing=True, character_width=0.55, footprint=1.0),
}


@dataclass(frozen=True)
class StageGeometry:
    """The frame's proportions, as shares of the frame (W x H) or of the character (cw x ch)."""

    stack_below: float = 0.7  # frames narrower than this W/H put the product in front
    character_height: float = 0.83  # tallest the character stands, in H
    stacked_character_width: float = 0.80  # widest a character with the product in front, in W
    floor: float = 0.90  # the floor line, in H
    stacked_floor_drop: float = 0.05  # stacked: floor this far below the centred figure, in H
    horizon: float = 0.07  # the wall/floor bend, this far above the floor line, in ch
    margin: float = 0.02  # kept clear at the frame's sides (in W) and top (in H)
    slot_margin: float = 0.01  # kept clear beside a standing product's slot, in W
    side_by_side_span: float = 0.94  # widest character + gap + slot, in W
    gap: float = 0.05  # between the character and the slot beside it, in cw
    stacked_slot_shift: float = 0.22  # stacked: the slot's centre towards the side, in cw
    stacked_surface_drop: float = 0.03  # stacked: the product stands in front (lower), in H
    product_input_max: float = 0.6  # larger product inputs are shrunk first, in the longest side
    held_width: float = 0.6  # widest held (or stacked) product, in cw
    standing_width: float = 0.8  # widest product standing beside the character, in cw
    min_product_width: float = 8.0  # in px
    hand_overhang: float = 0.15  # a gripped product's centre beyond the hand, in pw
    sink: float = 0.01  # a standing product sinks into its surface, in its own height


@dataclass(frozen=True)
class JitterGeometry:
    """How far the seed may move things (uniform in +-value)."""

    product_height: float = 0.03  # in ch
    group: float = 0.02  # sideways shift of the character+product group, in W
    held: float = 0.03  # shift of a held product, in cw (x) and ch (y)
    slot: float = 0.15  # shift of a standing product in its slot, in (slot width - pw)


@dataclass(frozen=True)
class FigureGeometry:
    """Where a standing figure's hands are, as shares of its cut-out height / width."""

    arm_band: tuple[float, float] = (0.40, 0.72)  # rows where hanging arms end
    hand_height: float = 0.56  # assumed when nothing reaches out
    reach_tolerance: float = 0.01  # rows this close (at least 2 px) to the furthest reach count
    hand_percentile: float = 85.0  # among them the hand is near the bottom end


@dataclass(frozen=True)
class CastShadow:
    """A soft drop shadow of a cut-out, as if lit from the upper left.

    ``offset`` is in the cut-out's own width (x) and height (y); ``blur`` in its height.
    """

    offset: tuple[float, float]
    blur: float
    opacity: float


@dataclass(frozen=True)
class ContactShadow:
    """The blurred ellipse where something meets a surface, in the reference lengths
    (normally the object's width and height) the caller gives."""

    width: float
    height: float
    opacity: float


@dataclass(frozen=True)
class PlinthGeometry:
    """A display block: its lit top face and contact shadow, in plinth widths."""

    lid_depth: float = 0.08  # the top face seen from slightly above
    min_lid_depth: float = 3.0  # in px
    shadow: ContactShadow = ContactShadow(1.15, 0.1, 0.6)  # in plinth widths both ways


@dataclass(frozen=True)
class BackdropLight:
    """The studio sweep's light, as brightness factors over the base colour."""

    wall: tuple[float, float] = (0.92, 0.08)  # at the top, rise towards the horizon
    floor: tuple[float, float] = (0.96, -0.12)  # at the horizon, change towards the bottom
    bend: float = 0.008  # width of the soft wall/floor bend, in H
    glow: float = 0.07  # spotlight behind the subject, towards white
    glow_spread: tuple[float, float] = (5.0, 3.0)  # its falloff across W and H
    vignette: float = 0.22
    grid: float = 4.0  # computed on a grid this many px apart, then upsampled


STAGE = StageGeometry()
JITTER = JitterGeometry()
FIGURE = FigureGeometry()
PLINTH = PlinthGeometry()
LIGHT = BackdropLight()
CHARACTER_CONTACT = ContactShadow(0.75, 0.06, 0.55)
CHARACTER_CAST = CastShadow((0.025, 0.012), blur=0.02, opacity=0.22)
PRODUCT_CONTACT = ContactShadow(1.05, 0.12, 0.6)
STANDING_CAST = CastShadow((0.08, 0.02), blur=0.045, opacity=0.28)
HELD_CAST = CastShadow((0.05, 0.04), blur=0.045, opacity=0.28)

_NEUTRAL = (232.0, 229.0, 224.0)  # warm studio grey when the character has no plain background
_MAX_BASE = 240.0  # the backdrop's brightest channel: never paper-white, so edges stay legible
_SHADE = 0.30  # shadows are the scene colour this dark, not pure black
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)
_CLEAR = 16  # alpha below this is clear background
_SOLID = 128  # alpha above this is part of the subject
_BUSY_BORDER = 40  # 90th-percentile colour spread (sum of channels) of a border that is a scene

# First matching group wins, so an explicit "holding" beats an incidental "table".
_MODES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("hold", re.compile(r"\b(hold(s|ing)?|carr(y|ies|ying)|grip(s|ping)?)\b|들고|들어|쥐고")),
    ("use", re.compile(r"\b(us(e|es|ed|ing))\b|사용|쓰는|쓰고")),
    ("table", re.compile(r"\b(table|desk|counter|shelf)\b|테이블|책상|탁자")),
    ("display", re.compile(r"\b(display(s|ed|ing)?|showcase|podium)\b|진열|전시")),
    ("beside", re.compile(r"\b(beside|next to|alongside)\b|옆")),
)
_LEFT = re.compile(r"\bleft\b|왼쪽|왼편")
_RIGHT = re.compile(r"\bright\b|오른쪽|오른편")

Colour = tuple[int, ...]


@dataclass(frozen=True)
class _Frame:
    """The output canvas, and whether it is too narrow to stand the product beside."""

    width: int
    height: int
    stacked: bool


@dataclass(frozen=True)
class _Layout:
    """Where the character stands: its box, the floor line and the product slot's width."""

    x: int
    y: int
    width: int
    height: int
    floor_y: int
    slot_width: float


# --------------------------------------------------------------------------- the shot


def compose_product_shot(
    character: Image.Image,
    product: Image.Image,
    *,
    prompt: str,
    aspect_ratio: str,
    seed: int | None,
    longest_side: int = 1024,
    character_has_alpha: bool | None = None,
    product_has_alpha: bool | None = None,
) -> Image.Image:
    """Composite ``product`` into a studio shot of ``character`` and return an RGB image.

    Inputs are EXIF-oriented RGB/RGBA images (longest side <= 1024).  The output
    size comes from ``canvas_size(aspect_ratio, ...)`` (``match_input_image``
    follows the character).  The prompt picks the placement (hold / use / table /
    display / beside, and left / right; English or Korean keywords); ``seed``
    varies offsets, tilt and the unspecified side.  ``seed=None`` derives a seed
    from the prompt, so the result is still deterministic.  ``*_has_alpha`` says
    whether an input has real transparency (``PreparedImage.has_alpha``); None
    asks :func:`webtoon_core.images.has_real_transparency`.
    """
    # Layout jitter only, not security: a private seeded generator keeps results reproducible.
    rng = random.Random(zlib.crc32(prompt.encode()) if seed is None else seed)  # noqa: S311
    mode, side = _parse_prompt(prompt, rng)
    placement = PLACEMENTS[mode]
    frame = _frame(aspect_ratio, longest_side, character.size)
    if character_has_alpha is None:
        character_has_alpha = has_real_transparency(character)
    if product_has_alpha is None:
        product_has_alpha = has_real_transparency(product)

    base = _scene_colour(character, character_has_alpha)
    char = _lift_character(character, character_has_alpha, frame, placement)
    prod = _lift_product(product, product_has_alpha, longest_side)
    prod = _size_product(prod, char.size, frame, placement, rng)
    prod = _match_scene(prod, 0.5 * base + 0.5 * _mean_rgb(char))
    if placement.tilt:  # a held product is never perfectly upright
        tilted = rotate_rgba(prod, rng.uniform(-placement.tilt, placement.tilt))
        prod = tilted.crop(subject_bbox(tilted))
    layout = _place_character(frame, char.size, prod.size, placement, side, rng)

    canvas = _backdrop(frame, base, layout)
    shade = tuple(int(c) for c in base * _SHADE)
    _stage_character(canvas, char, layout, shade)
    if placement.standing:
        spot = _stand_product(canvas, prod.size, layout, frame, placement, side, base, shade, rng)
        cast = STANDING_CAST
    else:
        spot = _hold_product(char, prod.size, layout, placement, side, rng)
        cast = HELD_CAST
    _paste_with_shadow(canvas, prod, _keep_in_frame(spot, prod.size, frame), cast, shade)
    return canvas


def _parse_prompt(prompt: str, rng: random.Random) -> tuple[str, int]:
    """Placement mode and side (-1 left, +1 right, as seen in the image) from prompt keywords."""
    text = prompt.lower()
    mode = next((name for name, pattern in _MODES if pattern.search(text)), "hold")
    left, right = bool(_LEFT.search(text)), bool(_RIGHT.search(text))
    side = -1 if left and not right else 1 if right and not left else rng.choice((-1, 1))
    return mode, side


def _frame(aspect_ratio: str, longest_side: int, source_size: tuple[int, int]) -> _Frame:
    """The canvas for the ratio; tall frames leave no room beside the character."""
    width, height = canvas_size(aspect_ratio, longest_side=longest_side, source_size=source_size)
    return _Frame(width, height, stacked=width / height < STAGE.stack_below)


def _scene_colour(character: Image.Image, has_alpha: bool) -> np.ndarray:
    """The backdrop's base colour (float32 RGB): the character sheet's, or a studio grey."""
    plain = None if has_alpha else _plain_colour(character)
    base = np.array(_NEUTRAL if plain is None else plain, dtype=np.float32)
    base *= min(1.0, _MAX_BASE / max(float(base.max()), 1.0))
    return base


# --------------------------------------------------------------------------- the subjects


def _lift_character(
    character: Image.Image, has_alpha: bool, frame: _Frame, placement: PlacementGeometry
) -> Image.Image:
    """The character cut out, trimmed and sized to stand in the frame."""
    char = cutout(character, has_alpha=has_alpha)
    if not has_alpha:
        char = _solidify_interior(char)
    char = char.crop(subject_bbox(char))
    width_cap = STAGE.stacked_character_width if frame.stacked else placement.character_width
    fit_height = STAGE.character_height * frame.height / char.height
    return scale_rgba(char, min(fit_height, width_cap * frame.width / char.width))


def _lift_product(product: Image.Image, has_alpha: bool, longest_side: int) -> Image.Image:
    """The product cut out (white labels and caps kept) and trimmed to what is visible."""
    # The product ends up well under this share of the frame, so shrink it first: cutout
    # is O(pixels).  (An opaque image stays opaque, so keying still applies.)
    limit = STAGE.product_input_max * longest_side
    if max(product.size) > limit:
        product = scale_rgba(product.convert("RGBA"), limit / max(product.size))
    prod = cutout(product, has_alpha=has_alpha)
    if not has_alpha:
        prod = _fill_enclosed(_solidify_interior(prod))
    return prod.crop(subject_bbox(prod))


def _size_product(
    prod: Image.Image,
    char_size: tuple[int, int],
    frame: _Frame,
    placement: PlacementGeometry,
    rng: random.Random,
) -> Image.Image:
    """The product scaled against the character, narrow enough for its slot in the frame."""
    cw, ch = char_size
    jitter = rng.uniform(-JITTER.product_height, JITTER.product_height)
    target_h = ch * (placement.product_height + jitter)
    max_width = STAGE.held_width * cw
    if placement.standing and not frame.stacked:  # the slot beside must fit inside the frame
        room = STAGE.side_by_side_span * frame.width - (1 + STAGE.gap) * cw
        max_width = min(STAGE.standing_width * cw, room / placement.footprint)
    max_width = max(max_width, STAGE.min_product_width)
    return scale_rgba(prod, min(target_h / prod.height, max_width / prod.width))


def _solidify_interior(rgba: Image.Image) -> Image.Image:
    """Keep keyed partial alpha only at the silhouette's edge.

    Keying gives partial alpha to any colour near the background (pale skin on
    a cream sheet); inside the figure that reads as a ghost.  Pixels more than
    ~2 px from clear background become opaque; the anti-aliased rim is kept.
    """
    alpha = rgba.getchannel("A")
    clear = alpha.point(lambda a: 255 if a < _CLEAR else 0)
    near_clear = np.asarray(clear.filter(ImageFilter.BoxBlur(2))) > 0
    out = rgba.copy()
    out.putalpha(Image.fromarray(np.where(near_clear, np.asarray(alpha), 255).astype(np.uint8)))
    return out


def _fill_enclosed(rgba: Image.Image) -> Image.Image:
    """Make background-coloured areas enclosed by the product opaque again.

    Colour keying also clears a white label or cap inside a product on a white
    sheet.  A pixel with product on all four sides (left, right, above, below)
    is taken to be part of it; open concavities (beside a bottle neck) stay clear.
    """
    alpha = np.asarray(rgba.getchannel("A"))
    solid = alpha > _SOLID
    enclosed = (
        np.maximum.accumulate(solid, axis=1)
        & np.maximum.accumulate(solid[:, ::-1], axis=1)[:, ::-1]
        & np.maximum.accumulate(solid, axis=0)
        & np.maximum.accumulate(solid[::-1], axis=0)[::-1]
    )
    out = rgba.copy()
    out.putalpha(Image.fromarray(np.where(enclosed, 255, alpha).astype(np.uint8), "L"))
    return out


def _plain_colour(image: Image.Image) -> tuple[float, float, float] | None:
    """Median border colour of an opaque image when the border is plain, else ``None``."""
    rgb = np.asarray(image.convert("RGB"), dtype=np.float32)
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
    median = np.median(border, axis=0)
    if np.percentile(np.abs(border - median).sum(axis=1), 90) > _BUSY_BORDER:
        return None  # busy border: a scene, not a plain sheet
    return float(median[0]), float(median[1]), float(median[2])


def _hand_point(rgba: Image.Image, side: int) -> tuple[float, float]:
    """Where the hand on ``side`` probably is: the outermost silhouette point at arm height.

    Arms hang within ``FIGURE.arm_band`` of a standing figure's height; the rows
    that reach furthest out on that side are taken as the hand.
    """
    solid = np.asarray(rgba.getchannel("A")) > _SOLID
    h, w = solid.shape
    top, bottom = FIGURE.arm_band
    r0, r1 = int(top * h), max(int(bottom * h), int(top * h) + 1)
    band = solid[r0:r1] if side > 0 else solid[r0:r1, ::-1]
    reach = np.where(band.any(axis=1), w - 1 - np.argmax(band[:, ::-1], axis=1), -1)
    if reach.max() < 0:
        return (w - 1 if side > 0 else 0.0), FIGURE.hand_height * h
    rows = np.nonzero(reach >= reach.max() - max(2, FIGURE.reach_tolerance * w))[0]
    x = float(reach.max())
    # Among equally far rows (a straight hanging arm) the hand is at the bottom end.
    return (x if side > 0 else w - 1 - x), r0 + float(np.percentile(rows, FIGURE.hand_percentile))


def _mean_rgb(rgba: Image.Image) -> np.ndarray:
    """Alpha-weighted mean colour of an RGBA image (float32 RGB)."""
    arr = np.asarray(rgba, dtype=np.float32)
    weight = arr[..., 3:] / 255.0
    mean: np.ndarray = (arr[..., :3] * weight).sum(axis=(0, 1)) / max(float(weight.sum()), 1.0)
    return mean


def _match_scene(rgba: Image.Image, scene: np.ndarray) -> Image.Image:
    """Pull the product's brightness and colour temperature part-way toward the scene."""
    arr = np.asarray(rgba, dtype=np.float32).copy()
    own = _mean_rgb(rgba)
    own_l, scene_l = float(own @ _LUMA), float(scene @ _LUMA)
    gain = np.clip((0.7 * own_l + 0.3 * scene_l) / max(own_l, 1.0), 0.88, 1.12)
    tint = 1.0 + 0.12 * (scene / max(float(scene.mean()), 1.0) - 1.0)
    # Key light from above: a gentle top-to-bottom falloff gives the flat cutout some form.
    falloff = np.linspace(1.05, 0.93, arr.shape[0], dtype=np.float32)[:, None, None]
    arr[..., :3] = np.clip(arr[..., :3] * gain * tint * falloff, 0, 255)
    return Image.fromarray(arr.astype(np.uint8), "RGBA")


# --------------------------------------------------------------------------- layout


def _place_character(
    frame: _Frame,
    char_size: tuple[int, int],
    prod_size: tuple[int, int],
    placement: PlacementGeometry,
    side: int,
    rng: random.Random,
) -> _Layout:
    """Centre the character+product group on the frame, feet on the floor line."""
    W, H = frame.width, frame.height
    cw, ch = char_size
    pw = prod_size[0]
    slot_w = max(placement.footprint * pw, placement.min_footprint * cw)
    if frame.stacked:  # centre the figure vertically and keep the floor just below it
        floor_y = int(min(STAGE.floor * H, (H + ch) / 2 + STAGE.stacked_floor_drop * H))
        group = float(cw)
    else:
        floor_y = int(STAGE.floor * H)
        beside = STAGE.gap * cw + slot_w if placement.standing else placement.reach * pw
        group = cw + beside
    gx0 = (W - group) / 2 + rng.uniform(-JITTER.group, JITTER.group) * W
    x = gx0 if side > 0 else gx0 + group - cw
    x = int(np.clip(x, STAGE.margin * W, max(STAGE.margin * W, W - cw - STAGE.margin * W)))
    return _Layout(x, floor_y - ch, cw, ch, floor_y, slot_w)


def _stand_product(
    canvas: Image.Image,
    prod_size: tuple[int, int],
    layout: _Layout,
    frame: _Frame,
    placement: PlacementGeometry,
    side: int,
    base: np.ndarray,
    shade: Colour,
    rng: random.Random,
) -> tuple[float, float]:
    """Draw the product's plinth (if any) and contact shadow; return its top-left corner."""
    W, H = frame.width, frame.height
    pw, ph = prod_size
    cx0, cw, slot_w = layout.x, layout.width, layout.slot_width
    if frame.stacked:  # in front of the character's legs, a little towards the chosen side
        slot_x = cx0 + cw / 2 + side * STAGE.stacked_slot_shift * cw - slot_w / 2
        surface = layout.floor_y + STAGE.stacked_surface_drop * H
    else:  # the slot beside the character, leaving a small gap
        slot_x = cx0 + (1 + STAGE.gap) * cw if side > 0 else cx0 - STAGE.gap * cw - slot_w
        surface = layout.floor_y
    edge = STAGE.slot_margin * W
    slot_x = float(np.clip(slot_x, edge, max(edge, (1 - STAGE.slot_margin) * W - slot_w)))
    if placement.plinth_height is not None:
        plinth_h = layout.height * placement.plinth_height
        surface = _plinth(canvas, slot_x, slot_w, plinth_h, surface, base, shade)
    spare = slot_w - pw
    px = slot_x + spare / 2 + rng.uniform(-JITTER.slot, JITTER.slot) * spare
    py = surface - ph + STAGE.sink * ph  # sinks a little: it sits on, not above, the surface
    _contact_shadow(canvas, (px + pw / 2, surface), prod_size, PRODUCT_CONTACT, shade)
    return px, py


def _hold_product(
    char: Image.Image,
    prod_size: tuple[int, int],
    layout: _Layout,
    placement: PlacementGeometry,
    side: int,
    rng: random.Random,
) -> tuple[float, float]:
    """The top-left corner of a product held at the hand or shown in front of the chest."""
    pw, ph = prod_size
    cx0, cy0, cw, ch = layout.x, layout.y, layout.width, layout.height
    if placement.chest is not None:  # presented in front of the chest
        sideways, down = placement.chest
        cx, cy = cx0 + cw / 2 + side * sideways * cw, cy0 + down * ch
    else:  # gripped at the hand, mostly outside the silhouette
        hx, hy = _hand_point(char, side)
        cx, cy = cx0 + hx + side * STAGE.hand_overhang * pw, cy0 + hy
    px = cx - pw / 2 + rng.uniform(-JITTER.held, JITTER.held) * cw
    py = cy - ph / 2 + rng.uniform(-JITTER.held, JITTER.held) * ch
    return px, min(py, layout.floor_y - ph)


def _keep_in_frame(
    spot: tuple[float, float], size: tuple[int, int], frame: _Frame
) -> tuple[int, int]:
    """The product's top-left corner moved inside the frame's margins, in whole pixels."""
    W, H = frame.width, frame.height
    edge = STAGE.margin * W
    px = float(np.clip(spot[0], edge, max(edge, W - size[0] - edge)))
    py = float(max(spot[1], STAGE.margin * H))
    return int(px), int(py)


# --------------------------------------------------------------------------- drawing


def _stage_character(
    canvas: Image.Image, char: Image.Image, layout: _Layout, shade: Colour
) -> None:
    """Stand the character on the floor line with its contact and drop shadows."""
    feet = (layout.x + layout.width / 2, layout.floor_y)
    _contact_shadow(canvas, feet, char.size, CHARACTER_CONTACT, shade)
    _paste_with_shadow(canvas, char, (layout.x, layout.y), CHARACTER_CAST, shade)


def _paste_with_shadow(
    canvas: Image.Image, rgba: Image.Image, pos: tuple[int, int], cast: CastShadow, shade: Colour
) -> None:
    """Paste a cut-out at ``pos`` over its own soft drop shadow."""
    _cast_shadow(canvas, rgba, pos, cast, shade)
    canvas.paste(rgba, pos, rgba)


def _backdrop(frame: _Frame, base: np.ndarray, layout: _Layout) -> Image.Image:
    """Seamless studio sweep: shaded wall, softer floor, spotlight behind the subject, vignette.

    Everything here is smooth, so it is computed on a coarse grid and upsampled:
    ~16x less numpy work for a visually identical result.
    """
    W, H = frame.width, frame.height
    horizon = layout.floor_y - STAGE.horizon * layout.height
    focus = (layout.x + layout.width / 2, layout.y + layout.height / 2)
    step = LIGHT.grid
    y = np.arange(0, H, step, dtype=np.float32)[:, None] + step / 2
    x = np.arange(0, W, step, dtype=np.float32)[None, :] + step / 2
    wall = LIGHT.wall[0] + LIGHT.wall[1] * np.clip(y / max(horizon, 1.0), 0, 1)
    floor = LIGHT.floor[0] + LIGHT.floor[1] * np.clip((y - horizon) / max(H - horizon, 1.0), 0, 1)
    bend = np.clip((y - horizon) / (LIGHT.bend * H + 1.0), -30.0, 30.0)
    seam = 1.0 / (1.0 + np.exp(-bend))  # soft wall/floor bend instead of a hard line
    shade = wall * (1 - seam) + floor * seam
    dx, dy = (x - focus[0]) / W, (y - focus[1]) / H
    spread_x, spread_y = LIGHT.glow_spread
    glow = LIGHT.glow * np.exp(-(dx * dx * spread_x + dy * dy * spread_y))
    nx, ny = x / W - 0.5, y / H - 0.5
    vignette = 1.0 - LIGHT.vignette * (nx * nx + ny * ny)
    pixels = base * (shade * vignette)[..., None] + (255.0 - base) * glow[..., None]
    small = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    return small.resize((W, H), Image.Resampling.BICUBIC)


def _cast_shadow(
    canvas: Image.Image, rgba: Image.Image, pos: tuple[int, int], cast: CastShadow, colour: Colour
) -> None:
    """Soft drop shadow of ``rgba``'s silhouette placed at ``pos``, as if lit from the upper left."""
    blur = cast.blur * rgba.height
    pad = int(3 * blur) + 2
    mask = soft_shadow(
        ImageOps.expand(rgba.getchannel("A"), pad, fill=0),
        blur=max(blur, 0.5),
        opacity=cast.opacity,
    )
    dx, dy = cast.offset[0] * rgba.width, cast.offset[1] * rgba.height
    x, y = int(pos[0] + dx) - pad, int(pos[1] + dy) - pad
    canvas.paste(colour, (x, y, x + mask.width, y + mask.height), mask)


def _contact_shadow(
    canvas: Image.Image,
    centre: tuple[float, float],
    reference: tuple[float, float],
    contact: ContactShadow,
    colour: Colour,
) -> None:
    """Blurred ellipse centred at ``centre``, sized in ``reference`` lengths (width, height)."""
    w = max(contact.width * reference[0], 2.0)
    h = max(contact.height * reference[1], 2.0)
    pad = int(h) + 2
    mask = Image.new("L", (int(w) + 2 * pad, int(h) + 2 * pad), 0)
    ImageDraw.Draw(mask).ellipse((pad, pad, pad + int(w), pad + int(h)), fill=255)
    mask = soft_shadow(mask, blur=h * 0.35, opacity=contact.opacity)
    x, y = int(centre[0] - w / 2) - pad, int(centre[1] - h / 2) - pad
    canvas.paste(colour, (x, y, x + mask.width, y + mask.height), mask)


def _plinth(
    canvas: Image.Image,
    x: float,
    w: float,
    h: float,
    floor_y: float,
    base: np.ndarray,
    shade: Colour,
) -> float:
    """Draw a display block ``w`` x ``h`` standing on ``floor_y``; return the y it holds things at."""
    top, depth = floor_y - h, max(PLINTH.min_lid_depth, PLINTH.lid_depth * w)
    _contact_shadow(canvas, (x + w / 2, floor_y), (w, w), PLINTH.shadow, shade)
    draw = ImageDraw.Draw(canvas)
    front = tuple(int(c) for c in np.clip(base * 0.80 + 8, 0, 255))  # the front face, in shade
    lid = tuple(int(c) for c in np.clip(base * 1.02 + 8, 0, 246))  # the lit top face
    draw.rectangle((x, top, x + w, floor_y), fill=front)
    draw.rectangle((x, top - depth, x + w, top), fill=lid)
    draw.line((x, top, x + w, top), fill=shade, width=1)
    return top - depth / 2
