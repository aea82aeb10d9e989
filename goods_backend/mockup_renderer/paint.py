"""Shape masks, the compositing canvas, and preparing the art as a print."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from goods_backend.mockup_renderer.look import SUPERSAMPLE, planar
from goods_backend.mockup_renderer.raster import embed, window


class Mask:
    """An anti-aliased shape mask drawn in layer pixels (supersampled, box-reduced)."""

    def __init__(self, w: int, h: int, ss: int = SUPERSAMPLE) -> None:
        self.ss = ss
        self.img = Image.new("L", (w * ss, h * ss), 0)
        self.draw = ImageDraw.Draw(self.img)

    def _pts(self, pts: list[tuple[float, float]]) -> list[tuple[float, float]]:
        return [(x * self.ss, y * self.ss) for x, y in pts]

    def _box(self, box: tuple[float, float, float, float]) -> list[float]:
        x0, y0, x1, y1 = (v * self.ss for v in box)
        return [x0, y0, max(x0, x1), max(y0, y1)]

    def polygon(self, pts: list[tuple[float, float]], fill: int = 255) -> Mask:
        """Fill a polygon; returns the mask, so shapes chain."""
        self.draw.polygon(self._pts(pts), fill=fill)
        return self

    def ellipse(self, box: tuple[float, float, float, float], fill: int = 255) -> Mask:
        """Fill the ellipse inscribed in ``box`` (x0, y0, x1, y1); ``fill=0`` cuts a hole."""
        self.draw.ellipse(self._box(box), fill=fill)
        return self

    def ring(self, box: tuple[float, float, float, float], width: float) -> Mask:
        """Outline the ellipse inscribed in ``box`` with a line ``width`` px wide."""
        self.draw.ellipse(self._box(box), outline=255, width=max(1, round(width * self.ss)))
        return self

    def rect(
        self, box: tuple[float, float, float, float], radius: float = 0, fill: int = 255
    ) -> Mask:
        """Fill a rectangle, its corners rounded by ``radius`` px (capped at half a side)."""
        b = self._box(box)
        r = min(radius * self.ss, (b[2] - b[0]) / 2, (b[3] - b[1]) / 2)
        self.draw.rounded_rectangle(b, radius=max(0.0, r), fill=fill)
        return self

    def line(self, pts: list[tuple[float, float]], width: float, fill: int = 255) -> Mask:
        """Stroke a polyline ``width`` px wide with rounded joints."""
        self.draw.line(
            self._pts(pts), fill=fill, width=max(1, round(width * self.ss)), joint="curve"
        )
        return self

    def array(self) -> np.ndarray:
        """The coverage so far, float32 (H, W) in [0, 1], at layer resolution."""
        return np.asarray(self.img.reduce(self.ss), np.float32) / 255.0


class Paint:
    """Premultiplied planar RGBA float canvas: product parts are composited back to front."""

    def __init__(self, w: int, h: int) -> None:
        self.rgb = np.zeros((3, h, w), np.float32)
        self.alpha = np.zeros((h, w), np.float32)

    def over(self, colour: np.ndarray | tuple[float, ...], alpha: np.ndarray) -> None:
        """Lay ``colour`` (straight; constant or planar) with coverage ``alpha`` on top."""
        win = window(alpha)
        if win is None:
            return
        a = alpha[win]
        c = np.asarray(colour, np.float32)
        if c.ndim == 1:
            c = c.reshape(3, 1, 1)
        elif c.shape[1:] != (1, 1):
            c = np.broadcast_to(c, (3, *alpha.shape))[(slice(None), *win)]
        self._blend(win, c * a, a)

    def over_premul(self, rgb: np.ndarray, alpha: np.ndarray) -> None:
        """Lay an already premultiplied planar colour on top."""
        win = window(alpha)
        if win is not None:
            self._blend(win, rgb[(slice(None), *win)], alpha[win])

    def _blend(self, win: tuple[slice, slice], premul: np.ndarray, a: np.ndarray) -> None:
        # in place, on the covered window only: most parts are small next to the layer
        rgb, alpha = self.rgb[(slice(None), *win)], self.alpha[win]
        rgb *= 1.0 - a
        rgb += premul
        alpha *= 1.0 - a
        alpha += a

    def image(self) -> Image.Image:
        """The canvas as a straight-alpha RGBA image."""
        # Pillow un-premultiplies in C ("RGBa" -> "RGBA"), far cheaper than numpy.
        bands = _bands(self.rgb, self.alpha)
        return Image.merge("RGBa", bands).convert("RGBA")


def _bands(rgb: np.ndarray, alpha: np.ndarray) -> list[Image.Image]:
    """Planar float colour + alpha -> four 8-bit Pillow bands."""
    c8 = np.clip(rgb + 0.5, 0, 255).astype(np.uint8)
    a8 = np.clip(alpha * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return [
        Image.fromarray(c8[0]),
        Image.fromarray(c8[1]),
        Image.fromarray(c8[2]),
        Image.fromarray(a8),
    ]


def rgba_image(rgb: np.ndarray, alpha: np.ndarray) -> Image.Image:
    """Straight planar colour + coverage -> RGBA image."""
    return Image.merge("RGBA", _bands(rgb, alpha))


def fit_art(art: Image.Image, max_w: float, max_h: float) -> Image.Image:
    """The art scaled (LANCZOS; Pillow premultiplies RGBA) to fit inside max_w x max_h."""
    f = min(max_w / art.width, max_h / art.height)
    size = (max(1, round(art.width * f)), max(1, round(art.height * f)))
    return art.resize(size, Image.Resampling.LANCZOS)


def premul(img: Image.Image) -> tuple[np.ndarray, np.ndarray]:
    """RGBA image -> premultiplied planar colour (0..255) and alpha (0..1)."""
    r, g, b, a = (np.asarray(band, np.float32) for band in img.convert("RGBa").split())
    return np.stack([r, g, b]), a / 255.0


def palette_mean(art: Image.Image) -> np.ndarray:
    """Average colour of the art's visible pixels (from a thumbnail: it is only a tint)."""
    thumb = art.copy()
    thumb.thumbnail((64, 64))
    prgb, pa = premul(thumb)
    weight = float(pa.sum())
    if weight <= 0:
        return planar((200.0, 200.0, 200.0))
    return planar(prgb.sum(axis=(1, 2)) / weight)


def print_in(
    art: Image.Image,
    w: int,
    h: int,
    box: tuple[float, float, float, float],
    scale: float,
    *,
    top: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """The art fitted into ``box`` of a w x h layer (centred, or top-aligned for chest prints).

    Returns premultiplied planar colour and alpha of the full layer size.
    """
    x0, y0, x1, y1 = box
    fitted = fit_art(art, (x1 - x0) * scale, (y1 - y0) * scale)
    px = round((x0 + x1 - fitted.width) / 2)
    py = round(y0 if top else (y0 + y1 - fitted.height) / 2)
    prgb, pa = premul(fitted)
    return embed(prgb, w, h, px, py), embed(pa, w, h, px, py)


def fabric_contrast(shade: np.ndarray, base: np.ndarray, pa: np.ndarray) -> np.ndarray:
    """Deepen cloth shading on dark dyes, except under the (light) print.

    Folds on navy or black cotton read by their sheen, not by darkening an
    already dark colour, so the same relief needs more multiplicative contrast
    there; the ink on top keeps the plain shading or its weave would glare.
    """
    luma = float(base[0, 0, 0] * 0.3 + base[1, 0, 0] * 0.59 + base[2, 0, 0] * 0.11) / 255.0
    gain = 1.0 + 1.6 * (1.0 - luma) ** 2
    deep = np.clip(1.0 + (shade - 1.0) * gain, 0.25, 1.6)
    kept: np.ndarray = deep + (shade - deep) * pa
    return kept


def ink(base: np.ndarray, prgb: np.ndarray, pa: np.ndarray) -> np.ndarray:
    """A print laid on a coloured surface (straight colour, planar)."""
    printed: np.ndarray = base * (1.0 - pa) + prgb
    return printed
