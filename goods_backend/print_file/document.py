"""What the writers draw: the page, the art's placement, the pieces and the white layer.

``layout()`` moves the pieces from the art's frame onto the page (a margin
all round); the PDF, SVG and preview writers read the resulting
``PrintDocument`` and nothing else, so the three agree by construction.
Lengths in mm, origin at the page's top-left, y down.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image
from shapely import affinity
from shapely.geometry import Polygon

from goods_backend.print_file.hardware import Piece
from goods_backend.print_file.white import WhiteLayer

# Clear sheet around the pieces: the cutter never runs along the page's edge.
PAGE_MARGIN_MM = 5.0
MM_PER_PT = 25.4 / 72


@dataclass(frozen=True)
class PrintDocument:
    """One print job's drawing.

    ``art`` is RGBA at its own resolution, placed at ``art_box`` (x, y, width,
    height in mm); ``white`` is on the art's pixel grid (None: no white layer).
    ``cut_spot``/``white_spot`` name the spot colours.
    """

    page_mm: tuple[float, float]
    art: Image.Image
    art_box: tuple[float, float, float, float]
    pieces: tuple[Piece, ...]
    white: WhiteLayer | None
    cut_spot: str
    white_spot: str

    @property
    def px_per_mm(self) -> float:
        return self.art.width / self.art_box[2]

    @property
    def ppi(self) -> float:
        return self.px_per_mm * 25.4

    def white_rings_mm(self) -> list[npt.NDArray[np.float64]]:
        """The white layer's rings on the page, in mm."""
        if self.white is None:
            return []
        x, y, _, _ = self.art_box
        scale = 1 / self.px_per_mm
        return [ring * scale + np.array([x, y]) for ring in self.white.rings]


def layout(
    pieces: list[Piece],
    art: Image.Image,
    px_per_mm: float,
    white: WhiteLayer | None,
    *,
    cut_spot: str,
    white_spot: str,
) -> PrintDocument:
    """Put the pieces (in the art's frame) on a page just large enough, margins included."""
    left = min(p.shape.bounds[0] for p in pieces)
    top = min(p.shape.bounds[1] for p in pieces)
    right = max(p.shape.bounds[2] for p in pieces)
    bottom = max(p.shape.bounds[3] for p in pieces)
    dx, dy = PAGE_MARGIN_MM - left, PAGE_MARGIN_MM - top
    moved = tuple(Piece(p.name, _translated(p.shape, dx, dy), p.carries_art) for p in pieces)
    page = (right - left + 2 * PAGE_MARGIN_MM, bottom - top + 2 * PAGE_MARGIN_MM)
    art_box = (dx, dy, art.width / px_per_mm, art.height / px_per_mm)
    return PrintDocument(page, art, art_box, moved, white, cut_spot, white_spot)


def rings_of(shape: Polygon) -> list[npt.NDArray[np.float64]]:
    """The closed rings of a piece (outline first, then its inner cuts), without the repeat."""
    rings = [shape.exterior, *shape.interiors]
    return [np.asarray(ring.coords, dtype=np.float64)[:-1] for ring in rings]


def _translated(shape: Polygon, dx: float, dy: float) -> Polygon:
    moved = affinity.translate(shape, dx, dy)
    assert isinstance(moved, Polygon)
    return moved
