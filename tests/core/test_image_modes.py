"""Every mode Pillow opens from PNG and JPEG keeps its look through normalisation.

Each case is a generated image and the look it must keep, computed here without
the code under test: 16-bit samples divided by 257, palettes looked up, tRNS keys
compared, CMYK inverted by the textbook formula, ICC colours worked out from the
profile's own definition (Lab -> XYZ -> sRGB). The normalised output is compared
pixel by pixel (the images are under ``max_side``, so nothing is resampled): the
mean absolute difference of the RGB values must stay under a small tolerance,
and the alpha must be exactly the original's where transparency is real, and
absent where it is not.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from PIL import Image

from tests.support import (
    cmyk_profile_lab,
    cmyk_test_profile,
    png_from_array,
    swapped_srgb_profile,
    without_adobe_marker,
)
from webtoon_core.images import ImageLimits, _to_working, prepare_upload

W, H = 96, 80  # over the 64 px minimum, under max_side: no resampling to blur the comparison
LIMITS = ImageLimits(max_side=1024, max_pixels=40_000_000, max_axis=16383)
PNG_TOLERANCE = 0.6  # rounding only
JPEG_TOLERANCE = 3.0  # q95 on smooth gradients


def _ramp(low: float, high: float) -> np.ndarray:
    """A smooth 2-D field from low to high (diagonal), as float64 (H, W)."""
    y = np.linspace(0.0, 1.0, H)[:, None]
    x = np.linspace(0.0, 1.0, W)[None, :]
    return low + (high - low) * (0.6 * x + 0.4 * y)


def _rgb8() -> np.ndarray:
    """A smooth colour picture: three different ramps, (H, W, 3) uint8."""
    r = _ramp(20, 235)
    g = _ramp(200, 40)
    b = 128 + 90 * np.sin(np.linspace(0, 3, W))[None, :] * np.ones((H, 1))
    return np.clip(np.stack([r, g, b], axis=-1), 0, 255).round().astype(np.uint8)


def _alpha8() -> np.ndarray:
    """Real transparency: a clear band, a half-transparent band, an opaque rest."""
    alpha = np.full((H, W), 255, dtype=np.uint8)
    alpha[:, :20] = 0
    alpha[:, 20:40] = 128
    alpha[60:, 70:] = 17
    return alpha


def _png(image: Image.Image, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", **params)
    return out.getvalue()


def _jpeg(image: Image.Image, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=95, subsampling=0, **params)
    return out.getvalue()


def _grey(values: np.ndarray) -> np.ndarray:
    return np.repeat(values[..., None].astype(np.float64), 3, axis=-1)


def _lab_to_srgb(lab: np.ndarray) -> np.ndarray:
    """Lab (D50) -> 8-bit sRGB by the CIE and IEC 61966-2-1 formulas, clipped to the gamut."""
    lightness, a, b = lab[..., 0], lab[..., 1], lab[..., 2]
    fy = (lightness + 16) / 116
    fx, fz = fy + a / 500, fy - b / 200

    def inverse(t: np.ndarray) -> np.ndarray:
        return np.where(t**3 > 216 / 24389, t**3, (116 * t - 16) / (24389 / 27))

    xyz = np.stack([0.9642 * inverse(fx), inverse(fy), 0.8249 * inverse(fz)], axis=-1)
    # sRGB primaries adapted to D50 (Bradford), as in every ICC sRGB profile.
    srgb_to_xyz = np.array(
        [
            [0.4360747, 0.3850649, 0.1430804],
            [0.2225045, 0.7168786, 0.0606169],
            [0.0139322, 0.0971045, 0.7141733],
        ]
    )
    linear = np.clip(xyz @ np.linalg.inv(srgb_to_xyz).T, 0.0, 1.0)
    encoded = np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055)
    return encoded * 255


def _cmyk8() -> np.ndarray:
    """Smooth ink amounts covering every ink, (H, W, 4) uint8."""
    c = _ramp(0, 230)
    m = np.flipud(_ramp(0, 200))
    y = np.fliplr(_ramp(30, 255))
    k = np.clip(_ramp(-60, 120), 0, 255)
    return np.stack([c, m, y, k], axis=-1).round().astype(np.uint8)


def _naive_cmyk_look(cmyk: np.ndarray) -> np.ndarray:
    """An unprofiled CMYK pixel's conventional look: (255 - ink) * (255 - k) / 255."""
    ink = cmyk.astype(np.float64)
    return (255 - ink[..., :3]) * (255 - ink[..., 3:4]) / 255


@dataclass(frozen=True)
class Case:
    raw: bytes
    opened_as: str  # the mode Pillow opens it in: proves the table covers that mode
    rgb: np.ndarray  # the look, (H, W, 3) float
    alpha: np.ndarray | None  # exact alpha when transparency is real, None when opaque
    tolerance: float = PNG_TOLERANCE


def _case_bilevel() -> Case:
    bits = (_ramp(0, 1) > 0.5) ^ (np.arange(W)[None, :] % 7 == 0)
    return Case(_png(Image.fromarray(bits)), "1", _grey(bits * 255.0), None)


def _case_l() -> Case:
    grey = _rgb8()[..., 0]
    return Case(_png(Image.fromarray(grey, "L")), "L", _grey(grey), None)


def _case_l_trns() -> Case:
    grey = _rgb8()[..., 0].copy()
    grey[_alpha8() < 255] = 7  # the key: exactly these pixels are transparent
    grey[(grey == 7) & (_alpha8() == 255)] = 8
    alpha = np.where(grey == 7, 0, 255).astype(np.uint8)
    return Case(_png(Image.fromarray(grey, "L"), transparency=7), "L", _grey(grey), alpha)


def _case_la() -> Case:
    grey, alpha = _rgb8()[..., 1], _alpha8()
    image = Image.merge("LA", (Image.fromarray(grey, "L"), Image.fromarray(alpha, "L")))
    return Case(_png(image), "LA", _grey(grey), alpha)


def _palette() -> tuple[np.ndarray, np.ndarray]:
    """Indices (H, W) into a 16-colour palette (16, 3)."""
    colours = np.array([[(i * 53) % 256, (i * 97) % 256, (255 - i * 13) % 256] for i in range(16)])
    indices = ((_ramp(0, 15.99)).astype(np.uint8) + (np.arange(W)[None, :] // 24)) % 16
    return indices.astype(np.uint8), colours.astype(np.uint8)


def _p_image(indices: np.ndarray, colours: np.ndarray) -> Image.Image:
    image = Image.fromarray(indices, "P")
    image.putpalette(colours.flatten().tolist())
    return image


def _case_p() -> Case:
    indices, colours = _palette()
    return Case(_png(_p_image(indices, colours)), "P", colours[indices].astype(float), None)


def _case_p_single_trns() -> Case:
    indices, colours = _palette()
    alpha = np.where(indices == 3, 0, 255).astype(np.uint8)
    raw = _png(_p_image(indices, colours), transparency=3)
    return Case(raw, "P", colours[indices].astype(float), alpha)


def _case_p_palette_alpha() -> Case:
    indices, colours = _palette()
    table = np.array([255, 0, 40, 128, 255, 200, 255, 90, 255, 255, 10, 255, 255, 60, 255, 230])
    raw = _png(_p_image(indices, colours), transparency=bytes(table.tolist()))
    return Case(raw, "P", colours[indices].astype(float), table[indices].astype(np.uint8))


def _case_p_unused_trns() -> Case:
    indices, colours = _palette()
    indices = np.where(indices == 5, 6, indices).astype(np.uint8)  # index 5 never drawn
    raw = _png(_p_image(indices, colours), transparency=5)
    return Case(raw, "P", colours[indices].astype(float), None)


def _case_rgb() -> Case:
    rgb = _rgb8()
    return Case(_png(Image.fromarray(rgb)), "RGB", rgb.astype(float), None)


def _case_rgb_trns() -> Case:
    rgb = _rgb8().copy()
    key = (1, 2, 3)
    rgb[_alpha8() == 0] = key
    alpha = np.where(_alpha8() == 0, 0, 255).astype(np.uint8)
    return Case(_png(Image.fromarray(rgb), transparency=key), "RGB", rgb.astype(float), alpha)


def _case_rgba() -> Case:
    rgb, alpha = _rgb8(), _alpha8()
    image = Image.fromarray(np.dstack([rgb, alpha]), "RGBA")
    return Case(_png(image), "RGBA", rgb.astype(float), alpha)


def _case_rgba_opaque() -> Case:
    rgb = _rgb8()
    image = Image.fromarray(np.dstack([rgb, np.full((H, W), 255, np.uint8)]), "RGBA")
    return Case(_png(image), "RGBA", rgb.astype(float), None)


def _grey16() -> np.ndarray:
    return _ramp(3000, 64000).round().astype(np.uint16)


def _case_grey16() -> Case:
    grey = _grey16()
    return Case(png_from_array(grey, color_type=0), "I;16", _grey(grey / 257), None)


def _case_grey16_trns() -> Case:
    grey = _grey16().copy()
    key = 40_000  # a 16-bit key: the 8-bit neighbours (39,936..40,191) must stay opaque
    grey[_alpha8() == 0] = key
    grey[(grey != key) & (np.abs(grey.astype(int) - key) < 300)] = key + 1
    alpha = np.where(grey == key, 0, 255).astype(np.uint8)
    raw = png_from_array(grey, color_type=0, trns=key.to_bytes(2, "big"))
    return Case(raw, "I;16", _grey(grey / 257), alpha)


def _rgb16() -> np.ndarray:
    return (_rgb8().astype(np.uint32) * 257 + 100).clip(0, 65535).astype(np.uint16)


def _case_rgb16() -> Case:
    rgb = _rgb16()
    return Case(png_from_array(rgb, color_type=2), "RGB", rgb / 257, None)


def _case_rgba16() -> Case:
    rgb, alpha = _rgb16(), _alpha8()
    raw = png_from_array(np.dstack([rgb, alpha.astype(np.uint16) * 257]), color_type=6)
    return Case(raw, "RGBA", rgb / 257, alpha)


def _case_grey_alpha16() -> Case:
    grey, alpha = _grey16(), _alpha8()
    raw = png_from_array(np.dstack([grey, alpha.astype(np.uint16) * 257]), color_type=4)
    return Case(raw, "RGBA", _grey(grey / 257), alpha)


def _case_grey_jpeg() -> Case:
    grey = _rgb8()[..., 0]
    return Case(_jpeg(Image.fromarray(grey, "L")), "L", _grey(grey), None, JPEG_TOLERANCE)


def _case_rgb_jpeg() -> Case:
    rgb = _rgb8()
    return Case(_jpeg(Image.fromarray(rgb)), "RGB", rgb.astype(float), None, JPEG_TOLERANCE)


def _case_cmyk_adobe() -> Case:
    # Pillow writes CMYK inverted, with the APP14 Adobe marker that says so.
    cmyk = _cmyk8()
    raw = _jpeg(Image.fromarray(cmyk, "CMYK"))
    assert b"Adobe" in raw
    return Case(raw, "CMYK", _naive_cmyk_look(cmyk), None, JPEG_TOLERANCE)


def _case_cmyk_plain() -> Case:
    # Plain (not inverted) CMYK without the Adobe marker: write the inverse, drop the marker.
    cmyk = _cmyk8()
    raw = without_adobe_marker(_jpeg(Image.fromarray(255 - cmyk, "CMYK")))
    assert b"Adobe" not in raw
    return Case(raw, "CMYK", _naive_cmyk_look(cmyk), None, JPEG_TOLERANCE)


def _case_cmyk_icc() -> Case:
    cmyk = _cmyk8()
    raw = _jpeg(Image.fromarray(cmyk, "CMYK"), icc_profile=cmyk_test_profile())
    look = _lab_to_srgb(cmyk_profile_lab(cmyk))
    # The profile must matter: its look is far from the naive one.
    assert np.abs(look - _naive_cmyk_look(cmyk)).mean() > 20
    return Case(raw, "CMYK", look, None, JPEG_TOLERANCE)


def _case_rgb_icc_png() -> Case:
    rgb = _rgb8()
    raw = _png(Image.fromarray(rgb), icc_profile=swapped_srgb_profile())
    return Case(raw, "RGB", rgb[..., ::-1].astype(float), None)


def _case_rgba_icc_png() -> Case:
    rgb, alpha = _rgb8(), _alpha8()
    image = Image.fromarray(np.dstack([rgb, alpha]), "RGBA")
    raw = _png(image, icc_profile=swapped_srgb_profile())
    return Case(raw, "RGBA", rgb[..., ::-1].astype(float), alpha)


def _case_rgb_icc_jpeg() -> Case:
    rgb = _rgb8()
    raw = _jpeg(Image.fromarray(rgb), icc_profile=swapped_srgb_profile())
    return Case(raw, "RGB", rgb[..., ::-1].astype(float), None, JPEG_TOLERANCE)


CASES: dict[str, Callable[[], Case]] = {
    "1-bit": _case_bilevel,
    "L": _case_l,
    "L+tRNS": _case_l_trns,
    "LA": _case_la,
    "P": _case_p,
    "P+tRNS-index": _case_p_single_trns,
    "P+tRNS-palette-alpha": _case_p_palette_alpha,
    "P+tRNS-unused": _case_p_unused_trns,
    "RGB": _case_rgb,
    "RGB+tRNS": _case_rgb_trns,
    "RGBA": _case_rgba,
    "RGBA-opaque": _case_rgba_opaque,
    "I;16-grey16": _case_grey16,
    "I;16-grey16+tRNS": _case_grey16_trns,
    "RGB16": _case_rgb16,
    "RGBA16": _case_rgba16,
    "grey16+alpha16": _case_grey_alpha16,
    "L-jpeg": _case_grey_jpeg,
    "RGB-jpeg": _case_rgb_jpeg,
    "CMYK-jpeg-adobe-inverted": _case_cmyk_adobe,
    "CMYK-jpeg-plain": _case_cmyk_plain,
    "CMYK-jpeg-icc": _case_cmyk_icc,
    "RGB-png-non-srgb-icc": _case_rgb_icc_png,
    "RGBA-png-non-srgb-icc": _case_rgba_icc_png,
    "RGB-jpeg-non-srgb-icc": _case_rgb_icc_jpeg,
}


@pytest.mark.parametrize("name", list(CASES))
def test_normalised_image_keeps_the_original_look(name: str) -> None:
    case = CASES[name]()
    assert Image.open(io.BytesIO(case.raw)).mode == case.opened_as

    prepared = prepare_upload(case.raw, field="input_image", limits=LIMITS)
    out = Image.open(io.BytesIO(prepared.data))
    assert (prepared.width, prepared.height) == out.size == (W, H)

    if case.alpha is None:
        assert not prepared.has_alpha and out.mode == "RGB"
        visible = np.ones((H, W), dtype=bool)
    else:
        assert prepared.has_alpha and out.mode == "RGBA"
        np.testing.assert_array_equal(np.asarray(out)[..., 3], case.alpha)
        visible = case.alpha > 0  # a fully clear pixel's colour is nobody's look
    rgb = np.asarray(out.convert("RGB")).astype(np.float64)
    difference = np.abs(rgb - case.rgb)[visible].mean()
    assert difference <= case.tolerance, f"{name}: mean difference {difference:.2f}"


@pytest.mark.parametrize("mode", ["I;16", "I;16B", "I;16L", "I"])
def test_every_16_bit_grey_mode_is_scaled_not_clipped(mode: str) -> None:
    # From PNG Pillow opens 16-bit grey as I;16; the big-endian and 32-bit variants come
    # from other decoders and from conversions, and clip just the same in Pillow.
    values = [0, 128, 257 * 60, 40_000, 65_535]
    image = Image.new(mode, (len(values), 1))
    image.putdata(values)
    working = _to_working(image)
    assert working.mode == "L"
    assert list(working.get_flattened_data()) == [0, 0, 60, 156, 255]


def test_a_mid_grey_16_bit_character_is_not_a_white_ghost() -> None:
    character = np.full((H, W), 20_000, dtype=np.uint16)  # a dark-ish grey figure
    character[:, : W // 2] = 50_000
    prepared = prepare_upload(png_from_array(character, color_type=0), field="f", limits=LIMITS)
    grey = np.asarray(Image.open(io.BytesIO(prepared.data)).convert("L"))
    assert grey[:, -1].mean() == pytest.approx(20_000 / 257, abs=1)  # 78, not 255
    assert grey[:, 0].mean() == pytest.approx(50_000 / 257, abs=1)
