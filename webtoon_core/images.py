"""Upload validation and normalisation, and inspection of generated results.

Everything here is CPU work on bytes and runs in a worker thread, never on
the event loop.  Formats are judged by content (Pillow's decoder), never by
file name or declared content type.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from webtoon_core.errors import (
    EmptyFile,
    ImageTooLarge,
    InvalidImage,
    UnsupportedImage,
    UpstreamError,
)

ACCEPTED_UPLOAD_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}
# What a provider may hand back, with the extension our download names use.
RESULT_FORMATS = {
    "PNG": ("image/png", "png"),
    "JPEG": ("image/jpeg", "jpg"),
    "WEBP": ("image/webp", "webp"),
}
# Errors Pillow raises for broken data: corrupt headers, truncated streams, bad CRCs.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError)


@dataclass(frozen=True)
class PreparedImage:
    """An upload after validation: oriented, downscaled, re-encoded."""

    data: bytes
    media_type: str
    width: int
    height: int
    has_alpha: bool

    def base64(self) -> str:
        return base64.b64encode(self.data).decode("ascii")

    def data_uri(self) -> str:
        return f"data:{self.media_type};base64,{self.base64()}"

    def to_pil(self) -> Image.Image:
        image = Image.open(io.BytesIO(self.data))
        image.load()
        return image


@dataclass(frozen=True)
class ResultImage:
    data: bytes
    media_type: str
    extension: str


def prepare_upload(
    raw: bytes, *, field: str, max_side: int, max_pixels: int
) -> PreparedImage:
    """Validate one uploaded image and normalise it for the engines.

    Accepts PNG and JPEG only; refuses images over ``max_pixels`` before
    decoding them (decompression bombs) and corrupt or truncated files.
    Applies EXIF orientation, downscales to ``max_side`` on the longest side,
    and re-encodes: PNG stays PNG (keeping real transparency), JPEG stays JPEG.
    """
    if not raw:
        raise EmptyFile(f"업로드된 파일이 비어 있습니다 ({field}). 이미지 파일을 다시 선택해 주세요.")
    try:
        image = Image.open(io.BytesIO(raw))
    except UnidentifiedImageError:
        raise UnsupportedImage(
            f"PNG 또는 JPEG 이미지만 업로드할 수 있습니다 ({field})."
        ) from None
    except Image.DecompressionBombError:
        raise ImageTooLarge(_too_many_pixels(field, max_pixels)) from None
    except _DECODE_ERRORS:
        raise InvalidImage(_corrupt(field)) from None

    if image.format not in ACCEPTED_UPLOAD_FORMATS:
        raise UnsupportedImage(f"PNG 또는 JPEG 이미지만 업로드할 수 있습니다 ({field}).")
    width, height = image.size
    if width * height > max_pixels:
        raise ImageTooLarge(_too_many_pixels(field, max_pixels))

    source_format = image.format
    if source_format == "JPEG" and max(width, height) > max_side:
        # Decode at a reduced DCT scale when the image is far larger than we need:
        # faster and a fraction of the memory of a full decode. Ask for the size we
        # will keep (not a max_side square, which a wide image never fits into).
        scale = max_side / max(width, height)
        image.draft("RGB", (max(1, round(width * scale)), max(1, round(height * scale))))
    try:
        image.load()
        image = ImageOps.exif_transpose(image)
    except _DECODE_ERRORS:
        raise InvalidImage(_corrupt(field)) from None

    has_alpha = _has_real_alpha(image)
    image = image.convert("RGBA" if has_alpha else "RGB")
    if max(image.size) > max_side:
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS, reducing_gap=3.0)

    out = io.BytesIO()
    if source_format == "PNG":
        image.save(out, format="PNG", compress_level=3)
    else:
        image.save(out, format="JPEG", quality=92, optimize=False)
    return PreparedImage(
        data=out.getvalue(),
        media_type=ACCEPTED_UPLOAD_FORMATS[source_format],
        width=image.width,
        height=image.height,
        has_alpha=has_alpha,
    )


def _has_real_alpha(image: Image.Image) -> bool:
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        alpha = image.convert("RGBA").getchannel("A")
        low, _ = alpha.getextrema()
        return low < 255
    return False


def _corrupt(field: str) -> str:
    return f"이미지 파일이 손상되었거나 잘려 있습니다 ({field}). 다른 파일로 다시 시도해 주세요."


def _too_many_pixels(field: str, max_pixels: int) -> str:
    return (
        f"이미지 해상도가 너무 큽니다 ({field}). "
        f"{max_pixels // 1_000_000}메가픽셀 이하로 줄여서 올려 주세요."
    )


def inspect_result(data: bytes) -> ResultImage:
    """Identify a generated image by its bytes and prove it decodes completely.

    The ``Content-Type`` we answer with comes from here, never from what the
    provider or the request claimed.
    """
    if not data:
        raise UpstreamError(log_detail="result image is empty")
    try:
        image = Image.open(io.BytesIO(data))
        fmt = image.format
        image.load()
    except (UnidentifiedImageError, *_DECODE_ERRORS):
        raise UpstreamError(log_detail="result is not a complete image") from None
    if fmt not in RESULT_FORMATS:
        raise UpstreamError(log_detail=f"result image has unexpected format {fmt}")
    media_type, extension = RESULT_FORMATS[fmt]
    return ResultImage(data=data, media_type=media_type, extension=extension)


def encode_image(image: Image.Image, output_format: str) -> bytes:
    """Encode a rendered image as ``png``, ``jpg``/``jpeg`` or ``webp``."""
    out = io.BytesIO()
    fmt = output_format.lower()
    if fmt == "png":
        image.save(out, format="PNG", compress_level=3)
    elif fmt in ("jpg", "jpeg"):
        image.convert("RGB").save(out, format="JPEG", quality=92)
    elif fmt == "webp":
        image.save(out, format="WEBP", quality=90, method=3)
    else:
        raise ValueError(f"unknown output format {output_format!r}")
    return out.getvalue()
