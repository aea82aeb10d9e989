"""What the benchmark sends and what the fake providers answer: images and multipart bodies."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

MIB = 1024 * 1024
UPLOAD_LIMIT = 5 * MIB  # the services' default MAX_UPLOAD_MB


def noisy_jpeg(size: tuple[int, int] = (2100, 1750), quality: int = 97, seed: int = 7) -> bytes:
    """A hard-to-compress JPEG (random noise): 2100x1750 at q97 is just under 5 MiB."""
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="JPEG", quality=quality)
    data = out.getvalue()
    if len(data) >= UPLOAD_LIMIT:
        raise ValueError(f"noise JPEG is {len(data)} bytes, over the 5 MiB upload limit")
    return data


def _illustration(size: tuple[int, int], seed: int, alpha: bool) -> Image.Image:
    """Flat colours, soft gradient and mild grain: roughly what a rendered image compresses like."""
    w, h = size
    rng = np.random.default_rng(seed)
    y = np.linspace(0, 1, h, dtype=np.float32)[:, None]
    x = np.linspace(0, 1, w, dtype=np.float32)[None, :]
    base = np.stack([200 + 40 * y + 0 * x, 190 + 30 * x + 0 * y, 230 - 50 * y + 0 * x], axis=-1)
    base += rng.normal(0, 4, base.shape).astype(np.float32)
    image = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        cx, cy = rng.uniform(0.15, 0.85) * w, rng.uniform(0.15, 0.85) * h
        r = rng.uniform(0.05, 0.2) * min(w, h)
        colour = tuple(int(c) for c in rng.integers(30, 230, 3))
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour, outline=(20, 20, 20), width=4)
    if not alpha:
        return image
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).ellipse((w * 0.2, h * 0.05, w * 0.8, h * 0.95), fill=255)
    image.putalpha(mask)
    return image


def result_png(size: int = 1024) -> bytes:
    """The image the fake providers deliver (a 1024 px PNG, as flux-kontext returns)."""
    out = io.BytesIO()
    _illustration((size, size), seed=3, alpha=False).save(out, format="PNG")
    return out.getvalue()


def character_png(size: tuple[int, int] = (1024, 1024)) -> bytes:
    """A character on a transparent background (local-engine input)."""
    out = io.BytesIO()
    _illustration(size, seed=11, alpha=True).save(out, format="PNG")
    return out.getvalue()


def product_jpeg(size: tuple[int, int] = (1024, 1024)) -> bytes:
    """A product photo on a plain light background (local-engine input)."""
    image = Image.new("RGB", size, (245, 245, 240))
    w, h = size
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle(
        (w * 0.35, h * 0.2, w * 0.65, h * 0.85), radius=int(w * 0.05), fill=(200, 40, 40)
    )
    draw.rectangle((w * 0.4, h * 0.1, w * 0.6, h * 0.22), fill=(60, 60, 60))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=92)
    return out.getvalue()


@dataclass(frozen=True)
class FilePart:
    field: str
    filename: str
    content_type: str
    data: bytes


class MultipartTemplate:
    """A multipart body whose file parts are encoded once; text fields vary per request.

    Building the 5-10 MB body once keeps the load generator's own CPU out of
    the measurement (each request only prepends its small text fields).
    """

    def __init__(self, files: list[FilePart]) -> None:
        self.boundary = f"bench{uuid.uuid4().hex}"
        self.content_type = f"multipart/form-data; boundary={self.boundary}"
        parts = []
        for part in files:
            head = (
                f"--{self.boundary}\r\n"
                f'Content-Disposition: form-data; name="{part.field}"; '
                f'filename="{part.filename}"\r\n'
                f"Content-Type: {part.content_type}\r\n\r\n"
            ).encode()
            parts.append(head + part.data + b"\r\n")
        self._files = b"".join(parts)
        self._tail = f"--{self.boundary}--\r\n".encode()

    def body(self, fields: dict[str, str]) -> bytes:
        head = b"".join(
            (
                f"--{self.boundary}\r\n"
                f'Content-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            ).encode()
            for name, value in fields.items()
        )
        return head + self._files + self._tail
