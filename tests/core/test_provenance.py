"""Provenance marks on results: XMP in every format, C2PA when configured, the visible label."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import struct
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import c2pa
import numpy as np
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from PIL import Image, ImageDraw, PngImagePlugin
from pydantic import SecretStr

from webtoon_core import provenance
from webtoon_core.errors import AppError
from webtoon_core.images import ResultImage
from webtoon_core.provenance import (
    COMPOSITE,
    NAMESPACE,
    PRODUCT,
    TRAINED_ALGORITHMIC_MEDIA,
    Provenance,
    check_signing_settings,
    mark,
    read_provenance,
)
from webtoon_core.settings import CommonSettings

AI = Provenance(
    ai_generated=True, engine="bfl", model="flux-kontext-max", job_id="req-ai-1", service="goods"
)
LOCAL = Provenance(
    ai_generated=False, engine="local", model="compositor", job_id="req-local-1", service="ppl"
)
IPTC_EXT = "{http://iptc.org/std/Iptc4xmpExt/2008-02-29/}"
MEDIA = {"PNG": ("image/png", "png"), "JPEG": ("image/jpeg", "jpg"), "WEBP": ("image/webp", "webp")}
# (format, mode, save options): every shape of result a provider or a local engine hands out.
VARIANTS = [
    ("PNG", "RGB", {}),
    ("PNG", "RGBA", {}),
    ("JPEG", "RGB", {"quality": 90}),
    ("WEBP", "RGB", {"quality": 90}),
    ("WEBP", "RGBA", {"quality": 90}),
    ("WEBP", "RGBA", {"lossless": True}),
]
VARIANT_IDS = ["png", "png-alpha", "jpeg", "webp", "webp-alpha", "webp-lossless-alpha"]


# --- images and settings -----------------------------------------------------------------


def picture(size: tuple[int, int] = (320, 240), mode: str = "RGB") -> Image.Image:
    """A smooth drawing (gradient and shapes) with, for RGBA, a fully clear band on the left."""
    w, h = size
    y, x = np.mgrid[0:h, 0:w]
    rgb = np.stack(
        [(x * 255 // max(1, w - 1)), (y * 255 // max(1, h - 1)), np.full_like(x, 140)], axis=-1
    ).astype(np.uint8)
    image = Image.fromarray(rgb, "RGB")
    draw = ImageDraw.Draw(image)
    draw.ellipse((w * 0.3, h * 0.2, w * 0.7, h * 0.8), fill=(30, 80, 220))
    draw.rectangle((w * 0.05, h * 0.6, w * 0.25, h * 0.9), fill=(240, 200, 40))
    if mode == "RGBA":
        alpha = np.full((h, w), 255, dtype=np.uint8)
        alpha[:, : w // 8] = 0
        alpha[:, w // 8 : w // 4] = 128
        image.putalpha(Image.fromarray(alpha, "L"))
    return image


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def result_of(data: bytes, fmt: str) -> ResultImage:
    media_type, extension = MEDIA[fmt]
    return ResultImage(data=data, media_type=media_type, extension=extension)


def pixels(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGBA")).astype(np.int16)


def settings(**overrides) -> CommonSettings:
    return CommonSettings(**overrides)


def expected_xmp(p: Provenance) -> dict[str, str]:
    fields = {
        "digital_source_type": TRAINED_ALGORITHMIC_MEDIA if p.ai_generated else COMPOSITE,
        "creator_tool": f"{PRODUCT} 0.1.0 ({p.service})",
        "engine": p.engine,
        "model": p.model,
        "job_id": p.job_id,
        "service": p.service,
    }
    if p.ai_generated:
        fields["ai_system"] = f"{p.engine}/{p.model}"
    return fields


def xmp_packet(data: bytes) -> ET.Element:
    """The XMP packet as Pillow finds it (not through exiv2): an independent reader."""
    with Image.open(io.BytesIO(data)) as image:
        packet = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp")
    assert packet, "no XMP packet where Pillow looks for one"
    if isinstance(packet, bytes):
        packet = packet.decode("utf-8")
    return ET.fromstring(packet[packet.index("<x:xmpmeta") : packet.rindex("</x:xmpmeta>") + 12])


def xmp_attribute(root: ET.Element, name: str) -> str | None:
    for element in root.iter():
        if name in element.attrib:
            return element.attrib[name]
        if element.tag == name:
            return element.text
    return None


# --- container parsing: the compressed image data, to prove it untouched ----------------


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        chunks.append((data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return chunks


def jpeg_scan(data: bytes) -> bytes:
    """Everything from the first start-of-scan marker on: the entropy-coded image data."""
    pos = 2
    while pos < len(data):
        assert data[pos] == 0xFF
        marker = data[pos + 1]
        if marker == 0xDA:
            return data[pos:]
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        pos += 2 + length
    raise AssertionError("no SOS marker")


def jpeg_segments(data: bytes) -> list[int]:
    markers, pos = [], 2
    while pos < len(data):
        marker = data[pos + 1]
        if marker == 0xDA:
            break
        markers.append(marker)
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        pos += 2 + length
    return markers


def riff_chunks(data: bytes) -> dict[bytes, bytes]:
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    chunks, pos = {}, 12
    while pos < len(data):
        fourcc = data[pos : pos + 4]
        (length,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        chunks[fourcc] = data[pos + 8 : pos + 8 + length]
        pos += 8 + length + (length & 1)
    return chunks


def image_data(data: bytes, fmt: str) -> bytes:
    if fmt == "PNG":
        return b"".join(body for kind, body in png_chunks(data) if kind == b"IDAT")
    if fmt == "JPEG":
        return jpeg_scan(data)
    chunks = riff_chunks(data)
    return b"".join(chunks.get(kind, b"") for kind in (b"ALPH", b"VP8 ", b"VP8L"))


# --- a throwaway signing chain -----------------------------------------------------------


def signing_chain(tmp_path: Path, *, key_format: str = "pkcs8") -> tuple[str, Path, str]:
    """An ES256 key, its end-entity certificate and a CA, as C2PA's profile requires.

    c2pa-rs (check_certificate_profile) wants v3 certificates, the end entity with an
    Authority Key Identifier, a digitalSignature key usage and an EKU naming
    emailProtection or documentSigning (never anyExtendedKeyUsage), and no self-signed
    signer; the CA with a Subject Key Identifier. Returns (key PEM, chain file, CA PEM).
    """
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "Webtoon Test CA"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Webtoon Studio Test"),
        ]
    )
    usage = dict(
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        encipher_only=False,
        decipher_only=False,
    )
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, **usage),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    signer = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COMMON_NAME, "Webtoon Test Signer"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Webtoon Studio Test"),
                ]
            )
        )
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=True, key_cert_sign=False, crl_sign=False, **usage),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    chain = tmp_path / "chain.pem"
    chain.write_bytes(signer.public_bytes(pem) + ca.public_bytes(pem))
    key_pem = key.private_bytes(
        pem,
        serialization.PrivateFormat.PKCS8
        if key_format == "pkcs8"
        else serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    return key_pem, chain, ca.public_bytes(pem).decode()


@pytest.fixture
def chain(tmp_path: Path) -> tuple[str, Path, str]:
    return signing_chain(tmp_path)


def signed_settings(chain: tuple[str, Path, str], **overrides) -> CommonSettings:
    key_pem, chain_path, _ = chain
    return settings(
        c2pa_signing_key=SecretStr(key_pem), c2pa_certificate_chain=chain_path, **overrides
    )


def read_manifest(data: bytes, media_type: str, ca_pem: str) -> tuple[str, dict, dict]:
    """(validation state, active manifest, whole store), trusting our test CA."""
    context = c2pa.Context.from_dict(
        {"trust": {"user_anchors": ca_pem}, "verify": {"remote_manifest_fetch": False}}
    )
    with c2pa.Reader(media_type, io.BytesIO(data), context=context) as reader:
        return (
            reader.get_validation_state(),
            reader.get_active_manifest(),
            json.loads(reader.json()),
        )


@pytest.fixture(autouse=True)
def fresh_font_search():
    """Font lookups are cached per process; tests that fake the fonts must not leak."""
    provenance.hangul_font_path.cache_clear()
    yield
    provenance.hangul_font_path.cache_clear()


# --- XMP ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", [AI, LOCAL], ids=["ai", "local"])
@pytest.mark.parametrize(("fmt", "mode", "options"), VARIANTS, ids=VARIANT_IDS)
def test_metadata_is_written_in_every_format(fmt, mode, options, who):
    raw = encode(picture(mode=mode), fmt, **options)
    marked = mark(result_of(raw, fmt), who, settings())

    assert (marked.media_type, marked.extension) == MEDIA[fmt]
    assert read_provenance(marked.data) == expected_xmp(who)
    # A reader other than exiv2 finds the IPTC term and our namespace in the packet.
    root = xmp_packet(marked.data)
    assert xmp_attribute(root, f"{IPTC_EXT}DigitalSourceType") == who.digital_source_type
    assert xmp_attribute(root, f"{{{NAMESPACE}}}jobId") == who.job_id
    assert xmp_attribute(root, "{http://ns.adobe.com/xap/1.0/}CreatorTool").startswith(PRODUCT)


@pytest.mark.parametrize(("fmt", "mode", "options"), VARIANTS, ids=VARIANT_IDS)
def test_marking_leaves_pixels_and_compressed_data_untouched(fmt, mode, options):
    raw = encode(picture(mode=mode), fmt, **options)
    marked = mark(result_of(raw, fmt), AI, settings())

    assert marked.data != raw
    assert np.array_equal(pixels(marked.data), pixels(raw))
    # PNG: the IDAT stream; JPEG: the scan data; WebP: the VP8/VP8L/ALPH payloads.
    assert image_data(marked.data, fmt) == image_data(raw, fmt)
    with Image.open(io.BytesIO(marked.data)) as image:
        assert image.mode == Image.open(io.BytesIO(raw)).mode


def test_marking_twice_keeps_one_packet_with_the_latest_values():
    raw = encode(picture(), "PNG")
    once = mark(result_of(raw, "PNG"), AI, settings())
    again = Provenance(True, "replicate", "multi-image-kontext-max", "req-ai-2", "ppl")
    twice = mark(once, again, settings())

    assert read_provenance(twice.data) == expected_xmp(again)
    assert twice.data.count(b"<x:xmpmeta") == 1
    assert [kind for kind, _ in png_chunks(twice.data)].count(b"iTXt") == 1
    # A local re-mark drops the AI-only property instead of leaving it stale.
    local = mark(twice, LOCAL, settings())
    assert read_provenance(local.data) == expected_xmp(LOCAL)
    assert np.array_equal(pixels(local.data), pixels(raw))


def test_provider_xmp_is_kept_but_its_source_type_is_ours():
    packet = (
        '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" '
        'xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'Iptc4xmpExt:DigitalSourceType="http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture">'
        "<dc:title><rdf:Alt>"
        '<rdf:li xml:lang="x-default">provider title</rdf:li>'
        "</rdf:Alt></dc:title>"
        '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    )
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", packet)
    raw = encode(picture(), "PNG", pnginfo=info)

    marked = mark(result_of(raw, "PNG"), AI, settings())

    assert read_provenance(marked.data)["digital_source_type"] == TRAINED_ALGORITHMIC_MEDIA
    assert b"provider title" in marked.data
    assert marked.data.count(b"<x:xmpmeta") == 1


@pytest.mark.parametrize("broken", ["<x:xmpmeta><not closed", "\x00\x01 not xml at all"])
def test_a_malformed_xmp_packet_is_replaced(broken, logs):
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", broken)
    raw = encode(picture(), "PNG", pnginfo=info)

    marked = mark(result_of(raw, "PNG"), AI, settings())

    assert read_provenance(marked.data) == expected_xmp(AI)
    assert broken.encode() not in marked.data
    assert np.array_equal(pixels(marked.data), pixels(raw))
    assert "XMP를 읽을 수 없어" in logs.text
    with pytest.raises(ValueError):
        read_provenance(raw)  # what it was: a packet exiv2 refuses


def test_jpeg_exif_survives_marking():
    exif = Image.Exif()
    exif[0x010F] = "ProviderCam"
    exif[0x0112] = 6
    raw = encode(picture(), "JPEG", quality=90, exif=exif.tobytes())

    marked = mark(result_of(raw, "JPEG"), AI, settings())

    with Image.open(io.BytesIO(marked.data)) as image:
        kept = image.getexif()
    assert kept[0x010F] == "ProviderCam" and kept[0x0112] == 6
    assert read_provenance(marked.data) == expected_xmp(AI)
    assert jpeg_scan(marked.data) == jpeg_scan(raw)
    assert 0xE1 in jpeg_segments(marked.data)


def animated_webp() -> bytes:
    frames = [Image.new("RGBA", (96, 64), colour) for colour in ("red", "green", "blue")]
    return encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=100, loop=0)


def test_an_animated_webp_is_marked_with_its_frames_intact():
    raw = animated_webp()
    marked = mark(result_of(raw, "WEBP"), AI, settings())

    assert read_provenance(marked.data) == expected_xmp(AI)
    with Image.open(io.BytesIO(raw)) as before, Image.open(io.BytesIO(marked.data)) as after:
        assert after.n_frames == before.n_frames == 3
        for frame in range(3):
            before.seek(frame)
            after.seek(frame)
            assert np.array_equal(
                np.asarray(before.convert("RGBA")), np.asarray(after.convert("RGBA"))
            )


def test_an_animated_webp_cannot_be_labelled_and_says_so(logs):
    with pytest.raises(AppError) as caught:
        mark(result_of(animated_webp(), "WEBP"), AI, settings(ai_label=True))
    assert caught.value.status == 500 and caught.value.code == "PROVENANCE_FAILED"
    assert "AI 생성 표시" in caught.value.message
    assert "animated" in caught.value.log_detail


def test_bytes_exiv2_cannot_read_fail_for_ai_and_pass_through_for_local(logs):
    broken = ResultImage(
        data=b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, media_type="image/png", extension="png"
    )

    with pytest.raises(AppError) as caught:
        mark(broken, AI, settings())
    assert caught.value.status == 500 and "xmp" in caught.value.log_detail
    assert "AI 생성 표시 실패(xmp)" in logs.text

    assert mark(broken, LOCAL, settings()) == broken
    assert "출처 표시 단계(xmp)를 건너뜁니다" in logs.text


@pytest.mark.parametrize("signed", [False, True], ids=["xmp", "xmp+c2pa"])
def test_concurrent_marks_do_not_mix_up_their_metadata(signed, chain):
    """mark runs in the worker pool: exiv2's shared state must not leak between threads."""
    raws = {fmt: encode(picture(mode="RGB"), fmt) for fmt in MEDIA}
    config = signed_settings(chain) if signed else settings()

    def one(i: int) -> tuple[str, ResultImage]:
        fmt = list(MEDIA)[i % 3]
        job = f"req-{i}"
        who = Provenance(i % 2 == 0, "bfl", "flux-kontext-max", job, "goods")
        return job, mark(result_of(raws[fmt], fmt), who, config)

    with ThreadPoolExecutor(max_workers=8) as pool:
        for job, marked in pool.map(one, range(48)):
            assert read_provenance(marked.data)["job_id"] == job
            if signed:
                state, manifest, _ = read_manifest(marked.data, marked.media_type, chain[2])
                ours = next(
                    a for a in manifest["assertions"] if a["label"] == provenance.C2PA_ASSERTION
                )
                assert state == "Trusted" and ours["data"]["job_id"] == job


# --- the visible label ----------------------------------------------------------------------

CORNERS = ["top-left", "top-right", "bottom-left", "bottom-right"]


def changed_box(before: np.ndarray, after: np.ndarray, threshold: int) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(np.abs(after - before).max(axis=-1) > threshold)
    assert len(xs), "nothing changed"
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


@pytest.mark.parametrize("corner", CORNERS)
@pytest.mark.parametrize(("fmt", "mode", "options"), VARIANTS, ids=VARIANT_IDS)
def test_the_label_changes_only_its_corner_and_metadata_follows(fmt, mode, options, corner):
    size = (640, 480)
    raw = encode(picture(size, mode), fmt, **options)
    marked = mark(result_of(raw, fmt), AI, settings(ai_label=True, ai_label_position=corner))

    assert (marked.media_type, marked.extension) == MEDIA[fmt]
    assert read_provenance(marked.data) == expected_xmp(AI)
    before, after = pixels(raw), pixels(marked.data)
    assert after.shape == before.shape
    left, top, right, bottom = changed_box(before, after, threshold=60)
    w, h = size
    # The label sits in the asked corner, within a third of the width and a sixth of the height.
    assert (right <= w / 3) if corner.endswith("left") else (left >= w * 2 / 3)
    assert (bottom <= h / 6) if corner.startswith("top") else (top >= h * 5 / 6)
    # Far from it, nothing moved: exactly for PNG and lossless WebP, within re-encoding
    # noise for JPEG and lossy WebP.
    far = np.ones(before.shape[:2], dtype=bool)
    far[max(0, top - 16) : bottom + 16, max(0, left - 16) : right + 16] = False
    diff = np.abs(after - before)[far]
    if fmt == "PNG" or options.get("lossless"):
        assert not diff.any()
    else:
        # Re-encoding a lossy image moves a few edge pixels, never by as much as the label.
        assert diff.mean() < 1 and np.percentile(diff, 99) <= 6 and diff.max() < 60


def test_the_label_is_sized_to_the_image():
    heights = {}
    for side in (512, 2048):
        raw = encode(Image.new("RGB", (side, side), (200, 220, 240)), "PNG")
        marked = mark(result_of(raw, "PNG"), AI, settings(ai_label=True))
        left, top, right, bottom = changed_box(pixels(raw), pixels(marked.data), threshold=10)
        heights[side] = bottom - top
        assert right - left < side / 3
    assert heights[512] >= 24  # text of ~23 px: readable on a 512 px draft
    assert 3.5 <= heights[2048] / heights[512] <= 4.5


def test_the_label_shows_on_a_transparent_corner():
    image = Image.new("RGBA", (512, 512), (0, 0, 0, 0))
    raw = encode(image, "PNG")
    marked = mark(result_of(raw, "PNG"), AI, settings(ai_label=True, ai_label_position="top-left"))
    after = pixels(marked.data)
    assert after[..., 3][:60, :200].max() >= 150  # plate at 85 % x 0.8 opacity
    assert after[..., 3][100:, :].max() == 0


def test_the_opacity_setting_fades_the_label():
    raw = encode(Image.new("RGB", (512, 512), (255, 255, 255)), "PNG")

    def darkest(opacity: float) -> int:
        s = settings(ai_label=True, ai_label_opacity=opacity)
        return int(pixels(mark(result_of(raw, "PNG"), AI, s).data)[..., :3].min())

    assert darkest(1.0) < darkest(0.5) < darkest(0.1) < 255


def test_no_label_on_a_local_composite():
    raw = encode(picture(), "PNG")
    marked = mark(result_of(raw, "PNG"), LOCAL, settings(ai_label=True))
    assert image_data(marked.data, "PNG") == image_data(raw, "PNG")
    assert read_provenance(marked.data)["digital_source_type"] == COMPOSITE


def test_the_label_follows_exif_orientation():
    exif = Image.Exif()
    exif[0x0112] = 3  # stored upside down: shown rotated by 180 degrees
    raw = encode(
        Image.new("RGB", (400, 300), (200, 220, 240)), "JPEG", quality=95, exif=exif.tobytes()
    )
    marked = mark(
        result_of(raw, "JPEG"), AI, settings(ai_label=True, ai_label_position="bottom-right")
    )
    with Image.open(io.BytesIO(marked.data)) as image:
        assert image.getexif().get(0x0112) in (None, 1)  # applied, so no longer declared
        shown = np.asarray(image.convert("L")).astype(int)
    assert shown[-60:, -150:].min() < 100  # the dark plate, bottom right as people see it
    assert shown[:60, :150].min() > 180


@pytest.mark.skipif(
    not Path("/usr/share/fonts/truetype/nanum/NanumGothicBold.ttf").exists(),
    reason="fonts-nanum is not installed",
)
def test_nanum_gothic_bold_is_the_label_font():
    assert provenance.hangul_font_path() == Path(
        "/usr/share/fonts/truetype/nanum/NanumGothicBold.ttf"
    )


def test_without_a_hangul_font_the_label_says_ai_and_warns_once(monkeypatch, tmp_path, logs):
    (tmp_path / "NotAFont.ttf").write_bytes(b"not a font")
    monkeypatch.setattr(provenance, "_PREFERRED_FONT", tmp_path / "missing.ttf")
    monkeypatch.setattr(provenance, "_FONT_DIRS", (tmp_path,))

    raw = encode(Image.new("RGB", (512, 512), (255, 255, 255)), "PNG")
    first = mark(result_of(raw, "PNG"), AI, settings(ai_label=True))
    second = mark(result_of(raw, "PNG"), AI, settings(ai_label=True))

    assert provenance.hangul_font_path() is None
    assert logs.text.count("한글 글꼴이 없어") == 1
    left, top, right, bottom = changed_box(pixels(raw), pixels(first.data), threshold=10)
    assert right > 512 * 2 / 3 and bottom > 512 * 5 / 6
    assert first.data == second.data
    assert read_provenance(first.data) == expected_xmp(AI)


def test_a_dejavu_font_is_not_taken_for_a_hangul_one(monkeypatch):
    dejavu = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
    if not dejavu.exists():
        pytest.skip("DejaVu is not installed")
    assert not provenance._draws_hangul(dejavu)


# --- C2PA -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", [AI, LOCAL], ids=["ai", "local"])
@pytest.mark.parametrize(
    ("fmt", "mode", "options"),
    [VARIANTS[0], VARIANTS[1], VARIANTS[2], VARIANTS[4]],
    ids=["png", "png-alpha", "jpeg", "webp-alpha"],
)
def test_a_signed_c2pa_manifest_reads_back(fmt, mode, options, who, chain):
    raw = encode(picture(mode=mode), fmt, **options)
    marked = mark(result_of(raw, fmt), who, signed_settings(chain))

    state, manifest, _ = read_manifest(marked.data, marked.media_type, chain[2])
    assert state == "Trusted"
    assert manifest["claim_generator_info"][0]["name"] == PRODUCT
    actions = next(a for a in manifest["assertions"] if a["label"].startswith("c2pa.actions"))
    created = actions["data"]["actions"][0]
    assert created["action"] == "c2pa.created"
    assert created["digitalSourceType"] == who.digital_source_type
    ours = next(a for a in manifest["assertions"] if a["label"] == provenance.C2PA_ASSERTION)
    assert ours["data"] == {
        "engine": who.engine,
        "model": who.model,
        "job_id": who.job_id,
        "service": who.service,
    }
    assert manifest["signature_info"]["common_name"] == "Webtoon Test Signer"
    # The XMP is still there, and the picture is still the picture.
    assert read_provenance(marked.data) == expected_xmp(who)
    assert np.array_equal(pixels(marked.data), pixels(raw))
    assert image_data(marked.data, fmt) == image_data(raw, fmt)


def test_a_sec1_ec_key_signs_too(tmp_path):
    chain = signing_chain(tmp_path, key_format="sec1")
    assert chain[0].startswith("-----BEGIN EC PRIVATE KEY-----")
    marked = mark(result_of(encode(picture(), "PNG"), "PNG"), AI, signed_settings(chain))
    state, _, _ = read_manifest(marked.data, "image/png", chain[2])
    assert state == "Trusted"


def test_labelled_and_signed(chain):
    raw = encode(picture((512, 512)), "JPEG", quality=90)
    marked = mark(result_of(raw, "JPEG"), AI, signed_settings(chain, ai_label=True))
    state, manifest, _ = read_manifest(marked.data, "image/jpeg", chain[2])
    assert state == "Trusted"
    assert read_provenance(marked.data) == expected_xmp(AI)
    changed_box(pixels(raw), pixels(marked.data), threshold=40)  # the label is there


def test_no_c2pa_without_a_key():
    marked = mark(result_of(encode(picture(), "PNG"), "PNG"), AI, settings())
    assert c2pa.Reader.try_create("image/png", io.BytesIO(marked.data)) is None
    assert b"caBX" not in marked.data and b"c2pa" not in marked.data


def test_marking_a_signed_image_again_leaves_one_valid_manifest(chain):
    once = mark(result_of(encode(picture(), "WEBP"), "WEBP"), AI, signed_settings(chain))
    again = Provenance(True, "bfl", "flux-kontext-pro", "req-ai-2", "goods")
    twice = mark(once, again, signed_settings(chain))

    state, manifest, store = read_manifest(twice.data, "image/webp", chain[2])
    assert state == "Trusted"
    assert len(store["manifests"]) == 1
    ours = next(a for a in manifest["assertions"] if a["label"] == provenance.C2PA_ASSERTION)
    assert ours["data"]["job_id"] == "req-ai-2"
    assert read_provenance(twice.data) == expected_xmp(again)


def test_a_broken_signing_setup_fails_ai_results_and_spares_local_ones(tmp_path, logs):
    key_pem, _, _ = signing_chain(tmp_path)
    broken = settings(
        c2pa_signing_key=SecretStr(key_pem), c2pa_certificate_chain=tmp_path / "nowhere.pem"
    )
    raw = encode(picture(), "PNG")

    with pytest.raises(AppError) as caught:
        mark(result_of(raw, "PNG"), AI, broken)
    assert caught.value.status == 500 and caught.value.code == "PROVENANCE_FAILED"
    assert "nowhere.pem" in caught.value.log_detail

    local = mark(result_of(raw, "PNG"), LOCAL, broken)
    assert read_provenance(local.data) == expected_xmp(LOCAL)  # XMP made it; C2PA did not
    assert c2pa.Reader.try_create("image/png", io.BytesIO(local.data)) is None
    assert "출처 표시 단계(c2pa)를 건너뜁니다" in logs.text
    body = key_pem.splitlines()[1]
    assert body not in logs.text


def test_a_key_that_is_not_a_key_is_reported_without_quoting_it(chain, logs):
    _, chain_path, _ = chain
    secret = (
        "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWJ1dC1ub3QtYS1rZXk=\n-----END PRIVATE KEY-----\n"
    )
    bad = settings(c2pa_signing_key=SecretStr(secret), c2pa_certificate_chain=chain_path)
    with pytest.raises(AppError) as caught:
        mark(result_of(encode(picture(), "PNG"), "PNG"), AI, bad)
    assert "not an unencrypted PEM private key" in caught.value.log_detail
    assert "c2VjcmV0" not in caught.value.log_detail and "c2VjcmV0" not in logs.text
    with pytest.raises(ValueError, match="not an unencrypted PEM private key"):
        check_signing_settings(bad)


def test_a_key_that_does_not_match_the_certificate_fails(tmp_path, chain):
    (tmp_path / "other").mkdir()
    other_key, _, _ = signing_chain(tmp_path / "other")
    mismatched = settings(c2pa_signing_key=SecretStr(other_key), c2pa_certificate_chain=chain[1])
    with pytest.raises(AppError) as caught:
        mark(result_of(encode(picture(), "PNG"), "PNG"), AI, mismatched)
    assert "C2PA signing failed" in caught.value.log_detail


def test_check_signing_settings(chain, tmp_path):
    check_signing_settings(settings())  # off: nothing to check
    check_signing_settings(signed_settings(chain))
    with pytest.raises(ValueError, match="C2PA_CERTIFICATE_CHAIN is not"):
        check_signing_settings(settings(c2pa_signing_key=SecretStr(chain[0])))
    not_pem = tmp_path / "chain.txt"
    not_pem.write_text("hello")
    with pytest.raises(ValueError, match="no PEM certificate"):
        check_signing_settings(
            settings(c2pa_signing_key=SecretStr(chain[0]), c2pa_certificate_chain=not_pem)
        )


def test_read_provenance_of_unmarked_and_non_images():
    assert read_provenance(encode(picture(), "PNG")) == {}
    with pytest.raises(ValueError):
        read_provenance(b"definitely not an image")


def test_logs_say_nothing_when_all_is_well(logs, chain):
    logs.set_level(logging.DEBUG, logger="webtoon_core.provenance")
    mark(result_of(encode(picture(), "PNG"), "PNG"), AI, signed_settings(chain, ai_label=True))
    assert not [
        r
        for r in logs.records
        if r.name == "webtoon_core.provenance" and r.levelno >= logging.WARNING
    ]
