"""Where a PPL request's CPU goes: the request path's steps timed in-process, one at a time.

Run by ``bench.run`` in the harness process (nothing else running then);
each figure is the median of ``reps`` calls.  Not a goal figure: it explains
the overhead figures.
"""

from __future__ import annotations

import asyncio
import io
import json
import time
from collections.abc import Callable
from typing import Any

from PIL import Image
from starlette.requests import Request

from bench.load import PPL_PROMPT, median
from bench.payloads import FilePart, MultipartTemplate, noisy_jpeg, result_png
from webtoon_core.forms import read_form
from webtoon_core.images import ImageLimits, ResultImage, inspect_result, prepare_upload
from webtoon_core.jobs.runner import _thumbnail
from webtoon_core.provenance import Provenance, mark
from webtoon_core.settings import CommonSettings

CHUNK = 64 * 1024
# The services' defaults (ImageLimits.for_uploads / for_results of CommonSettings()).
UPLOAD_LIMITS = ImageLimits(max_side=1024, max_pixels=40_000_000, max_axis=16383)
RESULT_LIMITS = ImageLimits(
    max_side=None, max_pixels=40_000_000, max_axis=16383, min_side=1, max_aspect=float("inf")
)


def _median_ms(fn: Callable[[], object], reps: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return median(times) * 1000


def _read_form_once(body: bytes, content_type: str) -> None:
    async def go() -> None:
        chunks = [body[i : i + CHUNK] for i in range(0, len(body), CHUNK)]

        async def receive() -> dict[str, Any]:
            data = chunks.pop(0) if chunks else b""
            return {"type": "http.request", "body": data, "more_body": bool(chunks)}

        length = str(len(body)).encode()
        scope = {
            "type": "http", "method": "POST", "path": "/generate", "query_string": b"",
            "headers": [(b"content-type", content_type.encode()), (b"content-length", length)],
        }  # fmt: skip
        await read_form(
            Request(scope, receive),
            file_fields=frozenset({"input_image_1", "input_image_2"}),
            max_file_bytes=5 * 1024 * 1024,
        )

    asyncio.run(go())


def _decode_and_fit(data: bytes, draft_box: tuple[int, int]) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.draft("RGB", draft_box)
    image.load()
    image.thumbnail((1024, 1024), Image.Resampling.LANCZOS, reducing_gap=3.0)
    return image


def measure(reps: int = 9) -> dict[str, Any]:
    upload = noisy_jpeg()
    result = result_png()
    prepared = prepare_upload(upload, field="x", limits=UPLOAD_LIMITS)
    template = MultipartTemplate([
        FilePart("input_image_1", "a.jpg", "image/jpeg", upload),
        FilePart("input_image_2", "b.jpg", "image/jpeg", upload),
    ])  # fmt: skip
    body = template.body({"prompt": PPL_PROMPT})
    size = Image.open(io.BytesIO(upload)).size
    fitted = (1024, round(1024 * size[1] / size[0]))
    model_input = {"input_image_1": prepared.data_uri(), "input_image_2": prepared.data_uri()}
    marked = ResultImage(data=result, media_type="image/png", extension="png")
    provenance = Provenance(
        ai_generated=True, engine="replicate", model="bench", job_id="bench", service="ppl"
    )
    settings = CommonSettings.model_construct()
    return {
        "upload_size": list(size),
        "upload_bytes": len(upload),
        "prepared_bytes": len(prepared.data),
        "result_bytes": len(result),
        "read_form_ms": _median_ms(lambda: _read_form_once(body, template.content_type), reps),
        "prepare_upload_ms": _median_ms(
            lambda: prepare_upload(upload, field="x", limits=UPLOAD_LIMITS), reps
        ),
        "decode_fit_square_draft_ms": _median_ms(
            lambda: _decode_and_fit(upload, (1024, 1024)), reps
        ),
        "decode_fit_fitted_draft_ms": _median_ms(lambda: _decode_and_fit(upload, fitted), reps),
        "draft_sizes": {
            "square": list(_draft_size(upload, (1024, 1024))),
            "fitted": list(_draft_size(upload, fitted)),
        },
        "fitted_box": list(fitted),
        "data_uri_json_ms": _median_ms(lambda: json.dumps({"input": model_input}).encode(), reps),
        "inspect_result_ms": _median_ms(lambda: inspect_result(result, limits=RESULT_LIMITS), reps),
        # Every result gets its provenance marks (XMP only by default) and, as a job, the
        # history's thumbnail.
        "mark_ms": _median_ms(lambda: mark(marked, provenance, settings), reps),
        "thumbnail_ms": _median_ms(lambda: _thumbnail(result), reps),
    }


def _draft_size(data: bytes, box: tuple[int, int]) -> tuple[int, int]:
    image = Image.open(io.BytesIO(data))
    image.draft("RGB", box)
    return image.size
