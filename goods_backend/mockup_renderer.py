"""Local goods engine: offline, deterministic product mockups drawn with Pillow + numpy.

The production goods engine is an AI model.  This module is its free, instant
stand-in: it draws each kind of merchandise as a small product photo -- the
object modelled with shapes, gradients and shading on a studio backdrop with a
contact shadow -- and prints the creator's character on it the way that
product carries a print (chest print, cylinder wrap, die-cut, button face...).

Contract of :func:`render_mockup`:

* the output is an RGB image whose size comes from
  :func:`webtoon_core.compositing.canvas_size` for the requested ratio;
* it is a pure function of its arguments: same character, kind, prompt, ratio,
  seed and size give identical pixels (``seed=None`` behaves as a fixed seed);
  randomness only ever comes from generators seeded here, never global state;
* the seed only varies small things (tilt, backdrop tint, print scale, fabric
  folds and grain), so a creator can re-roll a mockup without changing the product;
* a colour named in the prompt becomes the base colour of products that come
  in colours (t-shirt, mug, eco bag, phone case, cushion).

Everything is vectorised (no per-pixel Python loops): a 1024 px mockup takes
roughly 0.1 s on one core, background removal included.

Drawing conventions used below: masks and alphas are float32 ``(H, W)`` arrays
in [0, 1]; colours are float32 *planar* ``(3, H, W)`` arrays (or ``(3, 1, 1)``
constants) in [0, 255] -- planar because multiplying a colour by a mask then
broadcasts over the leading axis, several times faster than ``(H, W, 3)``.
Product layers are built by compositing parts back to front (:class:`_Paint`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from webtoon_core.compositing import canvas_size, cutout, soft_shadow, subject_bbox

GOODS_KINDS: tuple[str, ...] = (
    "tshirt",
    "mug",
    "ecobag",
    "acrylic_keyring",
    "acrylic_stand",
    "sticker",
    "phone_case",
    "badge",
    "cushion",
    "poster",
)

_RGB = tuple[int, int, int]
_LANCZOS = Image.Resampling.LANCZOS
_BICUBIC = Image.Resampling.BICUBIC
_SS = 2  # supersampling factor for vector shapes (drawn at 2x, box-reduced)
_TO_LIGHT = (-0.6, -0.8)  # screen-space direction towards the key light (upper left)
_WHITE = (255.0, 255.0, 255.0)

# --------------------------------------------------------------------------- colours

# Fabric/ceramic-plausible versions of the colours a prompt may name.
_BASE_COLOURS: dict[str, _RGB] = {
    "white": (244, 243, 239),
    "black": (40, 40, 44),
    "navy": (32, 43, 76),
    "gray": (148, 151, 156),
    "red": (188, 38, 46),
    "blue": (48, 100, 186),
    "pink": (243, 172, 196),
    "yellow": (244, 207, 78),
    "green": (60, 124, 84),
    "beige": (222, 205, 174),
}

# English words need letter boundaries ("red" must not fire inside "colored");
# Korean colour words take particles and suffixes, so they are matched as substrings.
_COLOUR_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "white": (("white",), ("흰색", "화이트", "하얀", "흰")),
    "black": (("black",), ("검정", "블랙", "검은")),
    "navy": (("navy",), ("네이비", "남색")),
    "gray": (("gray", "grey"), ("회색", "그레이")),
    "red": (("red",), ("빨강", "빨간")),
    "blue": (("blue",), ("파랑", "파란")),
    "pink": (("pink",), ("분홍", "핑크")),
    "yellow": (("yellow",), ("노랑", "노란")),
    "green": (("green",), ("초록",)),
    "beige": (("beige",), ("베이지",)),
}

# Products that come in colours, with their default (undyed) base.
_DEFAULT_BASE: dict[str, _RGB] = {
    "tshirt": (244, 243, 239),
    "mug": (246, 245, 241),
    "ecobag": (235, 225, 203),  # natural cotton canvas
    "phone_case": (241, 240, 237),
    "cushion": (242, 236, 223),
}

# Soft studio backdrops; the seed picks one, so re-rolls change the mood, not the product.
_BACKDROPS: tuple[_RGB, ...] = (
    (219, 212, 201),  # warm sand
    (205, 212, 220),  # cool grey-blue
    (208, 217, 204),  # sage
    (226, 209, 204),  # blush
    (212, 207, 224),  # lavender
    (222, 215, 195),  # wheat
)


def _colour_hint(prompt: str) -> str | None:
    """The base colour named earliest in ``prompt`` ("navy blue" -> navy), if any."""
    text = prompt.lower()
    best: tuple[int, str] | None = None
    for name, (english, korean) in _COLOUR_WORDS.items():
        hits = [m.start() for w in english for m in re.finditer(rf"(?<![a-z]){w}(?![a-z])", text)]
        hits += [i for w in korean if (i := text.find(w)) >= 0]
        if hits and (best is None or min(hits) < best[0]):
            best = (min(hits), name)
    return best[1] if best else None


def _rgb(colour: tuple[float, ...] | np.ndarray) -> np.ndarray:
    """A constant colour shaped (3, 1, 1), to broadcast against planar images."""
    return np.asarray(colour, np.float32).reshape(3, 1, 1)


# --------------------------------------------------------------------------- look


@dataclass(frozen=True)
class _Look:
    """Everything a drawing function may vary: the prompt's colour and the seed's jitter."""

    hint: str | None
    backdrop: tuple[float, float, float]
    tilt: float  # in [-1, 1]; each kind scales it by how much that product may lie askew
    print_scale: float  # print size relative to the product's print area
    glow_x: float  # horizontal shift of the backdrop's light pool
    seed: int

    def base(self, kind: str) -> np.ndarray:
        """The product's base colour: the prompt's colour if it names one, else the default."""
        return _rgb(_BASE_COLOURS[self.hint] if self.hint else _DEFAULT_BASE[kind])

    def rng(self, salt: int) -> np.random.Generator:
        """A private generator per purpose, so textures never shift the other jitter."""
        return np.random.default_rng([self.seed, salt])


def _make_look(prompt: str, seed: int | None) -> _Look:
    norm = 0 if seed is None else seed % (1 << 64)  # default_rng refuses negative seeds
    rng = np.random.default_rng(norm)
    tint = np.asarray(_BACKDROPS[int(rng.integers(len(_BACKDROPS)))], np.float64)
    tint = tint + rng.uniform(-5.0, 5.0, 3)
    return _Look(
        hint=_colour_hint(prompt),
        backdrop=(float(tint[0]), float(tint[1]), float(tint[2])),
        tilt=float(rng.uniform(-1.0, 1.0)),
        print_scale=float(rng.uniform(0.9, 1.0)),
        glow_x=float(rng.uniform(-0.12, 0.12)),
        seed=norm,
    )


# --------------------------------------------------------------------------- raster helpers


def _coords(w: int, h: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates as a broadcastable row (1, w) and column (h, 1)."""
    x = (np.arange(w, dtype=np.float32) + 0.5)[None, :]
    y = (np.arange(h, dtype=np.float32) + 0.5)[:, None]
    return x, y


def _box1(a: np.ndarray, r: int) -> np.ndarray:
    """Edge-clamped running mean of width 2r+1 along axis 0 (cumulative-sum trick)."""
    p = np.concatenate([np.repeat(a[:1], r + 1, 0), a, np.repeat(a[-1:], r, 0)])
    c = np.cumsum(p, axis=0, dtype=np.float32)
    return (c[2 * r + 1 :] - c[: -(2 * r + 1)]) / (2 * r + 1)


def _gauss(a: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of a [0, 1] map.

    Small radii use Pillow's 8-bit blur (fast, precise enough at that scale).
    Large radii run three box passes in float on a downscaled copy and upscale
    bicubically: the result is smooth, so nothing visible is lost, the cost is
    flat in the radius, and thresholds taken on it (dilation) stay sub-pixel.
    """
    if sigma < 0.4:
        return a.astype(np.float32)
    h, w = a.shape
    if sigma < 6.0:
        img = Image.fromarray(np.clip(a * 255.0 + 0.5, 0, 255).astype(np.uint8))
        return np.asarray(img.filter(ImageFilter.GaussianBlur(sigma)), np.float32) / 255.0
    step = int(sigma // 3)
    sw, sh = max(2, round(w / step)), max(2, round(h / step))
    small = np.asarray(Image.fromarray(a.astype(np.float32)).resize((sw, sh), Image.Resampling.BOX))
    s = sigma * sw / w
    r = max(1, round((math.sqrt(4.0 * s * s + 1.0) - 1.0) / 2.0))
    out = small
    for _ in range(3):  # three box passes approximate a Gaussian closely
        out = _box1(_box1(out, r).T, r).T
    return _upscale(np.ascontiguousarray(out), w, h)


def _upscale(a: np.ndarray, w: int, h: int) -> np.ndarray:
    """Bicubic resize of a float map (used to evaluate smooth fields on coarse grids)."""
    return np.asarray(Image.fromarray(a.astype(np.float32)).resize((w, h), _BICUBIC), np.float32)


def _ramp(field: np.ndarray, level: float, slope: float) -> np.ndarray:
    """Anti-aliased threshold: 0 -> 1 across one pixel where ``field`` crosses ``level``."""
    return np.clip((field - level) / max(slope, 1e-6) + 0.5, 0.0, 1.0)


def _smooth(mask: np.ndarray, sigma: float) -> np.ndarray:
    """Round a mask's corners and fill its notches (blur, re-threshold at half)."""
    if sigma < 0.6:
        return mask
    return _ramp(_gauss(mask, sigma), 0.5, 0.4 / sigma)


def _dilate(alpha: np.ndarray, radius: float) -> np.ndarray:
    """Grow a silhouette by about ``radius`` px with a rounded outline (a cutting path).

    A blurred straight edge falls to Q(1.6) ~= 0.055 at 1.6 sigma outside it,
    so thresholding there dilates by ``radius``; thin details grow a little
    less, which is what a smooth die line does anyway.
    """
    sigma = max(radius, 0.5) / 1.6
    grown = _ramp(_gauss(alpha, sigma), 0.0548, 0.111 / sigma)
    return np.maximum(grown, alpha)


def _facing(field: np.ndarray) -> np.ndarray:
    """How much a blurred mask's outward edge faces the key light, in [-1, 1]."""
    gy, gx = np.gradient(field)
    norm = np.sqrt(gx * gx + gy * gy) + 1e-6
    # the outward normal is -grad; dot it with the direction towards the light
    return -(gx * _TO_LIGHT[0] + gy * _TO_LIGHT[1]) / norm


def _shift(a: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """Translate a 2-D map by whole pixels, filling with zeros."""
    out = np.zeros_like(a)
    h, w = a.shape
    if abs(dx) >= w or abs(dy) >= h:
        return out
    out[max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = a[
        max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)
    ]
    return out


def _disc(x: np.ndarray, y: np.ndarray, cx: float, cy: float, r: float) -> np.ndarray:
    """Anti-aliased filled circle."""
    return np.clip(r - np.sqrt((x - cx) ** 2 + (y - cy) ** 2) + 0.5, 0.0, 1.0)


def _grain(look: _Look, salt: int, w: int, h: int) -> np.ndarray:
    """Unit-variance pixel noise, seeded: fabric weave, paper tooth, backdrop grain.

    A 256 px tile is repeated: at a few percent amplitude the period is
    invisible, and it costs a fraction of drawing a full canvas of normals.
    """
    tile = look.rng(salt).standard_normal((256, 256), dtype=np.float32)
    return np.tile(tile, (-(-h // 256), -(-w // 256)))[:h, :w]


def _folds(w: int, h: int, folds: list[tuple[float, ...]]) -> np.ndarray:
    """Soft fabric folds: a light/shadow pair across each segment, computed at 1/4 size.

    Each fold is ``(x0, y0, x1, y1, amplitude, width)`` in unit coordinates; the
    profile is a derivative of Gaussian across the segment, faded at its ends.
    """
    lw, lh = max(4, w // 4), max(4, h // 4)
    x, y = _coords(lw, lh)
    out = np.zeros((lh, lw), np.float32)
    for x0, y0, x1, y1, amp, width in folds:
        ax, ay, dx, dy = x0 * lw, y0 * lh, (x1 - x0) * lw, (y1 - y0) * lh
        length2 = dx * dx + dy * dy + 1e-6
        t = np.clip(((x - ax) * dx + (y - ay) * dy) / length2, 0.0, 1.0)
        d = ((x - ax) * dy - (y - ay) * dx) / math.sqrt(length2) / max(width * lw, 0.5)
        out += amp * d * np.exp(-0.5 * d * d) * np.sin(np.pi * t)
    return _upscale(out, w, h)


def _sheen(w: int, h: int, at: float, strength: float) -> np.ndarray:
    """A glossy diagonal reflection: a broad soft band plus a thin bright streak.

    Smooth, so it is evaluated on a 1/4 grid and upscaled.
    """
    lw, lh = max(4, w // 4), max(4, h // 4)
    x, y = _coords(lw, lh)
    d = (x / lw * 0.75 + y / lh * 0.45) / 1.2
    broad = np.exp(-(((d - at) / 0.11) ** 2))
    streak = np.exp(-(((d - at - 0.17) / 0.014) ** 2))
    return _upscale(strength * (0.55 * broad + 0.6 * streak), w, h)


def _sample_columns(src: np.ndarray, sx: np.ndarray, sy: np.ndarray) -> np.ndarray:
    """Bilinear sample of planar ``src`` (c, h, w) where the mapping is separable by column.

    Output column j reads source column ``sx[j]`` (float) and output row i of it
    reads source row ``sy[i, j]``; zero outside, so the print's edges stay soft.
    Two cheap passes (columns, then a per-column shift) instead of a 2-D gather.
    """
    _, h, w = src.shape
    pad = np.pad(src, ((0, 0), (1, 1), (1, 1)))
    xp = np.clip(sx + 0.5, 0.0, w + 1.0)  # +1 for the pad, -0.5 for pixel centres
    x0 = np.minimum(xp.astype(np.int32), w)
    fx = xp - x0
    cols = pad[:, :, x0] * (1.0 - fx) + pad[:, :, x0 + 1] * fx
    yp = np.clip(sy + 0.5, 0.0, h + 1.0)
    y0 = np.minimum(yp.astype(np.int32), h)
    fy = yp - y0
    top = np.take_along_axis(cols, y0[None], axis=1)
    bottom = np.take_along_axis(cols, y0[None] + 1, axis=1)
    return top * (1.0 - fy) + bottom * fy


def _embed(a: np.ndarray, w: int, h: int, x: int, y: int) -> np.ndarray:
    """Place ``a`` (spatial in its last two axes) into a zero w x h canvas at (x, y), clipped."""
    out = np.zeros((*a.shape[:-2], h, w), np.float32)
    ah, aw = a.shape[-2:]
    sx0, sy0, dx0, dy0 = max(0, -x), max(0, -y), max(0, x), max(0, y)
    cw, ch = min(aw - sx0, w - dx0), min(ah - sy0, h - dy0)
    if cw > 0 and ch > 0:
        out[..., dy0 : dy0 + ch, dx0 : dx0 + cw] = a[..., sy0 : sy0 + ch, sx0 : sx0 + cw]
    return out


def _window(alpha: np.ndarray) -> tuple[slice, slice] | None:
    """Bounding slices of the non-zero part of a map (None when empty)."""
    rows = np.flatnonzero(alpha.any(axis=1))
    if not rows.size:
        return None
    cols = np.flatnonzero(alpha[rows[0] : rows[-1] + 1].any(axis=0))
    return slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)


class _Mask:
    """An anti-aliased shape mask drawn in layer pixels (supersampled, box-reduced)."""

    def __init__(self, w: int, h: int, ss: int = _SS) -> None:
        self.ss = ss
        self.img = Image.new("L", (w * ss, h * ss), 0)
        self.draw = ImageDraw.Draw(self.img)

    def _pts(self, pts: list[tuple[float, float]]) -> list[tuple[float, float]]:
        return [(x * self.ss, y * self.ss) for x, y in pts]

    def _box(self, box: tuple[float, float, float, float]) -> list[float]:
        x0, y0, x1, y1 = (v * self.ss for v in box)
        return [x0, y0, max(x0, x1), max(y0, y1)]

    def polygon(self, pts: list[tuple[float, float]], fill: int = 255) -> _Mask:
        self.draw.polygon(self._pts(pts), fill=fill)
        return self

    def ellipse(self, box: tuple[float, float, float, float], fill: int = 255) -> _Mask:
        self.draw.ellipse(self._box(box), fill=fill)
        return self

    def ring(self, box: tuple[float, float, float, float], width: float) -> _Mask:
        self.draw.ellipse(self._box(box), outline=255, width=max(1, round(width * self.ss)))
        return self

    def rect(
        self, box: tuple[float, float, float, float], radius: float = 0, fill: int = 255
    ) -> _Mask:
        b = self._box(box)
        r = min(radius * self.ss, (b[2] - b[0]) / 2, (b[3] - b[1]) / 2)
        self.draw.rounded_rectangle(b, radius=max(0.0, r), fill=fill)
        return self

    def line(self, pts: list[tuple[float, float]], width: float, fill: int = 255) -> _Mask:
        self.draw.line(
            self._pts(pts), fill=fill, width=max(1, round(width * self.ss)), joint="curve"
        )
        return self

    def array(self) -> np.ndarray:
        return np.asarray(self.img.reduce(self.ss), np.float32) / 255.0


class _Paint:
    """Premultiplied planar RGBA float canvas: product parts are composited back to front."""

    def __init__(self, w: int, h: int) -> None:
        self.rgb = np.zeros((3, h, w), np.float32)
        self.alpha = np.zeros((h, w), np.float32)

    def over(self, colour: np.ndarray | tuple[float, ...], alpha: np.ndarray) -> None:
        """Lay ``colour`` (straight; constant or planar) with coverage ``alpha`` on top."""
        win = _window(alpha)
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
        win = _window(alpha)
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


def _rgba_image(rgb: np.ndarray, alpha: np.ndarray) -> Image.Image:
    """Straight planar colour + coverage -> RGBA image."""
    return Image.merge("RGBA", _bands(rgb, alpha))


def _fit_art(art: Image.Image, max_w: float, max_h: float) -> Image.Image:
    """The art scaled (LANCZOS; Pillow premultiplies RGBA) to fit inside max_w x max_h."""
    f = min(max_w / art.width, max_h / art.height)
    size = (max(1, round(art.width * f)), max(1, round(art.height * f)))
    return art.resize(size, _LANCZOS)


def _premul(img: Image.Image) -> tuple[np.ndarray, np.ndarray]:
    """RGBA image -> premultiplied planar colour (0..255) and alpha (0..1)."""
    r, g, b, a = (np.asarray(band, np.float32) for band in img.convert("RGBa").split())
    return np.stack([r, g, b]), a / 255.0


def _palette_mean(art: Image.Image) -> np.ndarray:
    """Average colour of the art's visible pixels (from a thumbnail: it is only a tint)."""
    thumb = art.copy()
    thumb.thumbnail((64, 64))
    prgb, pa = _premul(thumb)
    weight = float(pa.sum())
    if weight <= 0:
        return _rgb((200.0, 200.0, 200.0))
    return _rgb(prgb.sum(axis=(1, 2)) / weight)


def _print_in(
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
    fitted = _fit_art(art, (x1 - x0) * scale, (y1 - y0) * scale)
    px = round((x0 + x1 - fitted.width) / 2)
    py = round(y0 if top else (y0 + y1 - fitted.height) / 2)
    prgb, pa = _premul(fitted)
    return _embed(prgb, w, h, px, py), _embed(pa, w, h, px, py)


def _fabric_contrast(shade: np.ndarray, base: np.ndarray, pa: np.ndarray) -> np.ndarray:
    """Deepen cloth shading on dark dyes, except under the (light) print.

    Folds on navy or black cotton read by their sheen, not by darkening an
    already dark colour, so the same relief needs more multiplicative contrast
    there; the ink on top keeps the plain shading or its weave would glare.
    """
    luma = float(base[0, 0, 0] * 0.3 + base[1, 0, 0] * 0.59 + base[2, 0, 0] * 0.11) / 255.0
    gain = 1.0 + 1.6 * (1.0 - luma) ** 2
    deep = np.clip(1.0 + (shade - 1.0) * gain, 0.25, 1.6)
    return deep + (shade - deep) * pa


def _ink(base: np.ndarray, prgb: np.ndarray, pa: np.ndarray) -> np.ndarray:
    """A print laid on a coloured surface (straight colour, planar)."""
    return base * (1.0 - pa) + prgb


# --------------------------------------------------------------------------- acrylic / die-cut


def _cut_piece(
    art: Image.Image, max_w: float, max_h: float, border: float, *, top_room: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Art fitted into max_w x max_h (border included) and its rounded cut outline.

    Returns premultiplied print colour, print alpha and the cut-shape mask, all
    of the padded piece size; ``top_room`` adds empty rows above for a tab.
    """
    fitted = _fit_art(art, max(1.0, max_w - 2 * border), max(1.0, max_h - 2 * border))
    pad = math.ceil(border * 1.25) + 2
    layer = Image.new("RGBA", (fitted.width + 2 * pad, fitted.height + 2 * pad + top_room))
    layer.paste(fitted, (pad, pad + top_room))
    prgb, pa = _premul(layer)
    shape = _smooth(_dilate(pa, border), border * 0.3)
    return prgb, pa, np.maximum(shape, pa)


def _paint_acrylic(
    paint: _Paint, shape: np.ndarray, prgb: np.ndarray, pa: np.ndarray, *, size: float
) -> None:
    """Clear acrylic with a print on its back face: edge wall, bevel glints and gloss.

    The clear parts are only partly opaque so the backdrop shows through, which
    is what makes acrylic read as acrylic next to the fully opaque print.
    """
    h, w = shape.shape
    t = max(1, round(size * 0.008))  # visible slab thickness, lower right
    wall = np.clip(_shift(shape, t, t) - shape, 0.0, 1.0)
    paint.over((150.0, 168.0, 186.0), wall * 0.6)
    paint.over((236.0, 244.0, 250.0), shape * 0.3)
    paint.over_premul(prgb, pa)
    field = _gauss(shape, max(1.0, size * 0.006))
    rim = shape * np.clip((1.0 - field) * 2.2, 0.0, 1.0)
    facing = _facing(field)
    paint.over(_WHITE, rim * (0.35 + 0.6 * np.clip(facing, 0, 1)))
    paint.over((70.0, 90.0, 112.0), rim * 0.35 * np.clip(-facing, 0, 1))
    paint.over(_WHITE, shape * _sheen(w, h, 0.3, 0.42))


def _metal(mask: np.ndarray, width: float) -> np.ndarray:
    """Polished steel (planar colour) for a wire mask: bright tube centre, lit glints."""
    field = _gauss(mask, max(0.7, width * 0.3))
    tube = np.clip((field - 0.35) / 0.5, 0.0, 1.0)
    v = 96.0 + 110.0 * tube + 42.0 * _facing(field) + 70.0 * tube**6
    return np.clip(v * _rgb((0.97, 0.99, 1.03)), 0, 255)


# --------------------------------------------------------------------------- products
# Every drawer gets the lifted art, the layer size and the look, and returns an
# RGBA layer with the product on transparency, lit from the upper left.


def _draw_tshirt(art: Image.Image, w: int, h: int, look: _Look) -> Image.Image:
    """Flat-lay crew-neck tee: silhouette, collar ribs, seams, folds; chest print."""
    base = look.base("tshirt")
    x, y = _coords(w, h)

    def p(u: float, v: float) -> tuple[float, float]:
        return (u * w, v * h)

    neck_l, neck_r, neck_y = 0.395, 0.605, 0.035
    back_neck = [
        p(neck_r - (neck_r - neck_l) * t, neck_y + 0.016 * math.sin(math.pi * t))
        for t in np.linspace(0.0, 1.0, 9)
    ]
    outline = [
        p(neck_l, neck_y), p(0.205, 0.09), p(0.03, 0.30), p(0.125, 0.43), p(0.215, 0.345),
        p(0.205, 0.975), p(0.795, 0.975), p(0.785, 0.345), p(0.875, 0.43), p(0.97, 0.30),
        p(0.795, 0.09), *back_neck,
    ]  # fmt: skip
    shape = _smooth(_Mask(w, h).polygon(outline).array(), max(0.6, w * 0.004))

    # Collar: the inside of the back shows through the scooped front neckline,
    # framed by a rib band at the back and a wider one along the front.
    cx, rx, ry, ny = 0.5 * w, 0.105 * w, 0.10 * h, neck_y * h
    band = 0.03 * w
    front = _Mask(w, h).ellipse((cx - rx, ny - ry, cx + rx, ny + ry)).array()
    front_out = (
        _Mask(w, h)
        .ellipse((cx - rx - band, ny - ry - band, cx + rx + band, ny + ry + band))
        .array()
    )
    tx = np.clip((x / w - neck_l) / (neck_r - neck_l), 0.0, 1.0)
    back_curve = (neck_y + 0.016 * np.sin(np.pi * tx)) * h
    opening = front * shape
    back_rib = opening * np.clip(back_curve + 0.022 * h - y + 0.5, 0.0, 1.0)
    inside = opening - back_rib
    below = np.clip(y - ny + 0.5, 0.0, 1.0)
    front_rib = np.clip(front_out - front, 0.0, 1.0) * shape * below
    depth = np.clip((y - ny) / ry, 0.0, 1.0)
    ribs = 1.0 + 0.035 * np.cos(np.arctan2(y - ny, x - cx) * (2 * np.pi * rx / max(2.5, w * 0.006)))
    tone = (
        1.0
        + inside * ((0.58 + 0.16 * depth) - 1.0)
        + back_rib * (0.86 * ribs - 1.0)
        + front_rib * (0.985 * ribs - 1.0)
    )
    # the front rib casts a thin shadow on the body just below it
    tone *= (
        1.0 - 0.5 * np.clip(_gauss(front_out, max(0.8, w * 0.004)) - front_out, 0.0, 1.0) * below
    )

    # Stitching: armhole seams, double-needle hems on the cuffs and the bottom.
    lines = _Mask(w, h)
    lw = max(0.7, w * 0.0022)
    for side in (1, -1):

        def q(u: float, v: float, side: int = side) -> tuple[float, float]:
            return p(0.5 + side * (u - 0.5), v)

        lines.line([q(0.212, 0.095), q(0.226, 0.22), q(0.219, 0.345)], lw)
        (ax, ay), (bx, by) = q(0.03, 0.30), q(0.125, 0.43)
        n = math.hypot(by - ay, bx - ax)
        nx, ny_ = (by - ay) / n, -(bx - ax) / n
        if (cx - ax) * nx + (0.3 * h - ay) * ny_ < 0:  # point the offset into the sleeve
            nx, ny_ = -nx, -ny_
        off = 0.028 * w
        lines.line([(ax + nx * off, ay + ny_ * off), (bx + nx * off, by + ny_ * off)], lw)
    lines.line([p(0.206, 0.948), p(0.794, 0.948)], lw)
    stitches = lines.array() * shape

    flip = look.rng(11).choice([-1.0, 1.0], size=6)
    folds = _folds(w, h, [
        (0.22, 0.36, 0.34, 0.52, 0.05 * flip[0], 0.025),
        (0.78, 0.36, 0.66, 0.52, 0.05 * flip[1], 0.025),
        (0.29, 0.95, 0.40, 0.80, 0.05 * flip[2], 0.02),
        (0.73, 0.96, 0.61, 0.83, 0.05 * flip[3], 0.02),
        (0.30, 0.11, 0.25, 0.24, 0.035 * flip[4], 0.02),
        (0.70, 0.11, 0.75, 0.24, 0.035 * flip[5], 0.02),
    ])  # fmt: skip
    edge = np.clip(_gauss(shape, w * 0.03) * 1.7 - 0.35, 0.0, 1.0)
    light = 1.03 - 0.07 * (y / h) - 0.03 * (x / w)
    chest = (0.33 * w, 0.185 * h, 0.67 * w, 0.64 * h)
    prgb, pa = _print_in(art, w, h, chest, look.print_scale, top=True)
    shade = (0.8 + 0.2 * edge) * light * (1.0 + folds) * (1.0 - 0.16 * stitches)
    shade = _fabric_contrast(shade, base, pa)
    shade *= (1.0 + 0.018 * _grain(look, 12, w, h)) * tone
    return _rgba_image(_ink(base, prgb, pa) * shade, shape)


def _draw_mug(art: Image.Image, w: int, h: int, look: _Look) -> Image.Image:
    """Ceramic mug: lit cylinder, rim and interior, D handle; the print wraps the curve."""
    base = look.base("mug")
    r = min(w, h) / 2.62  # body radius
    b = 0.2 * r  # rim ellipse half-height: camera a little above the rim
    hb = 2.1 * r  # body height between the rim and foot centre lines
    cx = (w - 2.55 * r) / 2 + r
    yt = (h - (hb + 2 * b)) / 2 + b
    yb = yt + hb
    x, y = _coords(w, h)

    body = (
        _Mask(w, h)
        .rect((cx - r, yt, cx + r, yb))
        .ellipse((cx - r, yt - b, cx + r, yt + b))
        .ellipse((cx - r, yb - b, cx + r, yb + b))
        .array()
    )
    top = _Mask(w, h).ellipse((cx - r, yt - b, cx + r, yt + b)).array()
    irx, iry = 0.92 * r, 0.9 * b
    inner = _Mask(w, h).ellipse((cx - irx, yt - iry, cx + irx, yt + iry)).array()
    side = np.clip(body - top, 0.0, 1.0)
    lip = np.clip(top - inner, 0.0, 1.0)

    # Cylinder lighting: Lambert on each column's normal plus a softbox streak.
    u = np.clip((x - cx) / r, -0.999, 0.999)
    nz = np.sqrt(1.0 - u * u)
    diffuse = np.clip(-0.5 * u + 0.866 * nz, 0.0, 1.0)
    rim_front = yt + b * nz  # where the rim's front edge crosses this column
    sv = np.clip((y - rim_front) / hb, 0.0, 1.0)
    streak = 0.5 * np.exp(-(((u + 0.48) / 0.075) ** 2)) + 0.16 * np.exp(
        -(((u - 0.88) / 0.045) ** 2)
    )
    spec = streak * np.clip(sv * 6.0, 0, 1) * np.clip((1.0 - sv) * 5.0, 0, 1)
    ao = (1.0 - 0.22 * np.exp(-(1.0 - sv) * hb / (0.1 * r))) * (
        1.0 - 0.12 * np.exp(-sv * hb / (0.05 * r))
    )
    shade = (0.38 + 0.66 * diffuse) * ao

    # The print wraps the cylinder: a column at u shows the unrolled design at
    # arc length r*asin(u) (compressing towards the sides, where the lighting
    # also darkens it), and rows follow the rim's ellipse so the print curves.
    fitted = _fit_art(art, 2.24 * r * look.print_scale, 0.74 * hb * look.print_scale)
    f_rgb, f_a = _premul(fitted)
    src = np.concatenate([f_rgb, f_a[None]])
    arc = (r * np.arcsin(u))[0]
    sx = arc + fitted.width / 2
    sy = (y - rim_front) - (hb - fitted.height) / 2
    wrap = np.zeros((4, h, w), np.float32)
    cols = np.flatnonzero(np.abs(arc) < fitted.width / 2 + 2)
    y_lo, y_hi = yt + (hb - fitted.height) / 2 - 2, yt + b + (hb + fitted.height) / 2 + 2
    rows = np.flatnonzero((y[:, 0] > y_lo) & (y[:, 0] < y_hi))
    if cols.size and rows.size:
        c0, c1, r0, r1 = cols[0], cols[-1] + 1, rows[0], rows[-1] + 1
        wrap[:, r0:r1, c0:c1] = _sample_columns(src, sx[c0:c1], sy[r0:r1, c0:c1])
    side_col = _ink(base, wrap[:3], wrap[3]) * shade + 255.0 * spec

    # Inside: the far inner wall catches the light, the bottom lies in the front wall's shade.
    ti = np.clip((y - (yt - iry)) / (2 * iry), 0.0, 1.0)
    inside_tone = (0.9 - 0.32 * ti) * (0.9 + 0.1 * u) * (1.0 - 0.3 * np.exp(-(1.0 - ti) / 0.12))
    lip_tone = 1.0 + 0.25 * np.exp(-(((u + 0.45) / 0.3) ** 2)) * (y > yt)

    # Handle: a D-shaped ring behind the body, tube-shaded, darker where it meets the body.
    hx, hy = cx + 0.96 * r, yt + b + hb * 0.42
    ring = (
        _Mask(w, h)
        .ellipse((hx - 0.56 * r, hy - 0.66 * r, hx + 0.56 * r, hy + 0.66 * r))
        .ellipse((hx - 0.36 * r, hy - 0.45 * r, hx + 0.36 * r, hy + 0.45 * r), fill=0)
        .array()
    )
    tube = _gauss(ring, 0.05 * r)
    tube = np.clip(tube / max(float(tube.max()), 1e-3), 0.0, 1.0)
    occl = 1.0 - 0.35 * np.exp(-np.clip(x - (cx + r), 0, None) / (0.12 * r))
    handle_col = (
        base * ((0.42 + 0.42 * tube + 0.12 * _facing(tube)) * occl) + 255.0 * 0.28 * tube**8
    )

    paint = _Paint(w, h)
    paint.over(handle_col, ring)
    paint.over(side_col, side)
    paint.over(base * lip_tone, lip)
    paint.over(base * inside_tone, inner)
    return paint.image()


def _draw_ecobag(art: Image.Image, w: int, h: int, look: _Look) -> Image.Image:
    """Canvas tote, flat: two handles, hem and box stitches, weave; print on the front."""
    base = look.base("ecobag")
    x, y = _coords(w, h)
    bw = 0.94 * w
    bh = min(1.06 * bw, h * 0.7)
    bx0, bx1 = (w - bw) / 2, (w + bw) / 2
    by1 = h - 0.005 * h
    by0 = by1 - bh
    hd = by0 - 0.01 * h  # handle drop above the bag
    sw = 0.06 * bw  # strap width
    anchors = (bx0 + 0.27 * bw, bx0 + 0.73 * bw)

    def strap(dx: float, dy: float, width: float) -> np.ndarray:
        xl, xr = anchors[0] + dx, anchors[1] + dx
        xc, rx, ry = (xl + xr) / 2, (xr - xl) / 2, hd - sw / 2 + dy
        pts = [(xl, by0 + 0.09 * bh)]
        pts += [
            (xc - rx * math.cos(t), by0 - ry * math.sin(t)) for t in np.linspace(0, math.pi, 40)
        ]
        pts += [(xr, by0 + 0.09 * bh)]
        return _Mask(w, h).line(pts, width).array()

    back = strap(0.018 * bw, -0.03 * bh, sw)
    front = strap(0.0, 0.0, sw)
    edge_stitch = np.clip(strap(0.0, 0.0, sw * 0.8) - strap(0.0, 0.0, sw * 0.66), 0, 1)
    body = _Mask(w, h).rect((bx0, by0, bx1, by1), radius=0.015 * bw).array()
    front_on_body = front * np.clip(y - by0 + 0.5, 0, 1)

    # Stitching: a running stitch along the folded top hem, a box-X on each strap.
    st = _Mask(w, h)
    lw = max(0.7, w * 0.0025)
    hem_y = by0 + 0.055 * bh
    n = 46
    for i in range(n):
        xa = bx0 + 0.02 * bw + (bw * 0.96) * i / n
        st.line([(xa, hem_y), (xa + bw * 0.96 / n * 0.55, hem_y)], lw)
    for xc in anchors:
        x0, x1, y0, y1 = xc - sw * 0.38, xc + sw * 0.38, by0 + 0.02 * bh, by0 + 0.075 * bh
        st.line([(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0), (x1, y1)], lw)
        st.line([(x1, y0), (x0, y1)], lw)
    stitches = st.array()

    # Canvas weave: per-row and per-column thread noise plus fibre grain.
    rng = look.rng(21)
    weave = (
        0.012 * rng.standard_normal((h, 1), dtype=np.float32)
        + 0.012 * rng.standard_normal((1, w), dtype=np.float32)
        + 0.016 * _grain(look, 22, w, h)
    )
    flip = rng.choice([-1.0, 1.0], size=4)
    uy0 = by0 / h
    folds = _folds(w, h, [
        (0.06, 0.98, 0.22, uy0 + 0.2, 0.05 * flip[0], 0.03),
        (0.95, 0.97, 0.8, uy0 + 0.25, 0.05 * flip[1], 0.03),
        (0.45, 0.99, 0.52, uy0 + 0.45, 0.03 * flip[2], 0.04),
        (0.2, uy0 + 0.09, 0.5, uy0 + 0.14, 0.03 * flip[3], 0.02),
    ])  # fmt: skip
    edge = np.clip(_gauss(body, bw * 0.04) * 1.7 - 0.35, 0.0, 1.0)
    hem_band = np.clip(hem_y + lw - y + 0.5, 0, 1) * body
    light = 1.03 - 0.06 * (y / h) - 0.03 * (x / w)
    box = (bx0 + 0.13 * bw, by0 + 0.15 * bh, bx1 - 0.13 * bw, by1 - 0.09 * bh)
    prgb, pa = _print_in(art, w, h, box, look.print_scale)
    shade = (0.82 + 0.18 * edge) * light * (1.0 + folds) * (1.0 - 0.06 * hem_band) * (1.0 + weave)
    shade = _fabric_contrast(shade, base, pa)
    # ink soaks into canvas: the weave and folds show through the print too
    body_col = _ink(base, prgb, pa) * (shade * (1.0 - 0.22 * stitches))

    strap_tone = 0.93 * light * (1.0 + weave)
    paint = _Paint(w, h)
    paint.over(base * (0.74 * strap_tone), back)
    paint.over(body_col, body)
    # the front strap casts a soft shadow on the bag face
    cast = _shift(_gauss(front_on_body, sw * 0.15), 2, 3)
    paint.over((0.0, 0.0, 0.0), np.clip(cast - front_on_body, 0, 1) * body * 0.25)
    strap_tone = strap_tone * (1.0 - 0.2 * edge_stitch) * (1.0 - 0.22 * stitches * front_on_body)
    paint.over(base * strap_tone, front)
    return paint.image()


def _draw_keyring(art: Image.Image, w: int, h: int, look: _Look) -> Image.Image:
    """Acrylic charm cut along the silhouette, with a hole, jump ring, chain and split ring."""
    x, y = _coords(w, h)
    pw, ph = w * 0.96, h * 0.78
    s = min(pw, ph)
    border = 0.05 * s
    r_hole = 0.034 * s
    r_tab = r_hole + border * 0.95
    room = math.ceil(2.0 * border + 2.2 * r_hole)
    prgb, pa, shape = _cut_piece(
        art, pw * look.print_scale, (ph - room) * look.print_scale, border, top_room=room
    )

    # The hole goes above the highest point of the silhouette (usually the head).
    solid = pa > 0.5
    if solid.any():
        tops = np.where(solid.any(axis=0), solid.argmax(axis=0), pa.shape[0])
        y_top = int(tops.min())
        hx_p = float(np.median(np.flatnonzero(tops <= y_top + 0.02 * s))) + 0.5
    else:
        y_top, hx_p = pa.shape[0] // 2, pa.shape[1] / 2
    hy_p = y_top - border * 0.55 - r_hole * 1.05
    px_, py_ = _coords(pa.shape[1], pa.shape[0])
    shape = _smooth(np.maximum(shape, _disc(px_, py_, hx_p, hy_p, r_tab)), border * 0.35)
    shape = np.maximum(shape, pa) * (1.0 - _disc(px_, py_, hx_p, hy_p, r_hole))

    # The piece hangs at the bottom of the layer, the chain above it.
    rows = np.flatnonzero(shape.max(axis=1) > 0.01)
    ox = round((w - pa.shape[1]) / 2)
    oy = h - (int(rows[-1]) + 2 if rows.size else pa.shape[0])
    shape_l, pa_l, prgb_l = (_embed(a, w, h, ox, oy) for a in (shape, pa, prgb))
    hx, hy = hx_p + ox, hy_p + oy

    # Metal: jump ring through the hole, a short chain of alternating links, a split ring.
    wire = max(1.0, 0.42 * r_hole)
    rr = 1.8 * r_hole
    metal = _Mask(w, h)
    rcy = hy - rr + 0.35 * r_hole
    metal.ring((hx - rr, rcy - rr, hx + rr, rcy + rr), wire)
    split_r = 0.095 * s
    top_y = split_r + wire
    sx = hx + 0.04 * s
    metal.ring((sx - split_r, top_y - split_r, sx + split_r, top_y + split_r), wire)
    inner_r = split_r * 0.93  # the second coil of the split ring
    metal.ring((sx - inner_r, top_y - inner_r, sx + inner_r, top_y + inner_r), wire * 0.9)
    y_a, y_b = rcy - rr, top_y + split_r
    link_l, link_w = 0.085 * s, 0.05 * s
    n = max(1, round((y_a - y_b) / (link_l * 0.72)))
    step = (y_a - y_b) / n
    for i in range(n):
        t = (i + 0.5) / n
        ly = y_b + step * (i + 0.5)
        lx = sx + (hx - sx) * t + 0.015 * s * math.sin(math.pi * t)
        half = step * 0.7
        if i % 2 == 0:  # link seen face on
            metal.ring((lx - link_w / 2, ly - half, lx + link_w / 2, ly + half), wire * 0.8)
        else:  # link seen edge on
            metal.rect((lx - wire * 0.6, ly - half, lx + wire * 0.6, ly + half), radius=wire * 0.6)
    m = metal.array()
    steel = _metal(m, wire)
    # the ring's left arc passes in front of the acrylic, the rest behind it
    front = m * ((np.abs(y - hy) < r_tab * 1.2) & (x < hx)) * (shape_l > 0.05)

    paint = _Paint(w, h)
    paint.over(steel, m * (1.0 - front))
    _paint_acrylic(paint, shape_l, prgb_l, pa_l, size=s)
    paint.over(steel, front)
    return paint.image()


def _draw_stand(art: Image.Image, w: int, h: int, look: _Look) -> Image.Image:
    """Acrylic figure with a flat foot standing in the slot of a clear oval base."""
    x, y = _coords(w, h)
    rx = min(0.46 * w, 0.42 * h)
    ry, tb = 0.26 * rx, 0.1 * rx
    cxb, cyb = w / 2, h - 2 - tb - ry
    slot_y = cyb - 0.08 * ry
    border = 0.045 * min(w, slot_y)
    fw, fh = w * 0.94 * look.print_scale, slot_y * look.print_scale
    prgb, pa, shape = _cut_piece(art, fw, fh, border)

    # Flat foot: square off the outline under the lowest part and cut it straight.
    solid = pa > 0.5
    rows = np.flatnonzero(solid.any(axis=1))
    y_bot = int(rows[-1]) if rows.size else pa.shape[0] - 1
    feet = np.flatnonzero(solid[max(0, y_bot - int(0.08 * pa.shape[0])) : y_bot + 1].any(axis=0))
    fx0, fx1 = (int(feet[0]), int(feet[-1])) if feet.size else (0, pa.shape[1] - 1)
    foot = np.zeros_like(shape)
    foot[max(0, int(y_bot - 1.2 * border)) :, max(0, int(fx0 - border)) : int(fx1 + border) + 1] = (
        1.0
    )
    shape = np.maximum(_smooth(np.maximum(shape, foot), border * 0.3), pa)
    y_cut = min(shape.shape[0], int(y_bot + 0.75 * border))
    keep = (np.arange(shape.shape[0]) < y_cut)[:, None].astype(np.float32)
    shape, pa, prgb = shape * keep, pa * keep, prgb * keep

    ox, oy = round((w - shape.shape[1]) / 2), round(slot_y - y_cut)
    shape_l, pa_l, prgb_l = (_embed(a, w, h, ox, oy) for a in (shape, pa, prgb))
    foot_w = (fx1 - fx0) + 2 * border

    # Base: a clear oval slab seen from slightly above.
    top = _Mask(w, h).ellipse((cxb - rx, cyb - ry, cxb + rx, cyb + ry)).array()
    slab = (
        _Mask(w, h)
        .ellipse((cxb - rx, cyb - ry, cxb + rx, cyb + ry))
        .rect((cxb - rx, cyb, cxb + rx, cyb + tb))
        .ellipse((cxb - rx, cyb + tb - ry, cxb + rx, cyb + tb + ry))
        .array()
    )
    side = np.clip(slab - top, 0.0, 1.0)
    lw = max(1.0, 0.008 * rx)
    rim = _Mask(w, h).ring((cxb - rx, cyb - ry, cxb + rx, cyb + ry), lw).array()
    front_half = np.clip(y - cyb + 0.5, 0, 1)
    bottom_rim = _Mask(w, h).ring((cxb - rx, cyb + tb - ry, cxb + rx, cyb + tb + ry), lw).array()
    bottom_rim *= np.clip(y - cyb - tb + 0.5, 0, 1)
    glint = (
        _Mask(w, h).ring((cxb - rx, cyb - ry + tb * 0.4, cxb + rx, cyb + ry + tb * 0.4), lw).array()
    )
    glint *= np.clip(y - cyb - tb * 0.4 + 0.5, 0, 1) * side
    slot_h = max(1.5, 0.05 * ry)
    slot_half = foot_w / 2 + 0.02 * w
    slot = (
        _Mask(w, h)
        .rect((cxb - slot_half, slot_y - slot_h, cxb + slot_half, slot_y + slot_h), radius=slot_h)
        .array()
    )

    paint = _Paint(w, h)
    paint.over((200.0, 214.0, 228.0), side * (0.5 - 0.1 * (x - cxb) / rx))
    paint.over((238.0, 245.0, 250.0), top * 0.3)
    paint.over(_WHITE, top * _sheen(w, h, 0.55, 0.3))
    paint.over(_WHITE, rim * (0.55 + 0.35 * front_half))
    paint.over(_WHITE, glint * 0.45)
    paint.over((120.0, 140.0, 160.0), bottom_rim * 0.55)
    paint.over((70.0, 82.0, 96.0), slot * 0.6)
    _paint_acrylic(paint, shape_l, prgb_l, pa_l, size=min(w, h))
    return paint.image()


def _draw_sticker(art: Image.Image, w: int, h: int, look: _Look) -> Image.Image:
    """Die-cut vinyl sticker: thick white border along the silhouette, a peeled corner."""
    s = min(w, h)
    border = 0.055 * (w + h) / 2
    prgb, pa, shape = _cut_piece(art, w * look.print_scale, h * look.print_scale, border)
    ox, oy = round((w - shape.shape[1]) / 2), round((h - shape.shape[0]) / 2)
    shape, pa, prgb = (_embed(a, w, h, ox, oy) for a in (shape, pa, prgb))
    x, y = _coords(w, h)

    # Peeled corner: the part beyond a 45-degree line near the lower-right
    # extreme is folded back over the sticker, showing the paper backside.
    # Folding mirrors across x + y = c, which maps (x, y) to (c - y, c - x):
    # a pure index permutation, so the flap costs one gather.
    diag = x + y
    inside = shape > 0.5
    keep = np.ones_like(shape)
    flap = np.zeros_like(shape)
    peel = 0.11 * s
    c = 0
    if inside.any():
        c = round(float(diag[inside].max()) - peel)
        keep = np.clip((c - diag) / math.sqrt(2.0) + 0.5, 0.0, 1.0)
        xi, yi = np.arange(w)[None, :], np.arange(h)[:, None]
        src_y, src_x = c - xi, c - yi
        valid = (src_y >= 0) & (src_y < h) & (src_x >= 0) & (src_x < w)
        mirrored = shape[np.clip(src_y, 0, h - 1), np.clip(src_x, 0, w - 1)]
        flap = np.where(valid, mirrored, 0.0) * keep * (diag < c)

    sticker = shape * keep
    field = _gauss(sticker, max(0.8, s * 0.003))
    cut_edge = sticker * np.clip((1.0 - field) * 2.0, 0, 1)

    paint = _Paint(w, h)
    paint.over((251.0, 251.0, 249.0), sticker)
    paint.over_premul(prgb * keep, pa * keep)
    paint.over((190.0, 190.0, 188.0), cut_edge * 0.45)
    paint.over(_WHITE, sticker * _sheen(w, h, 0.25, 0.2))
    if flap.any():
        lifted = _shift(_gauss(flap, s * 0.015), round(s * 0.01), round(s * 0.014))
        paint.over((0.0, 0.0, 0.0), np.clip(lifted, 0, 1) * 0.35 * (1.0 - flap))
        d = np.clip((c - diag) / math.sqrt(2.0) / peel, 0.0, 1.0)
        curl = 0.8 + 0.2 * d + 0.1 * np.exp(-((d / 0.08) ** 2))  # bright where it rolls over
        paint.over(_rgb((232.0, 232.0, 228.0)) * curl, flap)
    return paint.image()


def _camera_sprite(size: int, ss: int = 3) -> Image.Image:
    """Phone camera island: dark glass plate, three lenses, flash and mic."""
    m = size * ss
    img = Image.new("RGBA", (m, m), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle([0, 0, m - 1, m - 1], radius=m * 0.24, fill=(52, 54, 60, 255))
    d.rounded_rectangle(
        [m * 0.03, m * 0.03, m * 0.97, m * 0.97], radius=m * 0.22, fill=(66, 68, 75, 255)
    )
    rings = (
        (1.0, (160, 162, 168)),
        (0.88, (44, 44, 48)),
        (0.74, (16, 16, 20)),
        (0.5, (30, 38, 60)),
        (0.3, (48, 62, 96)),
        (0.16, (10, 10, 14)),
    )
    for cx, cy in ((0.28, 0.28), (0.28, 0.72), (0.72, 0.5)):
        for f, col in rings:
            r = 0.2 * m * f
            d.ellipse([cx * m - r, cy * m - r, cx * m + r, cy * m + r], fill=(*col, 255))
        r = 0.2 * m * 0.09
        gx, gy = cx * m - 0.06 * m, cy * m - 0.06 * m
        d.ellipse([gx - r, gy - r, gx + r, gy + r], fill=(235, 240, 255, 255))
    for f, col in ((0.075, (226, 220, 196)), (0.05, (250, 247, 232))):
        r = m * f
        d.ellipse([0.72 * m - r, 0.18 * m - r, 0.72 * m + r, 0.18 * m + r], fill=(*col, 255))
    r = m * 0.022
    d.ellipse([0.72 * m - r, 0.82 * m - r, 0.72 * m + r, 0.82 * m + r], fill=(18, 18, 20, 255))
    return img.resize((size, size), _LANCZOS)


def _draw_phone_case(art: Image.Image, w: int, h: int, look: _Look) -> Image.Image:
    """Phone case seen from the back: bumper rim, side buttons, camera island, print."""
    base = look.base("phone_case")
    x, y = _coords(w, h)
    x0, x1, y0, y1 = 0.03 * w, 0.97 * w, 0.005 * h, 0.995 * h
    cw, ch = x1 - x0, y1 - y0
    radius = 0.17 * cw
    t = 0.035 * cw  # bumper rim width

    bt = 0.022 * w
    btn = (
        _Mask(w, h)
        .rect((x0 - bt, y0 + 0.2 * ch, x0 + bt, y0 + 0.29 * ch), radius=bt)
        .rect((x1 - bt, y0 + 0.17 * ch, x1 + bt, y0 + 0.22 * ch), radius=bt)
        .rect((x1 - bt, y0 + 0.25 * ch, x1 + bt, y0 + 0.31 * ch), radius=bt)
        .array()
    )
    outer = _Mask(w, h).rect((x0, y0, x1, y1), radius=radius).array()
    inner = _Mask(w, h).rect((x0 + t, y0 + t, x1 - t, y1 - t), radius=radius - t).array()
    rim = np.clip(outer - inner, 0.0, 1.0)
    rim_tone = 0.9 + 0.1 * _facing(_gauss(outer, t * 0.6))
    # the back dips slightly inside the raised rim: a soft inner shadow
    back_tone = (1.02 - 0.05 * y / h) * (
        0.9 + 0.1 * np.clip(_gauss(inner, t * 0.5) * 2.0 - 0.6, 0, 1)
    )

    print_box = (x0 + 0.11 * cw, y0 + 0.3 * ch, x1 - 0.11 * cw, y1 - 0.07 * ch)
    prgb, pa = _print_in(art, w, h, print_box, look.print_scale)

    # Camera island top left, inside a cut-out that shows the case's wall.
    msize = round(0.42 * cw)
    mx, my = round(x0 + 0.075 * cw), round(y0 + 0.035 * ch)
    gap = 0.03 * cw
    opening = (
        _Mask(w, h)
        .rect((mx - gap, my - gap, mx + msize + gap, my + msize + gap), radius=0.24 * msize + gap)
        .array()
    )

    paint = _Paint(w, h)
    paint.over(base * 0.82, btn)
    paint.over(_ink(base, prgb, pa) * back_tone, inner)
    paint.over(base * rim_tone, rim)
    paint.over(base * 0.55, opening)
    paint.over(_WHITE, outer * _sheen(w, h, 0.34, 0.28))
    layer = paint.image()
    layer.alpha_composite(_camera_sprite(msize), (mx, my))
    return layer


def _draw_badge(art: Image.Image, w: int, h: int, look: _Look) -> Image.Image:
    """Pin-back button: domed face clipped to a circle, crimped edge, glossy highlight."""
    x, y = _coords(w, h)
    rad = 0.47 * min(w, h)
    cx, cy = w / 2, h / 2 - 0.015 * rad
    face = _disc(x, y, cx, cy, rad)
    edge = _disc(x, y, cx, cy + 0.045 * rad, rad)  # the shell's side, showing below the face

    # Face: a pale tint of the character's palette behind the art, with a ring.
    bg = _palette_mean(art) * 0.14 + 255.0 * 0.86
    dist = np.sqrt((x - cx) ** 2 + (y - cy) ** 2) / rad
    design_ring = np.clip(1.0 - np.abs(dist - 0.9) * rad / max(0.8, 0.012 * rad), 0, 1)
    box = (cx - 0.9 * rad, cy - 0.9 * rad, cx + 0.9 * rad, cy + 0.9 * rad)
    prgb, pa = _print_in(art, w, h, box, look.print_scale)
    col = _ink(bg * (1.0 - 0.35 * design_ring), prgb, pa)

    # Dome: darker towards the curl, lighter to the upper left, a soft highlight, a rim glint.
    lit = ((x - cx) * _TO_LIGHT[0] + (y - cy) * _TO_LIGHT[1]) / rad  # > 0 towards the light
    curl = np.exp(-(1.0 - np.clip(dist, 0, 1)) / 0.035)
    col = col * ((1.0 - 0.08 * dist**2 - 0.3 * curl) * (1.0 + 0.05 * lit))
    hx, hy = cx - 0.38 * rad, cy - 0.42 * rad
    blob = np.exp(-(((x - hx) / (0.42 * rad)) ** 2 + ((y - hy) / (0.26 * rad)) ** 2))
    glint = np.exp(-(((dist - 0.955) / 0.02) ** 2)) * np.clip(lit, 0, 1)

    paint = _Paint(w, h)
    paint.over(bg * (0.62 + 0.12 * np.clip(-(y - cy) / rad, -1, 1)), edge)
    paint.over(col, face)
    paint.over(_WHITE, face * np.clip(0.32 * blob + 0.7 * glint, 0, 1))
    return paint.image()


def _draw_cushion(art: Image.Image, w: int, h: int, look: _Look) -> Image.Image:
    """Square pillow: bowed edges, puffy radial shading, corner creases, piping; print centred."""
    base = look.base("cushion")
    x, y = _coords(w, h)
    size = min(w, h)
    corners = [
        (0.03 * w, 0.04 * h),
        (0.97 * w, 0.03 * h),
        (0.975 * w, 0.965 * h),
        (0.025 * w, 0.97 * h),
    ]
    pts: list[tuple[float, float]] = []
    for i in range(4):  # edges bow inwards between the corners, as a stuffed pillow's do
        (ax, ay), (bx, by) = corners[i], corners[(i + 1) % 4]
        n = math.hypot(bx - ax, by - ay)
        nx, ny = -(by - ay) / n, (bx - ax) / n
        if (w / 2 - ax) * nx + (h / 2 - ay) * ny < 0:
            nx, ny = -nx, -ny
        for t in np.linspace(0.0, 1.0, 24, endpoint=False):
            bow = 0.05 * size * math.sin(math.pi * t) ** 0.8
            pts.append((ax + (bx - ax) * t + nx * bow, ay + (by - ay) * t + ny * bow))
    shape = _smooth(_Mask(w, h).polygon(pts).array(), 0.006 * size)

    # Puffiness: fuller (brighter) deep inside the outline and towards the middle,
    # falling off into the pinched corners; the key light rakes from the upper left.
    puff = np.clip((_gauss(shape, 0.16 * size) - 0.2) / 0.8, 0.0, 1.0) ** 0.6
    dome = 1.0 - 0.16 * (((x - w / 2) / (w / 2)) ** 2 + ((y - h / 2) / (h / 2)) ** 2)
    light = 1.0 + 0.16 * (0.5 - (0.55 * x / w + 0.45 * y / h))
    # piping along the edge: a dark seam line with a lit ridge just outside it
    seam_field = _gauss(shape, 0.008 * size)
    seam = np.exp(-(((seam_field - 0.88) / 0.035) ** 2)) * shape
    ridge = np.exp(-(((seam_field - 0.66) / 0.06) ** 2)) * shape
    flip = look.rng(31).choice([0.7, 1.0], size=8)
    creases = []
    for i, (ax, ay) in enumerate(corners):  # a pair of pinch creases running in from each corner
        ux, uy = ax / w, ay / h
        dx, dy = 0.5 - ux, 0.5 - uy
        n = math.hypot(dx, dy)
        dx, dy = dx / n, dy / n
        for j, spread in enumerate((-0.07, 0.07)):
            tx, ty = ux + dx * 0.3 - dy * spread, uy + dy * 0.3 + dx * spread
            creases.append((ux, uy, tx, ty, 0.1 * flip[i * 2 + j], 0.014))
    satin = 0.06 * np.exp(-(((x / w - 0.34) / 0.2) ** 2 + ((y / h - 0.3) / 0.16) ** 2)) * puff
    shade = (0.56 + 0.48 * puff) * dome * light * (1.0 + _folds(w, h, creases))
    shade *= (1.0 - 0.16 * seam + 0.05 * ridge) * (1.0 + 0.015 * _grain(look, 32, w, h))
    prgb, pa = _print_in(art, w, h, (0.2 * w, 0.19 * h, 0.8 * w, 0.81 * h), look.print_scale)
    shade = _fabric_contrast(shade, base, pa)
    return _rgba_image(_ink(base, prgb, pa) * shade + 255.0 * satin, shape)


def _draw_poster(art: Image.Image, w: int, h: int, look: _Look) -> Image.Image:
    """Framed poster: charcoal moulding, glass glare; the design fills the whole sheet."""
    x, y = _coords(w, h)
    s = min(w, h)
    fr = max(2.0, 0.04 * s)  # moulding width
    ix0, iy0, ix1, iy1 = fr, fr, w - fr, h - fr
    iw, ih = ix1 - ix0, iy1 - iy0

    # Design: a pale gradient in the character's own palette, a disc behind it, a keyline.
    mean = _palette_mean(art)
    t = np.clip((y - iy0) / ih, 0.0, 1.0)
    bg = (mean * 0.16 + 255.0 * 0.84) * (1.0 - t) + (mean * 0.36 + 255.0 * 0.64) * t
    disc = 0.55 * _disc(x, y, w / 2, iy0 + ih * 0.47, 0.36 * min(iw, ih))
    line_w = max(1.0, 0.005 * s)
    inset = 0.045 * min(iw, ih)
    keyline = _Mask(w, h).rect((ix0 + inset, iy0 + inset, ix1 - inset, iy1 - inset)).array()
    keyline -= (
        _Mask(w, h)
        .rect(
            (ix0 + inset + line_w, iy0 + inset + line_w, ix1 - inset - line_w, iy1 - inset - line_w)
        )
        .array()
    )
    design = bg * (1.0 - disc) + (mean * 0.5 + 127.5) * disc
    design = design * (1.0 - keyline) + 255.0 * keyline
    box = (ix0 + 0.08 * iw, iy0 + 0.07 * ih, ix1 - 0.08 * iw, iy1 - 0.06 * ih)
    prgb, pa = _print_in(art, w, h, box, look.print_scale)
    design = _ink(design, prgb, pa)
    # paper tooth, the moulding's shadow on the sheet's top/left, then glass glare
    lip = np.exp(-np.clip(y - iy0, 0, None) / (0.012 * s)) + np.exp(
        -np.clip(x - ix0, 0, None) / (0.012 * s)
    )
    design *= (1.0 + 0.012 * _grain(look, 41, w, h)) * (1.0 - 0.28 * np.clip(lip, 0, 1))
    design += 255.0 * _sheen(w, h, 0.3, 0.12)

    # Frame: matte charcoal with a lit outer chamfer, and an inner lip that is
    # bright where it faces the light (the opening's bottom/right sides).
    inner = (x > ix0) & (x < ix1) & (y > iy0) & (y < iy1)
    d_out = np.minimum(np.minimum(x, w - x), np.minimum(y, h - y))
    top_left = np.minimum(x, y) <= np.minimum(w - x, h - y)  # which side of the frame
    outer_bevel = np.clip(1.0 - d_out / (0.25 * fr), 0, 1)
    inner_bevel = np.clip(1.0 - (fr - d_out) / (0.22 * fr), 0, 1)
    frame = (
        46.0
        + 22.0 * outer_bevel * np.where(top_left, 1.0, -0.6)
        + 34.0 * inner_bevel * np.where(top_left, -0.5, 1.0)
    )
    col = np.where(inner, design, frame * _rgb((1.0, 0.98, 0.96)))
    return _rgba_image(col, np.ones((h, w), np.float32))


# --------------------------------------------------------------------------- dispatch


@dataclass(frozen=True)
class _Kind:
    """How one kind of goods is drawn and staged."""

    draw: Callable[[Image.Image, int, int, _Look], Image.Image]
    aspect: Callable[[float, float], float]  # (art w/h, canvas w/h) -> product w/h
    pose: str  # "flat" (lying, shadow all round), "stand" (on the floor), "wall" (hung)
    fill: float = 0.8  # share of the canvas the product may take
    tilt: float = 0.0  # max degrees of seeded rotation
    lift: float = 1.0  # how far above the surface it lies (drop shadow offset)


def _keyring_aspect(art_aspect: float, _canvas: float) -> float:
    return float(np.clip(0.78 * (art_aspect + 0.2) / 1.25, 0.45, 1.3))


def _stand_aspect(art_aspect: float, _canvas: float) -> float:
    return float(np.clip(max(art_aspect + 0.18, 0.95) / 1.45, 0.5, 1.5))


def _poster_aspect(_art: float, canvas_aspect: float) -> float:
    return 1.414 if canvas_aspect >= 1.45 else 1 / 1.414  # ISO sheet, turned to suit the canvas


_KINDS: dict[str, _Kind] = {
    "tshirt": _Kind(_draw_tshirt, lambda a, c: 1.12, "flat", tilt=2.5, lift=0.5),
    "mug": _Kind(_draw_mug, lambda a, c: 1.0, "stand", fill=0.76),
    "ecobag": _Kind(_draw_ecobag, lambda a, c: 0.71, "flat", tilt=2.5, lift=0.5),
    "acrylic_keyring": _Kind(_draw_keyring, _keyring_aspect, "flat", fill=0.84, tilt=6.0, lift=0.8),
    "acrylic_stand": _Kind(_draw_stand, _stand_aspect, "stand", fill=0.84),
    "sticker": _Kind(_draw_sticker, lambda a, c: (a + 0.22) / 1.22, "flat", tilt=5.0, lift=0.35),
    "phone_case": _Kind(_draw_phone_case, lambda a, c: 0.5, "flat", fill=0.82, tilt=4.0),
    "badge": _Kind(_draw_badge, lambda a, c: 1.0, "flat", fill=0.72, tilt=4.0),
    "cushion": _Kind(_draw_cushion, lambda a, c: 1.0, "stand", fill=0.76),
    "poster": _Kind(_draw_poster, _poster_aspect, "wall"),
}


# --------------------------------------------------------------------------- staging


def _backdrop_light(w: int, h: int, pose: str, look: _Look) -> np.ndarray:
    """Brightness of the studio backdrop (H, W): a seamless sweep, a tabletop or a lit wall.

    The lighting is smooth, so it is computed on a 1/8 grid and upscaled; only
    the grain is per pixel.
    """
    lw, lh = max(8, w // 8), max(8, h // 8)
    x, y = _coords(lw, lh)
    u, v = x / lw - 0.5 - look.glow_x, y / lh
    aspect = w / h
    if pose == "stand":  # sweep: darker high up, a pool of light behind the product
        g = 1.02 - 0.07 * v + 0.07 * np.exp(-((u * aspect) ** 2 + (v - 0.55) ** 2) / 0.16)
    elif pose == "wall":  # a spotlight washing down the wall
        g = 0.99 + 0.09 * np.exp(-((u * aspect) ** 2 / 0.3 + (v - 0.05) ** 2 / 0.4)) - 0.04 * v
    else:  # tabletop lit from the upper left
        g = 1.0 + 0.07 * np.exp(-(((u + 0.2) * aspect) ** 2 + (v - 0.25) ** 2) / 0.35)
    g = g - 0.06 * ((u * 2) ** 2 + ((v - 0.5) * 2) ** 2) / 2  # gentle vignette
    grain = 0.004 if pose == "stand" else 0.008
    return _upscale(g, w, h) * (1.0 + grain * _grain(look, 1, w, h))


def _shadow(
    alpha: Image.Image, w: int, h: int, x: int, y: int, pose: str, lift: float
) -> np.ndarray:
    """Shadow strength (H, W) in [0, 1] for a layer whose alpha is pasted at (x, y).

    Shadows are soft by nature, so they are cast on a half-size canvas and upscaled.
    """
    k = 2 if min(w, h) >= 256 else 1
    sw, sh = -(-w // k), -(-h // k)
    s = min(w, h) / k
    small = alpha.resize(
        (max(1, alpha.width // k), max(1, alpha.height // k)), Image.Resampling.BOX
    )

    def combine(parts: list[Image.Image]) -> np.ndarray:
        light = np.ones((sh, sw), np.float32)
        for part in parts:
            light *= 1.0 - np.asarray(part, np.float32) / 255.0
        return _upscale(1.0 - light, sw * k, sh * k)[:h, :w]

    def cast(dx: float, dy: float, blur: float, opacity: float) -> Image.Image:
        canvas = Image.new("L", (sw, sh), 0)
        canvas.paste(small, (round(x / k + dx), round(y / k + dy)))
        return soft_shadow(canvas, blur=max(blur, 0.5), opacity=opacity)

    if pose == "stand":
        # a standing product: a dark contact line under its footprint plus a soft pool
        a = np.asarray(small) > 128
        rows = np.flatnonzero(a.any(axis=1))
        if not rows.size:
            return np.zeros((h, w), np.float32)
        low = a[max(0, rows[-1] - int(0.08 * small.height)) : rows[-1] + 1].any(axis=0)
        cols = np.flatnonzero(low)
        fx0, fx1, fy = x / k + cols[0], x / k + cols[-1], y / k + rows[-1]
        half, mid = (fx1 - fx0) / 2, (fx0 + fx1) / 2
        parts = []
        for rx, ry, blur, opacity in ((1.12, 0.1, 0.03, 0.45), (0.98, 0.035, 0.006, 0.6)):
            canvas = Image.new("L", (sw, sh), 0)
            ImageDraw.Draw(canvas).ellipse(
                [mid - half * rx, fy - half * ry * 1.3, mid + half * rx, fy + half * ry * 0.7],
                fill=255,
            )
            parts.append(soft_shadow(canvas, blur=max(0.5, blur * s), opacity=opacity))
        return combine(parts)
    if pose == "wall":
        return combine(
            [cast(0.006 * s, 0.03 * s, 0.025 * s, 0.5), cast(0.0, 0.005 * s, 0.005 * s, 0.35)]
        )
    return combine([
        cast(0.012 * s * lift, 0.02 * s * lift, 0.022 * s * lift + 0.004 * s, 0.45),
        cast(0.002 * s * lift, 0.004 * s * lift, 0.004 * s, 0.3),
    ])  # fmt: skip


def _spread_runs(marker: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mark every horizontal run of ``mask`` that contains a marked pixel (one sweep)."""
    h, w = mask.shape
    m = np.zeros((h, w + 1), bool)  # a False column separates the rows
    m[:, :w] = mask
    k = np.zeros((h, w + 1), bool)
    k[:, :w] = marker & mask
    run = np.cumsum(~m.ravel())  # pixels of one run share the count of breaks before them
    hit = np.zeros(int(run[-1]) + 1, bool)
    hit[run[k.ravel()]] = True
    return (hit[run] & m.ravel()).reshape(h, w + 1)[:, :w]


def _solidify(rgba: Image.Image) -> Image.Image:
    """Make everything inside the silhouette opaque.

    ``cutout`` keys on distance from the background colour, so pale parts of a
    drawing (skin, eye whites, highlights) come out partly or fully transparent
    and a coloured product would show through them.  A print is opaque ink, so
    only background *connected to the border* stays transparent: it is found
    by sweeping runs of transparent pixels inwards from the edge on a coarse
    grid, and the rest (slightly eroded, to keep the cut's soft edge) is filled.
    """
    alpha = rgba.getchannel("A")
    f = max(1.0, max(rgba.size) / 256)
    small_size = (max(1, round(rgba.width / f)), max(1, round(rgba.height / f)))
    clear = np.asarray(alpha.resize(small_size, Image.Resampling.BOX)) < 128
    bg = np.zeros_like(clear)
    bg[[0, -1], :] = clear[[0, -1], :]
    bg[:, [0, -1]] = clear[:, [0, -1]]
    for _ in range(64):  # converges in a few sweeps for real outlines
        before = int(bg.sum())
        bg = _spread_runs(bg, clear)
        bg = _spread_runs(bg.T, clear.T).T
        if int(bg.sum()) == before:
            break
    inside = ~bg
    inside[1:] &= inside[:-1].copy()
    inside[:-1] &= inside[1:].copy()
    inside[:, 1:] &= inside[:, :-1].copy()
    inside[:, :-1] &= inside[:, 1:].copy()
    fill = Image.fromarray(inside.astype(np.uint8) * 255).resize(
        rgba.size, Image.Resampling.BILINEAR
    )
    out = rgba.copy()
    out.putalpha(Image.fromarray(np.maximum(np.asarray(alpha), np.asarray(fill))))
    return out


def _decontaminate(rgba: Image.Image) -> Image.Image:
    """Replace the colour of the cut's edge pixels with the colour just inside them.

    Keyed edges keep the anti-aliasing blend towards the old background, which
    shows as a pale fringe on a dark product.  The colour of the opaque core
    nearby (normalised convolution: box(colour * core) / box(core)) is what
    those pixels would have been without the paper behind them.
    """
    alpha = rgba.getchannel("A")
    opaque = alpha.point(lambda v: 255 if v >= 253 else 0)
    core = opaque.filter(ImageFilter.BoxBlur(1)).point(lambda v: 255 if v >= 250 else 0)  # erode
    rgb = rgba.convert("RGB")
    spread = Image.composite(rgb, Image.new("RGB", rgb.size), core).filter(ImageFilter.BoxBlur(2))
    weight = np.asarray(core.filter(ImageFilter.BoxBlur(2)), np.float32) / 255.0
    # only the thin band between the core and the transparent outside is touched
    band = np.nonzero((np.asarray(alpha) > 0) & (np.asarray(core) == 0) & (weight > 0.04))
    fixed = np.array(rgb)
    estimate = np.asarray(spread, np.float32)[band] / weight[band][:, None]
    fixed[band] = np.clip(estimate + 0.5, 0, 255).astype(np.uint8)
    out = Image.fromarray(fixed).convert("RGBA")
    out.putalpha(alpha)
    return out


def _lift(character: Image.Image) -> Image.Image:
    """The character off its background (solid inside), cropped to what is visible.

    A real alpha channel is kept as drawn; a keyed-out background is solidified.
    """
    rgba = cutout(character)
    own_alpha = (
        character.mode in ("RGBA", "LA", "PA") and character.getchannel("A").getextrema()[0] < 250
    )
    if not own_alpha:
        rgba = _solidify(rgba)  # before cropping: pale parts at the extremities count too
    box = subject_bbox(rgba)
    if box[2] - box[0] >= 2 and box[3] - box[1] >= 2:
        rgba = rgba.crop(box)
    return rgba if own_alpha else _decontaminate(rgba)


def render_mockup(
    character: Image.Image,
    *,
    kind: str,
    prompt: str,
    aspect_ratio: str,
    seed: int | None,
    longest_side: int = 1024,
) -> Image.Image:
    """Draw ``character`` printed on a ``kind`` of goods, as a studio product shot.

    ``character`` is EXIF-oriented, RGB or RGBA, longest side <= 1024; a plain
    background is removed (or its alpha used).  ``kind`` must be one of
    :data:`GOODS_KINDS` (``ValueError`` otherwise).  ``prompt`` may name a base
    colour for coloured products.  The result is an RGB image of
    ``canvas_size(aspect_ratio, longest_side=...)`` pixels with the product
    centred and scaled to fit; it depends only on the arguments (see module doc).
    """
    spec = _KINDS.get(kind)
    if spec is None:
        raise ValueError(f"unknown goods kind {kind!r}; expected one of {', '.join(GOODS_KINDS)}")
    width, height = canvas_size(aspect_ratio, longest_side=longest_side, source_size=character.size)
    look = _make_look(prompt, seed)
    art = _lift(character)

    # Fit the product's own proportions into the canvas, leaving studio margin.
    aspect = spec.aspect(art.width / art.height, width / height)
    bw, bh = spec.fill * width, spec.fill * height
    if bw / bh > aspect:
        bw = bh * aspect
    else:
        bh = bw / aspect
    layer = spec.draw(art, max(16, round(bw)), max(16, round(bh)), look)

    angle = spec.tilt * look.tilt
    if abs(angle) > 0.05:
        # rotate premultiplied so transparent edges do not bleed dark fringes
        layer = layer.convert("RGBa").rotate(angle, Image.Resampling.BILINEAR, expand=True)
        layer = layer.convert("RGBA")
    bbox = layer.getchannel("A").getbbox()
    if bbox:
        layer = layer.crop(bbox)
    if layer.width > width or layer.height > height:
        f = min(width / layer.width, height / layer.height)
        layer = layer.resize(
            (max(1, int(layer.width * f)), max(1, int(layer.height * f))), _LANCZOS
        )
    px, py = (width - layer.width) // 2, (height - layer.height) // 2

    light = _backdrop_light(width, height, spec.pose, look)
    # shadows darken towards a deeper shade of the backdrop rather than to grey
    light *= 1.0 - 0.62 * _shadow(
        layer.getchannel("A"), width, height, px, py, spec.pose, spec.lift
    )
    backdrop = np.clip(light * _rgb(look.backdrop) + 0.5, 0, 255).astype(np.uint8)
    canvas = Image.merge("RGB", [Image.fromarray(band) for band in backdrop])
    canvas.paste(layer, (px, py), layer)
    return canvas
