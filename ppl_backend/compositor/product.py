"""The product ready to place: cut out, its lenses made glassy, tilted as the seed asks."""

from __future__ import annotations

import numpy as np
from PIL import Image

from ppl_backend.compositor.proportions import ITEM_SHAPES, MIN_TILT, SOLID_ALPHA
from webtoon_core.compositing import rotate_rgba, subject_bbox
from webtoon_core.cutout import Cutout, remove_background

LENS_ALPHA = 60  # clear lenses of glasses: mostly see-through


def lift_product(product: Image.Image, has_alpha: bool, lenses: bool) -> tuple[Image.Image, bool]:
    """The product cut out and trimmed, and whether it is a whole-frame product.

    ``lenses``: glasses, whose clear lenses show the product photo's background
    through them; those pixels become mostly see-through.
    """
    cut = remove_background(product, has_alpha=has_alpha, subject="product")
    rgba = clear_lenses(cut) if lenses else cut.image
    return rgba.crop(subject_bbox(rgba, threshold=SOLID_ALPHA)), cut.report.method == "kept"


def clear_lenses(cut: Cutout) -> Image.Image:
    """Glasses with the background colour inside their frames (the lenses) made glassy."""
    report = cut.report
    if report.method != "flood" or report.background is None or report.threshold is None:
        return cut.image
    arr = np.asarray(cut.image).copy()
    distance = np.abs(arr[..., :3].astype(np.int16) - np.array(report.background)).max(axis=-1)
    lens = (arr[..., 3] == 255) & (distance <= report.threshold)
    arr[..., 3] = np.where(lens, LENS_ALPHA, arr[..., 3])
    return Image.fromarray(arr, "RGBA")


def tilt_product(product: Image.Image, degrees: float) -> Image.Image:
    """The product rotated by ``degrees`` and trimmed (unchanged for a negligible tilt)."""
    if abs(degrees) <= MIN_TILT:
        return product
    rotated = rotate_rgba(product, degrees)
    return rotated.crop(subject_bbox(rotated))


def worn_item(named: str | None, size: tuple[int, int]) -> str:
    """The worn item the prompt names, else a guess from the product's shape."""
    if named is not None:
        return named
    aspect = size[0] / max(1, size[1])
    if aspect >= ITEM_SHAPES.eyewear:
        return "eyewear"
    if aspect >= ITEM_SHAPES.hat:
        return "hat"
    return "top" if aspect >= ITEM_SHAPES.top else "bag"
