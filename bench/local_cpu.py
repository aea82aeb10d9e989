"""Local engines' render time for one 1024 px image, in-process (run pinned: ``taskset -c 0``).

    taskset -c 0 python -m bench.local_cpu --reps 5

Calls ``ppl_backend.local_engine.render`` and ``goods_backend.local_engine.render``
(every goods kind) on inputs already prepared by ``prepare_upload``, as the
services do, and prints JSON: wall and CPU seconds of each call.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable

from bench.payloads import character_png, product_jpeg
from goods_backend import catalogue
from goods_backend import local_engine as goods_local
from goods_backend.params import GoodsParams
from ppl_backend import local_engine as ppl_local
from ppl_backend.params import PplParams
from webtoon_core.images import ImageLimits, prepare_upload


def timed(fn: Callable[[], bytes], reps: int, warmup: int) -> dict[str, list[float]]:
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    for _ in range(reps):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return {"wall_s": wall, "cpu_s": cpu}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    args = parser.parse_args()

    def prepare(data: bytes, name: str):  # noqa: ANN202
        limits = ImageLimits(max_side=1024, max_pixels=40_000_000, max_axis=16383)
        return prepare_upload(data, field=name, limits=limits)

    character = prepare(character_png((1024, 1024)), "character")
    product = prepare(product_jpeg((1024, 1024)), "product")
    ppl_params = PplParams(
        prompt="The character is holding the product in one hand and smiling", seed=11
    )
    results: dict[str, object] = {
        "affinity": sorted(os.sched_getaffinity(0)),
        "inputs": {
            "character": f"{character.width}x{character.height} PNG (alpha={character.has_alpha})",
            "product": f"{product.width}x{product.height} JPEG",
        },
        "ppl": timed(
            lambda: ppl_local.render(
                ppl_params, {"input_image_1": character, "input_image_2": product}
            ),
            args.reps,
            args.warmup,
        ),
        "goods": {},
    }
    for kind in catalogue.CATALOGUE:
        params = GoodsParams(goods_type=kind.id, seed=11)
        results["goods"][kind.id] = timed(  # type: ignore[index]
            lambda p=params: goods_local.render(p, {"input_image": character}),
            args.reps,
            args.warmup,
        )
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
