"""Test helpers: images made on the spot, and fake providers on real sockets."""

from __future__ import annotations

import io
import itertools
import socket
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import uvicorn
from PIL import Image, ImageCms, ImageDraw

# A stand-in key: if it ever shows up in a response or a log line, a test fails.
CANARY_TOKEN = "canary-token-never-print-4d1f9a7e"


def png_bytes(size: tuple[int, int] = (400, 600), color=(30, 80, 220), mode: str = "RGB") -> bytes:
    """A figure (an ellipse) on a plain light background."""
    background = (245, 245, 240, 0) if mode == "RGBA" else (245, 245, 240)
    image = Image.new(mode, size, background)
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.ellipse((w * 0.25, h * 0.15, w * 0.75, h * 0.85), fill=color)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes(
    size: tuple[int, int] = (300, 300), color=(220, 30, 30), exif_orientation: int | None = None
) -> bytes:
    image = Image.new("RGB", size, (250, 250, 250))
    ImageDraw.Draw(image).rectangle(
        (size[0] * 0.3, size[1] * 0.2, size[0] * 0.7, size[1] * 0.8), fill=color
    )
    out = io.BytesIO()
    if exif_orientation is None:
        image.save(out, format="JPEG", quality=90)
    else:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        image.save(out, format="JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def noisy_jpeg(size: tuple[int, int], quality: int = 95) -> bytes:
    """A large, hard-to-compress JPEG (random noise)."""
    import numpy as np

    rng = np.random.default_rng(7)
    pixels = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="JPEG", quality=quality)
    return out.getvalue()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerThread:
    """Run an ASGI app with uvicorn on 127.0.0.1 in a background thread."""

    def __init__(self, app, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="on",
            timeout_graceful_shutdown=1,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@contextmanager
def serve(app) -> Iterator[ServerThread]:
    with ServerThread(app) as server:
        yield server


def character_png(size: tuple[int, int] = (600, 900)) -> bytes:
    """A simple webtoon-style figure (hair, face, eyes, shirt, arms, legs) on paper white."""
    w, h = size
    image = Image.new("RGB", size, (248, 246, 240))
    d = ImageDraw.Draw(image)
    cx = w // 2
    d.rounded_rectangle(
        (cx - w * 0.17, h * 0.42, cx + w * 0.17, h * 0.72), radius=int(w * 0.06), fill=(52, 96, 210)
    )
    for side in (-1, 1):  # arms and hands
        x = cx + side * w * 0.21
        d.rounded_rectangle(
            (x - w * 0.05, h * 0.43, x + w * 0.05, h * 0.66),
            radius=int(w * 0.04),
            fill=(52, 96, 210),
        )
        d.ellipse((x - w * 0.055, h * 0.64, x + w * 0.055, h * 0.71), fill=(246, 206, 176))
        d.rounded_rectangle(
            (cx + side * w * 0.09 - w * 0.06, h * 0.70, cx + side * w * 0.09 + w * 0.06, h * 0.93),
            radius=12,
            fill=(58, 58, 76),
        )
    d.ellipse((cx - w * 0.17, h * 0.12, cx + w * 0.17, h * 0.40), fill=(246, 206, 176))
    d.chord((cx - w * 0.18, h * 0.10, cx + w * 0.18, h * 0.30), 180, 360, fill=(70, 45, 30))
    for side in (-1, 1):
        d.ellipse(
            (cx + side * w * 0.06 - 9, h * 0.26 - 12, cx + side * w * 0.06 + 9, h * 0.26 + 12),
            fill=(30, 30, 40),
        )
    d.arc((cx - w * 0.05, h * 0.29, cx + w * 0.05, h * 0.34), 20, 160, fill=(170, 60, 60), width=5)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def bottle_jpeg(size: tuple[int, int] = (400, 600)) -> bytes:
    """A product shot: a red bottle with a white label, on white."""
    w, h = size
    image = Image.new("RGB", size, (255, 255, 255))
    d = ImageDraw.Draw(image)
    d.rounded_rectangle(
        (w * 0.3, h * 0.3, w * 0.7, h * 0.92), radius=int(w * 0.06), fill=(214, 32, 40)
    )
    d.rectangle((w * 0.42, h * 0.12, w * 0.58, h * 0.32), fill=(214, 32, 40))
    d.rectangle((w * 0.4, h * 0.06, w * 0.6, h * 0.13), fill=(40, 40, 40))
    d.rectangle((w * 0.34, h * 0.5, w * 0.66, h * 0.72), fill=(250, 250, 245))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=92)
    return out.getvalue()


# --- images Pillow cannot write, and colour profiles -----------------------------------


def png_from_array(
    pixels, *, color_type: int, bit_depth: int = 16, trns: bytes | None = None
) -> bytes:
    """A PNG written chunk by chunk from a numpy array (rows, cols[, samples]).

    Pillow cannot write 16-bit RGB, RGBA or grey+alpha PNGs. ``color_type``: 0 grey,
    2 RGB, 4 grey+alpha, 6 RGBA; ``trns`` is the raw tRNS chunk body.
    """
    array = np.asarray(pixels)
    height, width = array.shape[:2]
    dtype = ">u2" if bit_depth == 16 else "u1"
    rows = array.astype(dtype).reshape(height, -1)
    raw = b"".join(b"\x00" + row.tobytes() for row in rows)  # filter type 0 on every row

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    chunks = [chunk(b"IHDR", header)]
    if trns is not None:
        chunks.append(chunk(b"tRNS", trns))
    chunks += [chunk(b"IDAT", zlib.compress(raw, 6)), chunk(b"IEND", b"")]
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks)


def swapped_srgb_profile() -> bytes:
    """The sRGB profile with its red and blue primaries exchanged (a non-sRGB RGB profile).

    A pixel (r, g, b) tagged with it looks like sRGB (b, g, r): a reference anyone can
    compute without a colour engine.
    """
    data = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    (count,) = struct.unpack(">I", data[128:132])
    entries = {bytes(data[132 + 12 * i : 136 + 12 * i]): 132 + 12 * i for i in range(count)}
    red, blue = entries[b"rXYZ"], entries[b"bXYZ"]
    red_entry, blue_entry = data[red + 4 : red + 12], data[blue + 4 : blue + 12]
    data[red + 4 : red + 12], data[blue + 4 : blue + 12] = blue_entry, red_entry
    data[84:100] = bytes(16)  # the profile ID (an MD5 of the old bytes) no longer applies
    return bytes(data)


# Lab (as 8-bit lut8 values: L*255/100, a+128, b+128) that the test CMYK profile gives
# paper and each ink at 100 %: affine in the inks, so every interpolation is exact.
CMYK_PROFILE_PAPER = (255, 128, 128)
CMYK_PROFILE_INKS = ((-40, -40, -40), (-40, 60, -30), (-20, -5, 70), (-100, 0, 0))


def cmyk_profile_lab(cmyk) -> np.ndarray:
    """Lab (L 0..100, a, b) the test CMYK profile assigns to ink amounts ``cmyk`` (0..255)."""
    inks = np.asarray(cmyk, dtype=np.float64) / 255.0
    paper = np.asarray(CMYK_PROFILE_PAPER, dtype=np.float64)
    encoded = paper + inks @ np.asarray(CMYK_PROFILE_INKS, dtype=np.float64)
    lightness = encoded[..., 0] * 100 / 255
    return np.stack([lightness, encoded[..., 1] - 128, encoded[..., 2] - 128], axis=-1)


def cmyk_test_profile() -> bytes:
    """A small ICC v2 CMYK output profile: a lut8 A2B0 from ink amounts to Lab.

    No CMYK profile ships with Pillow or this machine, so one is written here; its
    colours (``cmyk_profile_lab``) are far from Pillow's naive CMYK inversion.
    """

    def s15(value: float) -> bytes:
        return struct.pack(">i", round(value * 65536))

    ascii_desc = b"webtoon test CMYK\x00"
    # textDescriptionType: ASCII, then empty Unicode (8 bytes) and ScriptCode (3 + 67) parts.
    desc = b"desc" + bytes(4) + struct.pack(">I", len(ascii_desc)) + ascii_desc + bytes(78)
    wtpt = b"XYZ " + bytes(4) + s15(0.9642) + s15(1.0) + s15(0.8249)
    cprt = b"text" + bytes(4) + b"public domain\x00"
    identity = bytes(range(256))
    clut = bytearray()
    for corner in itertools.product((0, 1), repeat=4):  # C slowest, K fastest
        for channel in range(3):
            inks = sum(ink * CMYK_PROFILE_INKS[i][channel] for i, ink in enumerate(corner))
            clut.append(CMYK_PROFILE_PAPER[channel] + inks)
    matrix = b"".join(s15(v) for v in (1, 0, 0, 0, 1, 0, 0, 0, 1))
    # lut8Type: 4 inputs, 3 outputs, 2 grid points; identity input and output tables.
    a2b0 = b"mft1" + bytes(4) + bytes([4, 3, 2, 0]) + matrix
    a2b0 += identity * 4 + bytes(clut) + identity * 3

    tags = [(b"desc", desc), (b"wtpt", wtpt), (b"cprt", cprt), (b"A2B0", a2b0)]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for signature, content in tags:
        body += bytes(-(offset + len(body)) % 4)
        table += signature + struct.pack(">II", offset + len(body), len(content))
        body += content
    body += bytes(-len(body) % 4)
    header = (
        struct.pack(">I", offset + len(body)) + bytes(4) + struct.pack(">I", 0x02100000)
        + b"prtr" + b"CMYK" + b"Lab " + bytes(12) + b"acsp" + bytes(24)
        + struct.pack(">I", 0) + s15(0.9642) + s15(1.0) + s15(0.8249) + bytes(48)
    )  # fmt: skip
    return header + struct.pack(">I", len(tags)) + table + body


def without_adobe_marker(jpeg: bytes) -> bytes:
    """The JPEG with its APP14 "Adobe" segment removed (the marker that says CMYK is inverted)."""
    out, pos = bytearray(jpeg[:2]), 2
    while pos < len(jpeg):
        marker = jpeg[pos : pos + 2]
        if marker == b"\xff\xda":  # start of scan: the rest is image data
            out += jpeg[pos:]
            break
        length = int.from_bytes(jpeg[pos + 2 : pos + 4], "big")
        segment = jpeg[pos : pos + 2 + length]
        if not (marker == b"\xff\xee" and segment[4:9] == b"Adobe"):
            out += segment
        pos += 2 + length
    return bytes(out)


def same_picture(a: bytes, b: bytes) -> bool:
    """Same size and pixels, whatever metadata the bytes carry (results get provenance XMP)."""
    first, second = Image.open(io.BytesIO(a)), Image.open(io.BytesIO(b))
    return (
        first.size == second.size
        and first.convert("RGBA").tobytes() == second.convert("RGBA").tobytes()
    )
