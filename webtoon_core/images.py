"""Upload validation and normalisation, inspection of generated results, compact encodings.

Everything here is CPU work on bytes and runs in a worker thread, never on the
event loop. Formats are judged by content (Pillow's decoder), never by file name
or declared content type.

Memory is decided before decoding. ``plan_upload``/``plan_result`` read only the
header and return a ``DecodePlan`` whose ``peak_bytes`` is the most memory the
decode and every copy made after it will hold at once; ``ImageDecoder`` reserves
that much from a process-wide ``DecodeBudget`` before the work reaches the
thread pool. Keep the estimate (``_estimate_peak``) in step with the pipeline
(``_normalise`` and the encoders after it): the pipeline is written to free each
full-size copy as soon as the next exists, and the estimate counts what is alive
at each step. Its constants were measured (peak RSS) on the largest inputs the
default limits accept; the estimates came out 3-20 % above the measured peaks.

Normalisation turns every mode Pillow opens from PNG/JPEG/WebP into 8-bit sRGB
RGB, or RGBA when the image has real transparency: 16-bit samples are scaled
(never clipped), palette and single-colour (tRNS) transparency become alpha,
CMYK is converted (through its ICC profile when it has one), and an embedded
RGB or CMYK ICC profile is converted to sRGB with ``PIL.ImageCms``.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import io
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import numpy as np
from PIL import Image, ImageChops, ImageCms, ImageOps, UnidentifiedImageError

from webtoon_core.decode_budget import DecodeBudget, give_back_freed_memory
from webtoon_core.errors import (
    AppError,
    EmptyFile,
    ImageTooElongated,
    ImageTooLarge,
    ImageTooSmall,
    InvalidImage,
    UnsupportedImage,
    UpstreamError,
)
from webtoon_core.settings import CommonSettings
from webtoon_core.workers import RunSync

T = TypeVar("T")
log = logging.getLogger("webtoon_core.images")

ACCEPTED_UPLOAD_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}
# What a provider may hand back, with the extension our download names use.
RESULT_FORMATS = {
    "PNG": ("image/png", "png"),
    "JPEG": ("image/jpeg", "jpg"),
    "WEBP": ("image/webp", "webp"),
}
# ``convert_to`` names (the services' output_format values) -> Pillow format names.
OUTPUT_FORMATS = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "webp": "WEBP"}
# Errors Pillow raises for broken data: corrupt headers, truncated streams, bad CRCs.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError)
# The normalised JPEG the local engines and providers receive.
NORMALISED_JPEG_QUALITY = 92
_MIB = 1024 * 1024

# --- memory model (see _estimate_peak) -----------------------------------------------
# Bytes Pillow stores per pixel: one for 1/L/P, two for 16-bit grey, and four for every
# other mode, 3-band RGB included (it is stored as RGBX).
_PIXEL_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2, "I;16N": 2}
# Pillow keeps one pointer per row next to the pixels: 320 MB for a 1 x 40,000,000 strip.
_ROW_POINTER_BYTES = 8
# Working memory of the codecs and of lcms (zlib window and row buffers, libjpeg's
# strip buffers, colour transform tables).
_CODEC_SLACK_BYTES = 8 * _MIB
# What the model does not see: allocator rounding and fragmentation, Python objects.
# Measured peaks came within 1-4 % of the modelled ones for the largest inputs.
_MARGIN = 1.10
# libwebp decodes into its own canvas plus a copy of the previous frame, and Pillow
# copies the frame into a bytes object and then into the image
# (three full RGBA buffers next to the image; measured 15.3 B a pixel in all).
_WEBP_DECODE_BUFFERS = 3
# libwebp's encoder beside the image: its own picture (ARGB, then YUV 4:2:0), the token
# buffers (they grow with detail) and, for an alpha plane, a lossless encoder with
# another ARGB copy and its hash chains. Measured on random noise, the worst case:
# 24.9 B a pixel for RGB, 37.7 B for RGBA (a flat drawing: 5.6 and 12.7).
_WEBP_ENCODE_BYTES = 27
_WEBP_ENCODE_ALPHA_BYTES = 40
# Upper bounds of an encoded stream: PNG at worst stores the raw samples (3 or 4 B);
# JPEG at quality 92 and lossy WebP stay under 3 B a pixel even for noise.
_COMPRESSED_BYTES_PER_PIXEL = {"PNG": 4, "JPEG": 3, "WEBP": 3}
# Pillow's thumbnail reduces by whole factors while the image is over 3x the target.
_REDUCING_GAP = 3.0


@dataclass(frozen=True)
class ImageLimits:
    """What an image may be, all checked from its header before it is decoded.

    ``max_side`` downscales so the long side is at most this; None keeps full
    resolution (print files will need that). ``max_pixels`` and ``max_axis`` refuse
    decompression bombs and degenerate strips; ``min_side`` and ``max_aspect``
    refuse uploads too small or too elongated to be a usable picture.
    """

    max_side: int | None
    max_pixels: int
    max_axis: int
    min_side: int = 64
    max_aspect: float = 8.0

    @classmethod
    def for_uploads(cls, settings: CommonSettings) -> ImageLimits:
        """Uploads: downscaled to ``max_image_side``; 64 px short side and 8:1 at most."""
        return cls(
            max_side=settings.max_image_side,
            max_pixels=settings.max_image_pixels,
            max_axis=settings.max_image_axis,
        )

    @classmethod
    def for_results(cls, settings: CommonSettings) -> ImageLimits:
        """Provider results: full resolution, never refused for their shape.

        The pixel, axis and memory bounds still apply: a result is bytes from the
        network, as untrusted as an upload.
        """
        return cls(
            max_side=None,
            max_pixels=settings.max_image_pixels,
            max_axis=settings.max_image_axis,
            min_side=1,
            max_aspect=math.inf,
        )


class _Encoded:
    """``base64()`` and ``data_uri()`` for dataclasses with ``data`` and ``media_type``."""

    data: bytes
    media_type: str

    def base64(self) -> str:
        return base64.b64encode(self.data).decode("ascii")

    def data_uri(self) -> str:
        return f"data:{self.media_type};base64,{self.base64()}"


@dataclass(frozen=True)
class PreparedImage(_Encoded):
    """An upload after validation: 8-bit sRGB, oriented, downscaled, re-encoded.

    A PNG source stays a lossless PNG (RGBA only when ``has_alpha``, i.e. some pixel
    is not fully opaque); a JPEG source becomes an RGB JPEG.
    """

    data: bytes
    media_type: str
    width: int
    height: int
    has_alpha: bool

    def to_pil(self) -> Image.Image:
        image = Image.open(io.BytesIO(self.data))
        image.load()
        return image


@dataclass(frozen=True)
class EncodedImage(_Encoded):
    """Bytes to send to a provider, with their media type (see ``compact``)."""

    data: bytes
    media_type: str


@dataclass(frozen=True)
class ResultImage:
    data: bytes
    media_type: str
    extension: str


@dataclass(frozen=True)
class DecodePlan:
    """What a decode will do and the most memory it will hold, read from the header only.

    ``width``/``height`` are the stored size; ``decoded_size`` is what the decoder
    materialises (smaller for a JPEG decoded at a reduced DCT scale, ``draft_box``).
    ``reencode`` is the Pillow format a result is re-encoded into, None to pass its
    bytes through.
    """

    format: str
    mode: str
    width: int
    height: int
    decoded_size: tuple[int, int]
    draft_box: tuple[int, int] | None
    peak_bytes: int
    reencode: str | None = None


# --- uploads ---------------------------------------------------------------------------


def plan_upload(raw: bytes, *, field: str, limits: ImageLimits) -> DecodePlan:
    """Validate an upload's header and estimate its decode memory, decoding nothing.

    Raises ``EmptyFile``, ``UnsupportedImage`` (not PNG/JPEG), ``InvalidImage``
    (unreadable header), ``ImageTooLarge`` (over ``max_pixels`` or ``max_axis``),
    ``ImageTooSmall`` (short side under ``min_side``) or ``ImageTooElongated`` (sides
    differ by more than ``max_aspect``), each naming ``field``.
    """
    if not raw:
        raise EmptyFile(
            f"업로드된 파일이 비어 있습니다 ({field}). 이미지 파일을 다시 선택해 주세요."
        )
    try:
        image = Image.open(io.BytesIO(raw))
    except UnidentifiedImageError:
        raise UnsupportedImage(_not_png_or_jpeg(field)) from None
    except Image.DecompressionBombError:
        raise ImageTooLarge(_too_many_pixels(field, limits.max_pixels)) from None
    except _DECODE_ERRORS:
        raise InvalidImage(_corrupt(field)) from None
    with image:
        if image.format not in ACCEPTED_UPLOAD_FORMATS:
            raise UnsupportedImage(_not_png_or_jpeg(field))
        width, height = image.size
        if width * height > limits.max_pixels:
            raise ImageTooLarge(_too_many_pixels(field, limits.max_pixels))
        if max(width, height) > limits.max_axis:
            raise ImageTooLarge(
                f"이미지 크기가 너무 큽니다 ({field}: {width}x{height}px). 가로와 세로가 모두 "
                f"{limits.max_axis}px 이하가 되도록 줄여서 올려 주세요."
            )
        if min(width, height) < limits.min_side:
            raise ImageTooSmall(
                f"이미지가 너무 작습니다 ({field}: {width}x{height}px). 가로와 세로가 모두 "
                f"{limits.min_side}px 이상인 이미지를 올려 주세요."
            )
        if max(width, height) > limits.max_aspect * min(width, height):
            raise ImageTooElongated(
                f"이미지가 너무 길쭉합니다 ({field}: {width}x{height}px). 긴 변이 짧은 변의 "
                f"{limits.max_aspect:g}배 이하가 되도록 잘라서 올려 주세요."
            )
        draft_box = _upload_draft_box(image, limits.max_side)
        return _plan(
            image,
            raw,
            draft_box=draft_box,
            max_side=limits.max_side,
            output=image.format,
            normalise=True,
        )


def prepare_upload(raw: bytes, *, field: str, limits: ImageLimits) -> PreparedImage:
    """Validate one uploaded image and normalise it for the engines.

    Accepts PNG and JPEG only and refuses, before decoding, what ``plan_upload``
    refuses; refuses corrupt or truncated files (``InvalidImage``). Converts to 8-bit
    sRGB (see the module docstring), downscales to ``limits.max_side`` on the long
    side (JPEGs decoded at a reduced DCT scale when far larger), applies the EXIF
    orientation and re-encodes: PNG stays PNG, lossless, keeping real transparency;
    JPEG stays JPEG. Does not wait for the decode budget: ``ImageDecoder`` does.
    """
    plan = plan_upload(raw, field=field, limits=limits)
    return _decode_upload(raw, plan, field=field, limits=limits)


def _decode_upload(
    raw: bytes, plan: DecodePlan, *, field: str, limits: ImageLimits
) -> PreparedImage:
    try:
        # No name here holds the decoded source: _normalise can free each copy in turn.
        final = _normalise(_load_planned(raw, plan), limits.max_side)
    except _DECODE_ERRORS:
        raise InvalidImage(_corrupt(field)) from None
    out = io.BytesIO()
    if plan.format == "PNG":
        final.save(out, format="PNG", compress_level=3)
    else:
        final.save(out, format="JPEG", quality=NORMALISED_JPEG_QUALITY, optimize=False)
    return PreparedImage(
        data=out.getvalue(),
        media_type=ACCEPTED_UPLOAD_FORMATS[plan.format],
        width=final.width,
        height=final.height,
        has_alpha=final.mode == "RGBA",
    )


def _upload_draft_box(image: Image.Image, max_side: int | None) -> tuple[int, int] | None:
    """The size to ask a JPEG's decoder for when it is far larger than we keep.

    Decoding at a reduced DCT scale is faster and a fraction of the memory. Ask for the
    size we will keep (not a max_side square, which a wide image never fits into).
    """
    width, height = image.size
    if image.format != "JPEG" or max_side is None or max(width, height) <= max_side:
        return None
    scale = max_side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


# --- provider results ------------------------------------------------------------------


def plan_result(raw: bytes, *, limits: ImageLimits, convert_to: str | None = None) -> DecodePlan:
    """Identify a result by its header and estimate what checking it will cost.

    Raises ``UpstreamError`` (502; ``log_detail`` says why) for empty bytes, bytes that
    are not an image, a format other than PNG/JPEG/WebP, or an image over the pixel or
    axis bounds: a result too large to decode is the provider's fault, not the user's.
    """
    if not raw:
        raise UpstreamError(log_detail="result image is empty")
    try:
        image = Image.open(io.BytesIO(raw))
    except Image.DecompressionBombError:
        raise UpstreamError(log_detail="result image has a decompression-bomb header") from None
    except (UnidentifiedImageError, *_DECODE_ERRORS):
        raise UpstreamError(log_detail="result is not a complete image") from None
    with image:
        fmt = image.format
        if fmt not in RESULT_FORMATS:
            raise UpstreamError(log_detail=f"result image has unexpected format {fmt}")
        width, height = image.size
        if width * height > limits.max_pixels or max(width, height) > limits.max_axis:
            raise UpstreamError(
                log_detail=f"result image {width}x{height} is over the limits "
                f"({limits.max_pixels} pixels, {limits.max_axis} px a side)"
            )
        target = _output_format(convert_to) if convert_to is not None else None
        reencode = target if target is not None and target != fmt else None
        if reencode is None and fmt == "JPEG":
            # Only proving it decodes: every coefficient is still entropy-decoded at 1/8
            # scale, for 1/64 of the pixels.
            draft_box: tuple[int, int] | None = (max(1, width // 8), max(1, height // 8))
        else:
            draft_box = None
        plan = _plan(
            image,
            raw,
            draft_box=draft_box,
            max_side=limits.max_side,
            output=reencode,
            normalise=reencode is not None,
        )
        return dataclasses.replace(plan, reencode=reencode)


def inspect_result(
    raw: bytes, *, limits: ImageLimits, convert_to: str | None = None
) -> ResultImage:
    """Identify a generated image by its bytes and prove it decodes completely.

    The ``Content-Type`` we answer with comes from here, never from what the provider
    or the request claimed. With ``convert_to`` ("png", "webp", "jpeg"/"jpg") a result
    in another format is re-encoded: real transparency is kept for PNG and WebP, a
    JPEG is flattened onto white; the pixels are normalised to 8-bit sRGB as uploads
    are. A result already in that format is passed through byte for byte. Every
    failure is ``UpstreamError`` (502). Does not wait for the decode budget:
    ``ImageDecoder`` does.
    """
    plan = plan_result(raw, limits=limits, convert_to=convert_to)
    return _decode_result(raw, plan, limits=limits)


def _decode_result(raw: bytes, plan: DecodePlan, *, limits: ImageLimits) -> ResultImage:
    try:
        if plan.reencode is None:
            _load_planned(raw, plan)  # proves it decodes; the pixels are dropped at once
            media_type, extension = RESULT_FORMATS[plan.format]
            return ResultImage(data=raw, media_type=media_type, extension=extension)
        final = _normalise(_load_planned(raw, plan), limits.max_side)
    except _DECODE_ERRORS:
        raise UpstreamError(log_detail="result is not a complete image") from None
    if plan.reencode == "JPEG" and final.mode == "RGBA":
        final = _on_white(final)
    try:
        data = encode_image(final, plan.reencode.lower())
    except (OSError, ValueError) as exc:  # e.g. over WebP's 16383 px when the axis limit is raised
        raise UpstreamError(
            log_detail=f"result could not be re-encoded as {plan.reencode}: {exc}"
        ) from None
    media_type, extension = RESULT_FORMATS[plan.reencode]
    return ResultImage(data=data, media_type=media_type, extension=extension)


def _on_white(image: Image.Image) -> Image.Image:
    flat = Image.new("RGB", image.size, (255, 255, 255))
    flat.paste(image, mask=image)  # the alpha band is the mask: no separate copy of it
    return flat


def _output_format(convert_to: str) -> str:
    fmt = OUTPUT_FORMATS.get(convert_to.lower())
    if fmt is None:
        # The services validate output_format before a generation starts; reaching here
        # is a wiring mistake, reported like any result we cannot hand out.
        raise UpstreamError(log_detail=f"unknown result format {convert_to!r}")
    return fmt


# --- the decode budget -----------------------------------------------------------------


class ImageDecoder:
    """Decodes uploads and provider results in the worker pool, inside one process-wide
    decode-memory budget.

    Make one per process (the app's lifespan) so every request shares the budget. Each
    decode probes the header in the pool, reserves its estimated peak (waiting on the
    event loop while the budget is full, refusing at once an image that could never
    fit), then decodes in the pool. A reservation is given back when the pool has
    finished the work, even if the request was cancelled meanwhile.
    """

    def __init__(self, run_sync: RunSync, budget_bytes: int) -> None:
        self._run_sync = run_sync
        self.budget = DecodeBudget(budget_bytes)

    @classmethod
    def from_settings(cls, run_sync: RunSync, settings: CommonSettings) -> ImageDecoder:
        """A decoder with ``settings.decode_memory_mb`` as its budget."""
        return cls(run_sync, settings.decode_memory_mb * _MIB)

    async def prepare_upload(self, raw: bytes, *, field: str, limits: ImageLimits) -> PreparedImage:
        """``prepare_upload`` within the budget; ``ImageTooLarge`` (413) if it can never fit."""
        plan: DecodePlan = await self._run_sync(
            partial(plan_upload, raw, field=field, limits=limits)
        )
        refusal = ImageTooLarge(_needs_too_much_memory(field, plan, self.budget.capacity))
        work = partial(_decode_upload, raw, plan, field=field, limits=limits)
        return await self._within_budget(plan.peak_bytes, refusal, work)

    async def inspect_result(
        self, raw: bytes, *, limits: ImageLimits, convert_to: str | None = None
    ) -> ResultImage:
        """``inspect_result`` within the budget; ``UpstreamError`` (502) if it can never fit.

        A result that fits the budget but whose re-encoding into ``convert_to`` would not
        is handed out as it came (its own format, named by ``media_type``/``extension``):
        the user paid for the generation, and a PNG beats an error.
        """
        plan: DecodePlan = await self._run_sync(
            partial(plan_result, raw, limits=limits, convert_to=convert_to)
        )
        if plan.reencode is not None and plan.peak_bytes > self.budget.capacity:
            as_is: DecodePlan = await self._run_sync(partial(plan_result, raw, limits=limits))
            if as_is.peak_bytes <= self.budget.capacity:
                log.warning(
                    "결과 이미지(%dx%d %s)를 %s로 바꿀 메모리가 모자라 받은 형식 그대로 보냅니다",
                    plan.width,
                    plan.height,
                    plan.format,
                    plan.reencode,
                )
                plan = as_is
        refusal = UpstreamError(
            log_detail=f"result image {plan.width}x{plan.height} {plan.format} needs "
            f"{plan.peak_bytes // _MIB} MB to check, over the "
            f"{self.budget.capacity // _MIB} MB decode budget"
        )
        work = partial(_decode_result, raw, plan, limits=limits)
        return await self._within_budget(plan.peak_bytes, refusal, work)

    async def _within_budget(self, need: int, refusal: AppError, work: Callable[[], T]) -> T:
        await self.budget.acquire(need, refuse=refusal)
        if need >= _GIVE_BACK_ABOVE:
            work = partial(_then_give_back, work)
        pending: asyncio.Future[T] | None = None
        try:
            pending = asyncio.ensure_future(self._run_sync(work))
        finally:
            if pending is None:  # never reached the pool: nothing will release it later
                self.budget.release(need)
        # Released when the thread is done with the pixels, not when this coroutine stops
        # waiting: a cancelled request's decode still runs to its end in the pool.
        pending.add_done_callback(partial(_release_after, self.budget, need))
        return await asyncio.shield(pending)


# A decode estimated above this returns its freed memory to the OS before its reservation
# ends (see give_back_freed_memory); smaller ones leave it to malloc.
_GIVE_BACK_ABOVE = 32 * _MIB


def _then_give_back(work: Callable[[], T]) -> T:
    try:
        return work()
    finally:
        give_back_freed_memory()


def _release_after(budget: DecodeBudget, need: int, done: asyncio.Future[Any]) -> None:
    budget.release(need)
    if not done.cancelled():
        done.exception()  # retrieved: a cancelled caller's failure is not "never retrieved"


# --- compact encodings for providers ---------------------------------------------------


def compact(image: PreparedImage, *, jpeg_quality: int = 90) -> EncodedImage:
    """The smallest faithful encoding of a prepared image, for a provider request.

    With real transparency (``has_alpha``): an optimised PNG, identical to the image
    wherever alpha > 0 (the colour under fully clear pixels, invisible, is set to
    white: grain there costs bytes, and a consumer that drops alpha sees paper, not
    noise). Without: a JPEG at ``jpeg_quality`` (4:2:0, optimised Huffman tables),
    unless the image's lossless PNG is already no larger (flat-colour drawings), in
    which case that PNG, optimised. A JPEG (no transparency) is already compact and
    is returned as it is. Never larger than ``image.data``, which is returned as it
    is when nothing beats it. CPU work (up to ~0.15 s for 1024 px):
    run it in the worker pool.
    """
    if image.media_type == "image/jpeg":
        # Already lossy and compact (normalised at quality 92): encoding it again would
        # cost CPU on every request and lose detail for a few percent of bytes.
        return EncodedImage(data=image.data, media_type=image.media_type)
    pil = image.to_pil()
    if image.has_alpha:
        candidate = _optimised_png(_clear_invisible(pil))
    else:
        candidate = _jpeg(pil, jpeg_quality)
        if image.media_type == "image/png" and len(image.data) <= len(candidate.data):
            candidate = _optimised_png(pil)
    if len(candidate.data) < len(image.data):
        return candidate
    return EncodedImage(data=image.data, media_type=image.media_type)


def _clear_invisible(image: Image.Image) -> Image.Image:
    visible = image.getchannel("A").point(lambda alpha: 255 if alpha else 0)
    paper = Image.new("RGBA", image.size, (255, 255, 255, 0))
    return Image.composite(image, paper, visible)


def _optimised_png(image: Image.Image) -> EncodedImage:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return EncodedImage(data=out.getvalue(), media_type="image/png")


def _jpeg(image: Image.Image, quality: int) -> EncodedImage:
    out = io.BytesIO()
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    rgb.save(out, format="JPEG", quality=quality, optimize=True)
    return EncodedImage(data=out.getvalue(), media_type="image/jpeg")


def encode_image(image: Image.Image, output_format: str) -> bytes:
    """Encode a rendered image as ``png``, ``jpg``/``jpeg`` or ``webp``."""
    out = io.BytesIO()
    fmt = output_format.lower()
    if fmt == "png":
        image.save(out, format="PNG", compress_level=3)
    elif fmt in ("jpg", "jpeg"):
        # convert() copies even to the same mode: a full-size copy for nothing on RGB.
        rgb = image if image.mode == "RGB" else image.convert("RGB")
        rgb.save(out, format="JPEG", quality=92)
    elif fmt == "webp":
        image.save(out, format="WEBP", quality=90, method=3)
    else:
        raise ValueError(f"unknown output format {output_format!r}")
    return out.getvalue()


# --- normalisation ---------------------------------------------------------------------


def has_real_transparency(image: Image.Image) -> bool:
    """Does some pixel of this image have alpha below 255?

    The one place that answers it, for every mode: an alpha band's extrema, a palette's
    tRNS alpha of the indices actually drawn, a grey or colour tRNS key that some pixel
    actually has. Normalisation calls it once per image and records the answer as
    ``PreparedImage.has_alpha``.
    """
    if image.getbands()[-1] in ("A", "a"):
        return _band_low(image.getextrema()) < 255
    key = image.info.get("transparency")
    if key is None:
        return False
    if image.mode == "P":
        counts = image.histogram()  # how often each palette index is drawn
        if isinstance(key, int):
            return 0 <= key < len(counts) and counts[key] > 0
        return any(count and alpha < 255 for count, alpha in zip(counts, key, strict=False))
    if image.mode == "L" and isinstance(key, int):
        return 0 <= key < 256 and image.histogram()[key] > 0
    if image.mode in _SIXTEEN_BIT_GREY and isinstance(key, int):
        return bool((np.asarray(image) == key).any())
    # RGB (and 1-bit) keys: Pillow applies the key when it converts.
    return _band_low(image.convert("RGBA").getextrema()) < 255


def _band_low(extrema: Any) -> float:
    """The last band's minimum, from ``Image.getextrema()`` (a pair per band when multiband)."""
    low, _ = extrema[-1] if isinstance(extrema[-1], tuple) else extrema
    return float(low)


_SIXTEEN_BIT_GREY = frozenset({"I;16", "I;16B", "I;16L", "I;16N", "I"})


def _load_planned(raw: bytes, plan: DecodePlan) -> Image.Image:
    image = Image.open(io.BytesIO(raw))
    if plan.draft_box is not None:
        image.draft(image.mode, plan.draft_box)
    image.load()
    return image


def _normalise(image: Image.Image, max_side: int | None) -> Image.Image:
    """The decoded image as 8-bit sRGB RGB/RGBA: downscaled, oriented, nothing else kept.

    Each step rebinds ``image``, so the previous full-size copy is freed as soon as the
    next exists; the caller must not keep a reference to what it passes in.
    """
    info = dict(image.info)
    image = _to_working(image)
    if max_side is not None and max(image.size) > max_side:
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS, reducing_gap=_REDUCING_GAP)
    if image.mode == "CMYK" and "adobe" not in info:
        # Pillow reads every CMYK JPEG as Adobe-inverted; without the APP14 Adobe marker
        # the inks are stored plain, so undo its inversion (here, on the small copy).
        image = ImageChops.invert(image)
    image = _to_srgb(image, info.get("icc_profile"))
    # Conversions and colour transforms do not carry the EXIF block along; the
    # orientation lives there (JPEG APP1, PNG eXIf) or in XMP, both in the source's info.
    image.info = info
    ImageOps.exif_transpose(image, in_place=True)
    image.info = {}  # nothing of the source is written back: no stale ICC profile, no tRNS
    return image


def _to_working(image: Image.Image) -> Image.Image:
    """An 8-bit copy to resize: L, RGB or CMYK, or RGBA when transparency is real.

    Resizing happens in the smallest mode that keeps the look (L stays one byte a
    pixel; CMYK is converted after resizing, when it is small).
    """
    mode = image.mode
    real_alpha = has_real_transparency(image)
    if mode in _SIXTEEN_BIT_GREY:
        return _grey16_to_working(image, with_alpha=real_alpha)
    if real_alpha:
        return image if mode == "RGBA" else image.convert("RGBA")
    # Opaque (a tRNS key no pixel uses, an alpha band at 255 throughout): drop the key
    # so Pillow neither applies it nor warns about it.
    image.info.pop("transparency", None)
    if mode in ("L", "RGB", "CMYK"):
        return image
    if mode in ("1", "LA", "La"):
        return image.convert("L")
    return image.convert("RGB")  # P, PA, RGBA, RGBa, YCbCr ...; ValueError if impossible


def _grey16_to_working(image: Image.Image, *, with_alpha: bool) -> Image.Image:
    # Pillow's own I;16 -> L conversion clips every value above 255 to white (a grey
    # character becomes a ghost), and I;16B -> I;16 clips too: scale 0..65535 to 0..255
    # in I;16 or 32-bit I (the modes point() can scale), rounding half up.
    wide = image if image.mode in ("I;16", "I") else image.convert("I")
    grey = wide.point(lambda value: value * (1 / 257) + 0.5).convert("L")
    del wide
    if not with_alpha:
        return grey
    # The tRNS key is a 16-bit value: compare before scaling, or 256 greys would share it.
    opaque = np.asarray(image) != image.info["transparency"]
    alpha = Image.fromarray(opaque).convert("L")
    del opaque
    return Image.merge("RGBA", (grey, grey, grey, alpha))


_PROFILE_SPACES = {"RGB": "RGB", "RGBA": "RGB", "CMYK": "CMYK"}


def _to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """RGB/RGBA in sRGB: through the embedded ICC profile when it fits the mode.

    Grey profiles are not applied (the image is taken as sRGB grey); a profile that is
    broken or does not match the mode is ignored rather than costing the user the image.
    """
    space = _PROFILE_SPACES.get(image.mode)
    if icc and space is not None:
        out_mode = "RGBA" if image.mode == "RGBA" else "RGB"
        try:
            profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            if profile.profile.xcolor_space.strip() == space:
                converted = ImageCms.profileToProfile(
                    image,
                    profile,
                    ImageCms.createProfile("sRGB"),
                    # Relative colorimetric: in-gamut colours keep their exact look.
                    renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
                    outputMode=out_mode,
                )
                if converted is not None:
                    return converted
            else:
                log.info(
                    "이미지의 ICC 프로필(%s)이 %s 이미지와 맞지 않아 무시합니다",
                    profile.profile.xcolor_space.strip(),
                    image.mode,
                )
        except (OSError, ValueError, ImageCms.PyCMSError) as exc:
            log.info("이미지의 ICC 프로필을 읽을 수 없어 sRGB로 간주합니다: %s", exc)
    if image.mode in ("RGB", "RGBA"):
        return image
    return image.convert("RGB")  # L; CMYK without a profile (Pillow's plain inversion)


# --- the memory estimate ---------------------------------------------------------------


def _plan(
    image: Image.Image,
    raw: bytes,
    *,
    draft_box: tuple[int, int] | None,
    max_side: int | None,
    output: str | None,
    normalise: bool,
) -> DecodePlan:
    """Apply the planned draft to the (unloaded) image and estimate the peak."""
    fmt = image.format or ""
    width, height = image.size
    decoder_bytes = _decoder_bytes(image, raw)
    if draft_box is not None:
        image.draft(image.mode, draft_box)  # changes size and mode only; decodes nothing
    info = image.info
    header = _Header(
        mode=image.mode,
        size=image.size,
        decoder_bytes=decoder_bytes,
        keyed="transparency" in info,
        icc=bool(info.get("icc_profile")),
        invert=image.mode == "CMYK" and "adobe" not in info,
        may_rotate=_may_rotate(image),
    )
    peak = _estimate_peak(header, max_side=max_side, output=output, normalise=normalise)
    return DecodePlan(
        format=fmt,
        mode=image.mode,
        width=width,
        height=height,
        decoded_size=image.size,
        draft_box=draft_box,
        peak_bytes=peak,
    )


@dataclass(frozen=True)
class _Header:
    """What the header says that decides which copies the pipeline makes."""

    mode: str  # as decoded (after the JPEG draft)
    size: tuple[int, int]  # as decoded
    decoder_bytes: int  # held by the codec beside the image
    keyed: bool  # a tRNS transparency key or palette alpha
    icc: bool  # an embedded ICC profile (a colour transform copy)
    invert: bool  # a CMYK JPEG without the Adobe marker (an inverted copy)
    may_rotate: bool  # an EXIF/XMP orientation, or a PNG whose eXIf may follow the pixels


def _may_rotate(image: Image.Image) -> bool:
    if any("xmp" in str(key).lower() for key in image.info):
        return True
    exif = image.info.get("exif")
    if not isinstance(exif, bytes):
        # A PNG's eXIf chunk may come after the pixels, where only decoding reaches it.
        return image.format == "PNG"
    try:
        tags = Image.Exif()
        tags.load(exif)
    except _DECODE_ERRORS:
        return True
    return tags.get(0x0112, 1) not in (None, 1)  # 0x0112: Orientation


def _image_bytes(mode: str, width: int, height: int) -> int:
    return height * (width * _PIXEL_BYTES.get(mode, 4) + _ROW_POINTER_BYTES)


def _decoder_bytes(image: Image.Image, raw: bytes) -> int:
    """What the codec holds beside the image it fills, at the stored (not drafted) size."""
    width, height = image.size
    if image.format == "WEBP":
        return _WEBP_DECODE_BUFFERS * _image_bytes("RGBA", width, height)
    if image.format != "JPEG":
        return 0  # PNG: two rows and the zlib window (codec slack)
    # A progressive or multi-scan JPEG keeps every DCT coefficient of the whole image
    # (64 two-byte values per 8x8 block and component), even when decoded at 1/8 scale.
    # A sequential JPEG has more than one scan exactly when its first scan leaves some
    # components out; Pillow has just read that scan's header (it stops there).
    layers = getattr(image, "layer", None) or [("", 1, 1, 0)] * len(image.getbands())
    fp = getattr(image, "fp", None)
    first_scan = fp.tell() if fp is not None else 0
    start = raw.rfind(b"\xff\xda", 0, first_scan)
    in_first_scan = raw[start + 4] if 0 <= start < len(raw) - 4 else len(layers)
    if not (image.info.get("progressive") or in_first_scan < len(layers)):
        return 0  # one interleaved scan: libjpeg keeps a strip of MCU rows (codec slack)
    h_max = max(layer[1] for layer in layers)
    v_max = max(layer[2] for layer in layers)
    total = 0
    for _, h, v, _ in layers:
        blocks_x = math.ceil(math.ceil(width * h / h_max) / 8)
        blocks_y = math.ceil(math.ceil(height * v / v_max) / 8)
        total += blocks_x * blocks_y * 64 * 2
    return total


def _fitted(size: tuple[int, int], max_side: int | None) -> tuple[int, int]:
    width, height = size
    if max_side is None or max(width, height) <= max_side:
        return size
    scale = max_side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


_ALPHA_CAPABLE = frozenset({"RGBA", "LA", "PA", "La", "RGBa"})


def _estimate_peak(
    header: _Header, *, max_side: int | None, output: str | None, normalise: bool
) -> int:
    """The most bytes alive at once while decoding, normalising and encoding.

    Mirrors ``_normalise`` step by step: a step's peak is what it reads plus what it
    writes (plus temporaries); the previous copy is gone once the next exists. Every
    answer the header cannot give (is the alpha real?) is taken as the costlier one.
    """
    mode, (width, height) = header.mode, header.size

    def size_of(of_mode: str, w: int = width, h: int = height) -> int:
        return _image_bytes(of_mode, w, h)

    source = size_of(mode)
    peaks = [source + header.decoder_bytes]
    if not normalise:  # a result passed through: decoded only to prove it is complete
        return _with_margin(max(peaks))

    # has_real_transparency: an RGBA copy for RGB/1 keys; numpy's copy and mask for 16-bit.
    if header.keyed and mode in ("RGB", "1"):
        peaks.append(source + size_of("RGBA"))
    elif header.keyed and mode in _SIXTEEN_BIT_GREY:
        peaks.append(3 * source + size_of("L"))

    # _to_working (the source is alive until its working copy exists).
    if mode in _SIXTEEN_BIT_GREY:
        scaled = size_of(mode if mode in ("I;16", "I") else "I")
        widened = 0 if mode in ("I;16", "I") else scaled
        grey = size_of("L")
        peaks.append(source + widened + scaled + grey)
        if header.keyed:  # numpy copy, mask, "1" and L alpha; then the merged RGBA
            peaks.append(source + grey + 2 * source + 3 * grey)
            peaks.append(source + 2 * grey + size_of("RGBA"))
        working_mode = "RGBA" if header.keyed else "L"
        working = size_of(working_mode)
    elif mode in _ALPHA_CAPABLE or (header.keyed and mode in ("P", "1", "L", "RGB")):
        working_mode = "RGBA"  # real alpha; a flat one makes an RGB/L copy no larger
        peaks.append(source + size_of("RGBA"))
        working = size_of("RGBA")
    elif mode in ("L", "RGB", "CMYK"):
        working_mode, working = mode, source
    else:
        working_mode = "L" if mode == "1" else "RGB"
        working = size_of(working_mode)
        peaks.append(source + working)

    # thumbnail: RGBA is premultiplied into a full-size RGBa copy first; then reduced by
    # whole factors, then resampled (horizontal pass into out_width x rows, vertical pass).
    out_w, out_h = _fitted((width, height), max_side)
    if (out_w, out_h) != (width, height):
        premultiplied = size_of("RGBA") if working_mode == "RGBA" else 0
        fx = max(1, int(width / out_w / _REDUCING_GAP))
        fy = max(1, int(height / out_h / _REDUCING_GAP))
        rows = math.ceil(height / fy)
        reduced = size_of(working_mode, math.ceil(width / fx), rows) if fx * fy > 1 else 0
        temporary = size_of(working_mode, out_w, rows)
        out = size_of(working_mode, out_w, out_h)
        peaks.append(working + premultiplied + reduced + temporary + 2 * out)
        working = out

    final = size_of("RGBA", out_w, out_h)  # every 8-bit RGB/RGBA image takes 4 B a pixel
    if header.invert:
        peaks.append(2 * working)
    if header.icc or working_mode not in ("RGB", "RGBA"):
        peaks.append(working + final)
    working = final
    if header.may_rotate:
        peaks.append(2 * final)

    if output is not None:
        if output == "JPEG" and working_mode == "RGBA":
            peaks.append(2 * final)  # flattened onto white
        pixels = out_w * out_h
        per_pixel = _COMPRESSED_BYTES_PER_PIXEL[output]
        if output == "PNG":
            per_pixel = 4 if working_mode == "RGBA" else 3
        # The stream grows in a BytesIO (an eighth over-allocated); getvalue() shares it.
        encoder = pixels * per_pixel * 5 // 4 + _MIB
        if output == "WEBP":
            alpha = working_mode == "RGBA"
            encoder += pixels * (_WEBP_ENCODE_ALPHA_BYTES if alpha else _WEBP_ENCODE_BYTES)
        peaks.append(final + encoder)
    return _with_margin(max(peaks))


def _with_margin(modelled: int) -> int:
    return math.ceil(modelled * _MARGIN) + _CODEC_SLACK_BYTES


# --- messages --------------------------------------------------------------------------


def _not_png_or_jpeg(field: str) -> str:
    return f"PNG 또는 JPEG 이미지만 업로드할 수 있습니다 ({field})."


def _corrupt(field: str) -> str:
    return f"이미지 파일이 손상되었거나 잘려 있습니다 ({field}). 다른 파일로 다시 시도해 주세요."


def _too_many_pixels(field: str, max_pixels: int) -> str:
    return (
        f"이미지 해상도가 너무 큽니다 ({field}). "
        f"{max_pixels // 1_000_000}메가픽셀 이하로 줄여서 올려 주세요."
    )


def _needs_too_much_memory(field: str, plan: DecodePlan, budget: int) -> str:
    pixels = plan.width * plan.height
    fitting = max(1, int(pixels * budget / max(plan.peak_bytes, 1) / 1_000_000))
    return (
        f"이미지를 처리하는 데 메모리가 너무 많이 필요합니다 "
        f"({field}: {plan.width}x{plan.height}px). "
        f"{fitting}메가픽셀 이하로 줄이거나 JPEG으로 저장해서 올려 주세요."
    )
