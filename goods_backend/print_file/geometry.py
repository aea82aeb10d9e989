"""The cut shape: from the art's alpha mask to one smooth, valid outline per piece.

Every length is in millimetres, in the art's own frame (origin at the top-left
of the art's pixel grid, y down). OpenCV traces the mask; Shapely (GEOS) does
the offsetting, merging, smoothing and measuring (``shapes``). What is written
here is the glue between them and the rules of the factories (see
/work/shared/reference/print-files.md): offset with round joins, islands merged
into one outline, holes too small to cut filled, inner corners rounded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry

from goods_backend.print_file.shapes import (
    CORNER_RADIUS_MM,
    QUAD_SEGS,
    as_polygon,
    close,
    fill_small_holes,
    join_parts,
    smooth,
)

# Alpha (0-255) from which a pixel belongs to the silhouette the cut line follows: 6 %.
# Fainter pixels (a glow's last breath) may fall outside the cut.
CUT_ALPHA_MIN = 16
# The mask is traced at no more than this many cells per millimetre (0.05 mm): finer art
# is max-pooled first, so tracing costs the same whatever the art's resolution, and a
# cell counts as opaque if any pixel in it is (the outline never cuts into the art).
GRID_PX_PER_MM = 20.0
# The traced silhouette is simplified within this (a tenth of the cutter's drift).
TRACE_TOLERANCE_MM = 0.05


@dataclass(frozen=True)
class ArtShape:
    """The art's opaque silhouette in mm, and how far a pixel or grid cell reaches past it.

    ``reach_mm`` is added to every clearance: the silhouette runs through cell
    centres, a cell (a pixel, or a block of pooled pixels) extends half a diagonal
    beyond its centre, and the simplified silhouette may cut corners by
    ``TRACE_TOLERANCE_MM`` (or a cell, when cells are larger).
    """

    shape: BaseGeometry
    reach_mm: float


@dataclass(frozen=True)
class Outline:
    """One piece's cut shape (interiors are inner cuts) and what it took to get there."""

    shape: Polygon
    islands_merged: int
    holes_filled: int


def art_shape(mask: npt.NDArray[np.bool_], px_per_mm: float) -> ArtShape:
    """The silhouette of ``mask`` (True where the art is opaque) as geometry in mm.

    Holes of the art stay holes (a ring), thin lines stay lines (they are buffered
    later like any shape); degenerate contours become points and lines rather than
    being dropped, so no opaque pixel is left outside.
    """
    block = max(1, int(px_per_mm // GRID_PX_PER_MM))
    grid = _pool(mask, block)
    contours, hierarchy = cv2.findContours(grid, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    mm_per_cell = block / px_per_mm
    parts: list[BaseGeometry] = []
    if hierarchy is not None:
        links = hierarchy[0]
        for index, contour in enumerate(contours):
            if links[index][3] != -1:
                continue  # a hole: taken with its outer contour below
            holes = []
            child = int(links[index][2])
            while child != -1:
                if len(contours[child]) >= 3:
                    holes.append(_coords(contours[child], mm_per_cell))
                child = int(links[child][0])
            parts.append(_region(_coords(contour, mm_per_cell), holes))
    shape = shapely.union_all(parts) if parts else Polygon()
    # The traced outline is a staircase of cell steps (and a ragged edge on a JPEG's
    # cut-out), which GEOS buffers slowly: a 2800-vertex outline takes 0.6 s, the same
    # simplified within 0.05 mm (180 vertices) under a millisecond. The simplified
    # outline may pass inside the traced one by the tolerance: it is added to the
    # reach, so clearances still hold.
    tolerance = max(mm_per_cell, TRACE_TOLERANCE_MM)
    simple = shapely.simplify(shape, tolerance, preserve_topology=True)
    return ArtShape(shape=simple, reach_mm=mm_per_cell * math.sqrt(0.5) + tolerance)


def cut_outline(art: ArtShape, offset_mm: float, min_hole_mm: float) -> Outline:
    """The piece's cut shape: ``offset_mm`` around the art with round joins, one outline.

    Islands farther apart than twice the offset are joined by bridges
    (``BRIDGE_MM`` wide, along their shortest gaps: a minimum spanning tree);
    inner corners are rounded (``CORNER_RADIUS_MM``); holes that a disk of
    ``min_hole_mm`` does not fit into are filled, larger ones stay as inner cuts.
    Every point of the art is at least ``offset_mm`` inside the result, less the
    smoothing tolerance (``SMOOTH_MM``) and the polygonal arcs (microns).
    """
    body = art.shape.buffer(offset_mm + art.reach_mm, quad_segs=QUAD_SEGS)
    joined, merged = join_parts(body)
    rounded = close(joined, CORNER_RADIUS_MM)
    filled, holes_filled = fill_small_holes(as_polygon(rounded), min_hole_mm)
    return Outline(shape=smooth(filled), islands_merged=merged, holes_filled=holes_filled)


def _pool(mask: npt.NDArray[np.bool_], block: int) -> npt.NDArray[np.uint8]:
    """``mask`` reduced by ``block`` in each direction: a cell is set if any pixel in it is.

    Padded by one empty cell all round, so contours never run along the grid's edge.
    """
    height, width = mask.shape
    rows, cols = -(-height // block), -(-width // block)
    grid = np.zeros((rows + 2, cols + 2), dtype=np.uint8)
    if block == 1:
        grid[1:-1, 1:-1] = mask
        return grid
    padded = np.zeros((rows * block, cols * block), dtype=bool)
    padded[:height, :width] = mask
    pooled = padded.reshape(rows, block, cols, block).any(axis=(1, 3))
    grid[1:-1, 1:-1] = pooled
    return grid


def _coords(contour: npt.ArrayLike, mm_per_cell: float) -> npt.NDArray[np.float64]:
    # Grid cell (i, j) of the padded grid is centred at (i - 1 + 0.5) cells of the art.
    points = np.asarray(contour, dtype=np.float64).reshape(-1, 2)
    result: npt.NDArray[np.float64] = (points - 0.5) * mm_per_cell
    return result


def _region(shell: npt.NDArray[np.float64], holes: list[npt.NDArray[np.float64]]) -> BaseGeometry:
    """A contour as geometry: a point or a line when degenerate, else a repaired polygon.

    ``make_valid`` keeps the collapsed parts of a polygon (a one-pixel antenna) as
    lines, where ``buffer(0)`` would drop them.
    """
    if len(shell) == 1:
        return Point(shell[0])
    if len(shell) == 2:
        return LineString(shell)
    polygon = Polygon(shell, holes)
    return polygon if polygon.is_valid else shapely.make_valid(polygon)
