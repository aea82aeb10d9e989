"""Test helpers: images made on the spot, and fake providers on real sockets."""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from PIL import Image, ImageDraw

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


def jpeg_bytes(size: tuple[int, int] = (300, 300), color=(220, 30, 30), exif_orientation: int | None = None) -> bytes:
    image = Image.new("RGB", size, (250, 250, 250))
    ImageDraw.Draw(image).rectangle((size[0] * 0.3, size[1] * 0.2, size[0] * 0.7, size[1] * 0.8), fill=color)
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
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on", timeout_graceful_shutdown=1
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
    d.rounded_rectangle((cx - w * 0.17, h * 0.42, cx + w * 0.17, h * 0.72), radius=int(w * 0.06), fill=(52, 96, 210))
    for side in (-1, 1):  # arms and hands
        x = cx + side * w * 0.21
        d.rounded_rectangle((x - w * 0.05, h * 0.43, x + w * 0.05, h * 0.66), radius=int(w * 0.04), fill=(52, 96, 210))
        d.ellipse((x - w * 0.055, h * 0.64, x + w * 0.055, h * 0.71), fill=(246, 206, 176))
        d.rounded_rectangle((cx + side * w * 0.09 - w * 0.06, h * 0.70, cx + side * w * 0.09 + w * 0.06, h * 0.93), radius=12, fill=(58, 58, 76))
    d.ellipse((cx - w * 0.17, h * 0.12, cx + w * 0.17, h * 0.40), fill=(246, 206, 176))
    d.chord((cx - w * 0.18, h * 0.10, cx + w * 0.18, h * 0.30), 180, 360, fill=(70, 45, 30))
    for side in (-1, 1):
        d.ellipse((cx + side * w * 0.06 - 9, h * 0.26 - 12, cx + side * w * 0.06 + 9, h * 0.26 + 12), fill=(30, 30, 40))
    d.arc((cx - w * 0.05, h * 0.29, cx + w * 0.05, h * 0.34), 20, 160, fill=(170, 60, 60), width=5)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def bottle_jpeg(size: tuple[int, int] = (400, 600)) -> bytes:
    """A product shot: a red bottle with a white label, on white."""
    w, h = size
    image = Image.new("RGB", size, (255, 255, 255))
    d = ImageDraw.Draw(image)
    d.rounded_rectangle((w * 0.3, h * 0.3, w * 0.7, h * 0.92), radius=int(w * 0.06), fill=(214, 32, 40))
    d.rectangle((w * 0.42, h * 0.12, w * 0.58, h * 0.32), fill=(214, 32, 40))
    d.rectangle((w * 0.4, h * 0.06, w * 0.6, h * 0.13), fill=(40, 40, 40))
    d.rectangle((w * 0.34, h * 0.5, w * 0.66, h * 0.72), fill=(250, 250, 245))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=92)
    return out.getvalue()
