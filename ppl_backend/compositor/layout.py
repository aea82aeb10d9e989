"""The layout search: which framing, how large the figure, where the group sits in the frame.

Each framing the placement allows is tried in order (closest first, the seed
may swap the first two); in each, the figure shrinks step by step until the
figure, the product and its surface fit the frame.  The first framing whose
product reaches :data:`PRODUCT_SHARE` ``.low`` wins, else the best one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ppl_backend.compositor.figure import Figure
from ppl_backend.compositor.grid import Grid, visible_area
from ppl_backend.compositor.placement import (
    anchor,
    clear_of_body,
    product_size,
    standing_surface,
    surface_top,
)
from ppl_backend.compositor.proportions import (
    CARD,
    FRAMING_CUTS,
    FULL_CUT,
    PRODUCT_SHARE,
    STAGE,
)
from ppl_backend.compositor.shot import Plan, Shot, Surface

LOWERINGS = 2  # a closer framing is lowered at most this many times to keep the product in


@dataclass(frozen=True)
class _Placed:
    """The figure's height in the frame and the product's first place (figure left edge at 0)."""

    fy: float  # the figure's top
    floor_y: float
    grid: Grid
    surface_y: float | None
    xy: tuple[float, float]
    size: tuple[int, int]


def plan_shot(shot: Shot) -> Plan:
    """The first framing whose product reaches its share and fits, else the best one."""
    best: Plan | None = None
    for framing in framings(shot):
        plan = fit(shot, framing)
        if plan.fits and (shot.worn is not None or plan.share >= PRODUCT_SHARE.low):
            return plan
        if best is None or (plan.fits, plan.share) > (best.fits, best.share):
            best = plan
    assert best is not None  # framings always yields "full"
    return best


def framings(shot: Shot) -> tuple[str, ...]:
    """The framings to try, in order: the placement's that cut the figure sensibly, then full."""
    fig = shot.figure
    wanted = shot.worn.framings if shot.worn is not None else shot.placement.framings
    if shot.draws.swap and len(wanted) > 1:
        wanted = (wanted[1], wanted[0], *wanted[2:])
    if fig.card:
        return ("full",)
    valid = [
        name for name in wanted if name == "full" or cut_row(fig, name) < FULL_CUT * fig.rgba.height
    ]
    return (*valid, "full") if "full" not in valid else tuple(valid)


def cut_row(fig: Figure, framing: str) -> float:
    """The figure row (its pixels) where ``framing`` puts the frame's bottom edge."""
    share, heads = FRAMING_CUTS[framing]
    return max(share * fig.rgba.height, fig.head[3] + heads * fig.head_height)


def fit(shot: Shot, framing: str) -> Plan:
    """Lay the shot out in ``framing``, scaling the figure down until the group fits."""
    s0 = first_scale(shot, framing)
    plan: Plan | None = None
    for attempt in range(STAGE.tries):
        s = s0 * STAGE.shrink**attempt
        plan = arrange(shot, framing, s)
        if plan.fits:
            break
    assert plan is not None
    return plan


def first_scale(shot: Shot, framing: str) -> float:
    """The figure's largest scale in ``framing``: the frame's height over what it shows."""
    H = shot.height
    fig = shot.figure
    h = fig.rgba.height
    if framing == "full" and not fig.cut_off:
        s0 = (STAGE.floor - STAGE.headroom) * H / h
        return min(s0, CARD.height * H / h) if fig.card else s0
    if fig.cut_off and framing == "full":
        return (1 - STAGE.headroom) * H / h
    return (1 - STAGE.headroom) * H / cut_row(fig, framing)


def arrange(shot: Shot, framing: str, s: float) -> Plan:
    """One layout at figure scale ``s``: figure, product and surface, then centred."""
    full = framing == "full" and not shot.figure.cut_off
    placed = _place(shot, s, full)
    fy, floor_y, grid, size = placed.fy, placed.floor_y, placed.grid, placed.size
    px, py = clear_of_body(shot, grid, placed.xy, size)
    surface = standing_surface(shot, s, floor_y, placed.surface_y, (px, py), size)
    x0, x1, crop = _group_span(shot, grid, (px, size[0]), surface)
    W, H = shot.width, shot.height
    fits = x1 - x0 - crop <= inner_width(W) and py >= 0 and py + size[1] <= H
    dx = _centre(shot, s, (x0, x1), (px, size[0]))
    product_xy = (px + dx, py)
    if surface is not None:
        surface = Surface(
            surface.kind, surface.x0 + dx, surface.top, surface.x1 + dx, surface.bottom
        )
    box = (product_xy[0], py, product_xy[0] + size[0], py + size[1])
    share = visible_area(box, W, H) / (W * H)
    cover = grid.cover((px, py), size)
    return Plan(framing, s, (dx, fy), floor_y, product_xy, size, surface, fits, share, cover)


def inner_width(width: int) -> float:
    """The frame's width inside its margins."""
    return width - 2 * (STAGE.margin * width)


def _place(shot: Shot, s: float, full: bool) -> _Placed:
    """The figure's height and the product's first place at scale ``s``.

    A full shot keeps the floor in frame; closer ones (and a half figure) keep the
    head near the top and may lower everything so a hat or a raised product stays
    inside the frame: their bottom edge cuts the figure anyway.  (After the last
    lowering the product keeps its place and the grid its figure height.)
    """
    H = shot.height
    fig = shot.figure
    fh = fig.rgba.height * s
    if full:
        floor_y = min(STAGE.floor * H, 0.5 * (H + fh) + STAGE.full_drop * H)
        fy = floor_y - fh
    else:
        fy = max(STAGE.headroom * H, H - fh) if fig.cut_off else STAGE.headroom * H
        floor_y = fy + fh
    for _ in range(LOWERINGS):
        grid_fy = fy
        surface_y = surface_top(shot, s, fy, floor_y)
        size = product_size(shot, s, surface_y)
        px, py = anchor(shot, s, fy, surface_y, size)
        lower = STAGE.margin * H - py
        if full or lower <= 0:
            break
        fy, floor_y = fy + lower, floor_y + lower
    return _Placed(fy, floor_y, Grid(shot, s, grid_fy), surface_y, (px, py), size)


def _group_span(
    shot: Shot, grid: Grid, product: tuple[float, float], surface: Surface | None
) -> tuple[float, float, float]:
    """The group's left and right x (figure, product, plinth), and how much may be cropped.

    ``product`` is its left x and width.  A half figure may leave the frame on the
    far side (cropped at the shoulder) rather than shrink and float above the
    bottom edge.
    """
    px, pw = product
    x0, x1 = grid.figure_columns()
    crop = STAGE.half_crop * (x1 - x0) if shot.figure.cut_off else 0.0
    x0, x1 = min(x0, px), max(x1, px + pw)
    if surface is not None and surface.kind == "plinth":
        x0, x1 = min(x0, surface.x0), max(x1, surface.x1)
    return x0, x1, crop


def _centre(shot: Shot, s: float, span: tuple[float, float], product: tuple[float, float]) -> float:
    """How far to move the group right: centred (with the seed's nudge) inside the margins.

    A group too wide for the frame keeps the product and the face inside and lets
    the figure's far side leave the frame.
    """
    W = shot.width
    x0, x1 = span
    px, pw = product
    margin = STAGE.margin * W
    if x1 - x0 <= inner_width(W):
        room = inner_width(W) - (x1 - x0)
        return margin + room / 2 + shot.draws.shift * min(room / 2, STAGE.group_jitter * W) - x0
    fig = shot.figure
    must0 = min(px, fig.face[0] * s)
    must1 = max(px + pw, fig.face[2] * s)
    if shot.worn is not None:
        dx = W / 2 - (must0 + must1) / 2
    else:
        dx = (W - margin) - x1 if shot.side > 0 else margin - x0
    return float(np.clip(dx, margin - must0, max(margin - must0, W - margin - must1)))
