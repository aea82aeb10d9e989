"""``print.pdf``: the page at real size, the art, the white underbase and the cut line.

Written with pikepdf (qpdf) object by object, so every choice a RIP reads is
explicit:

- The art is one image at its own pixels (no resampling), sRGB (an ICCBased
  colour space with the sRGB profile), its alpha as a soft mask.
- The white is a filled vector area (even-odd) in the Separation colour
  ``White`` (the setting), overprinting, drawn *under* the art so viewers
  without overprint preview still show the art.
- The cut line is one closed path per piece (outline and inner cuts as its
  subpaths), stroked 0.25 pt, no fill, in the Separation colour ``CutContour``
  (alternate 100 % magenta), overprinting.
- Each sits in its own optional content group (layers ``white``, ``art``, ``cut``).

The same document gives the same bytes: no dates, a document ID derived
from the content (qpdf's deterministic ID).
"""

from __future__ import annotations

import io
import zlib

import numpy as np
import numpy.typing as npt
import pikepdf
from pikepdf import Array, Dictionary, Name
from PIL import ImageCms

from goods_backend.print_file.document import MM_PER_PT, PrintDocument, rings_of

CUT_STROKE_PT = 0.25
CUT_ALTERNATE_CMYK = (0.0, 1.0, 0.0, 0.0)  # 100 % magenta, the RIPs' convention
# What a viewer shows for the white ink (on screen only): a pale cyan tint, visible yet
# distinct from any "no white" in the preview.
WHITE_ALTERNATE_CMYK = (0.3, 0.0, 0.0, 0.0)
LAYERS = ("white", "art", "cut")
# zlib level for the art's samples: level 1 takes a third of the default's (6) time on a
# textured 3000 px art for ~10 % more bytes; flat drawings compress well at any level.
ZLIB_LEVEL = 1


def srgb_profile() -> bytes:
    """The sRGB ICC profile, with lcms's creation time blanked so the bytes never vary."""
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return profile[:24] + bytes(12) + profile[36:]  # ICC header bytes 24-35: date and time


SRGB_PROFILE = srgb_profile()


def write_pdf(doc: PrintDocument) -> bytes:
    """The print PDF of ``doc`` (PDF 1.6), deterministic for the same document."""
    pdf = pikepdf.new()
    width_pt, height_pt = (side / MM_PER_PT for side in doc.page_mm)
    page = pdf.add_blank_page(page_size=(width_pt, height_pt))
    page.obj.TrimBox = Array([0, 0, width_pt, height_pt])

    layers = {
        name: pdf.make_indirect(Dictionary(Type=Name.OCG, Name=pikepdf.String(name)))
        for name in LAYERS
    }
    pdf.Root.OCProperties = Dictionary(
        OCGs=Array(list(layers.values())),
        D=Dictionary(Order=Array(list(layers.values())), ON=Array(list(layers.values()))),
    )
    overprint = Dictionary(Type=Name.ExtGState, OP=True, op=True, OPM=1)
    page.obj.Resources = Dictionary(
        ColorSpace=Dictionary(
            CS_cut=_separation(pdf, doc.cut_spot, CUT_ALTERNATE_CMYK),
            CS_white=_separation(pdf, doc.white_spot, WHITE_ALTERNATE_CMYK),
        ),
        ExtGState=Dictionary(GS_op=overprint),
        XObject=Dictionary(Art=_art_image(pdf, doc)),
        Properties=Dictionary({f"/L_{name}": ocg for name, ocg in layers.items()}),
    )
    page.obj.Contents = pdf.make_stream(_content(doc, height_pt))
    out = io.BytesIO()
    pdf.save(
        out,
        deterministic_id=True,
        min_version="1.6",
        compress_streams=True,
        # A classic cross-reference table: older RIPs read no object streams.
        object_stream_mode=pikepdf.ObjectStreamMode.disable,
    )
    return out.getvalue()


def _content(doc: PrintDocument, height_pt: float) -> bytes:
    lines: list[str] = []
    white_rings = doc.white_rings_mm()
    if white_rings:
        lines += ["/OC /L_white BDC", "q", "/GS_op gs", "/CS_white cs", "1 scn"]
        lines += [_path(ring, height_pt) for ring in white_rings]
        lines += ["f*", "Q", "EMC"]
    x, y, w, h = (v / MM_PER_PT for v in doc.art_box)
    # The image's unit square scaled to its size, its top at y (PDF's y runs upward).
    lines += ["/OC /L_art BDC", "q", f"{_n(w)} 0 0 {_n(h)} {_n(x)} {_n(height_pt - y - h)} cm"]
    lines += ["/Art Do", "Q", "EMC"]
    lines += ["/OC /L_cut BDC", "q", "/GS_op gs", "/CS_cut CS", "1 SCN"]
    lines += [f"{CUT_STROKE_PT} w", "1 j", "1 J"]
    for piece in doc.pieces:
        lines += [_path(ring, height_pt) for ring in rings_of(piece.shape)]
        lines.append("S")  # one stroke per piece: its outline and inner cuts together
    lines += ["Q", "EMC"]
    return ("\n".join(lines) + "\n").encode("ascii")


def _path(ring_mm: npt.NDArray[np.float64], height_pt: float) -> str:
    """A closed subpath through ``ring_mm`` (page mm, y down), in PDF points (y up)."""
    pts = ring_mm / MM_PER_PT
    xs, ys = pts[:, 0], height_pt - pts[:, 1]
    ops = [f"{_n(xs[0])} {_n(ys[0])} m"]
    ops += [f"{_n(px)} {_n(py)} l" for px, py in zip(xs[1:], ys[1:], strict=True)]
    ops.append("h")
    return "\n".join(ops)


def _n(value: float) -> str:
    """A PDF number: three decimals (a micron at most), no trailing zeros."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _separation(pdf: pikepdf.Pdf, name: str, alternate: tuple[float, ...]) -> Array:
    """``[/Separation /name /DeviceCMYK tint->CMYK]``: a spot colour with its screen stand-in."""
    tint = Dictionary(
        FunctionType=2,
        Domain=Array([0, 1]),
        C0=Array([0, 0, 0, 0]),
        C1=Array(list(alternate)),
        N=1,
    )
    return Array([Name.Separation, Name("/" + name), Name.DeviceCMYK, pdf.make_indirect(tint)])


def _art_image(pdf: pikepdf.Pdf, doc: PrintDocument) -> pikepdf.Stream:
    """The art as an image XObject: sRGB samples, alpha as its soft mask, both Flate."""
    pixels = np.asarray(doc.art)
    alpha = np.ascontiguousarray(pixels[:, :, 3])
    rgb = np.ascontiguousarray(pixels[:, :, :3])
    # Colour under fully clear pixels is never seen: white compresses better than noise.
    rgb = np.where((alpha == 0)[:, :, None], np.uint8(255), rgb)
    width, height = doc.art.size
    smask = pikepdf.Stream(pdf, b"")
    smask.write(zlib.compress(alpha.tobytes(), ZLIB_LEVEL), filter=Name.FlateDecode)
    smask.Type, smask.Subtype = Name.XObject, Name.Image
    smask.Width, smask.Height = width, height
    smask.ColorSpace, smask.BitsPerComponent = Name.DeviceGray, 8
    icc = pikepdf.Stream(pdf, b"")
    icc.write(zlib.compress(SRGB_PROFILE, 9), filter=Name.FlateDecode)
    icc.N = 3
    image = pikepdf.Stream(pdf, b"")
    image.write(zlib.compress(rgb.tobytes(), ZLIB_LEVEL), filter=Name.FlateDecode)
    image.Type, image.Subtype = Name.XObject, Name.Image
    image.Width, image.Height = width, height
    image.ColorSpace = Array([Name.ICCBased, icc])
    image.BitsPerComponent = 8
    image.SMask = smask
    image.Interpolate = False
    return image
