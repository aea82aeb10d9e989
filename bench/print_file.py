"""Print file speed: a 3000x3000 art to a finished package, on one core.

    taskset -c 0 .venv/bin/python -m bench.print_file --reps 5

The goal: under 2 s of CPU from the uploaded bytes to the ZIP. Times the two
steps the endpoint runs in its worker pool (``prepare_upload`` at full
resolution, then ``build_package``) for each kind, on two arts: a drawn
character with real transparency (shaded, textured hair, anti-aliased
edges, a detached hand, semi-transparent glow) and the same character
flattened onto paper white as a JPEG (the background-removal path). Then one
request through the whole HTTP path (TestClient) for each. Prints JSON:
wall and CPU seconds (median and max), the package size, and the ppi.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw, ImageFilter

from goods_backend.main import create_app
from goods_backend.print_file.options import PRINT_KINDS, PrintFileParams
from goods_backend.print_file.package import build_package
from goods_backend.settings import GoodsSettings
from webtoon_core.images import ImageLimits, prepare_upload

SIDE = 3000
LIMITS = ImageLimits(max_side=None, max_pixels=40_000_000, max_axis=16383)


def character_art(side: int = SIDE) -> Image.Image:
    """A detailed RGBA character: shading, textured hair, outlines, a glow, a detached hand."""
    big = side * 2  # drawn at twice the size and reduced: anti-aliased edges like real art
    img = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    s = big
    d.ellipse(
        (s * 0.28, s * 0.08, s * 0.72, s * 0.46),
        fill=(250, 205, 178, 255),
        outline=(40, 28, 28, 255),
        width=s // 250,
    )
    d.chord((s * 0.26, s * 0.05, s * 0.74, s * 0.32), 180, 360, fill=(92, 56, 34, 255))
    for side_x in (0.42, 0.58):
        d.ellipse(
            (s * (side_x - 0.035), s * 0.24, s * (side_x + 0.035), s * 0.31),
            fill=(255, 255, 255, 255),
            outline=(20, 20, 30, 255),
            width=s // 400,
        )
        d.ellipse(
            (s * (side_x - 0.015), s * 0.26, s * (side_x + 0.015), s * 0.30),
            fill=(40, 60, 120, 255),
        )
    d.rounded_rectangle(
        (s * 0.31, s * 0.46, s * 0.69, s * 0.82),
        radius=s // 25,
        fill=(58, 100, 215, 255),
        outline=(20, 30, 60, 255),
        width=s // 300,
    )
    d.ellipse(
        (s * 0.80, s * 0.52, s * 0.90, s * 0.62),
        fill=(250, 205, 178, 255),
        outline=(40, 28, 28, 255),
        width=s // 400,
    )
    for x0 in (0.35, 0.54):
        d.rounded_rectangle(
            (s * x0, s * 0.82, s * (x0 + 0.11), s * 0.97), radius=s // 80, fill=(52, 52, 66, 255)
        )
    d.line((s * 0.5, s * 0.06, s * 0.56, s * 0.01), fill=(30, 30, 30, 255), width=s // 500)
    small = img.resize((side, side), Image.Resampling.LANCZOS)
    # Shading and texture: a vertical gradient and fine noise over the opaque parts.
    rgba = np.asarray(small).astype(np.float32)
    rng = np.random.default_rng(3)
    rows = np.linspace(1.08, 0.86, side, dtype=np.float32)[:, None, None]
    rgba[:, :, :3] = np.clip(rgba[:, :, :3] * rows + rng.normal(0, 6, (side, side, 1)), 0, 255)
    art = Image.fromarray(rgba.astype(np.uint8), "RGBA")
    # A soft glow behind the figure: semi-transparent pixels as real art has them.
    glow = art.getchannel("A").filter(ImageFilter.GaussianBlur(side // 150)).point(lambda a: a // 3)
    halo = Image.new("RGBA", art.size, (255, 240, 160, 0))
    halo.putalpha(glow)
    return Image.alpha_composite(halo, art)


def encoded(art: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "PNG":
        art.save(out, format="PNG", compress_level=6)
    else:
        flat = Image.new("RGB", art.size, (250, 249, 245))
        flat.paste(art, mask=art.getchannel("A"))
        flat.save(out, format="JPEG", quality=92)
    return out.getvalue()


def timed(fn: Callable[[], Any], reps: int) -> tuple[dict[str, float], Any]:
    result = fn()  # warm-up: imports, OpenCV's first calls
    wall, cpu = [], []
    for _ in range(reps):
        w0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    figures = {
        "wall_s_median": round(statistics.median(wall), 3),
        "wall_s_max": round(max(wall), 3),
        "cpu_s_median": round(statistics.median(cpu), 3),
        "cpu_s_max": round(max(cpu), 3),
    }
    return figures, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps(measure(args.reps), indent=2, ensure_ascii=False))


def measure(reps: int = 5) -> dict[str, Any]:
    """The figures, on whatever CPUs this process may use (``python -m bench.run`` pins one)."""
    art = character_art()
    uploads = {"png": encoded(art, "PNG"), "jpeg": encoded(art, "JPEG")}
    report: dict[str, Any] = {
        "cpus_allowed": len(os.sched_getaffinity(0)),
        "art_px": [SIDE, SIDE],
        "upload_bytes": {name: len(data) for name, data in uploads.items()},
        "in_process": {},
        "http": {},
    }
    for name, raw in uploads.items():
        for kind in PRINT_KINDS:
            params = PrintFileParams(goods_type=kind)

            def run(raw: bytes = raw, params: PrintFileParams = params) -> Any:
                image = prepare_upload(raw, field="input_image", limits=LIMITS)
                return build_package(image, params, cut_spot="CutContour", white_spot="White")

            figures, package = timed(run, reps)
            figures.update(zip_bytes=len(package.data), ppi=round(package.ppi))
            figures["warnings"] = [w.code for w in package.warnings]
            report["in_process"][f"{name}/{kind}"] = figures

    # The whole request path once per upload (form parsing, decode budget, response).
    settings = GoodsSettings(max_upload_mb=20, log_level="WARNING")  # stdout: the JSON only
    with TestClient(create_app(settings)) as client:
        for name, raw in uploads.items():

            def post(raw: bytes = raw, name: str = name) -> Any:
                files = {"input_image": (f"art.{name}", raw, f"image/{name}")}
                response = client.post(
                    "/api/goods-gen/print-file", data={"goods_type": "acrylic_keyring"}, files=files
                )
                assert response.status_code == 200, response.text
                return response

            figures, _ = timed(post, max(1, reps // 2))
            report["http"][f"{name}/acrylic_keyring"] = figures
    return report


if __name__ == "__main__":
    main()
