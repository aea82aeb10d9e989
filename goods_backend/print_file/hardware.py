"""What a kind adds to the cut shape: the keyring's tab and hole, the stand's foot and base.

Lengths in mm, in the art's frame (y down). Each function takes the piece's
cut shape and the art, and returns the finished pieces; the art keeps its
clearance (``offset_mm``) from every cut line these add, holes included.
"""

from __future__ import annotations

from dataclasses import dataclass

import shapely
from shapely import affinity
from shapely.geometry import LineString, Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from goods_backend.print_file.shapes import (
    CORNER_RADIUS_MM,
    QUAD_SEGS,
    as_polygon,
    close,
    smooth,
)

# Material kept all round a keyring's hole (the factories' minimum is 1.5 mm).
HOLE_MARGIN_MM = 2.0
# The stand: acrylic sheet thickness (the tab's length and the slot's width), the slot's
# play (a laser's kerf already loosens it a little) and the rounding of small corners.
SHEET_MM = 3.0
SLOT_PLAY_MM = 0.2
SMALL_RADIUS_MM = 0.3
# Height of the stand's foot bar: the flat bottom edge the figure stands on.
FOOT_MM = 4.0
# The least flat edge either side of the tab (the foot is widened to give it).
MIN_SHOULDER_MM = 2.0
# Gap between pieces on the sheet, so the cutter never cuts one edge twice.
PIECE_GAP_MM = 5.0


@dataclass(frozen=True)
class Piece:
    """One piece the cutter cuts out: its name, its cut shape, and whether the art is on it."""

    name: str
    shape: Polygon
    carries_art: bool


@dataclass(frozen=True)
class KeyringHole:
    centre: tuple[float, float]
    diameter_mm: float
    margin_mm: float


@dataclass(frozen=True)
class StandParts:
    tab_mm: tuple[float, float]  # width, length
    slot_mm: tuple[float, float]  # width, depth
    base_mm: tuple[float, float]  # width, depth


def keyring(
    outline: Polygon, art: BaseGeometry, offset_mm: float, hole_mm: float
) -> tuple[Piece, KeyringHole]:
    """The keyring: a round tab on top with a hole ``hole_mm`` across.

    The hole sits above the art's centre of mass (so the charm hangs straight), as
    low as its ``offset_mm`` clearance from the art allows; the tab around it keeps
    ``HOLE_MARGIN_MM`` of material and is joined to the outline by a stem as wide
    as itself, its inner corners rounded.
    """
    radius = hole_mm / 2
    tab_radius = radius + HOLE_MARGIN_MM
    centre_x = art.centroid.x
    band = box(centre_x - tab_radius, art.bounds[1] - 1, centre_x + tab_radius, art.bounds[3])
    near_top = art.intersection(band)
    top = near_top.bounds[1] if not near_top.is_empty else art.bounds[1]
    centre = Point(centre_x, top - radius - offset_mm)
    while art.distance(centre) < radius + offset_mm:
        centre = Point(centre_x, centre.y - 0.1)
    tab = centre.buffer(tab_radius, quad_segs=QUAD_SEGS)
    reach = _first_cover_below(outline, centre_x, centre.y)
    stem = box(centre_x - tab_radius, centre.y, centre_x + tab_radius, reach)
    joined = close(shapely.union_all([outline, tab, stem]), CORNER_RADIUS_MM)
    body = smooth(as_polygon(joined))
    hole = centre.buffer(radius, quad_segs=QUAD_SEGS)
    shape = smooth(as_polygon(body.difference(hole)))
    where = KeyringHole((centre.x, centre.y), hole_mm, HOLE_MARGIN_MM)
    return Piece("keyring", shape, carries_art=True), where


def stand(outline: Polygon, art: BaseGeometry) -> tuple[list[Piece], StandParts]:
    """The stand: the figure with a flat foot and a tab under it, and a base with a slot.

    The tab (40 % of the art's width, 10-40 mm, ``SHEET_MM`` long) hangs under the
    art's centre of mass from a foot bar across the figure's lowest ``FOOT_MM``, so
    the figure rests on one flat edge either side of the tab; the base is an oval
    sized to the figure (wider than the tab by 15 mm a side at least, half as deep
    as wide) with a slot the tab fits (``SLOT_PLAY_MM`` of play), placed under the
    figure.
    """
    left, _, right, bottom = outline.bounds
    centre_x = art.centroid.x
    art_width = art.bounds[2] - art.bounds[0]
    tab_width = min(40.0, max(10.0, 0.4 * art_width))
    # The foot bar spans everything in the lowest FOOT_MM (both feet, a tail) and the
    # tab's shoulders, so the figure rests on one flat edge.
    lowest = outline.intersection(box(left - 1, bottom - FOOT_MM, right + 1, bottom + 1))
    shoulder = tab_width / 2 + MIN_SHOULDER_MM
    foot_left = min(lowest.bounds[0], centre_x - shoulder) if not lowest.is_empty else left
    foot_right = max(lowest.bounds[2], centre_x + shoulder) if not lowest.is_empty else right
    foot = _rounded_box(foot_left, bottom - FOOT_MM, foot_right, bottom, CORNER_RADIUS_MM)
    figure = close(as_polygon(shapely.union_all([outline, foot])), CORNER_RADIUS_MM)
    figure_bottom = figure.bounds[3]
    overlap = 0.5  # the tab starts inside the foot so the two are one shape
    tab = _rounded_box(
        centre_x - tab_width / 2, figure_bottom - overlap,
        centre_x + tab_width / 2, figure_bottom + SHEET_MM,
        SMALL_RADIUS_MM,
    )  # fmt: skip
    figure = close(as_polygon(shapely.union_all([figure, tab])), SMALL_RADIUS_MM)
    figure_shape = smooth(as_polygon(figure))

    base_width = max(tab_width + 30.0, 0.7 * (right - left))
    base_depth = max(SHEET_MM + 16.0, base_width / 2)
    base_centre = (centre_x, figure_bottom + SHEET_MM + PIECE_GAP_MM + base_depth / 2)
    oval = affinity.scale(
        Point(base_centre).buffer(1.0, quad_segs=QUAD_SEGS), base_width / 2, base_depth / 2
    )
    slot_width, slot_depth = tab_width + SLOT_PLAY_MM, SHEET_MM + SLOT_PLAY_MM / 2
    slot = _rounded_box(
        base_centre[0] - slot_width / 2, base_centre[1] - slot_depth / 2,
        base_centre[0] + slot_width / 2, base_centre[1] + slot_depth / 2,
        SMALL_RADIUS_MM,
    )  # fmt: skip
    base_shape = smooth(as_polygon(oval.difference(slot)))
    pieces = [Piece("figure", figure_shape, True), Piece("base", base_shape, False)]
    parts = StandParts(
        tab_mm=(tab_width, SHEET_MM),
        slot_mm=(slot_width, slot_depth),
        base_mm=(base_width, base_depth),
    )
    return pieces, parts


def _rounded_box(x0: float, y0: float, x1: float, y1: float, radius: float) -> Polygon:
    """A rectangle of exactly this size with its corners rounded to ``radius``."""
    inner = box(x0 + radius, y0 + radius, x1 - radius, y1 - radius)
    rounded = inner.buffer(radius, quad_segs=QUAD_SEGS)
    return rounded if isinstance(rounded, Polygon) else box(x0, y0, x1, y1)


def _first_cover_below(shape: Polygon, x: float, y: float) -> float:
    """The first y below ``y`` where the vertical line at ``x`` enters ``shape`` (plus 1 mm)."""
    ray = LineString([(x, y), (x, shape.bounds[3] + 1)])
    hit = shape.intersection(ray)
    if hit.is_empty:
        return shape.centroid.y
    return min(hit.bounds[1] + 1.0, shape.bounds[3])
