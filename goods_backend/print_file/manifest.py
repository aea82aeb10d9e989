"""What is inside the package, said twice: ``spec.json`` for the shop, and the ZIP itself.

Both are deterministic: no dates (ZIP entries carry the earliest date a ZIP can
say), keys and files always in the same order.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from PIL import Image

from goods_backend.print_file import preflight, shapes
from goods_backend.print_file.document import PAGE_MARGIN_MM, PrintDocument
from goods_backend.print_file.geometry import CUT_ALPHA_MIN
from goods_backend.print_file.options import PrintFileParams
from goods_backend.print_file.pdf import (
    CUT_ALTERNATE_CMYK,
    CUT_STROKE_PT,
    LAYERS,
    WHITE_ALTERNATE_CMYK,
)
from goods_backend.print_file.preview import preview_scale
from goods_backend.print_file.white import CHOKE_MM, WHITE_ALPHA_MIN

ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest a ZIP can say: no build time leaks in
FORMAT = "webtoon-print-file/1"


def spec_json(
    doc: PrintDocument,
    params: PrintFileParams,
    background: dict[str, object],
    transparency: dict[str, Any],
    extra: dict[str, Any],
    warnings: list[preflight.PrintWarning],
    files: list[str],
) -> dict[str, Any]:
    """What is inside, for the shop: sizes, resolution, colours, layers, warnings."""
    white = doc.white
    return {
        "format": FORMAT,
        "goods_type": params.goods_type,
        "label": params.kind.label,
        "page_mm": rounded(doc.page_mm),
        "page_margin_mm": PAGE_MARGIN_MM,
        "art": {
            "pixels": list(doc.art.size),
            "placed_mm": rounded(doc.art_box),
            "height_mm": params.effective_height_mm,
            "ppi": round(doc.ppi, 1),
            "colour_mode": "RGB",
            "profile": "sRGB (ICC profile embedded in print.pdf)",
            "resampled": False,
            "silhouette_alpha_min": CUT_ALPHA_MIN,
            "background": background,
            "transparency": transparency,
        },
        "cut": {
            "spot_colour": doc.cut_spot,
            "alternate_cmyk": list(CUT_ALTERNATE_CMYK),
            "stroke_pt": CUT_STROKE_PT,
            "overprint": True,
            "offset_mm": params.effective_offset_mm,
            "corner_radius_mm": shapes.CORNER_RADIUS_MM,
            "min_width_mm": preflight.MIN_WIDTH_MM,
            "drift_mm": preflight.CUT_DRIFT_MM,
            "pieces": [
                {
                    "name": p.name,
                    "outlines": 1,
                    "inner_cuts": len(p.shape.interiors),
                    "bbox_mm": rounded(p.shape.bounds),
                    "area_mm2": round(p.shape.area, 1),
                }
                for p in doc.pieces
            ],
        },
        "white": {
            "enabled": white is not None,
            "spot_colour": doc.white_spot,
            "alternate_cmyk": list(WHITE_ALTERNATE_CMYK),
            "overprint": True,
            "alpha_threshold": WHITE_ALPHA_MIN,
            "choke_mm": round(white.choke_mm, 3) if white else CHOKE_MM,
            "choke_px": white.choke_px if white else None,
            "file": "white.png" if white else None,
        },
        **extra,
        "layers": list(LAYERS),
        "files": ["spec.json", *files],
        "preview_px_per_mm": round(preview_scale(doc), 4),
        "warnings": [w.as_json() for w in warnings],
    }


def png(image: Image.Image, level: int = 6) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=level)
    return out.getvalue()


def zip_files(files: dict[str, bytes]) -> bytes:
    """The files as a ZIP, in this order, with fixed entry dates and attributes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.create_system = 3  # Unix, whatever builds it
            info.external_attr = 0o644 << 16
            # PNG and PDF streams are compressed already: storing them costs no bytes, and
            # spec.json stays readable without inflating. The SVG is mostly base64 of a
            # PNG: deflate's fastest level wins back its third at a fraction of the time.
            svg = name.endswith(".svg")
            info.compress_type = zipfile.ZIP_DEFLATED if svg else zipfile.ZIP_STORED
            archive.writestr(info, data, compresslevel=1 if svg else None)
    return out.getvalue()


def rounded(values: tuple[float, ...]) -> list[float]:
    return [round(v, 3) for v in values]
