"""The character as a placeable figure: its silhouette, head, face keep-out and hands.

A character that can be cut out becomes a silhouette whose landmarks are read
from its shape (the head ends at the neck, the hands are the outermost points
below it); one that cannot (a busy or photo background) becomes a photo card.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from ppl_backend.compositor.proportions import CARD, FIGURE, SOLID_ALPHA, Box, Mask
from webtoon_core.compositing import subject_bbox
from webtoon_core.cutout import remove_background

NEUTRAL = (232.0, 229.0, 224.0)  # warm studio grey when the character has no plain background
MAX_BASE = 240.0  # the backdrop's brightest channel: never paper-white, so edges stay legible
MIN_BASE = 70.0  # nor near black: shadows must still show


@dataclass(frozen=True)
class Figure:
    """The character ready to place: a cut-out, or a card when it cannot be cut out.

    Lengths are in the pixels of ``rgba``.  ``origin`` is where the source
    image's top-left corner lies in them; ``face`` is the keep-out box;
    ``body`` the body length products are sized by; ``cut_off`` says the body
    leaves the source picture at its bottom edge (a bust), so it stays on the
    frame's bottom edge too.
    """

    rgba: Image.Image
    solid: Mask
    origin: tuple[float, float]
    source: tuple[int, int]  # the source picture's size
    head: Box
    face: Box
    hands: tuple[tuple[float, float], tuple[float, float]]  # left, right (as seen)
    body: float
    cut_off: bool
    card: bool

    @property
    def head_height(self) -> float:
        return self.head[3] - self.head[1]


def lift_figure(character: Image.Image, has_alpha: bool) -> tuple[Figure, np.ndarray]:
    """The character as a placeable figure, and the backdrop's base colour (float32 RGB)."""
    cut = remove_background(character, has_alpha=has_alpha)
    if cut.report.method == "kept":
        return card_figure(character), base_colour(None)
    x0, y0, x1, y1 = subject_bbox(cut.image, threshold=SOLID_ALPHA)
    rgba = cut.image.crop((x0, y0, x1, y1))
    solid: Mask = np.asarray(rgba.getchannel("A")) > SOLID_ALPHA
    cut_off = y1 >= character.height - 1 and bool(solid[-1].mean() > FIGURE.cut_off)
    head = find_head(solid)
    hh, hw = head[3] - head[1], head[2] - head[0]
    pad = FIGURE.face_pad * hh
    face = (head[0] - pad, head[1] - pad, head[2] + pad, head[3] + pad)
    hands = (find_hand(solid, head, -1), find_hand(solid, head, 1))
    body = max(float(rgba.height), FIGURE.body_heads * hh) if hw > 0 else float(rgba.height)
    background = cut.report.background if cut.report.method == "flood" else None
    origin = (float(-x0), float(-y0))
    figure = Figure(
        rgba, solid, origin, character.size, head, face, hands, body, cut_off, card=False
    )
    return figure, base_colour(background)


def card_figure(character: Image.Image) -> Figure:
    """The whole picture as a photo card: a white border, rounded corners."""
    picture = character.convert("RGB")
    w, h = picture.size
    border = max(CARD.min_border, round(CARD.border * min(w, h)))
    size = (w + 2 * border, h + 2 * border)
    mask = Image.new("L", size, 0)
    radius = round(CARD.radius * min(size))
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, size[0] - 1, size[1] - 1), radius, fill=255)
    card = Image.new("RGBA", size, (*CARD.paper, 255))
    card.paste(picture, (border, border))
    card.putalpha(mask)
    fx0, fy0, fx1, fy1 = CARD.face
    face = (border + fx0 * w, border + fy0 * h, border + fx1 * w, border + fy1 * h)
    held = CARD.held_height * size[1]
    hands = ((0.0, held), (float(size[0] - 1), held))
    solid: Mask = np.asarray(mask) > SOLID_ALPHA
    origin = (float(border), float(border))
    return Figure(card, solid, origin, (w, h), face, face, hands, float(size[1]), False, card=True)


def base_colour(sheet: tuple[int, int, int] | None) -> np.ndarray:
    """The backdrop's base colour: the character sheet's (kept in a legible range) or grey."""
    base = np.array(NEUTRAL if sheet is None else sheet, dtype=np.float32)
    brightest = max(float(base.max()), 1.0)
    base *= float(np.clip(brightest, MIN_BASE, MAX_BASE)) / brightest
    return base


def row_extents(solid: Mask) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: the leftmost and rightmost solid column, and the width (0 for empty rows)."""
    w = solid.shape[1]
    filled = solid.any(axis=1)
    left = np.argmax(solid, axis=1)
    right = w - 1 - np.argmax(solid[:, ::-1], axis=1)
    width = np.where(filled, right - left + 1, 0)
    return left, right, width


def find_head(solid: Mask) -> Box:
    """The head's box: from the top down to the neck (the narrowest row above the shoulders).

    Without a neck (long hair down to the shoulders) the head ends at the
    shoulders; without either, it is the top ``FIGURE.head_fallback`` of the
    figure.
    """
    h = solid.shape[0]
    left, right, width = row_extents(solid)
    rows = np.flatnonzero(width)
    if rows.size == 0:
        return (0.0, 0.0, float(solid.shape[1]), float(h))
    top = int(rows[0])
    span = width[top : top + int(FIGURE.shoulder_search * (h - top)) + 1].astype(np.float32)
    shoulders = find_shoulders(span, h)
    bottom = None if shoulders is None else top + find_neck(span[:shoulders], shoulders)
    if bottom is None or bottom - top < FIGURE.head_rows:
        bottom = top + max(FIGURE.head_rows, int(FIGURE.head_fallback * (h - top)))
    x0 = float(left[top:bottom][width[top:bottom] > 0].min())
    x1 = float(right[top:bottom][width[top:bottom] > 0].max()) + 1
    return (x0, float(top), x1, float(bottom))


def find_shoulders(span: np.ndarray, h: int) -> int | None:
    """The first row of ``span`` (widths from the top of the head) much wider than those above.

    "Much wider" is ``FIGURE.shoulder_widening`` times their median; ``h`` is
    the figure's height, whose top ``FIGURE.shoulder_skip`` is never shoulders.
    """
    start = max(2, int(FIGURE.shoulder_skip * h))
    return next(
        (
            r
            for r in range(start, span.size)
            if span[r] > FIGURE.shoulder_widening * float(np.median(span[:r]))
        ),
        None,
    )


def find_neck(head: np.ndarray, shoulders: int) -> int:
    """The neck's row in ``head`` (widths above the shoulders), else the shoulders' row.

    The neck is the narrowest row below the head's widest, if clearly narrower
    (``FIGURE.neck_narrowing``) than it.
    """
    widest = int(np.argmax(head))
    neck = widest + int(np.argmin(head[widest:]))
    narrow = head[neck] < FIGURE.neck_narrowing * head[widest]
    return neck if narrow and neck > widest else shoulders


def find_hand(solid: Mask, head: Box, side: int) -> tuple[float, float]:
    """Where the hand on ``side`` probably is: the outermost point below the head.

    Among the rows (below the neck, above ``FIGURE.arm_band``'s end) that reach
    furthest out on that side, the hand is near the bottom (a straight hanging
    arm) - or at the end of an outstretched one.
    """
    h, w = solid.shape
    r0 = max(int(head[3]), int(FIGURE.arm_band[0] * h * FIGURE.arm_search))
    r1 = max(r0 + 1, int(FIGURE.arm_band[1] * h))
    band = solid[r0:r1] if side > 0 else solid[r0:r1, ::-1]
    reach = np.where(band.any(axis=1), w - 1 - np.argmax(band[:, ::-1], axis=1), -1)
    if reach.size == 0 or reach.max() < 0:
        return (float(w - 1) if side > 0 else 0.0), FIGURE.hand_height * h
    rows = np.flatnonzero(reach >= reach.max() - max(2, FIGURE.hand_reach * w))
    x = float(reach.max())
    return (x if side > 0 else w - 1 - x), r0 + float(np.percentile(rows, FIGURE.hand_row))
