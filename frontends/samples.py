"""Sample pictures for trying the pages without one's own: ``python -m frontends.samples``.

Every sample is drawn here with Pillow (flat shapes, no outside art), so the
product may ship them with no licence question.  Running the module writes
them under ``frontends/static/samples/``, where the build copies them with
hashed names like every other asset; they are committed, so a build never
needs to draw them.  Characters are PNGs on real transparency (what the
print file and the PPL compositor like best); products are JPEGs on white,
like a product photo.

Importing this module only declares ``SAMPLES`` (the build reads it); the
drawing imports Pillow when it runs.
"""

from __future__ import annotations

import argparse
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent / "static" / "samples"
SCALE = 4  # drawn this much larger, then reduced: smooth edges without anti-aliasing tools

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Sample:
    name: str  # stable id (tests and the page's data-sample)
    file: str  # under static/samples/
    slot: str  # "character" or "product": which upload zone it fills
    label: str  # Korean, shown under the thumbnail


SAMPLES: tuple[Sample, ...] = (
    Sample("haru", "character-haru.png", "character", "하루 (긴 머리 소녀)"),
    Sample("tori", "character-tori.png", "character", "토리 (곰 마스코트)"),
    Sample("minjun", "character-minjun.png", "character", "민준 (안경 쓴 소년)"),
    Sample("can", "product-can.jpg", "product", "레몬 탄산수 캔"),
    Sample("cream", "product-cream.jpg", "product", "핸드크림 튜브"),
    Sample("snack", "product-snack.jpg", "product", "과자 상자"),
)


class Canvas:
    """An RGBA sheet drawn at ``SCALE`` times its final size, in final-size coordinates."""

    def __init__(self, size: tuple[int, int], background: tuple[int, ...]) -> None:
        from PIL import Image, ImageDraw

        self.size = size
        big = (size[0] * SCALE, size[1] * SCALE)
        self.image: Image.Image = Image.new("RGBA", big, background)
        self.draw: ImageDraw.ImageDraw = ImageDraw.Draw(self.image)

    def _box(self, box: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
        x0, y0, x1, y1 = box
        return (round(x0 * SCALE), round(y0 * SCALE), round(x1 * SCALE), round(y1 * SCALE))

    def ellipse(self, box: tuple[float, float, float, float], fill: RGB, line: int = 0) -> None:
        outline = (40, 32, 48) if line else None
        self.draw.ellipse(self._box(box), fill=fill, outline=outline, width=line * SCALE)

    def rect(
        self, box: tuple[float, float, float, float], fill: RGB, radius: float = 0, line: int = 0
    ) -> None:
        outline = (40, 32, 48) if line else None
        self.draw.rounded_rectangle(
            self._box(box), radius=round(radius * SCALE), fill=fill, outline=outline,
            width=line * SCALE,
        )  # fmt: skip

    def polygon(self, points: list[tuple[float, float]], fill: RGB, line: int = 0) -> None:
        scaled = [(round(x * SCALE), round(y * SCALE)) for x, y in points]
        outline = (40, 32, 48) if line else None
        self.draw.polygon(scaled, fill=fill, outline=outline, width=line * SCALE)

    def arc(self, box: tuple[float, float, float, float], start: int, end: int, width: int) -> None:
        self.draw.arc(self._box(box), start, end, fill=(40, 32, 48), width=width * SCALE)

    def line(self, points: list[tuple[float, float]], fill: RGB, width: int) -> None:
        scaled = [(round(x * SCALE), round(y * SCALE)) for x, y in points]
        self.draw.line(scaled, fill=fill, width=width * SCALE, joint="curve")

    def text_bar(self, box: tuple[float, float, float, float], fill: RGB, lines: int) -> None:
        """Stripes standing in for a label's lettering (no font needed)."""
        x0, y0, x1, y1 = box
        step = (y1 - y0) / lines
        for i in range(lines):
            width = (x1 - x0) * (0.9 if i == 0 else 0.6)
            left = x0 + ((x1 - x0) - width) / 2
            self.rect((left, y0 + i * step, left + width, y0 + i * step + step * 0.55), fill, 3)

    def result(self) -> Image.Image:
        from PIL import Image

        return self.image.resize(self.size, Image.Resampling.LANCZOS)


# --------------------------------------------------------------------------- characters

SKIN = (250, 222, 200)
BLUSH = (244, 164, 160)
INK = (40, 32, 48)


def _face(c: Canvas, cx: float, cy: float, r: float, eyes: RGB = INK) -> None:
    c.ellipse((cx - r, cy - r, cx + r, cy + r), SKIN, line=3)
    for dx in (-0.38, 0.38):
        ex = cx + dx * r
        c.ellipse((ex - r * 0.11, cy - r * 0.02, ex + r * 0.11, cy + r * 0.26), eyes)
        c.ellipse((ex - r * 0.04, cy + r * 0.02, ex + r * 0.03, cy + r * 0.09), (255, 255, 255))
        c.ellipse((ex - r * 0.16, cy + r * 0.34, ex + r * 0.16, cy + r * 0.46), BLUSH)
    c.arc((cx - r * 0.16, cy + r * 0.3, cx + r * 0.16, cy + r * 0.52), 20, 160, 3)


def _body(c: Canvas, cx: float, top: float, shirt: RGB, pants: RGB, shoes: RGB) -> None:
    # Legs, then the torso over them, then arms held a little out (a hand free for a product).
    for dx in (-34, 10):
        c.rect((cx + dx, top + 150, cx + dx + 24, top + 250), pants, 10, line=3)
        c.rect((cx + dx - 6, top + 238, cx + dx + 30, top + 262), shoes, 10, line=3)
    c.rect((cx - 62, top, cx + 62, top + 170), shirt, 36, line=3)
    left_arm = [
        (cx - 58, top + 30),
        (cx - 110, top + 120),
        (cx - 88, top + 134),
        (cx - 44, top + 70),
    ]
    c.polygon(left_arm, shirt, line=3)
    right_arm = [
        (cx + 58, top + 30),
        (cx + 118, top + 96),
        (cx + 102, top + 116),
        (cx + 44, top + 70),
    ]
    c.polygon(right_arm, shirt, line=3)
    c.ellipse((cx - 112, top + 112, cx - 80, top + 144), SKIN, line=3)
    c.ellipse((cx + 100, top + 88, cx + 132, top + 120), SKIN, line=3)


def haru() -> Image.Image:
    c = Canvas((360, 480), (0, 0, 0, 0))
    hair = (120, 72, 52)
    c.rect((92, 70, 268, 330), hair, 80, line=3)  # long hair behind
    _body(c, 180, 200, (246, 150, 182), (88, 96, 160), (70, 48, 60))
    c.rect((150, 196, 210, 226), (255, 255, 255), 12, line=3)  # hoodie collar
    _face(c, 180, 130, 76)
    c.polygon([(104, 118), (130, 60), (200, 46), (256, 84), (258, 124), (214, 92), (150, 104)],
              hair, line=3)  # fmt: skip
    c.ellipse((236, 86, 262, 112), (255, 214, 92), line=2)  # hair clip
    return c.result()


def tori() -> Image.Image:
    c = Canvas((360, 480), (0, 0, 0, 0))
    fur, belly = (236, 150, 70), (252, 226, 180)
    for x in (100, 224):  # ears
        c.ellipse((x, 40, x + 40, 80), fur, line=3)
        c.ellipse((x + 10, 50, x + 30, 70), belly)
    c.rect((88, 200, 272, 420), fur, 90, line=3)  # round body
    c.ellipse((128, 250, 232, 390), belly)
    for x in (110, 206):  # feet
        c.ellipse((x, 396, x + 48, 440), fur, line=3)
    c.ellipse((56, 246, 108, 298), fur, line=3)  # paws, one held up
    c.ellipse((256, 214, 308, 266), fur, line=3)
    c.ellipse((90, 56, 270, 226), fur, line=3)  # head
    c.ellipse((148, 140, 212, 196), belly)  # muzzle
    c.ellipse((170, 146, 190, 160), INK)
    for x in (134, 206):
        c.ellipse((x, 112, x + 20, 134), INK)
        c.ellipse((x + 5, 116, x + 11, 122), (255, 255, 255))
        c.ellipse((x - 10, 150, x + 16, 164), BLUSH)
    c.arc((166, 158, 194, 180), 20, 160, 3)
    return c.result()


def minjun() -> Image.Image:
    c = Canvas((360, 480), (0, 0, 0, 0))
    hair = (36, 36, 52)
    _body(c, 180, 200, (74, 132, 214), (60, 60, 72), (220, 220, 228))
    c.polygon([(180, 200), (160, 240), (180, 300), (200, 240)], (255, 255, 255), line=2)  # shirt
    _face(c, 180, 130, 74)
    c.polygon([(104, 120), (112, 70), (140, 48), (180, 40), (222, 48), (252, 74), (256, 120),
               (236, 92), (214, 104), (196, 84), (170, 104), (146, 86), (126, 108)],
              hair, line=3)  # fmt: skip
    for x in (134, 196):  # glasses
        c.draw.rounded_rectangle(
            c._box((x, 122, x + 32, 150)), radius=8 * SCALE, outline=INK, width=3 * SCALE
        )
    c.line([(166, 134), (196, 134)], INK, 3)
    return c.result()


# --------------------------------------------------------------------------- products

WHITE = (255, 255, 255, 255)


def can() -> Image.Image:
    c = Canvas((360, 360), WHITE)
    c.ellipse((120, 300, 240, 324), (226, 226, 230))  # shadow
    c.rect((124, 70, 236, 312), (250, 214, 64), 18, line=3)
    c.rect((124, 70, 236, 96), (200, 204, 214), 12, line=3)  # lid
    c.rect((124, 290, 236, 312), (200, 204, 214), 10, line=3)
    c.ellipse((150, 130, 210, 190), (255, 244, 150), line=3)  # lemon
    c.line([(180, 132), (180, 188)], (232, 200, 60), 2)
    c.text_bar((140, 206, 220, 262), (60, 150, 90), 3)
    return c.result()


def cream() -> Image.Image:
    c = Canvas((360, 360), WHITE)
    c.ellipse((86, 276, 300, 300), (226, 226, 230))
    c.polygon([(70, 150), (262, 120), (286, 262), (86, 246)], (232, 240, 250), line=3)  # tube
    c.rect((262, 146, 314, 226), (110, 170, 230), 10, line=3)  # cap
    c.polygon([(104, 170), (238, 150), (250, 220), (116, 232)], (150, 200, 240))
    c.text_bar((126, 172, 226, 216), (255, 255, 255), 2)
    return c.result()


def snack() -> Image.Image:
    c = Canvas((360, 360), WHITE)
    c.ellipse((84, 296, 284, 320), (226, 226, 230))
    c.polygon([(96, 90), (240, 66), (276, 96), (276, 296), (96, 308)], (232, 84, 72), line=3)
    c.polygon([(240, 66), (276, 96), (276, 296), (240, 272)], (196, 60, 56), line=3)  # side
    c.ellipse((120, 130, 214, 224), (250, 200, 110), line=3)  # a cookie on the front
    for x, y in ((146, 160), (178, 150), (160, 192), (190, 186)):
        c.ellipse((x, y, x + 12, y + 12), (120, 72, 40))
    c.text_bar((112, 238, 226, 284), (255, 240, 210), 2)
    return c.result()


DRAWINGS: dict[str, Callable[[], Image.Image]] = {
    "haru": haru, "tori": tori, "minjun": minjun, "can": can, "cream": cream, "snack": snack,
}  # fmt: skip


def encode(sample: Sample, image: Image.Image) -> bytes:
    """The committed bytes: characters as small palette PNGs (alpha kept), products as JPEG."""
    out = io.BytesIO()
    if sample.file.endswith(".png"):
        from PIL import Image

        quantized = image.quantize(
            colors=96, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
        )
        quantized.save(out, format="PNG", optimize=True)
    else:
        image.convert("RGB").save(out, format="JPEG", quality=86, optimize=True)
    return out.getvalue()


def write(out: Path = OUT) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for sample in SAMPLES:
        path = out / sample.file
        path.write_bytes(encode(sample, DRAWINGS[sample.name]()))
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    for path in write(args.out):
        print(f"wrote {path} ({path.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
