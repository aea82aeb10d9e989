"""Pillow building blocks shared by the two local engines.

Both local engines (the PPL compositor and the goods mockup renderer) need the
same few operations: size a canvas for a requested aspect ratio, resize and
rotate a cut-out without dark fringes, and cast a soft shadow.  They live here
once.  All functions are pure and deterministic, and run in a worker thread.

Lifting a subject off its background is not here: there is one background
removal for every renderer and the print files, ``webtoon_core.cutout``.
"""

from __future__ import annotations

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
