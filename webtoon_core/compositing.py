"""Pillow/numpy building blocks shared by the two local engines.

Both local engines (the PPL compositor and the goods mockup renderer) need the
same few operations: size a canvas for a requested aspect ratio, lift a subject
off a plain background, resize and rotate a cut-out without dark fringes, and
cast a soft shadow.  They live here once.  All functions are pure and
deterministic, and run in a worker thread.

Whether an input has real transparency is never decided here: callers pass the
answer of ``webtoon_core.images.has_real_transparency`` (or the
``PreparedImage.has_alpha`` recorded when the upload was normalised).
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

MATCH_INPUT = "match_input_image"


def parse_ratio(aspect_ratio: str) -> tuple[int, int]:
    """``"16:9"`` -> ``(16, 9)``.  Raises ``ValueError`` on anything else."""
    left, sep, right = aspect_ratio.partition(":")
    if not sep:
        raise ValueError(f"not a W:H ratio: {aspect_ratio!r}")
    w, h = int(left), int(right)
    if w <= 0 or h <= 0:
        raise ValueError(f"not a positive ratio: {aspect_ratio!r}")
    return w, h


def canvas_size(
    aspect_ratio: str, *, longest_side: int, source_size: tuple[int, int]
) -> tuple[int, int]:
    """Pixel size whose longest side is ``longest_side`` and whose shape is the ratio.

    ``match_input_image`` takes the shape of ``source_size``.
    """
    if aspect_ratio == MATCH_INPUT:
        rw, rh = source_size
    else:
        rw, rh = parse_ratio(aspect_ratio)
    if rw >= rh:
        return longest_side, max(1, round(longest_side * rh / rw))
    return max(1, round(longest_side * rw / rh)), longest_side


def _border_pixels(rgb: np.ndarray, width: int) -> np.ndarray:
    top, bottom = rgb[:width], rgb[-width:]
    left, right = rgb[width:-width, :width], rgb[width:-width, -width:]
    return np.concatenate([p.reshape(-1, 3) for p in (top, bottom, left, right)])


def cutout(
    image: Image.Image, *, has_alpha: bool, tolerance: float = 38.0, feather: float = 1.2
) -> Image.Image:
    """Return an RGBA copy of ``image`` with its background made transparent.

    ``has_alpha`` says whether ``image`` has real transparency (see the module
    doc); such an image keeps its own alpha.  Otherwise the background is taken
    to be the colour of the border, when the border is plain (product shots,
    character sheets); pixels close to it become transparent with a soft ramp.
    A busy border means there is no plain background to remove, and the image
    is returned fully opaque.
    """
    rgba = image.convert("RGBA")
    if has_alpha:
        return rgba

    rgb = np.asarray(rgba.convert("RGB"), dtype=np.float32)
    h, w = rgb.shape[:2]
    band = max(1, min(h, w) // 40)
    if h <= 2 * band or w <= 2 * band:
        return rgba
    border = _border_pixels(rgb, band)
    background = np.median(border, axis=0)
    spread = np.sqrt(((border - background) ** 2).sum(axis=1))
    if np.percentile(spread, 90) > tolerance:
        return rgba  # busy border: nothing plain to remove

    distance = np.sqrt(((rgb - background) ** 2).sum(axis=2))
    ramp = np.clip((distance - tolerance * 0.5) / tolerance, 0.0, 1.0)
    mask = Image.fromarray((ramp * 255).astype(np.uint8), "L")
    if feather > 0:
        mask = mask.filter(ImageFilter.GaussianBlur(feather))
    rgba.putalpha(mask)
    return rgba


def subject_bbox(rgba: Image.Image, threshold: int = 16) -> tuple[int, int, int, int]:
    """Bounding box of the pixels whose alpha is above ``threshold`` (whole image if none)."""
    alpha = rgba.getchannel("A")
    if threshold > 0:  # at 0, getbbox's own "non-zero" test is the threshold: skip a pass
        alpha = alpha.point(lambda a: 255 if a > threshold else 0)
    return alpha.getbbox() or (0, 0, rgba.width, rgba.height)


def scale_rgba(rgba: Image.Image, scale: float) -> Image.Image:
    """``rgba`` resized by ``scale`` (LANCZOS), each side rounded and at least 1 px.

    Resampling runs in premultiplied alpha, so the colour of transparent pixels
    (often black) cannot bleed into the edges.
    """
    size = (max(1, round(rgba.width * scale)), max(1, round(rgba.height * scale)))
    return rgba.convert("RGBa").resize(size, Image.Resampling.LANCZOS).convert("RGBA")


def rotate_rgba(
    rgba: Image.Image, degrees: float, resample: Image.Resampling = Image.Resampling.BICUBIC
) -> Image.Image:
    """``rgba`` rotated counter-clockwise, expanded to hold all of it (not trimmed).

    Premultiplied, as in :func:`scale_rgba`, so transparent corners stay clean.
    """
    rotated = rgba.convert("RGBa").rotate(degrees, resample, expand=True)
    return rotated.convert("RGBA")


def soft_shadow(alpha: Image.Image, *, blur: float, opacity: float) -> Image.Image:
    """A blurred, faded copy of an alpha mask, to be pasted as a shadow."""
    scaled = alpha.point(lambda a: int(a * opacity))
    return scaled.filter(ImageFilter.GaussianBlur(blur))
