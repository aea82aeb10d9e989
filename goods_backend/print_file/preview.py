"""``preview.png``: the picture a person checks before sending the file to the factory.

The whole page on a checkerboard (what is clear), each piece's material
(clear acrylic pale blue-grey, vinyl white), the white underbase tinted cyan,
the art over it, and the cut lines in magenta. Drawn at ``preview_scale()``
pixels per millimetre, stated in the spec file so the preview can be laid
over the PDF.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw

from goods_backend.print_file.document import PrintDocument, rings_of

MAX_PX_PER_MM = 12.0  # about 300 ppi: the print's own detail, no more
MAX_SIDE_PX = 2400
CUT_COLOUR = (255, 0, 255)
WHITE_TINT = (140, 215, 255)
ACRYLIC = (214, 226, 236)
VINYL = (255, 255, 255)
CHECKER_MM = 2.0


def preview_scale(doc: PrintDocument) -> float:
    """Pixels per mm of the preview: at most the art's own, ~300 ppi, and 2400 px a side."""
    return min(doc.px_per_mm, MAX_PX_PER_MM, MAX_SIDE_PX / max(doc.page_mm))


def render_preview(doc: PrintDocument, *, vinyl: bool) -> bytes:
    """The preview PNG of ``doc``; ``vinyl`` paints the pieces white (stickers)."""
    scale = preview_scale(doc)
    size = (max(1, round(doc.page_mm[0] * scale)), max(1, round(doc.page_mm[1] * scale)))
    canvas = _checkerboard(size, scale)
    material = Image.new("L", size, 0)
    draw_material = ImageDraw.Draw(material)
    for piece in doc.pieces:
        rings = [[(x * scale, y * scale) for x, y in ring] for ring in rings_of(piece.shape)]
        draw_material.polygon(rings[0], fill=255)
        for inner in rings[1:]:
            draw_material.polygon(inner, fill=0)  # an inner cut: clear again
    canvas.paste(VINYL if vinyl else ACRYLIC, (0, 0), material)
    x, y, w, h = doc.art_box
    box = (round(x * scale), round(y * scale))
    art_size = (max(1, round(w * scale)), max(1, round(h * scale)))
    if doc.white is not None:
        white = Image.fromarray(doc.white.mask.astype(np.uint8) * 255)
        white = white.resize(art_size, Image.Resampling.BILINEAR, reducing_gap=2.0)
        canvas.paste(WHITE_TINT, box, white)
    art = doc.art.convert("RGBa").resize(art_size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    canvas.alpha_composite(art.convert("RGBA"), box)
    draw = ImageDraw.Draw(canvas)
    for piece in doc.pieces:
        for ring in rings_of(piece.shape):
            points = [(px * scale, py * scale) for px, py in ring]
            draw.line([*points, points[0]], fill=CUT_COLOUR, width=2, joint="curve")
    out = io.BytesIO()
    canvas.convert("RGB").save(out, format="PNG", compress_level=6)
    return out.getvalue()


def _checkerboard(size: tuple[int, int], scale: float) -> Image.Image:
    cell = max(1, round(CHECKER_MM * scale))
    ys, xs = np.indices((size[1], size[0]))
    light = ((xs // cell + ys // cell) % 2 == 0)[:, :, None]
    pixels = np.where(light, np.uint8(250), np.uint8(228)).astype(np.uint8)
    rgba = np.concatenate([np.repeat(pixels, 3, axis=2), np.full_like(pixels, 255)], axis=2)
    return Image.fromarray(rgba)
