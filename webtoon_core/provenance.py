"""Marking what a generation made: XMP provenance, an optional C2PA manifest, an optional label.

Korea's AI Basic Act (in force since 2026-01-22) asks that AI-generated output be
identifiable as such, and a studio sending drafts to brands must be able to show what
was generated and by what. ``mark`` does that for every result, in this order:

1. Optionally (``AI_LABEL``), a visible "AI 생성" label on a rounded plate in one
   corner, for drafts that leave the studio. Only on real-engine results: the local
   engines composite the user's own images and are not AI. This is the one step that
   changes pixels, so it re-encodes the image in its own format.
2. Always, an XMP packet (written by exiv2 through ``pyexiv2``, which inserts the
   packet as a PNG iTXt chunk, a JPEG APP1 segment or a WebP XMP chunk and leaves the
   compressed image data as it is): IPTC ``Iptc4xmpExt:DigitalSourceType``
   (``trainedAlgorithmicMedia`` for real engines, ``composite`` for the local ones),
   IPTC 2025.1 ``Iptc4xmpExt:AISystemUsed`` for real engines, ``xmp:CreatorTool``, and
   engine, model, job id and service in our own namespace (``wtgen``, ``NAMESPACE``).
3. When ``C2PA_SIGNING_KEY`` is set, a C2PA manifest signed with it (``c2pa-python``):
   a ``c2pa.created`` action with the same digital source type, our product as the claim
   generator, and engine, model, job id and service in a ``studio.webtoon.generation``
   assertion. It comes last because its hard binding hashes every other byte.

exiv2 keeps process-wide state (its namespace registry, its log level and the error
buffer pyexiv2 reads after each call), so every pyexiv2 call here holds one lock.
"""

from __future__ import annotations

import functools
import io
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Literal

import c2pa
import pyexiv2
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from PIL import Image, ImageDraw, ImageFont, ImageOps

from webtoon_core.errors import InternalError, ProvenanceFailed
from webtoon_core.images import RESULT_FORMATS, ResultImage, has_real_transparency
from webtoon_core.settings import CommonSettings

log = logging.getLogger("webtoon_core.provenance")

# --- what we write -----------------------------------------------------------------------

NAMESPACE = "https://webtoon.studio/ns/generation/1.0/"
PREFIX = "wtgen"
TRAINED_ALGORITHMIC_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
COMPOSITE = "http://cv.iptc.org/newscodes/digitalsourcetype/composite"
PRODUCT = "webtoon-imagegen"
# The label of our own C2PA assertion: entity-specific labels are reverse domain names.
C2PA_ASSERTION = "studio.webtoon.generation"

# read_provenance's keys -> the exiv2 keys mark writes.
_XMP_KEYS = {
    "digital_source_type": "Xmp.iptcExt.DigitalSourceType",
    "ai_system": "Xmp.iptcExt.AISystemUsed",
    "creator_tool": "Xmp.xmp.CreatorTool",
    "engine": f"Xmp.{PREFIX}.engine",
    "model": f"Xmp.{PREFIX}.model",
    "job_id": f"Xmp.{PREFIX}.jobId",
    "service": f"Xmp.{PREFIX}.service",
}


@dataclass(frozen=True)
class Provenance:
    """What made one result; ``mark`` writes it into the image.

    ``ai_generated`` is True for a real engine's output (IPTC trainedAlgorithmicMedia)
    and False for a local composite of the user's own images (IPTC composite).
    """

    ai_generated: bool  # real engine (trainedAlgorithmicMedia) vs local composite
    engine: str  # "replicate" | "bfl" | "local"
    model: str
    job_id: str  # today the request id
    service: str  # "ppl" | "goods"

    @property
    def digital_source_type(self) -> str:
        return TRAINED_ALGORITHMIC_MEDIA if self.ai_generated else COMPOSITE


class MarkingFailed(Exception):
    """One marking step could not be done; ``mark`` decides what that costs the request."""


# --- the entry points ----------------------------------------------------------------------


def mark(result: ResultImage, provenance: Provenance, settings: CommonSettings) -> ResultImage:
    """The result with its provenance marks, same ``media_type`` and ``extension``.

    Accepts PNG, JPEG and WebP (with or without alpha, animated too unless a label is
    asked for). Without the label the pixels and compressed image data are untouched;
    only metadata is inserted. With ``settings.ai_label`` (real engines only) the
    image is re-encoded once with the label drawn (keeping its ICC profile, dropping
    other source metadata, applying the EXIF orientation first so the label lands in
    the corner people see). A C2PA manifest is added when ``c2pa_signing_key`` is set.

    Failures: for a real engine (``ai_generated``) the law asks for the marks, so any
    step failing raises ``ProvenanceFailed`` (500 PROVENANCE_FAILED, Korean message, the cause in
    ``log_detail`` and logged here). For a local composite a failing step is logged as
    a warning and skipped: the user keeps the image with whatever marks did succeed.

    Synchronous CPU work, run it in the worker pool; thread-safe. Metadata alone costs
    tens of ms (0.15 s for a 50 MB PNG, holding about three copies of the bytes); the
    label decodes and re-encodes (a 2048 px PNG ~0.1 s, a 4096 px noisy PNG ~2 s) and
    holds the decoded image, 4 B a pixel, outside ``ImageDecoder``'s decode budget.
    """
    fmt = _format_of(result)
    steps: list[tuple[str, Callable[[bytes], bytes]]] = []
    if settings.ai_label and provenance.ai_generated:
        steps.append(("label", functools.partial(_labelled, fmt=fmt, settings=settings)))
    steps.append(("xmp", functools.partial(_with_xmp, fields=_xmp_fields(provenance))))
    if settings.c2pa_signing_key is not None:
        steps.append(
            (
                "c2pa",
                functools.partial(
                    _with_c2pa,
                    media_type=result.media_type,
                    provenance=provenance,
                    settings=settings,
                ),
            )
        )
    data = result.data
    for name, step in steps:
        try:
            data = step(data)
        except MarkingFailed as exc:
            if provenance.ai_generated:
                log.error(
                    "AI 생성 표시 실패(%s): engine=%s job=%s: %s",
                    name,
                    provenance.engine,
                    provenance.job_id,
                    exc,
                )
                raise ProvenanceFailed(
                    log_detail=f"provenance step {name} failed for {provenance.engine} "
                    f"job {provenance.job_id}: {exc}",
                ) from None
            log.warning(
                "출처 표시 단계(%s)를 건너뜁니다: engine=%s job=%s: %s",
                name,
                provenance.engine,
                provenance.job_id,
                exc,
            )
    return ResultImage(data=data, media_type=result.media_type, extension=result.extension)


def read_provenance(data: bytes) -> dict[str, str]:
    """The provenance fields ``mark`` wrote into this image's XMP, by short name.

    Keys (each only when present): ``digital_source_type``, ``ai_system``,
    ``creator_tool``, ``engine``, ``model``, ``job_id``, ``service``. An image without
    XMP gives ``{}``. Raises ``ValueError`` for bytes exiv2 cannot read as an image or
    whose XMP packet is malformed.
    """
    with _EXIV2_LOCK:
        _exiv2_setup()
        try:
            with pyexiv2.ImageData(data) as image:
                xmp = image.read_xmp()
        except RuntimeError as exc:
            raise ValueError(f"cannot read XMP: {exc}") from None
    return {
        name: value for name, key in _XMP_KEYS.items() if isinstance(value := xmp.get(key), str)
    }


def check_signing_settings(settings: CommonSettings) -> None:
    """Prove the C2PA key and certificate chain load, so a deployment can fail at start.

    Does nothing when no signing key is set. Raises ``ValueError`` saying what is wrong
    (chain path unset or unreadable, key not PEM, unsupported key type) otherwise.
    Signing itself can still fail later (a key that does not match the certificate,
    a certificate c2pa refuses); ``mark`` reports that per image.
    """
    if settings.c2pa_signing_key is None:
        return
    try:
        _signing_credentials(settings)
    except MarkingFailed as exc:
        raise ValueError(str(exc)) from None


# --- XMP --------------------------------------------------------------------------------------

_EXIV2_LOCK = threading.Lock()
_exiv2_ready = False
# pyexiv2.set_log_level values: at "error" exiv2's errors become RuntimeError and its
# warnings are not printed to stdout (where they would bypass our log format).
_EXIV2_ERRORS = 3
_EXIV2_MUTE = 4


def _exiv2_setup() -> None:
    """Register our namespace and the log level once; call with ``_EXIV2_LOCK`` held."""
    global _exiv2_ready
    if not _exiv2_ready:
        pyexiv2.registerNs(NAMESPACE, PREFIX)
        pyexiv2.set_log_level(_EXIV2_ERRORS)
        _exiv2_ready = True


def _creator_tool(service: str) -> str:
    return f"{PRODUCT} {_version()} ({service})"


@functools.cache
def _version() -> str:
    try:
        return metadata.version(PRODUCT)
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


def _xmp_fields(provenance: Provenance) -> dict[str, str | None]:
    """exiv2 keys -> values; None removes a key (a local re-mark of an AI result)."""
    return {
        _XMP_KEYS["digital_source_type"]: provenance.digital_source_type,
        _XMP_KEYS["ai_system"]: (
            f"{provenance.engine}/{provenance.model}" if provenance.ai_generated else None
        ),
        _XMP_KEYS["creator_tool"]: _creator_tool(provenance.service),
        _XMP_KEYS["engine"]: provenance.engine,
        _XMP_KEYS["model"]: provenance.model,
        _XMP_KEYS["job_id"]: provenance.job_id,
        _XMP_KEYS["service"]: provenance.service,
    }


def _with_xmp(data: bytes, *, fields: dict[str, str | None]) -> bytes:
    """``data`` with ``fields`` set in its XMP packet (other XMP properties are kept).

    A packet exiv2 cannot parse (malformed XML from a provider) is replaced by a new
    one rather than costing the image its marks. The written values are read back:
    exiv2 can drop a property without an error.
    """
    with _EXIV2_LOCK:
        _exiv2_setup()
        try:
            out = _modify_xmp(data, fields)
        except RuntimeError as exc:
            if "XMP" not in str(exc):
                raise MarkingFailed(f"exiv2 could not write XMP: {exc}") from None
            log.warning("결과 이미지의 XMP를 읽을 수 없어 새로 씁니다: %s", exc)
            # Muted, exiv2 drops the packet it cannot parse and writes ours in its place.
            pyexiv2.set_log_level(_EXIV2_MUTE)
            try:
                out = _modify_xmp(data, fields)
            except RuntimeError as again:
                raise MarkingFailed(f"exiv2 could not replace broken XMP: {again}") from None
            finally:
                pyexiv2.set_log_level(_EXIV2_ERRORS)
        try:
            with pyexiv2.ImageData(out) as image:
                written = image.read_xmp()
        except RuntimeError as exc:
            raise MarkingFailed(f"XMP written by exiv2 does not read back: {exc}") from None
    missing = [key for key, value in fields.items() if written.get(key) != value]
    if missing:
        raise MarkingFailed(f"XMP properties did not read back: {', '.join(missing)}")
    return out


def _modify_xmp(data: bytes, fields: dict[str, str | None]) -> bytes:
    try:
        with pyexiv2.ImageData(data) as image:
            image.modify_xmp(fields)
            marked: bytes = image.get_bytes()
            return marked
    except ValueError as exc:  # pyexiv2 refuses images of 2 GB and more
        raise MarkingFailed(str(exc)) from None


# --- C2PA -------------------------------------------------------------------------------------

# No thumbnail: it would add a re-encoded copy of the picture (+0.2 MB for a PNG, +1 MB
# for a WebP) to every result. No network: remote manifests and OCSP are never fetched.
_C2PA_SETTINGS = {
    "builder": {"thumbnail": {"enabled": False}},
    "verify": {"remote_manifest_fetch": False, "ocsp_fetch": False},
}


def _with_c2pa(
    data: bytes, *, media_type: str, provenance: Provenance, settings: CommonSettings
) -> bytes:
    """``data`` with a signed C2PA manifest embedded (replacing any manifest store in it)."""
    alg, chain, key = _signing_credentials(settings)
    manifest = {
        "claim_generator_info": [{"name": PRODUCT, "version": _version()}],
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [
                        {
                            "action": "c2pa.created",
                            "digitalSourceType": provenance.digital_source_type,
                            "softwareAgent": {"name": f"{provenance.engine}/{provenance.model}"},
                        }
                    ]
                },
            },
            {
                "label": C2PA_ASSERTION,
                "data": {
                    "engine": provenance.engine,
                    "model": provenance.model,
                    "job_id": provenance.job_id,
                    "service": provenance.service,
                },
            },
        ],
    }
    out = io.BytesIO()
    try:
        with (
            c2pa.Context.from_dict(_C2PA_SETTINGS) as context,
            c2pa.Signer.from_info(c2pa.C2paSignerInfo(alg, chain, key, None)) as signer,
            c2pa.Builder(manifest, context=context) as builder,
        ):
            builder.sign(signer, media_type, io.BytesIO(data), out)
    except c2pa.C2paError as exc:
        raise MarkingFailed(f"C2PA signing failed: {exc}") from None
    return out.getvalue()


_CURVE_ALGS = {
    "secp256r1": c2pa.C2paSigningAlg.ES256,
    "secp384r1": c2pa.C2paSigningAlg.ES384,
    "secp521r1": c2pa.C2paSigningAlg.ES512,
}


def _signing_credentials(settings: CommonSettings) -> tuple[c2pa.C2paSigningAlg, bytes, bytes]:
    """The algorithm, PEM chain and PKCS#8 PEM key to sign with, read on every call.

    Read each time (a few KB) so a rotated Secret mounted as a file is picked up
    without a restart. The algorithm follows the key: EC P-256/384/521 -> ES256/384/512,
    Ed25519 -> Ed25519, RSA -> PS256.
    """
    secret = settings.c2pa_signing_key
    if secret is None:
        raise MarkingFailed("C2PA_SIGNING_KEY is not set")
    chain_path: Path | None = settings.c2pa_certificate_chain
    if chain_path is None:
        raise MarkingFailed("C2PA_SIGNING_KEY is set but C2PA_CERTIFICATE_CHAIN is not")
    try:
        chain = chain_path.read_bytes()
    except OSError as exc:
        raise MarkingFailed(f"cannot read C2PA_CERTIFICATE_CHAIN {chain_path}: {exc}") from None
    if b"-----BEGIN CERTIFICATE-----" not in chain:
        raise MarkingFailed(f"C2PA_CERTIFICATE_CHAIN {chain_path} holds no PEM certificate")
    try:
        key = serialization.load_pem_private_key(secret.get_secret_value().encode(), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        # Never the exception text: it could quote the key.
        raise MarkingFailed("C2PA_SIGNING_KEY is not an unencrypted PEM private key") from None
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name in _CURVE_ALGS:
        alg = _CURVE_ALGS[key.curve.name]
    elif isinstance(key, ed25519.Ed25519PrivateKey):
        alg = c2pa.C2paSigningAlg.ED25519
    elif isinstance(key, rsa.RSAPrivateKey):
        alg = c2pa.C2paSigningAlg.PS256
    else:
        raise MarkingFailed(f"C2PA_SIGNING_KEY has an unsupported key type {type(key).__name__}")
    # c2pa reads PKCS#8; keys often come as SEC1 ("EC PRIVATE KEY") or PKCS#1.
    pkcs8 = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return alg, chain, pkcs8


# --- the visible label ---------------------------------------------------------------------

LABEL_TEXT = "AI 생성"
# Without a Hangul font the label still says what matters.
FALLBACK_LABEL_TEXT = "AI"
# Debian's fonts-nanum (the Dockerfiles and CI install it).
_PREFERRED_FONT = Path("/usr/share/fonts/truetype/nanum/NanumGothicBold.ttf")
_FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
# Fallback search, best first: bold Korean sans faces, then any Nanum or CJK face.
_FONT_PATTERNS = (
    "NanumGothicBold.ttf",
    "NanumBarunGothicBold.ttf",
    "NanumSquareB.ttf",
    "NotoSansCJK*-Bold.tt[cf]",
    "NotoSansKR-Bold.*tf",
    "Nanum*.ttf",
    "NotoSansCJK*.tt[cf]",
    "NotoSansKR*.*tf",
)
# Label geometry, as fractions of the font size (set from the image's short side).
_FONT_FRACTION = 0.045  # 23 px text on 512 px, 92 px on 2048 px
_MIN_FONT_PX = 10
_PAD_X, _PAD_Y, _MARGIN, _RADIUS = 0.6, 0.35, 0.6, 0.35
_PLATE_RGBA = (17, 17, 17, 217)  # near-black at 85 %, before ai_label_opacity
_TEXT_RGBA = (255, 255, 255, 255)
_ENCODE_ERRORS = (OSError, ValueError)
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError)

Corner = Literal["top-left", "top-right", "bottom-left", "bottom-right"]


def _labelled(data: bytes, *, fmt: str, settings: CommonSettings) -> bytes:
    """The image re-encoded in ``fmt`` with the label drawn in ``ai_label_position``."""
    try:
        image: Image.Image = Image.open(io.BytesIO(data))
        if getattr(image, "n_frames", 1) > 1:
            raise MarkingFailed("an animated image cannot carry the label")
        image.load()
        # The label goes in the corner people see; in place: no second full-size copy.
        ImageOps.exif_transpose(image, in_place=True)
        icc = image.info.get("icc_profile")
        exif = image.getexif()  # what the source had, its orientation now applied
        if image.mode not in ("RGB", "RGBA"):
            keep_alpha = fmt != "JPEG" and has_real_transparency(image)
            image = image.convert("RGBA" if keep_alpha else "RGB")
    except _DECODE_ERRORS as exc:
        raise MarkingFailed(f"cannot decode the result to label it: {exc}") from None
    draw_label(image, settings.ai_label_position, settings.ai_label_opacity)
    out = io.BytesIO()
    extra = {"icc_profile": icc} if icc else {}
    try:
        if fmt == "PNG":
            image.save(out, format="PNG", compress_level=3, exif=exif, **extra)
        elif fmt == "JPEG":
            image.save(out, format="JPEG", quality=92, exif=exif, **extra)
        elif _webp_is_lossless(data):
            # A lossless source stays lossless, transparent pixels' colours included.
            image.save(out, format="WEBP", lossless=True, exact=True, method=3, exif=exif, **extra)
        else:
            image.save(out, format="WEBP", quality=90, method=3, exif=exif, **extra)
    except _ENCODE_ERRORS as exc:
        raise MarkingFailed(f"cannot re-encode the labelled image as {fmt}: {exc}") from None
    return out.getvalue()


def draw_label(image: Image.Image, position: Corner, opacity: float) -> tuple[int, int, int, int]:
    """Draw the label into ``image`` (RGB or RGBA) in place; returns the box it covers.

    Sized to the image (text 4.5 % of the short side, at least 10 px), on a rounded
    near-black plate; ``opacity`` (0.1-1) fades plate and text together. Only pixels
    inside the returned ``(left, top, right, bottom)`` box change. On a transparent
    corner of an RGBA image the label is as opaque as the plate.
    """
    font, text = _label_font(max(_MIN_FONT_PX, round(min(image.size) * _FONT_FRACTION)))
    width, height = image.size
    layer = _label_layer(font, text, opacity)
    if layer.width > width or layer.height > height:
        # Tiny images: shrink to fit rather than draw half a label.
        scale = min(width / layer.width, height / layer.height)
        layer = layer.resize(
            (max(1, int(layer.width * scale)), max(1, int(layer.height * scale))),
            Image.Resampling.LANCZOS,
        )
    margin = round(getattr(font, "size", _MIN_FONT_PX) * _MARGIN)
    margin_x = min(margin, (width - layer.width) // 2)
    margin_y = min(margin, (height - layer.height) // 2)
    left = margin_x if position.endswith("left") else width - margin_x - layer.width
    top = margin_y if position.startswith("top") else height - margin_y - layer.height
    box = (left, top, left + layer.width, top + layer.height)
    # Composite on the corner only: the rest of the image is never touched or copied.
    region = image.crop(box).convert("RGBA")
    region.alpha_composite(layer)
    image.paste(region if image.mode == "RGBA" else region.convert(image.mode), box)
    return box


def _label_layer(
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont, text: str, opacity: float
) -> Image.Image:
    size = getattr(font, "size", _MIN_FONT_PX)
    left, top, right, bottom = font.getbbox(text)
    pad_x, pad_y = round(size * _PAD_X), round(size * _PAD_Y)
    plate_w, plate_h = int(right - left) + 2 * pad_x, int(bottom - top) + 2 * pad_y
    layer = Image.new("RGBA", (plate_w, plate_h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    draw.rounded_rectangle(
        (0, 0, plate_w - 1, plate_h - 1), radius=round(plate_h * _RADIUS), fill=_PLATE_RGBA
    )
    draw.text((pad_x - left, pad_y - top), text, font=font, fill=_TEXT_RGBA)
    alpha = layer.getchannel("A").point(lambda a: round(a * opacity))
    layer.putalpha(alpha)
    return layer


def _label_font(size: int) -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, str]:
    """A Hangul font at ``size`` with "AI 생성", or Pillow's default font with "AI"."""
    path = hangul_font_path()
    if path is not None:
        return ImageFont.truetype(str(path), size), LABEL_TEXT
    return ImageFont.load_default(size), FALLBACK_LABEL_TEXT


@functools.cache
def hangul_font_path() -> Path | None:
    """The font file the label uses: NanumGothicBold, else the first Hangul font found.

    Searched once per process; None (with one warning) when no font that draws Hangul
    is installed, in which case the label falls back to "AI" in Pillow's own font.
    """
    candidates = [_PREFERRED_FONT]
    for pattern in _FONT_PATTERNS:
        for root in _FONT_DIRS:
            if root.is_dir():
                candidates.extend(sorted(root.rglob(pattern)))
    for path in candidates:
        if path.is_file() and _draws_hangul(path):
            return path
    log.warning(
        "한글 글꼴이 없어 AI 표시 라벨을 'AI'로만 그립니다 (fonts-nanum을 설치하세요: %s)",
        _PREFERRED_FONT,
    )
    return None


def _draws_hangul(path: Path) -> bool:
    """Does this font have a real glyph for Hangul (not the missing-glyph box)?"""
    try:
        font = ImageFont.truetype(str(path), 32)
        hangul = font.getmask("생")
        missing = font.getmask("\U0010fffd")  # a private-use code point no font draws
    except OSError:  # not a font FreeType can open
        return False
    return hangul.getbbox() is not None and (
        hangul.size != missing.size or bytes(hangul) != bytes(missing)
    )


def _webp_is_lossless(data: bytes) -> bool:
    """Is this (still) WebP's image data a VP8L bitstream? Pillow does not say.

    Walks the RIFF chunks: a simple file starts with its bitstream chunk; an extended
    one (VP8X) has ICC/EXIF/XMP/ALPH chunks before it.
    """
    pos = 12
    while pos + 8 <= len(data):
        fourcc = data[pos : pos + 4]
        if fourcc in (b"VP8L", b"VP8 "):
            return fourcc == b"VP8L"
        size = int.from_bytes(data[pos + 4 : pos + 8], "little")
        pos += 8 + size + (size & 1)  # chunks are padded to even sizes
    return False


def _format_of(result: ResultImage) -> str:
    for fmt, (media_type, _) in RESULT_FORMATS.items():
        if media_type == result.media_type:
            return fmt
    raise InternalError(log_detail=f"cannot mark a result of type {result.media_type}")
