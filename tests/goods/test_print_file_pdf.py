"""print.pdf read back (pikepdf) and rendered (poppler's pdftoppm), print.svg parsed.

The PDF must be what a cutter's RIP reads: the page at real size, the cut line
only in the ``CutContour`` spot colour (stroke, overprint), the white only in
``White``, the art at its own pixels; and it must look like preview.png.
"""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import cv2
import numpy as np
import pikepdf
import pytest
from PIL import Image

from tests.goods.print_file_arts import (
    PAPER,
    character,
    detached_hand,
    drawn,
    jpeg,
    package,
    png,
    unpack,
)

MM_PER_PT = 25.4 / 72


@pytest.fixture(scope="module")
def keyring():
    art = drawn(character, side=800)
    result = package(png(art), goods_type="acrylic_keyring", height_mm=50)
    return art, result, unpack(result.data)


def separations(pdf: pikepdf.Pdf) -> dict[str, tuple[str, list[float]]]:
    """Colour space resource name -> (spot name, alternate CMYK at full tint)."""
    found = {}
    for key, space in pdf.pages[0].Resources.ColorSpace.items():
        assert space[0] == pikepdf.Name.Separation and space[2] == pikepdf.Name.DeviceCMYK
        found[key] = (str(space[1])[1:], [float(v) for v in space[3].C1])
    return found


def painting(pdf: pikepdf.Pdf) -> list[tuple[str, str | None, bool, int]]:
    """Every painting operator with the colour space and overprint in force, and its subpaths."""
    page = pdf.pages[0]
    states = [{"stroke": None, "fill": None, "op": False, "width": 1.0}]
    paints, subpaths, open_path = [], 0, False
    for operands, operator in pikepdf.parse_content_stream(page):
        op, state = str(operator), states[-1]
        if op == "q":
            states.append(dict(state))
        elif op == "Q":
            states.pop()
        elif op == "CS":
            state["stroke"] = str(operands[0])
        elif op == "cs":
            state["fill"] = str(operands[0])
        elif op == "gs":
            state["op"] = bool(page.Resources.ExtGState[str(operands[0])].get("/OP", False))
        elif op == "w":
            state["width"] = float(operands[0])
        elif op == "m":
            subpaths, open_path = subpaths + 1, True
        elif op == "h":
            open_path = False
        elif op in ("S", "s"):
            assert not open_path, "every cut subpath is closed"
            paints.append(("stroke", state["stroke"], state["op"], subpaths, state["width"]))
            subpaths = 0
        elif op in ("f", "F", "f*", "B", "B*", "b", "b*"):
            paints.append(("fill", state["fill"], state["op"], subpaths, None))
            subpaths = 0
    return paints


def test_the_page_is_real_size_and_layers_are_named(keyring):
    _, _, files = keyring
    with pikepdf.open(io.BytesIO(files.files["print.pdf"])) as pdf:
        x0, y0, x1, y1 = (float(v) for v in pdf.pages[0].MediaBox)
        width_mm, height_mm = files.spec["page_mm"]
        assert (x1 - x0) * MM_PER_PT == pytest.approx(width_mm, abs=0.01)
        assert (y1 - y0) * MM_PER_PT == pytest.approx(height_mm, abs=0.01)
        assert 45 < height_mm < 80  # 50 mm of art, the tab and the margins
        layers = [str(ocg.Name) for ocg in pdf.Root.OCProperties.OCGs]
        assert layers == ["white", "art", "cut"]
        assert "/CreationDate" not in pdf.docinfo and "/ModDate" not in pdf.docinfo


def test_the_cut_is_stroked_only_in_cutcontour_and_the_white_filled_only_in_white(keyring):
    _, _, files = keyring
    with pikepdf.open(io.BytesIO(files.files["print.pdf"])) as pdf:
        spaces = separations(pdf)
        assert {name for name, _ in spaces.values()} == {"CutContour", "White"}
        cut_key = next(k for k, (name, _) in spaces.items() if name == "CutContour")
        white_key = next(k for k, (name, _) in spaces.items() if name == "White")
        assert spaces[cut_key][1] == [0, 1, 0, 0]  # 100 % magenta on screen
        paints = painting(pdf)
    strokes = [p for p in paints if p[0] == "stroke"]
    fills = [p for p in paints if p[0] == "fill"]
    assert [p[1] for p in strokes] == [cut_key], "one stroke per piece, in CutContour"
    assert strokes[0][2] is True and strokes[0][4] == 0.25  # overprint, 0.25 pt
    assert strokes[0][3] == 2  # the outline and the keyring hole: one path, two subpaths
    assert fills and all(p[1] == white_key and p[2] for p in fills), "white only in White"


def test_the_art_is_placed_at_its_own_pixels_and_its_ppi(keyring):
    art, _, files = keyring
    with pikepdf.open(io.BytesIO(files.files["print.pdf"])) as pdf:
        page = pdf.pages[0]
        image = page.Resources.XObject.Art
        ops = list(pikepdf.parse_content_stream(page))
        do = next(i for i, (operands, op) in enumerate(ops) if str(op) == "Do")
        matrix = next(operands for operands, op in reversed(ops[:do]) if str(op) == "cm")
        width_pt, height_pt = float(matrix[0]), float(matrix[3])
        placed = pikepdf.PdfImage(image).as_pil_image().convert("RGB")
        alpha = pikepdf.PdfImage(image.SMask).as_pil_image()
        assert str(image.ColorSpace[0]) == "/ICCBased"  # sRGB, embedded
    ppi = int(image.Width) / (width_pt / 72)
    assert ppi == pytest.approx(files.spec["art"]["ppi"], abs=0.1)
    assert int(image.Height) / (height_pt / 72) == pytest.approx(ppi, rel=1e-4)
    assert ppi > 300
    # No resampling: the pixels are the art's own, cropped to what is visible.
    crop = art.crop(art.getchannel("A").getbbox())
    assert placed.size == crop.size == tuple(files.spec["art"]["pixels"])
    assert alpha.tobytes() == crop.getchannel("A").tobytes()
    seen = np.asarray(crop.getchannel("A")) > 0
    assert (np.asarray(placed)[seen] == np.asarray(crop.convert("RGB"))[seen]).all()


def cut_pixels(rgb: np.ndarray, *, faint: bool) -> np.ndarray:
    """Where the magenta cut line is.

    Poppler draws the 0.25 pt line anti-aliased: a faint pink, fainter still where it
    falls between two pixels ((253, 223, 241)). The arts have no colour that is both
    redder and bluer than it is green.
    """
    r, g, b = (rgb[:, :, i].astype(int) for i in range(3))
    if faint:
        return (r - g > 6) & (b - g > 3)
    return (r > 200) & (g < 60) & (b > 200)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils is not installed")
@pytest.mark.parametrize("kind", ["acrylic_keyring", "acrylic_stand"])
def test_the_rendered_pdf_and_the_preview_show_the_same_cut_line(kind: str, tmp_path: Path):
    files = unpack(package(png(drawn(detached_hand, side=800)), goods_type=kind, height_mm=60).data)
    (tmp_path / "print.pdf").write_bytes(files.files["print.pdf"])
    subprocess.run(
        ["pdftoppm", "-r", "72", "-png", "print.pdf", "render"], cwd=tmp_path, check=True
    )
    render = np.asarray(Image.open(next(tmp_path.glob("render*.png"))).convert("RGB"))
    preview = np.asarray(Image.open(io.BytesIO(files.files["preview.png"])).convert("RGB"))
    scale = files.spec["preview_px_per_mm"]
    in_render = cut_pixels(render, faint=True)
    in_preview = cut_pixels(preview, faint=False)
    assert in_render.sum() > 100 and in_preview.sum() > 100

    # Both onto the render's grid (72 dpi): the preview's line points mapped by their mm.
    per_mm = 72 / 25.4
    grid = np.zeros(render.shape[:2], dtype=np.uint8)
    rows, cols = np.nonzero(in_preview)
    gy = np.clip(((rows + 0.5) / scale * per_mm).astype(int), 0, grid.shape[0] - 1)
    gx = np.clip(((cols + 0.5) / scale * per_mm).astype(int), 0, grid.shape[1] - 1)
    grid[gy, gx] = 1
    to_preview = cv2.distanceTransform(1 - grid, cv2.DIST_L2, 3)
    assert to_preview[in_render].max() <= 2.0, "every rendered cut pixel lies on the preview's line"
    rendered = cv2.distanceTransform(1 - in_render.astype(np.uint8), cv2.DIST_L2, 3)
    assert (rendered[gy, gx] <= 2.0).mean() > 0.95, "and the preview's line is all in the render"
    assert render.shape[0] == pytest.approx(files.spec["page_mm"][1] * per_mm, abs=1.5)


def test_the_svg_has_the_same_layers_in_millimetres(keyring):
    _, _, files = keyring
    svg = files.files["print.svg"].decode()
    root = ElementTree.fromstring(svg)
    ns = {"svg": "http://www.w3.org/2000/svg"}
    width, height = files.spec["page_mm"]
    assert root.get("width") == f"{width:.3f}".rstrip("0").rstrip(".") + "mm"
    assert root.get("height").endswith("mm")
    assert [float(v) for v in root.get("viewBox").split()] == pytest.approx(
        [0, 0, width, height], abs=1e-3
    )
    groups = root.findall("svg:g", ns)
    assert [g.get("id") for g in groups] == ["white", "art", "cut"]
    assert {g.get("id"): g.get("data-spot") for g in groups} == {
        "white": "White",
        "art": None,
        "cut": "CutContour",
    }
    image = groups[1].find("svg:image", ns)
    assert image is not None and image.get("href").startswith("data:image/png;base64,")
    cut_paths = groups[2].findall("svg:path", ns)
    assert [p.get("id") for p in cut_paths] == ["cut-keyring"]
    assert cut_paths[0].get("fill") == "none" and len(re.findall("M", cut_paths[0].get("d"))) == 2


def test_white_png_is_the_choked_mask_on_the_arts_grid(keyring):
    art, _, files = keyring
    mask = np.asarray(Image.open(io.BytesIO(files.files["white.png"])).convert("L"))
    crop = art.crop(art.getchannel("A").getbbox())
    alpha = np.asarray(crop.getchannel("A"))
    assert mask.shape == alpha.shape  # the art's own pixel grid
    ink = mask == 0  # black where white ink goes
    assert ink.any() and not (ink & (alpha < 128)).any(), "no white where the art is under 50 %"
    # Choked: ink exactly where the half-opaque art is further than the choke (Euclidean,
    # pixel centre to pixel centre) from any pixel without ink.
    solid = np.pad((alpha >= 128).astype(np.uint8), 1)
    choke = files.spec["white"]["choke_px"]
    assert choke >= 1 and files.spec["white"]["choke_mm"] == pytest.approx(0.1, abs=0.05)
    distance = cv2.distanceTransform(solid, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)[1:-1, 1:-1]
    assert (ink == (distance > choke)).all()
    assert ink.sum() < (alpha >= 128).sum()


@pytest.mark.parametrize("source", ["png", "jpeg"])
def test_the_svg_art_lands_where_the_pdf_art_does(source: str):
    """A PNG's own bytes are reused (margins and all); a cut-out JPEG is a new PNG."""
    art = drawn(character, side=800)
    raw = png(art) if source == "png" else jpeg(drawn(character, side=800, background=PAPER))
    files = unpack(package(raw, goods_type="sticker", height_mm=50).data)
    root = ElementTree.fromstring(files.files["print.svg"])
    image = root.find(".//{http://www.w3.org/2000/svg}image")
    x, y, w, h = (float(image.get(k)) for k in ("x", "y", "width", "height"))
    embedded = Image.open(io.BytesIO(base64.b64decode(image.get("href").split(",", 1)[1])))
    if source == "png":
        assert embedded.size == art.size  # the upload itself, not a re-encoded crop
    left, top, right, bottom = embedded.getchannel("A").getbbox()
    mm_per_px = w / embedded.width
    assert h / embedded.height == pytest.approx(mm_per_px, rel=1e-4)  # 3 decimals in the SVG
    placed = files.spec["art"]["placed_mm"]
    assert x + left * mm_per_px == pytest.approx(placed[0], abs=1e-3)
    assert y + top * mm_per_px == pytest.approx(placed[1], abs=1e-3)
    assert (right - left) * mm_per_px == pytest.approx(placed[2], abs=1e-3)
    assert (bottom - top) * mm_per_px == pytest.approx(placed[3], abs=1e-3)
