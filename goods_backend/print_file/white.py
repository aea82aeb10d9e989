"""The white underbase: where white ink goes under the colour, on the art's pixel grid.

White goes where the art is at least half opaque (``WHITE_ALPHA_MIN``), choked
(shrunk) by about 0.1 mm so it never peeks out from under the colour. The
vector form traces that mask through the centres of its edge pixels, which
chokes it by half a pixel more; the raster choke is chosen so the two together
come to about ``CHOKE_MM``.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

# Alpha (0-255) from which a pixel gets white ink: 50 %. Fainter pixels stay see-through
# on clear acrylic; the spec file and the warnings state it.
WHITE_ALPHA_MIN = 128
CHOKE_MM = 0.1


@dataclass(frozen=True)
class WhiteLayer:
    """The white mask (True: white ink) and its outline as closed rings in art pixels.

    ``rings`` are (x, y) pixel-centre coordinates: pixel (i, j) is at (i + 0.5, j + 0.5)
    of the art's continuous grid. Filled with the even-odd rule they give the mask,
    ``choke_mm`` inside the art's half-opaque area.
    """

    mask: npt.NDArray[np.bool_]
    rings: tuple[npt.NDArray[np.float64], ...]
    choke_px: int
    choke_mm: float


def white_layer(alpha: npt.NDArray[np.uint8], px_per_mm: float) -> WhiteLayer:
    """The white underbase of an art whose alpha is ``alpha`` printed at ``px_per_mm``."""
    solid = (alpha >= WHITE_ALPHA_MIN).astype(np.uint8)
    # Whole pixels of raster choke; tracing through pixel centres adds the last half.
    choke_px = max(0, round(CHOKE_MM * px_per_mm - 0.5))
    if choke_px > 0:
        # Distance to the nearest pixel without white: keep those further than the choke.
        padded = cv2.copyMakeBorder(solid, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
        distance = cv2.distanceTransform(padded, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
        mask = distance[1:-1, 1:-1] > choke_px
    else:
        mask = solid.astype(bool)
    rings = _trace(mask)
    return WhiteLayer(mask, rings, choke_px, (choke_px + 0.5) / px_per_mm)


def _trace(mask: npt.NDArray[np.bool_]) -> tuple[npt.NDArray[np.float64], ...]:
    padded = np.zeros((mask.shape[0] + 2, mask.shape[1] + 2), dtype=np.uint8)
    padded[1:-1, 1:-1] = mask
    contours, _ = cv2.findContours(padded, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    rings = []
    for contour in contours:
        if len(contour) < 3:
            continue  # a pixel or a one-pixel line: no area to fill after tracing
        # Padded index i is art pixel i - 1, whose centre is at i - 0.5.
        rings.append(contour.reshape(-1, 2).astype(np.float64) - 0.5)
    return tuple(rings)
