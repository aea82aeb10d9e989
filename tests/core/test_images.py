from __future__ import annotations

import asyncio
import io
import json
import struct
import subprocess
import sys
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from tests.support import character_png, jpeg_bytes, noisy_jpeg, png_bytes, png_from_array
from webtoon_core import errors, images
from webtoon_core.decode_budget import DecodeBudget
from webtoon_core.images import (
    EncodedImage,
    ImageDecoder,
    ImageLimits,
    compact,
    encode_image,
    inspect_result,
    plan_result,
    plan_upload,
    prepare_upload,
)
from webtoon_core.settings import CommonSettings

MIB = 1024 * 1024
UPLOADS = ImageLimits(max_side=1024, max_pixels=40_000_000, max_axis=16383)
RESULTS = ImageLimits(
    max_side=None, max_pixels=40_000_000, max_axis=16383, min_side=1, max_aspect=float("inf")
)
REPO = Path(__file__).resolve().parents[2]


def prepare(raw: bytes, **kw):
    limits = ImageLimits(
        max_side=kw.get("max_side", 1024),
        max_pixels=kw.get("max_pixels", 40_000_000),
        max_axis=kw.get("max_axis", 16383),
    )
    return prepare_upload(raw, field="input_image", limits=limits)


def test_png_stays_png_and_jpeg_stays_jpeg():
    png = prepare(png_bytes())
    jpg = prepare(jpeg_bytes())
    assert png.media_type == "image/png" and png.data.startswith(b"\x89PNG")
    assert jpg.media_type == "image/jpeg" and jpg.data.startswith(b"\xff\xd8")
    assert png.data_uri().startswith("data:image/png;base64,")


def test_format_is_judged_by_content_not_name():
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, format="GIF")
    with pytest.raises(errors.UnsupportedImage) as info:
        prepare(gif.getvalue())
    assert info.value.status == 415 and info.value.code == "UNSUPPORTED_IMAGE"
    with pytest.raises(errors.UnsupportedImage):
        prepare(b"this is a text file, named photo.png")


def test_empty_file_is_refused_with_the_known_message():
    with pytest.raises(errors.EmptyFile) as info:
        prepare(b"")
    assert info.value.status == 400
    assert "업로드된 파일이 비어 있습니다" in info.value.message


@pytest.mark.parametrize("make", [png_bytes, jpeg_bytes])
def test_truncated_files_are_invalid(make):
    raw = make((600, 600))
    with pytest.raises(errors.InvalidImage) as info:
        prepare(raw[: len(raw) // 2])
    assert info.value.status == 400 and info.value.code == "INVALID_IMAGE"


def test_pixel_bomb_is_refused_before_decoding():
    big = io.BytesIO()
    Image.new("1", (8000, 6000)).save(big, format="PNG")  # 48 MP, a few KB on disk
    assert len(big.getvalue()) < 100_000
    with pytest.raises(errors.ImageTooLarge) as info:
        prepare(big.getvalue())
    assert info.value.status == 413 and info.value.code == "IMAGE_TOO_LARGE"


def test_exif_orientation_is_applied():
    raw = jpeg_bytes((400, 200), exif_orientation=6)  # stored landscape, shown portrait
    prepared = prepare(raw)
    assert (prepared.width, prepared.height) == (200, 400)


def test_downscaled_to_max_side_keeping_shape():
    prepared = prepare(png_bytes((3000, 1500)), max_side=1024)
    assert (prepared.width, prepared.height) == (1024, 512)
    assert Image.open(io.BytesIO(prepared.data)).size == (1024, 512)


def test_large_jpeg_is_downscaled():
    prepared = prepare(jpeg_bytes((4000, 3000)), max_side=1024)
    assert max(prepared.width, prepared.height) == 1024


def test_real_transparency_is_kept_and_flat_alpha_dropped():
    transparent = prepare(png_bytes(mode="RGBA"))
    assert transparent.has_alpha and Image.open(io.BytesIO(transparent.data)).mode == "RGBA"
    opaque = io.BytesIO()
    Image.new("RGBA", (80, 80), (10, 20, 30, 255)).save(opaque, format="PNG")
    assert not prepare(opaque.getvalue()).has_alpha


@pytest.mark.parametrize(
    ("fmt", "media_type", "ext"),
    [("png", "image/png", "png"), ("jpg", "image/jpeg", "jpg"), ("webp", "image/webp", "webp")],
)
def test_result_type_comes_from_the_bytes(fmt, media_type, ext):
    data = encode_image(Image.new("RGB", (32, 32), (1, 2, 3)), fmt)
    result = inspect_result(data, limits=RESULTS)
    assert (result.media_type, result.extension) == (media_type, ext)


@pytest.mark.parametrize("data", [b"", b"<html>oops</html>", png_bytes()[:200]])
def test_broken_results_are_upstream_errors(data):
    with pytest.raises(errors.UpstreamError) as info:
        inspect_result(data, limits=RESULTS)
    assert info.value.status == 502 and info.value.code == "UPSTREAM_ERROR"


def test_limit_phrase_reads_like_the_runbook():
    assert errors.limit_phrase(120) == "2분"
    assert errors.limit_phrase(90) == "90초"
    assert errors.limit_phrase(1.5) == "1.5초"


def test_exif_orientation_of_a_png_is_applied():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90
    out = io.BytesIO()
    Image.new("RGB", (400, 200), (200, 10, 10)).save(out, format="PNG", exif=exif.tobytes())
    prepared = prepare(out.getvalue())
    assert (prepared.width, prepared.height) == (200, 400)


def test_downscale_keeps_transparency_and_converts_icc_on_the_way():
    from tests.support import swapped_srgb_profile

    rgba = np.zeros((1500, 2000, 4), dtype=np.uint8)
    rgba[..., 0], rgba[..., 2], rgba[..., 3] = 200, 20, 255
    rgba[:, :500, 3] = 0
    raw = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(raw, format="PNG", icc_profile=swapped_srgb_profile())
    prepared = prepare(raw.getvalue())
    out = np.asarray(prepared.to_pil())
    assert prepared.has_alpha and out.shape == (768, 1024, 4)
    assert (out[:, :200, 3] == 0).all() and (out[:, 300:, 3] == 255).all()
    assert tuple(out[400, 600, :3]) == (20, 0, 200)  # red and blue exchanged by the profile


# --- degenerate shapes --------------------------------------------------------------------


def test_degenerate_errors_are_input_errors_with_korean_defaults():
    for cls, code in (
        (errors.ImageTooSmall, "IMAGE_TOO_SMALL"),
        (errors.ImageTooElongated, "IMAGE_TOO_ELONGATED"),
    ):
        assert issubclass(cls, errors.InputError)
        assert (cls.status, cls.code) == (422, code)
        assert "올려 주세요" in cls.message


@pytest.mark.parametrize("size", [(1, 1), (63, 200), (200, 40)])
def test_tiny_images_are_refused(size):
    with pytest.raises(errors.ImageTooSmall) as info:
        prepare(png_bytes(size))
    error = info.value
    assert (error.status, error.code) == (422, "IMAGE_TOO_SMALL")
    assert "input_image" in error.message and f"{size[0]}x{size[1]}px" in error.message
    assert "64px 이상" in error.message


@pytest.mark.parametrize("size", [(4000, 100), (100, 4000), (520, 64)])
def test_strips_are_refused(size):
    with pytest.raises(errors.ImageTooElongated) as info:
        prepare(png_bytes(size))
    error = info.value
    assert (error.status, error.code) == (422, "IMAGE_TOO_ELONGATED")
    assert "input_image" in error.message and "8배 이하" in error.message


@pytest.mark.parametrize("size", [(64, 64), (512, 64), (64, 512)])
def test_the_limits_themselves_are_accepted(size):
    prepared = prepare(png_bytes(size))
    assert min(prepared.width, prepared.height) >= 64 // 1 or max(size) > 1024


def test_results_are_never_refused_for_their_shape():
    result = inspect_result(png_bytes((4000, 100)), limits=RESULTS)
    assert result.media_type == "image/png"


# --- bounds before decoding -----------------------------------------------------------------


def _png_header(width: int, height: int) -> bytes:
    """A PNG claiming ``width`` x ``height`` grey pixels, with a token of image data.

    Everything is refused from the header, so the data need not be complete; the real
    file (78 KB of zlib for 1 x 40,000,000) took 0.9 GB to decode.
    """

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    data = zlib.compress(b"\x00" * (width + 1) * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def test_a_one_pixel_wide_strip_of_40_megapixels_is_refused_from_its_header():
    raw = _png_header(1, 40_000_000)  # within max_pixels: only the axis bound stops it
    started = time.perf_counter()
    with pytest.raises(errors.ImageTooLarge) as info:
        prepare(raw)
    assert time.perf_counter() - started < 0.5  # nothing was decoded
    assert info.value.status == 413 and "16383px 이하" in info.value.message
    with pytest.raises(errors.UpstreamError) as upstream:
        inspect_result(raw, limits=RESULTS)
    assert upstream.value.status == 502 and "over the limits" in upstream.value.log_detail


def test_each_axis_is_bounded():
    with pytest.raises(errors.ImageTooLarge):
        prepare(png_bytes((1200, 300)), max_axis=1000)
    assert prepare(png_bytes((1000, 300)), max_axis=1000).width == 1000


def test_estimate_counts_progressive_coefficients_and_jpeg_draft_scaling():
    picture = Image.fromarray(np.asarray(Image.open(io.BytesIO(jpeg_bytes((4000, 3000))))))
    baseline, progressive = io.BytesIO(), io.BytesIO()
    picture.save(baseline, format="JPEG", quality=90)
    picture.save(progressive, format="JPEG", quality=90, progressive=True, subsampling=0)
    base_plan = plan_upload(baseline.getvalue(), field="f", limits=UPLOADS)
    prog_plan = plan_upload(progressive.getvalue(), field="f", limits=UPLOADS)
    # Decoded at 1/2 scale (the largest DCT scale still over 1024 x 768), but a progressive
    # JPEG keeps every coefficient of the full image (3 x 2 B a pixel at 4:4:4).
    assert base_plan.decoded_size == prog_plan.decoded_size == (2000, 1500)
    assert base_plan.peak_bytes < 48 * MIB
    assert prog_plan.peak_bytes > 4000 * 3000 * 3 * 2 > base_plan.peak_bytes
    # A result only being checked is decoded at 1/8 scale.
    assert plan_result(baseline.getvalue(), limits=RESULTS).decoded_size == (500, 375)


_MEASURE = r"""
import gc, json, sys
from webtoon_core.images import ImageLimits, inspect_result, plan_result, plan_upload
from webtoon_core.images import prepare_upload
from tests.support import png_bytes, jpeg_bytes
path, kind, convert_to = sys.argv[1], sys.argv[2], sys.argv[3] or None
raw = open(path, "rb").read()
uploads = ImageLimits(max_side=1024, max_pixels=40_000_000, max_axis=16383)
results = ImageLimits(
    max_side=None, max_pixels=40_000_000, max_axis=16383, min_side=1, max_aspect=float("inf")
)
prepare_upload(png_bytes(), field="warm", limits=uploads)  # codecs loaded before the baseline
prepare_upload(jpeg_bytes(), field="warm", limits=uploads)
if kind == "upload":
    plan = plan_upload(raw, field="f", limits=uploads)
    run = lambda: prepare_upload(raw, field="f", limits=uploads)
else:
    plan = plan_result(raw, limits=results, convert_to=convert_to)
    run = lambda: inspect_result(raw, limits=results, convert_to=convert_to)
def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
gc.collect()
# ru_maxrss would report the parent's peak (Linux carries it over exec); VmHWM is this
# process's own, and writing 5 to clear_refs resets it to the current RSS.
with open("/proc/self/clear_refs", "w") as handle:
    handle.write("5")
before = status("VmRSS")
run()
print(json.dumps({"estimate": plan.peak_bytes, "measured": status("VmHWM") - before}))
"""


def _flat_drawing(mode: str, size: tuple[int, int]) -> Image.Image:
    image = Image.new(mode, size, (0, 0, 0, 0) if mode == "RGBA" else (240, 240, 240))
    draw = ImageDraw.Draw(image)
    for i in range(12):
        x = size[0] * i / 14
        draw.ellipse(
            (x, size[1] * 0.1, x + size[0] / 8, size[1] * 0.9), fill=(200, 30, 30, 255)[: len(mode)]
        )
    return image


@pytest.mark.parametrize(
    ("name", "kind", "convert_to"),
    [
        ("rgba-40mp.png", "upload", ""),  # the largest upload accepted: RGBA resized via RGBa
        ("progressive-16mp.jpg", "upload", ""),  # whole-image coefficient buffers
        ("rgba-16mp.png", "result", "jpeg"),  # full resolution, flattened onto white
    ],
)
def test_estimate_bounds_the_real_peak_memory(tmp_path, name, kind, convert_to):
    """Peak RSS of a fresh process decoding the input, against the estimate made before."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pytest.skip("this kernel cannot reset the peak RSS (/proc/self/clear_refs)")
    if name == "rgba-40mp.png":
        image = _flat_drawing("RGBA", (7300, 5479))
    elif name == "rgba-16mp.png":
        image = _flat_drawing("RGBA", (4096, 4096))
    else:
        image = _flat_drawing("RGB", (4600, 3450))
    path = tmp_path / name
    if name.endswith(".jpg"):
        image.save(path, format="JPEG", quality=90, progressive=True, subsampling=0)
    else:
        image.save(path, format="PNG")
    del image
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path), kind, convert_to],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    figures = json.loads(done.stdout)
    estimate, measured = figures["estimate"], figures["measured"]
    assert measured <= estimate <= 1.5 * measured, figures
    assert estimate <= CommonSettings().decode_memory_mb * MIB  # the default budget takes it


# --- the shared decode budget ---------------------------------------------------------------


@pytest.fixture
def pool():
    with ThreadPoolExecutor(max_workers=4) as executor:
        yield executor


def _run_sync_on(executor: ThreadPoolExecutor, calls: list | None = None):
    """The app's run_sync: a sync function run in the worker pool."""

    async def run_sync(fn, *args):
        if calls is not None:
            calls.append(fn)
        return await asyncio.get_running_loop().run_in_executor(executor, partial(fn, *args))

    return run_sync


async def _eventually(condition) -> None:
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("condition never became true")


def _gate_decodes(monkeypatch, blocked: set[str]):
    """Make decodes of the ``blocked`` fields wait for the returned event; log who started."""
    gate, started = threading.Event(), []
    real = images._decode_upload

    def gated(raw, plan, *, field, limits):
        started.append(field)
        if field in blocked:
            assert gate.wait(10)
        return real(raw, plan, field=field, limits=limits)

    monkeypatch.setattr(images, "_decode_upload", gated)
    return gate, started


def test_limits_and_budget_come_from_the_settings():
    settings = CommonSettings()
    uploads = ImageLimits.for_uploads(settings)
    assert (uploads.max_side, uploads.max_pixels, uploads.max_axis) == (1024, 40_000_000, 16383)
    assert (uploads.min_side, uploads.max_aspect) == (64, 8.0)
    results = ImageLimits.for_results(settings)
    assert results.max_side is None and results.max_axis == 16383
    assert results.min_side <= 1 and results.max_aspect == float("inf")
    assert settings.decode_memory_mb == 448
    assert ImageDecoder.from_settings(lambda fn, *a: fn(*a), settings).budget.capacity == 448 * MIB


async def test_decoder_reads_the_header_in_the_pool_then_decodes_there(pool):
    calls = []
    decoder = ImageDecoder(_run_sync_on(pool, calls), budget_bytes=256 * MIB)
    prepared = await decoder.prepare_upload(png_bytes(), field="input_image", limits=UPLOADS)
    assert prepared.media_type == "image/png"
    assert [call.func for call in calls] == [images.plan_upload, images._decode_upload]
    result = await decoder.inspect_result(png_bytes(), limits=RESULTS, convert_to="webp")
    assert result.media_type == "image/webp"
    assert decoder.budget.in_use == 0


async def test_an_upload_larger_than_the_whole_budget_is_refused_at_once(pool):
    calls = []
    decoder = ImageDecoder(_run_sync_on(pool, calls), budget_bytes=16 * MIB)
    raw = png_bytes((3000, 2000), mode="RGBA")  # estimated ~60 MiB
    with pytest.raises(errors.ImageTooLarge) as info:
        await decoder.prepare_upload(raw, field="input_image_2", limits=UPLOADS)
    assert info.value.status == 413 and info.value.code == "IMAGE_TOO_LARGE"
    assert "input_image_2" in info.value.message and "메가픽셀 이하" in info.value.message
    assert [call.func for call in calls] == [images.plan_upload]  # nothing was decoded
    assert decoder.budget.in_use == 0 and decoder.budget.waiting == 0


async def test_a_result_larger_than_the_whole_budget_is_an_upstream_error(pool):
    decoder = ImageDecoder(_run_sync_on(pool), budget_bytes=16 * MIB)
    with pytest.raises(errors.UpstreamError) as info:
        await decoder.inspect_result(png_bytes((3000, 2000)), limits=RESULTS, convert_to="webp")
    assert info.value.status == 502 and info.value.code == "UPSTREAM_ERROR"
    assert "decode budget" in info.value.log_detail


async def test_a_decode_waits_for_room_without_blocking_the_loop(pool, monkeypatch):
    gate, started = _gate_decodes(monkeypatch, {"first"})
    raw = png_bytes((400, 600))
    need = plan_upload(raw, field="x", limits=UPLOADS).peak_bytes
    decoder = ImageDecoder(_run_sync_on(pool), budget_bytes=need + need // 2)  # room for one
    first = asyncio.create_task(decoder.prepare_upload(raw, field="first", limits=UPLOADS))
    await _eventually(lambda: started)
    second = asyncio.create_task(decoder.prepare_upload(raw, field="second", limits=UPLOADS))
    ticks = 0
    for _ in range(20):  # the loop keeps running while the second decode waits
        await asyncio.sleep(0.005)
        ticks += 1
    assert ticks == 20 and started == ["first"] and decoder.budget.waiting == 1
    assert not second.done()
    gate.set()
    await asyncio.gather(first, second)
    assert started == ["first", "second"] and decoder.budget.in_use == 0


async def test_a_cancelled_request_keeps_its_reservation_until_the_pool_is_done(pool, monkeypatch):
    gate, started = _gate_decodes(monkeypatch, {"gone"})
    decoder = ImageDecoder(_run_sync_on(pool), budget_bytes=256 * MIB)
    task = asyncio.create_task(decoder.prepare_upload(png_bytes(), field="gone", limits=UPLOADS))
    await _eventually(lambda: started)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert decoder.budget.in_use > 0  # the worker thread still holds the pixels
    gate.set()
    await _eventually(lambda: decoder.budget.in_use == 0)


async def test_budget_serves_in_arrival_order():
    budget = DecodeBudget(100)
    refuse = errors.ImageTooLarge()
    await budget.acquire(60, refuse=refuse)
    order = []

    async def take(need: int, name: str) -> None:
        await budget.acquire(need, refuse=refuse)
        order.append(name)

    big = asyncio.create_task(take(80, "big"))
    await asyncio.sleep(0)
    small = asyncio.create_task(take(10, "small"))
    await asyncio.sleep(0.01)
    assert order == [] and budget.waiting == 2  # small would fit, but big came first
    budget.release(60)
    await asyncio.gather(big, small)
    assert order == ["big", "small"] and budget.in_use == 90
    with pytest.raises(errors.ImageTooLarge):
        await budget.acquire(101, refuse=refuse)


async def test_a_cancelled_waiter_gives_its_place_up():
    budget = DecodeBudget(100)
    refuse = errors.ImageTooLarge()
    await budget.acquire(90, refuse=refuse)
    waiter = asyncio.create_task(budget.acquire(50, refuse=refuse))
    await asyncio.sleep(0.01)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert budget.waiting == 0
    budget.release(90)
    assert budget.in_use == 0


async def test_budget_is_shared_by_threads_with_their_own_loops():
    budget = DecodeBudget(100)
    refuse = errors.ImageTooLarge()
    await budget.acquire(70, refuse=refuse)
    got = threading.Event()

    def other_loop() -> None:
        async def go() -> None:
            await budget.acquire(50, refuse=refuse)
            got.set()

        asyncio.run(go())

    thread = threading.Thread(target=other_loop)
    thread.start()
    await asyncio.sleep(0.05)
    assert not got.is_set()
    budget.release(70)
    thread.join(5)
    assert got.is_set() and budget.in_use == 50


# --- results: conversion to the requested format ------------------------------------------------


def _rgba_result() -> tuple[bytes, np.ndarray]:
    pixels = np.zeros((96, 128, 4), dtype=np.uint8)
    pixels[..., 0], pixels[..., 1], pixels[..., 3] = 30, 160, 255
    pixels[:, :40, 3] = 0
    pixels[:, 40:60, 3] = 128
    out = io.BytesIO()
    Image.fromarray(pixels, "RGBA").save(out, format="PNG")
    return out.getvalue(), pixels


def test_a_result_in_the_requested_format_is_passed_through():
    raw, _ = _rgba_result()
    assert inspect_result(raw, limits=RESULTS, convert_to="png").data == raw
    jpeg = jpeg_bytes()
    result = inspect_result(jpeg, limits=RESULTS, convert_to="jpg")
    assert result.data == jpeg and (result.media_type, result.extension) == ("image/jpeg", "jpg")


def test_png_result_becomes_webp_keeping_real_transparency():
    raw, pixels = _rgba_result()
    result = inspect_result(raw, limits=RESULTS, convert_to="webp")
    assert (result.media_type, result.extension) == ("image/webp", "webp")
    image = Image.open(io.BytesIO(result.data))
    assert image.format == "WEBP" and image.mode == "RGBA"
    np.testing.assert_array_equal(np.asarray(image)[..., 3], pixels[..., 3])


def test_png_result_becomes_jpeg_flattened_onto_white():
    raw, _ = _rgba_result()
    result = inspect_result(raw, limits=RESULTS, convert_to="jpeg")
    assert (result.media_type, result.extension) == ("image/jpeg", "jpg")
    image = np.asarray(Image.open(io.BytesIO(result.data)))
    assert image.shape == (96, 128, 3)
    assert (image[:, 5:35] >= 250).all()  # clear pixels are paper white
    assert abs(int(image[50, 100, 1]) - 160) <= 4  # opaque ones keep their colour


def test_webp_result_becomes_png_and_16_bit_is_scaled_on_the_way():
    webp = encode_image(Image.new("RGB", (80, 80), (10, 200, 30)), "webp")
    result = inspect_result(webp, limits=RESULTS, convert_to="png")
    assert result.media_type == "image/png" and result.data.startswith(b"\x89PNG")
    grey16 = png_from_array(np.full((80, 80), 30_000, dtype=np.uint16), color_type=0)
    result = inspect_result(grey16, limits=RESULTS, convert_to="webp")
    value = Image.open(io.BytesIO(result.data)).convert("L").getpixel((40, 40))
    assert abs(value - 30_000 / 257) <= 2  # 117, not white


@pytest.mark.parametrize("convert_to", [None, "webp"])
def test_truncated_results_are_upstream_errors_whatever_the_format(convert_to):
    raw = png_bytes((600, 600))[:-300]
    with pytest.raises(errors.UpstreamError):
        inspect_result(raw, limits=RESULTS, convert_to=convert_to)


def test_an_unknown_result_format_is_refused():
    with pytest.raises(errors.UpstreamError):
        inspect_result(png_bytes(), limits=RESULTS, convert_to="gif")


# --- compact encodings for providers ---------------------------------------------------------


def _photo_png(size: int = 512) -> bytes:
    rng = np.random.default_rng(5)
    y, x = np.mgrid[0:size, 0:size] / size
    base = np.stack(
        [120 + 80 * np.sin(3 * x + 1), 110 + 70 * np.cos(4 * y), 90 + 60 * np.sin(5 * (x + y))], -1
    )
    image = Image.fromarray(base.astype(np.uint8)).filter(ImageFilter.GaussianBlur(2))
    grain = np.asarray(image).astype(np.float32) + rng.normal(0, 6, (size, size, 3))
    out = io.BytesIO()
    Image.fromarray(np.clip(grain, 0, 255).astype(np.uint8)).save(out, format="PNG")
    return out.getvalue()


def test_a_photo_like_png_goes_to_providers_as_jpeg():
    prepared = prepare(_photo_png())
    encoded = compact(prepared)
    assert encoded.media_type == "image/jpeg" and encoded.data.startswith(b"\xff\xd8")
    assert len(encoded.data) * 5 < len(prepared.data)
    assert encoded.data_uri().startswith("data:image/jpeg;base64,")
    assert encoded.data_uri() == f"data:image/jpeg;base64,{encoded.base64()}"


def test_real_transparency_stays_a_png_identical_where_visible():
    raw = io.BytesIO()
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 256, (256, 256, 4), dtype=np.uint8)  # grain under the clear part too
    pixels[..., 3] = 255
    pixels[:, :100, 3] = 0
    pixels[:, 100:120, 3] = 90
    Image.fromarray(pixels, "RGBA").save(raw, format="PNG")
    prepared = prepare(raw.getvalue())
    encoded = compact(prepared)
    assert encoded.media_type == "image/png" and len(encoded.data) < len(prepared.data)
    before = np.asarray(prepared.to_pil())
    after = np.asarray(Image.open(io.BytesIO(encoded.data)))
    np.testing.assert_array_equal(after[..., 3], before[..., 3])
    visible = before[..., 3] > 0
    np.testing.assert_array_equal(after[visible], before[visible])


def test_a_flat_drawing_stays_a_lossless_png_no_larger_than_before():
    prepared = prepare(character_png((683, 1024)))
    encoded = compact(prepared)
    assert encoded.media_type == "image/png" and len(encoded.data) <= len(prepared.data)
    np.testing.assert_array_equal(
        np.asarray(Image.open(io.BytesIO(encoded.data)).convert("RGB")),
        np.asarray(prepared.to_pil().convert("RGB")),
    )


def test_a_jpeg_upload_never_grows():
    prepared = prepare(noisy_jpeg((1200, 900)))
    encoded = compact(prepared, jpeg_quality=90)
    assert encoded.media_type == "image/jpeg" and len(encoded.data) <= len(prepared.data)
    assert isinstance(encoded, EncodedImage)


async def test_a_result_too_large_to_re_encode_is_handed_out_as_it_came(pool, logs):
    raw = png_bytes((3000, 2000))
    as_is = plan_result(raw, limits=RESULTS).peak_bytes
    assert plan_result(raw, limits=RESULTS, convert_to="webp").peak_bytes > 2 * as_is
    decoder = ImageDecoder(_run_sync_on(pool), budget_bytes=as_is + MIB)
    result = await decoder.inspect_result(raw, limits=RESULTS, convert_to="webp")
    assert result.data == raw and (result.media_type, result.extension) == ("image/png", "png")
    assert "받은 형식 그대로" in logs.text


async def test_large_decodes_give_their_memory_back_to_the_os(pool, monkeypatch):
    given_back = []
    monkeypatch.setattr(images, "give_back_freed_memory", lambda: given_back.append(1))
    decoder = ImageDecoder(_run_sync_on(pool), budget_bytes=448 * MIB)
    await decoder.prepare_upload(png_bytes(), field="small", limits=UPLOADS)
    assert given_back == []  # a few MiB: left to malloc
    await decoder.prepare_upload(png_bytes((3000, 2000), mode="RGBA"), field="big", limits=UPLOADS)
    assert given_back == [1]  # before its reservation ended
    assert decoder.budget.in_use == 0
