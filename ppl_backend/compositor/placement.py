"""Where the product goes and how big it is, for one figure scale (frame pixels).

The figure's left edge is at x = 0 and its top at ``fy``; the layout search
(:mod:`ppl_backend.compositor.layout`) centres the group afterwards.  A held
product goes to the hand (beside the head when shown, at the body's edge when
used), a worn one onto the head or the body, a standing one onto its surface
beside the silhouette.
"""

from __future__ import annotations

import math

import numpy as np

from ppl_backend.compositor.grid import Grid
from ppl_backend.compositor.proportions import (
    BODY_COVER_LIMIT,
    CARD,
    CLEARANCE,
    HEAD_ASPECT,
    HELD,
    PRODUCT_SHARE,
    SIZE,
    STAGE,
    STANDING,
    WORN,
    WORN_FIT,
    Box,
)
from ppl_backend.compositor.shot import Shot, Surface

Point = tuple[float, float]
Size = tuple[int, int]


def head_box(shot: Shot, s: float, fy: float) -> Box:
    """The head box in frame pixels (figure left edge at 0, top at ``fy``)."""
    x0, y0, x1, y1 = shot.figure.head
    return (x0 * s, fy + y0 * s, x1 * s, fy + y1 * s)


# --------------------------------------------------------------------------- sizes


def surface_top(shot: Shot, s: float, fy: float, floor_y: float) -> float | None:
    """Where a standing product's base goes (frame y), or None for a held or worn one."""
    kind = shot.placement.surface
    if kind is None or shot.worn is not None:
        return None
    fig = shot.figure
    if fig.card:  # furniture makes no sense against a photo: in front of it, on the floor
        return floor_y + CARD.stand * fig.rgba.height * s
    if fig.cut_off and kind == "floor":  # no floor in sight: it stands on the bottom edge
        return shot.height * (1 - STAGE.margin)
    if kind in ("table", "plinth"):
        heads, share = STANDING.table if kind == "table" else STANDING.plinth
        return fy + min(fig.head[3] + heads * fig.head_height, share * fig.rgba.height) * s
    body = fig.body * s
    return floor_y + (STANDING.floor_drop * body if shot.name == "floor" else 0.0)


def product_size(shot: Shot, s: float, surface_y: float | None) -> Size:
    """The product's size in frame pixels: its share of the frame, held to a believable size."""
    W, H = shot.width, shot.height
    pw0, ph0 = shot.product.size
    aspect = pw0 / ph0
    if shot.worn is not None:
        width = worn_width(shot, s) * (1 + WORN_FIT.size_spread * shot.draws.size)
        return max(1, round(width)), max(1, round(width / aspect))
    area = shot.draws.aim * W * H
    pw, ph = math.sqrt(area * aspect), math.sqrt(area / aspect)
    body = shot.figure.body * s
    lo, hi = CARD.size if shot.figure.card else shot.placement.size
    hi *= SIZE.largest[0] + SIZE.largest[1] * shot.draws.size
    longest = max(pw, ph)
    f = float(np.clip(longest, lo * body, hi * body)) / longest
    f = min(f, math.sqrt(PRODUCT_SHARE.high * SIZE.share_margin * W * H / (pw * ph)))
    f = min(f, SIZE.frame[0] * W / pw, SIZE.frame[1] * H / ph)
    if surface_y is not None:
        f = min(f, SIZE.above_surface * (min(surface_y, H) - STAGE.margin * H) / ph)
    return max(1, round(pw * f)), max(1, round(ph * f))


def worn_width(shot: Shot, s: float) -> float:
    """A worn item's width in frame pixels: head widths, or shoulder widths on the body."""
    assert shot.worn is not None
    fig = shot.figure
    x0, _, x1, y1 = fig.head
    if not shot.worn.on_body:  # long hair widens the head box: the head's height bounds it
        head_width = min(x1 - x0, HEAD_ASPECT * fig.head_height)
        return shot.worn.width * head_width * s
    row = min(fig.solid.shape[0] - 1, int(y1 + WORN_FIT.shoulder_row * fig.head_height))
    cols = np.flatnonzero(fig.solid[row])
    shoulders = float(cols[-1] - cols[0] + 1) if cols.size else (x1 - x0) * WORN_FIT.no_shoulders
    return shot.worn.width * shoulders * s


# --------------------------------------------------------------------------- the silhouette


def edge(shot: Shot, row: float, side: int) -> float:
    """The silhouette's outermost column on ``side`` at ``row`` (figure pixels)."""
    solid = shot.figure.solid
    r = int(np.clip(row, 0, solid.shape[0] - 1))
    cols = np.flatnonzero(solid[r])
    if cols.size == 0:
        return float(solid.shape[1] if side > 0 else 0)
    return float(cols[-1] + 1 if side > 0 else cols[0])


def edge_over(shot: Shot, rows: tuple[float, float], side: int) -> float:
    """The silhouette's outermost column on ``side`` over a band of rows (figure pixels)."""
    solid = shot.figure.solid
    r0 = int(np.clip(rows[0], 0, solid.shape[0] - 1))
    r1 = int(np.clip(rows[1], r0 + 1, solid.shape[0]))
    cols = np.flatnonzero(solid[r0:r1].any(axis=0))
    if cols.size == 0:
        return edge(shot, rows[0], side)
    return float(cols[-1] + 1 if side > 0 else cols[0])


# --------------------------------------------------------------------------- anchors


def anchor(
    shot: Shot, s: float, fy: float, surface_y: float | None, size: Size
) -> tuple[float, float]:
    """The product's top-left corner where its placement first puts it (frame pixels)."""
    fig = shot.figure
    if shot.worn is not None and not fig.card:
        return worn_anchor(shot, s, fy, size)
    if surface_y is not None:
        return standing_anchor(shot, s, fy, surface_y, size)
    if shot.name in ("show", "closeup") and not fig.card:
        px, py = _beside_head(shot, s, fy, size)
    elif shot.name == "use" and not fig.card:
        px, py = _at_body_edge(shot, s, fy, size)
    else:
        px, py = _in_hand(shot, s, fy, size)
    H, margin = shot.height, STAGE.margin * shot.height
    py = float(np.clip(py, margin, max(margin, H - margin - size[1])))
    return px, py


def standing_anchor(shot: Shot, s: float, fy: float, surface_y: float, size: Size) -> Point:
    """A standing product on its surface, beside the silhouette at the product's rows."""
    fig, side = shot.figure, shot.side
    pw, ph = size
    py = surface_y - STANDING.sink * ph
    rows = ((py - fy) / s, (surface_y - fy) / s)
    outer = edge_over(shot, rows, side) * s
    if fig.card:
        inner = outer - side * CARD.overlap * pw
    elif shot.name == "floor":
        inner = outer - side * STANDING.floor_overlap * pw
    else:
        gap, spread = STANDING.gap
        inner = outer + side * (gap + spread * shot.draws.gap) * (fig.body * s)
    px = inner if side > 0 else inner - pw
    return px, py


def _beside_head(shot: Shot, s: float, fy: float, size: Size) -> Point:
    """Shown or in a close-up: beside the head, rising above the chin."""
    pw, ph = size
    head = head_box(shot, s, fy)
    gap = HELD.head_gap * (head[2] - head[0])
    px = head[2] + gap if shot.side > 0 else head[0] - gap - pw
    rise = HELD.show_rise if shot.name == "show" else HELD.closeup_rise
    return px, head[3] - rise * ph + shot.draws.lift * HELD.lift * ph


def _at_body_edge(shot: Shot, s: float, fy: float, size: Size) -> Point:
    """Used: centred on the body's edge at chest height."""
    fig = shot.figure
    pw, ph = size
    row = fig.head[3] + HELD.use_row * fig.head_height
    ex = edge(shot, row, shot.side) * s
    px = ex - pw / 2 + shot.side * HELD.use_reach * pw
    return px, fy + row * s - 0.5 * ph + shot.draws.lift * HELD.lift * ph


def _in_hand(shot: Shot, s: float, fy: float, size: Size) -> Point:
    """Held at the hand (at the card's edge for a card)."""
    fig = shot.figure
    pw, ph = size
    hx, hy = fig.hands[1 if shot.side > 0 else 0]
    overhang = (0.5 - CARD.overlap) if fig.card else HELD.overhang
    if fig.card and shot.name in ("show", "closeup"):
        hy = CARD.shown_height * fig.rgba.height
    px = hx * s - pw / 2 + shot.side * overhang * pw
    return px, fy + hy * s - HELD.grip * ph + shot.draws.lift * HELD.lift * (fig.body * s)


def worn_anchor(shot: Shot, s: float, fy: float, size: Size) -> Point:
    """A worn item's top-left corner: on the head, the neck or at the hip."""
    assert shot.worn is not None
    spec, fig = shot.worn, shot.figure
    pw, ph = size
    x0, y0, x1, _ = fig.head
    y = fy + (y0 + spec.y * fig.head_height) * s
    py = y - ph if spec.anchor == "bottom" else y - ph / 2 if spec.anchor == "centre" else y
    if spec is WORN["bag"]:  # hangs at the body's edge
        row = y0 + spec.y * fig.head_height + WORN_FIT.bag_row * ph / s
        outer = edge(shot, row, shot.side) * s
        px = outer - pw / 2 + shot.side * WORN_FIT.bag_reach * pw
    else:
        px = (x0 + x1) / 2 * s - pw / 2 + shot.draws.lift * WORN_FIT.lift * (x1 - x0) * s
    return px, py


# --------------------------------------------------------------------------- clearing and surfaces


def clear_of_body(shot: Shot, grid: Grid, xy: Point, size: Size) -> Point:
    """Move the product outward until it clears the face and covers little of the body."""
    if shot.worn is not None and not shot.figure.card:
        return xy
    px, py = xy
    step = max(grid.q, CLEARANCE.step * size[0])
    for _ in range(CLEARANCE.steps):
        covers = grid.cover((px, py), size) > BODY_COVER_LIMIT * CLEARANCE.cover
        if not covers and not grid.face_hit((px, py), size):
            break
        px += shot.side * step
    return px, py


def standing_surface(
    shot: Shot, s: float, floor_y: float, surface_y: float | None, xy: Point, size: Size
) -> Surface | None:
    """The table, plinth or patch of floor under a standing product (frame pixels)."""
    if surface_y is None:
        return None
    px, _ = xy
    pw, _ = size
    kind = shot.placement.surface or "floor"
    if shot.figure.card:
        kind = "floor"
    if kind == "table":  # a counter from behind the character out past the frame's edge
        centre = shot.figure.rgba.width * s / 2
        x0, x1 = (centre, math.inf) if shot.side > 0 else (-math.inf, centre)
        return Surface("table", x0, surface_y, x1, floor_y)
    if kind == "plinth":
        left, right = STANDING.plinth_span
        return Surface("plinth", px + left * pw, surface_y, px + right * pw, floor_y)
    return Surface("floor", px, surface_y, px + pw, surface_y)
