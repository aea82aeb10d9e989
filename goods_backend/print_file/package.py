"""From a prepared upload to the ZIP a factory receives: the one synchronous entry point.

``build_package`` is CPU work (about a second for a 3000x3000 art): the
endpoint runs it in the worker pool. It is a pure function of its inputs:
the same art and options give the same bytes (no dates, no random ids, fixed
ZIP entry dates).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from PIL import Image
from shapely import affinity
from shapely.geometry import Polygon

from goods_backend.print_file import geometry, hardware, manifest, preflight, shapes
from goods_backend.print_file.document import layout
from goods_backend.print_file.geometry import CUT_ALPHA_MIN
from goods_backend.print_file.options import MAX_WIDTH_MM, PrintFileParams
from goods_backend.print_file.pdf import write_pdf
from goods_backend.print_file.preview import render_preview
from goods_backend.print_file.svg import write_svg
from goods_backend.print_file.white import WHITE_ALPHA_MIN, white_layer
from webtoon_core.cutout import remove_background
from webtoon_core.errors import InputError
from webtoon_core.images import PreparedImage

__all__ = ["CUT_ALPHA_MIN", "PrintPackage", "build_package"]


@dataclass(frozen=True)
class PrintPackage:
    """The ZIP's bytes, its download name, and what the page shows without unzipping."""

    data: bytes
    filename: str
    ppi: float
    warnings: tuple[preflight.PrintWarning, ...]


def build_package(
    image: PreparedImage, params: PrintFileParams, *, cut_spot: str, white_spot: str
) -> PrintPackage:
    """The print package of ``image`` for ``params`` (raises the table's errors for bad art).

    Raises ``PrintBackgroundNotRemovable`` (no transparency and a busy border),
    ``PrintResolutionTooLow`` (under 150 ppi, not accepted) and ``InputError``
    (nothing opaque, or a page wider than ``MAX_WIDTH_MM``).
    """
    kind = params.kind
    cutout = remove_background(image.to_pil(), has_alpha=image.has_alpha)
    warnings = preflight.check_background(cutout.report)
    rgba, crop = _cropped(cutout.image)
    alpha = np.asarray(rgba.getchannel("A"))
    solid = alpha >= CUT_ALPHA_MIN
    rows = np.flatnonzero(solid.any(axis=1))
    height_mm = params.effective_height_mm
    silhouette_px = int(rows[-1] - rows[0] + 1)
    px_per_mm = silhouette_px / height_mm
    ppi = px_per_mm * 25.4
    warnings += preflight.check_resolution(
        ppi, height_mm, silhouette_px, kind, accept_low=params.accept_low_resolution
    )
    if rgba.width / px_per_mm > MAX_WIDTH_MM:
        raise InputError(
            f"인쇄 폭이 {rgba.width / px_per_mm:.0f} mm로 너무 넓습니다 "
            f"(최대 {MAX_WIDTH_MM:g} mm). height_mm를 줄이거나 그림을 잘라서 올려 주세요."
        )

    offset = params.effective_offset_mm
    art = geometry.art_shape(solid, px_per_mm)
    outline = geometry.cut_outline(art, offset, kind.min_hole_mm)
    narrow = shapes.narrow_parts(outline.shape, preflight.NECK_LIMIT_MM)
    extra: dict[str, Any] = {}
    hole: hardware.KeyringHole | None = None
    if kind.id == "acrylic_keyring":
        piece, hole = hardware.keyring(outline.shape, art.shape, offset, params.effective_hole_mm)
        pieces = [piece]
    elif kind.id == "acrylic_stand":
        pieces, stand = hardware.stand(outline.shape, art.shape)
        extra["stand"] = {
            "tab_mm": manifest.rounded(stand.tab_mm),
            "slot_mm": manifest.rounded(stand.slot_mm),
            "base_mm": manifest.rounded(stand.base_mm),
            "sheet_mm": hardware.SHEET_MM,
        }
    else:
        pieces = [hardware.Piece("sticker", outline.shape, carries_art=True)]

    white = white_layer(alpha, px_per_mm) if params.effective_white else None
    doc = layout(pieces, rgba, px_per_mm, white, cut_spot=cut_spot, white_spot=white_spot)
    dx, dy = doc.art_box[0], doc.art_box[1]
    if hole is not None:
        extra["keyring"] = {
            "hole_mm": hole.diameter_mm,
            "margin_mm": hole.margin_mm,
            "centre_mm": manifest.rounded((hole.centre[0] + dx, hole.centre[1] + dy)),
        }
    body = doc.pieces[0].shape
    moved = [_moved(part, dx, dy) for part in narrow]
    warnings += preflight.check_shape(
        body, moved, outline.islands_merged, outline.holes_filled, kind.min_hole_mm
    )
    inner = sum(len(p.shape.interiors) for p in doc.pieces)
    hardware_holes = 1 if kind.id in ("acrylic_keyring", "acrylic_stand") else 0
    warnings += preflight.check_inner_cuts(inner - hardware_holes)
    rim = _rim(alpha)
    found, transparency = preflight.check_transparency(
        alpha, rim, white=white is not None, threshold=WHITE_ALPHA_MIN
    )
    warnings += found
    warnings += preflight.check_white_choice(kind, white is not None)

    png_box: tuple[float, float, float, float] = doc.art_box
    if cutout.report.method == "alpha":
        # The upload's own PNG has exactly these pixels: reused, with its margins.
        art_png = image.data
        png_box = (
            dx - crop[0] / px_per_mm,
            dy - crop[1] / px_per_mm,
            image.width / px_per_mm,
            image.height / px_per_mm,
        )
    else:
        art_png = manifest.png(rgba, level=1)
    files: dict[str, bytes] = {
        "print.pdf": write_pdf(doc),
        "print.svg": write_svg(doc, art_png, png_box),
    }
    if white is not None:
        # Black where white ink goes, white elsewhere: the convention of mask files.
        files["white.png"] = manifest.png(Image.fromarray(~white.mask))
    files["preview.png"] = render_preview(doc, vinyl=kind.id == "sticker")
    spec = manifest.spec_json(
        doc, params, cutout.report.as_json(), transparency, extra, warnings, list(files)
    )
    # First in the ZIP and stored: a page can read it from the first bytes, no unzipping.
    files = {"spec.json": json.dumps(spec, ensure_ascii=False, indent=2).encode(), **files}
    return PrintPackage(manifest.zip_files(files), f"print-{kind.id}.zip", ppi, tuple(warnings))


def _cropped(rgba: Image.Image) -> tuple[Image.Image, tuple[int, int]]:
    """The art trimmed to its visible pixels, and where the crop starts in the upload.

    Cropping is not resampling: the pixels stay as they are.
    """
    box = rgba.getchannel("A").getbbox()
    if box is None:
        raise InputError(
            "그림이 비어 있습니다: 모든 픽셀이 투명합니다. 캐릭터가 보이는 이미지를 올려 주세요."
        )
    cropped = rgba.crop(box)
    if not (np.asarray(cropped.getchannel("A")) >= CUT_ALPHA_MIN).any():
        raise InputError(
            "그림이 거의 투명해서 칼선을 만들 수 없습니다. 불투명한 그림을 올려 주세요."
        )
    return cropped, (box[0], box[1])


def _rim(alpha: np.ndarray[Any, np.dtype[np.uint8]]) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """The art's anti-aliased edge: visible pixels within 2 px of a clear one."""
    visible = (alpha > 0).astype(np.uint8)
    inner = cv2.erode(visible, np.ones((5, 5), np.uint8), borderValue=0)
    result: np.ndarray[Any, np.dtype[np.bool_]] = visible > inner
    return result


def _moved(part: Polygon, dx: float, dy: float) -> Polygon:
    moved = affinity.translate(part, dx, dy)
    assert isinstance(moved, Polygon)
    return moved
