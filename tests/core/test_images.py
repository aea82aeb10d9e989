from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.support import jpeg_bytes, png_bytes
from webtoon_core import errors
from webtoon_core.images import encode_image, inspect_result, prepare_upload


def prepare(raw: bytes, **kw):
    return prepare_upload(raw, field="input_image", max_side=kw.get("max_side", 1024), max_pixels=kw.get("max_pixels", 40_000_000))


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
    Image.new("RGBA", (50, 50), (10, 20, 30, 255)).save(opaque, format="PNG")
    assert not prepare(opaque.getvalue()).has_alpha


@pytest.mark.parametrize(
    ("fmt", "media_type", "ext"),
    [("png", "image/png", "png"), ("jpg", "image/jpeg", "jpg"), ("webp", "image/webp", "webp")],
)
def test_result_type_comes_from_the_bytes(fmt, media_type, ext):
    data = encode_image(Image.new("RGB", (32, 32), (1, 2, 3)), fmt)
    result = inspect_result(data)
    assert (result.media_type, result.extension) == (media_type, ext)


@pytest.mark.parametrize("data", [b"", b"<html>oops</html>", png_bytes()[:200]])
def test_broken_results_are_upstream_errors(data):
    with pytest.raises(errors.UpstreamError) as info:
        inspect_result(data)
    assert info.value.status == 502 and info.value.code == "UPSTREAM_ERROR"


def test_limit_phrase_reads_like_the_runbook():
    assert errors.limit_phrase(120) == "2분"
    assert errors.limit_phrase(90) == "90초"
    assert errors.limit_phrase(1.5) == "1.5초"
