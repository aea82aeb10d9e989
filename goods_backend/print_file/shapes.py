"""Polygon operations the cut shape is made of, in mm: bridging, closing, smoothing, measuring.

All of it is Shapely (GEOS); what is here are the factories' numbers and the
few steps GEOS has no single call for (bridging islands along a minimum
spanning tree, filling the holes a cutter cannot reach).
"""

from __future__ import annotations

import shapely
from shapely.geometry import LineString, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

# Arc segments per quarter circle: the chord error of a 2 mm round join is under 5 um.
QUAD_SEGS = 16
# Inner corners of the cut shape are rounded to this radius (vinyl tears and acrylic
# cracks at sharp inner corners).
CORNER_RADIUS_MM = 1.0
# The outline is simplified within this distance (far below a cutter's +-0.5 mm drift).
SMOOTH_MM = 0.02
# Islands joined by bridges this wide: over the 2 mm a thin part needs after the drift.
BRIDGE_MM = 3.5
# More separate parts than this (a speckled mask) are merged by closing instead of bridges.
MAX_BRIDGED_PARTS = 24


def join_parts(shape: BaseGeometry, width_mm: float = BRIDGE_MM) -> tuple[Polygon, int]:
    """One polygon from the parts of ``shape``, and how many parts had to be joined to it.

    Bridges follow a minimum spanning tree of the parts' shortest gaps (Kruskal): each
    runs straight across the shortest gap between two parts, so the islands are tied
    on with as little added material as possible.
    """
    parts = [p for p in _polygons(shape) if not p.is_empty]
    if len(parts) <= 1:
        return (parts[0] if parts else Polygon()), 0
    if len(parts) > MAX_BRIDGED_PARTS:
        return _close_until_one(shape), len(parts) - 1
    gaps = sorted(
        (parts[i].distance(parts[j]), i, j)
        for i in range(len(parts))
        for j in range(i + 1, len(parts))
    )
    leader = list(range(len(parts)))

    def find(i: int) -> int:
        while leader[i] != i:
            leader[i] = leader[leader[i]]
            i = leader[i]
        return i

    bridges: list[BaseGeometry] = []
    for _, i, j in gaps:
        a, b = find(i), find(j)
        if a == b:
            continue
        leader[a] = b
        near_i, near_j = nearest_points(parts[i], parts[j])
        bridges.append(LineString([near_i, near_j]).buffer(width_mm / 2, quad_segs=QUAD_SEGS))
    united = shapely.union_all([*parts, *bridges])
    return as_polygon(united), len(parts) - 1


def close(shape: BaseGeometry, radius_mm: float) -> BaseGeometry:
    """Morphological closing: fills inner corners and gaps narrower than ``2 * radius_mm``.

    Never removes area (up to the arcs' chord error), so clearances only grow.
    """
    grown = shape.buffer(radius_mm, quad_segs=QUAD_SEGS)
    return grown.buffer(-radius_mm, quad_segs=QUAD_SEGS)


def fill_small_holes(shape: Polygon, min_hole_mm: float) -> tuple[Polygon, int]:
    """``shape`` without the holes that a ``min_hole_mm`` disk does not fit into."""
    kept = []
    filled = 0
    for ring in shape.interiors:
        hole = Polygon(ring)
        if hole.buffer(-min_hole_mm / 2, quad_segs=4).is_empty:
            filled += 1
        else:
            kept.append(ring)
    return Polygon(shape.exterior, kept), filled


def smooth(shape: Polygon) -> Polygon:
    """Simplified within ``SMOOTH_MM`` and repaired if GEOS still finds it invalid."""
    simple = shape.simplify(SMOOTH_MM, preserve_topology=True)
    if not simple.is_valid:
        simple = shapely.make_valid(simple)
    return as_polygon(simple)


def as_polygon(shape: BaseGeometry) -> Polygon:
    """The single polygon of ``shape``: a multi-part result is bridged into one."""
    parts = _polygons(shape)
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return Polygon()
    return join_parts(shapely.union_all(parts))[0]


def narrow_parts(shape: BaseGeometry, width_mm: float) -> list[Polygon]:
    """The parts of ``shape`` narrower than ``width_mm``, largest first.

    What a morphological opening by a ``width_mm`` disk removes; slivers under
    0.1 mm thick (the difference of two polygonal arcs) are not parts.
    """
    radius = width_mm / 2
    opened = shape.buffer(-radius, quad_segs=QUAD_SEGS).buffer(radius, quad_segs=QUAD_SEGS)
    lost = shape.difference(opened)
    found = [p for p in _polygons(lost) if p.area > 0.05 and not p.buffer(-0.05).is_empty]
    return sorted(found, key=lambda p: -p.area)


def _polygons(shape: BaseGeometry) -> list[Polygon]:
    if isinstance(shape, Polygon):
        return [] if shape.is_empty else [shape]
    geoms = getattr(shape, "geoms", ())
    return [p for g in geoms for p in _polygons(g)]


def _close_until_one(shape: BaseGeometry) -> Polygon:
    """Closing with a growing radius until the parts are one (a last resort for specks)."""
    radius = CORNER_RADIUS_MM
    while True:
        closed = close(shape, radius)
        if len(_polygons(closed)) <= 1 or radius > 200:
            return as_polygon(closed) if len(_polygons(closed)) == 1 else _hull(closed)
        radius *= 1.5


def _hull(shape: BaseGeometry) -> Polygon:
    hull = shape.convex_hull
    return hull if isinstance(hull, Polygon) else Polygon()
