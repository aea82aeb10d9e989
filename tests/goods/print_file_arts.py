"""Arts for the print-file tests, drawn on the spot, and readers of what the package holds.

Every art is drawn at twice its size and reduced, so its edges are
anti-aliased like real art. Colours are blues, greens, browns and skin: never
magenta or pink, so the cut line's colour can be found in a render.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pikepdf
from PIL import Image, ImageDraw

from goods_backend.print_file.options import PrintFileParams
from goods_backend.print_file.package import PrintPackage, build_package
from webtoon_core.images import ImageLimits, prepare_upload

BLUE = (40, 90, 200)
SKIN = (240, 200, 170)
GREEN = (40, 150, 90)
PAPER = (248, 247, 242)
LIMITS = ImageLimits(max_side=None, max_pixels=40_000_000, max_axis=16383)
Draw = Callable[[ImageDraw.ImageDraw, int], None]


def drawn(draw: Draw, side: int = 700, background: tuple[int, ...] = (0, 0, 0, 0)) -> Image.Image:
    """An RGBA art (or RGB on ``background``) drawn by ``draw(d, s)`` at 2x, then reduced."""
    mode = "RGBA" if len(background) == 4 else "RGB"
    big = Image.new(mode, (2 * side, 2 * side), background)
    draw(ImageDraw.Draw(big), 2 * side)
    return big.resize((side, side), Image.Resampling.LANCZOS)


def blob(d: ImageDraw.ImageDraw, s: int) -> None:
    d.ellipse((s * 0.2, s * 0.1, s * 0.8, s * 0.9), fill=BLUE)


def detached_hand(d: ImageDraw.ImageDraw, s: int) -> None:
    """A body and a hand floating well clear of it (further than twice any offset)."""
    d.ellipse((s * 0.15, s * 0.05, s * 0.55, s * 0.45), fill=SKIN)
    d.rounded_rectangle((s * 0.12, s * 0.45, s * 0.58, s * 0.95), radius=s // 20, fill=BLUE)
    d.ellipse((s * 0.80, s * 0.50, s * 0.95, s * 0.65), fill=SKIN)


def antenna(d: ImageDraw.ImageDraw, s: int) -> None:
    """A head with a thin antenna sticking up: a narrow neck of the cut shape."""
    d.ellipse((s * 0.2, s * 0.35, s * 0.8, s * 0.95), fill=GREEN)
    d.rectangle((s * 0.495, s * 0.02, s * 0.505, s * 0.4), fill=GREEN)


def ring(d: ImageDraw.ImageDraw, s: int) -> None:
    """A donut whose hole is far larger than any offset: an inner cut."""
    d.ellipse((s * 0.05, s * 0.05, s * 0.95, s * 0.95), fill=BLUE)
    d.ellipse((s * 0.3, s * 0.3, s * 0.7, s * 0.7), fill=(0, 0, 0, 0))


def character(d: ImageDraw.ImageDraw, s: int) -> None:
    """A figure with white eyes inside its head (inner whites must stay)."""
    d.ellipse(
        (s * 0.25, s * 0.05, s * 0.75, s * 0.5), fill=SKIN, outline=(40, 30, 30), width=s // 150
    )
    for x in (0.4, 0.6):
        d.ellipse(
            (s * (x - 0.05), s * 0.2, s * (x + 0.05), s * 0.3),
            fill=(255, 255, 255),
            outline=(40, 30, 30),
            width=s // 300,
        )
    d.rounded_rectangle((s * 0.3, s * 0.5, s * 0.7, s * 0.95), radius=s // 25, fill=BLUE)


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def jpeg(image: Image.Image, quality: int = 85) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=quality)
    return out.getvalue()


def busy_jpeg(side: int = 700) -> bytes:
    """A character on a photo-like background: gradients and noise, no plain border."""
    ys, xs = np.mgrid[0:side, 0:side]
    rng = np.random.default_rng(5)
    base = np.stack([xs * 255 / side, ys * 255 / side, (xs + ys) * 127 / side], axis=2)
    pixels = np.clip(base + rng.normal(0, 40, (side, side, 3)), 0, 255).astype(np.uint8)
    image = Image.fromarray(pixels)
    character(ImageDraw.Draw(image), side)
    return jpeg(image)


def package(raw: bytes, **fields: object) -> PrintPackage:
    """``build_package`` of an upload, as the endpoint runs it (default spot names)."""
    image = prepare_upload(raw, field="input_image", limits=LIMITS)
    params = PrintFileParams.model_validate(fields)
    return build_package(image, params, cut_spot="CutContour", white_spot="White")


@dataclass
class Unpacked:
    files: dict[str, bytes]

    @property
    def spec(self) -> dict[str, object]:
        result: dict[str, object] = json.loads(self.files["spec.json"])
        return result

    def pieces(self) -> dict[str, list[np.ndarray]]:
        """Each piece's cut rings (page mm) as the SVG draws them."""
        svg = self.files["print.svg"].decode()
        found = {}
        for name, d in re.findall(r'<path id="cut-(\w+)" d="([^"]+)"', svg):
            rings = []
            for sub in re.findall(r"M([^Z]+)Z", d):
                rings.append(np.array([[float(v) for v in p.split(",")] for p in sub.split()]))
            found[name] = rings
        return found

    def placed_alpha(self) -> tuple[np.ndarray, tuple[float, float, float, float]]:
        """The art's alpha as the PDF places it (its soft mask), and where (page mm)."""
        with pikepdf.open(io.BytesIO(self.files["print.pdf"])) as pdf:
            image = pdf.pages[0].Resources.XObject.Art
            alpha = np.asarray(pikepdf.PdfImage(image.SMask).as_pil_image())
        x, y, w, h = self.spec["art"]["placed_mm"]  # type: ignore[index]
        return alpha, (x, y, w, h)


def unpack(data: bytes) -> Unpacked:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return Unpacked({name: archive.read(name) for name in archive.namelist()})
