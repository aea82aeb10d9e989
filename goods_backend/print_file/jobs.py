"""Where a print job runs: a slot among this process's print jobs, and the worker pool.

The package is built in the app's worker pool (``run_sync``), never on the
event loop, after reserving its memory from the same decode budget the
uploads use, so print jobs and generations share one bound.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING

from fastapi import Request

from goods_backend.print_file.options import FILE_FIELD, PrintFileParams
from goods_backend.settings import GoodsSettings
from webtoon_core.errors import ImageTooLarge
from webtoon_core.images import ImageDecoder, ImageLimits, PreparedImage
from webtoon_core.workers import RunSync

if TYPE_CHECKING:
    from goods_backend.print_file.package import PrintPackage

# What building a package holds at once per pixel of the art (the decoded RGBA, its
# cut-out copy, masks, the white layer's distance field, the PDF's sample planes and
# the encoders' buffers). Peak RSS over the prepared upload, measured on 3000x3000 arts:
# 20 B a pixel for a PNG with alpha, 24 for a JPEG whose background is flooded away.
WORK_BYTES_PER_PIXEL = 28
WORK_SLACK_BYTES = 16 * 1024 * 1024


class PrintJobs:
    """This process's print jobs: how many are waiting or running, and the running slots."""

    def __init__(self, running: int) -> None:
        self.slots = asyncio.Semaphore(running)
        self.count = 0


def print_jobs(request: Request, settings: GoodsSettings) -> PrintJobs:
    # Made on first use, on the app's own loop (the app factory is not ours to extend).
    jobs: PrintJobs | None = getattr(request.app.state, "print_jobs", None)
    if jobs is None:
        jobs = PrintJobs(settings.print_max_concurrent)
        request.app.state.print_jobs = jobs
    return jobs


async def build_in_pool(
    request: Request, settings: GoodsSettings, params: PrintFileParams, raw: bytes
) -> PrintPackage:
    """Decode ``raw`` at full resolution and build its package, both in the worker pool.

    The decode goes through the app's ``ImageDecoder`` (the upload limits, without
    the downscale); the build reserves ``WORK_BYTES_PER_PIXEL`` a pixel from the
    same decode budget, waiting its turn, and refuses with ``ImageTooLarge`` an art
    that could never fit. Raises what ``build_package`` raises.
    """
    # The geometry and PDF libraries (OpenCV, Shapely, pikepdf: ~50 MiB resident) load with
    # the first print job, not with every goods pod that never makes one.
    from goods_backend.print_file.package import build_package

    runner = request.app.state.runner
    decoder: ImageDecoder = runner.decoder
    run_sync: RunSync = runner.run_sync
    limits = ImageLimits(
        max_side=None, max_pixels=settings.max_image_pixels, max_axis=settings.max_image_axis
    )
    image: PreparedImage = await decoder.prepare_upload(raw, field=FILE_FIELD, limits=limits)
    del raw
    need = image.width * image.height * WORK_BYTES_PER_PIXEL + WORK_SLACK_BYTES
    fits = max(1, (decoder.budget.capacity - WORK_SLACK_BYTES) // WORK_BYTES_PER_PIXEL)
    refusal = ImageTooLarge(
        f"인쇄용 파일을 만들기에 이미지가 너무 큽니다 ({image.width}x{image.height}px). "
        f"{fits / 1_000_000:.0f}메가픽셀 이하로 줄여서 올려 주세요 "
        "(인쇄 크기에서 300~600ppi면 충분합니다)."
    )
    work = partial(
        build_package,
        image,
        params,
        cut_spot=settings.print_cut_spot_name,
        white_spot=settings.print_white_spot_name,
    )
    await decoder.budget.acquire(need, refuse=refusal)
    pending: asyncio.Future[PrintPackage] | None = None
    try:
        pending = asyncio.ensure_future(run_sync(work))
    finally:
        if pending is None:  # never reached the pool: nothing will release it later
            decoder.budget.release(need)
    # Given back when the thread is done with the pixels, even if this request is cancelled.
    pending.add_done_callback(partial(_release, decoder, need))
    return await asyncio.shield(pending)


def _release(decoder: ImageDecoder, need: int, done: asyncio.Future[PrintPackage]) -> None:
    decoder.budget.release(need)
    if not done.cancelled():
        done.exception()  # retrieved: a cancelled caller's failure is not "never retrieved"
