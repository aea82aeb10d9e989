"""``print.svg``: the same drawing as the PDF, as layers a person can check by eye.

Three named groups (Inkscape layers too): ``white`` (the underbase, a pale
cyan even-odd fill), ``art`` (the art's own pixels as an embedded PNG, at its
size) and ``cut`` (one closed path per piece, 0.25 pt magenta stroke). The
document's user unit is the millimetre: ``width``/``height`` in mm and a
``viewBox`` of the same numbers. Spot colour names ride along as
``data-spot`` attributes (SVG has no spot colours; the PDF is the print file).
"""

from __future__ import annotations

import base64
from xml.sax.saxutils import quoteattr

import numpy as np
import numpy.typing as npt

from goods_backend.print_file.document import MM_PER_PT, PrintDocument, rings_of
from goods_backend.print_file.pdf import CUT_STROKE_PT

CUT_COLOUR = "#ff00ff"
WHITE_COLOUR = "#b3e6ff"  # the PDF's screen stand-in for white ink (30 % cyan)


def write_svg(
    doc: PrintDocument, art_png: bytes, art_png_box: tuple[float, float, float, float]
) -> bytes:
    """The layered SVG of ``doc``; ``art_png`` is the art as PNG, placed at ``art_png_box``.

    The PNG may be the whole upload (transparent margins included) rather than the
    cropped art, placed so its pixels land where the PDF's do: the upload's bytes
    are reused instead of encoding nine megapixels again.
    """
    width, height = doc.page_mm
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" '
        f'xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" '
        f'width="{_n(width)}mm" height="{_n(height)}mm" viewBox="0 0 {_n(width)} {_n(height)}">',
    ]
    white_rings = doc.white_rings_mm()
    out.append(_layer_open("white", doc.white_spot))
    if white_rings:
        d = " ".join(_subpath(ring) for ring in white_rings)
        out.append(f'<path d="{d}" fill="{WHITE_COLOUR}" fill-rule="evenodd" stroke="none"/>')
    out.append("</g>")
    x, y, w, h = art_png_box
    href = "data:image/png;base64," + base64.b64encode(art_png).decode("ascii")
    out.append(_layer_open("art", None))
    out.append(
        f'<image x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" '
        f'preserveAspectRatio="none" style="image-rendering:pixelated" href="{href}"/>'
    )
    out.append("</g>")
    out.append(_layer_open("cut", doc.cut_spot))
    stroke = _n(CUT_STROKE_PT * MM_PER_PT)
    for piece in doc.pieces:
        d = " ".join(_subpath(ring) for ring in rings_of(piece.shape))
        out.append(
            f'<path id={quoteattr("cut-" + piece.name)} d="{d}" fill="none" '
            f'stroke="{CUT_COLOUR}" stroke-width="{stroke}" stroke-linejoin="round"/>'
        )
    out.append("</g>")
    out.append("</svg>")
    return ("\n".join(out) + "\n").encode("utf-8")


def _layer_open(name: str, spot: str | None) -> str:
    spot_attr = f" data-spot={quoteattr(spot)}" if spot else ""
    return f'<g id="{name}" inkscape:groupmode="layer" inkscape:label="{name}"{spot_attr}>'


def _subpath(ring: npt.NDArray[np.float64]) -> str:
    points = " ".join(f"{_n(px)},{_n(py)}" for px, py in ring)
    return f"M{points}Z"


def _n(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text
