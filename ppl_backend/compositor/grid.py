"""Overlap on a coarse grid: how much of the figure the product covers, and the face."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from ppl_backend.compositor.proportions import SOLID_ALPHA, Box, Mask
from ppl_backend.compositor.shot import Shot

GRID_CELLS = 320  # cells along the frame's long side
CELL_SOLID = 96  # a cell whose box-averaged alpha (0-255) is above this is solid


class Grid:
    """The figure's and the product's silhouettes on a coarse grid, to measure overlap.

    A cell is ``q`` frame pixels; the figure's left edge is at x = 0 (the layout
    is centred afterwards) and its top at ``fy``.
    """

    def __init__(self, shot: Shot, s: float, fy: float) -> None:
        self.shot = shot
        self.q = max(shot.width, shot.height) / GRID_CELLS
        fig = shot.figure
        self.s = s
        self.fy = fy
        self.figure = resize_mask(
            fig.solid, fig.rgba.width * s / self.q, fig.rgba.height * s / self.q
        )
        top = int(round(fy / self.q))
        rows = np.arange(self.figure.shape[0]) + top
        self.in_frame = (rows >= 0) & (rows < shot.height / self.q)
        self.top = top
        self.visible = max(1, int(np.count_nonzero(self.figure[self.in_frame])))
        self._products: dict[tuple[int, int], Mask] = {}
        self._alpha = np.asarray(shot.product.getchannel("A")) > SOLID_ALPHA

    def product(self, size: tuple[int, int]) -> Mask:
        """The product's silhouette at ``size`` (frame pixels), on the grid."""
        if size not in self._products:
            self._products[size] = resize_mask(self._alpha, size[0] / self.q, size[1] / self.q)
        return self._products[size]

    def figure_columns(self) -> tuple[float, float]:
        """The visible figure's leftmost and rightmost frame x (relative to its left edge)."""
        cols = np.flatnonzero(self.figure[self.in_frame].any(axis=0))
        if cols.size == 0:
            return 0.0, self.figure.shape[1] * self.q
        return float(cols[0]) * self.q, float(cols[-1] + 1) * self.q

    def _overlap(self, mask: Mask, xy: tuple[float, float], target: Mask, top: int) -> int:
        """Cells where ``mask`` (placed at frame ``xy``) meets ``target`` (at x 0, row ``top``)."""
        x, y = int(round(xy[0] / self.q)), int(round(xy[1] / self.q)) - top
        h, w = mask.shape
        th, tw = target.shape
        x0, y0, x1, y1 = max(0, x), max(0, y), min(tw, x + w), min(th, y + h)
        if x1 <= x0 or y1 <= y0:
            return 0
        return int(np.count_nonzero(mask[y0 - y : y1 - y, x0 - x : x1 - x] & target[y0:y1, x0:x1]))

    def cover(self, xy: tuple[float, float], size: tuple[int, int]) -> float:
        """The share of the visible figure under the product at ``xy``."""
        visible = self.figure & self.in_frame[:, None]
        return self._overlap(self.product(size), xy, visible, self.top) / self.visible

    def face_hit(self, xy: tuple[float, float], size: tuple[int, int]) -> bool:
        """Whether the product at ``xy`` reaches into the face keep-out."""
        fx0, fy0, fx1, fy1 = (v * self.s for v in self.shot.figure.face)
        q = self.q
        gx0, gx1 = int(fx0 / q), int(math.ceil(fx1 / q))
        gy0, gy1 = int((fy0 + self.fy) / q), int(math.ceil((fy1 + self.fy) / q))
        face = np.ones((max(1, gy1 - gy0), max(1, gx1 - gx0)), dtype=bool)
        shifted = (xy[0] - gx0 * q, xy[1])
        return self._overlap(self.product(size), shifted, face, gy0) > 0


def resize_mask(mask: Mask, width: float, height: float) -> Mask:
    """``mask`` resized to ``width`` x ``height`` cells (rounded, at least one)."""
    size = (max(1, round(width)), max(1, round(height)))
    small = Image.fromarray(mask.astype(np.uint8) * 255).resize(size, Image.Resampling.BOX)
    resized: Mask = np.asarray(small) > CELL_SOLID
    return resized


def visible_area(box: Box, width: int, height: int) -> float:
    """The area of ``box`` inside a ``width`` x ``height`` frame."""
    x0, y0 = max(box[0], 0.0), max(box[1], 0.0)
    x1, y1 = min(box[2], float(width)), min(box[3], float(height))
    return max(0.0, x1 - x0) * max(0.0, y1 - y0)
