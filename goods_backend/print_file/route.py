"""``POST /api/goods-gen/print-file``: the art in, the factory's ZIP out.

The request path, all of it off the event loop except the waiting: the
upload is read with the shared streaming reader (byte limits while it
arrives, within ``UPLOAD_TIMEOUT_S``), decoded at full resolution by the
app's ``ImageDecoder`` (pixel, axis and decode-memory limits still apply;
the 1024 px downscale does not), then the package is built in the worker
pool with its own memory reservation from the same decode budget.

No provider is involved, so neither the engine's readiness nor the paid
engines' per-user limits apply; the process's own bounds do: draining,
other sites' browsers (403), ``PRINT_MAX_CONCURRENT`` jobs at once (the
rest wait their turn within the upload timeout) and at most
``MAX_CONCURRENT_GENERATIONS`` waiting (429 ``BUSY``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from goods_backend.print_file.jobs import build_in_pool, print_jobs
from goods_backend.print_file.options import FILE_FIELD, PrintFileParams, choices, describe
from goods_backend.settings import GoodsSettings
from webtoon_core.errors import (
    Busy,
    InputError,
    ShuttingDown,
    UploadTimeout,
)
from webtoon_core.forms import read_form
from webtoon_core.http_errors import ErrorResponse, input_error_from
from webtoon_core.security import refuse_cross_site

if TYPE_CHECKING:
    from goods_backend.print_file.package import PrintPackage

log = logging.getLogger("goods_backend.print_file")

# The answer's warning header stays inside proxies' response-header buffers: nginx's
# default proxy_buffer_size (the page's nginx and the ingress) is 4 KB for all headers,
# and the others take ~0.8 KB.
MAX_WARNING_HEADER = 3000

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": description}
    for status, description in {
        400: "EMPTY_FILE, INVALID_IMAGE",
        403: "CROSS_SITE_FORBIDDEN",
        408: "UPLOAD_TIMEOUT",
        413: "FILE_TOO_LARGE, IMAGE_TOO_LARGE",
        415: "UNSUPPORTED_IMAGE",
        422: "VALIDATION_ERROR, IMAGE_TOO_SMALL, IMAGE_TOO_ELONGATED, "
        "PRINT_RESOLUTION_TOO_LOW, PRINT_BACKGROUND_NOT_REMOVABLE",
        429: "BUSY",
        503: "SHUTTING_DOWN",
    }.items()
}


print_file_routes = APIRouter()


@print_file_routes.post(
    "/print-file",
    response_class=Response,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        **PrintFileParams.model_json_schema(),
                        "properties": {
                            **PrintFileParams.model_json_schema()["properties"],
                            FILE_FIELD: {"type": "string", "format": "binary"},
                        },
                        "required": ["goods_type", FILE_FIELD],
                    }
                }
            },
        }
    },
    responses={
        200: {
            "description": "인쇄용 파일 ZIP (print.pdf, print.svg, white.png, preview.png, "
            "spec.json). 헤더 X-Print-Warnings: 경고 목록 (URL 인코딩한 JSON)",
            "content": {"application/zip": {}},
        },
        **_ERRORS,
    },
)
async def print_file(request: Request) -> Response:
    """Build the print package (PDF, SVG, white mask, preview, spec) of one art."""
    settings: GoodsSettings = request.app.state.settings
    if getattr(request.app.state, "draining", False):
        raise ShuttingDown(headers={"Retry-After": "5"})
    refuse_cross_site(request.headers, settings.cors_origins)
    jobs = print_jobs(request, settings)
    if jobs.count >= settings.max_concurrent_generations:
        raise Busy(headers={"Retry-After": "15"})
    started = time.perf_counter()
    jobs.count += 1
    try:
        try:
            async with asyncio.timeout(settings.upload_timeout_s):
                await jobs.slots.acquire()
                try:
                    params, raw = await _read(request, settings)
                except BaseException:
                    jobs.slots.release()
                    raise
        except TimeoutError:
            raise UploadTimeout() from None
        try:
            package = await build_in_pool(request, settings, params, raw)
        finally:
            jobs.slots.release()
    finally:
        jobs.count -= 1
    log.info(
        "✅ 인쇄용 파일: %s %d bytes, %.0fppi, 경고 %d건, %.2f초",
        params.goods_type,
        len(package.data),
        package.ppi,
        len(package.warnings),
        time.perf_counter() - started,
    )
    return Response(
        content=package.data,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{package.filename}"',
            "Cache-Control": "no-store",
            "X-Print-Warnings": warning_header(package),
            "X-Print-Ppi": f"{package.ppi:.0f}",
        },
    )


@print_file_routes.get("/print-file/options")
async def print_file_options() -> dict[str, Any]:
    """The print form's kinds, defaults and bounds (the page draws its form from this)."""
    return choices()


def warning_header(package: PrintPackage) -> str:
    """The warnings as URL-encoded JSON (``[{"code", "message"}]``), for the page.

    HTTP headers are Latin-1; percent-encoding keeps the Korean text intact
    (``decodeURIComponent`` + ``JSON.parse`` on the page), at 9 bytes a Korean
    character. Within ``MAX_WARNING_HEADER`` every warning has its code, and the
    messages while they fit, in order; the rest carry their code only (the full
    text is in spec.json, the ZIP's first entry, stored uncompressed).
    """
    entries: list[dict[str, str]] = [{"code": w.code} for w in package.warnings]
    for entry, warning in zip(entries, package.warnings, strict=True):
        entry["message"] = warning.message
        if len(_encoded(entries)) > MAX_WARNING_HEADER:
            del entry["message"]
            break
    return _encoded(entries)


def _encoded(entries: list[dict[str, str]]) -> str:
    return quote(json.dumps(entries, ensure_ascii=False, separators=(",", ":")), safe="")


async def _read(request: Request, settings: GoodsSettings) -> tuple[PrintFileParams, bytes]:
    form = await read_form(
        request, file_fields=frozenset({FILE_FIELD}), max_file_bytes=settings.max_upload_bytes
    )
    missing = FILE_FIELD not in form.files
    try:
        params = PrintFileParams.model_validate(dict(form.fields))
    except ValidationError as exc:
        error = input_error_from(exc)
        if missing:
            error.message += f"; {FILE_FIELD}: 파일이 필요합니다"
        raise error from None
    if missing:
        raise InputError(f"입력 값을 확인해 주세요. {FILE_FIELD}: 파일이 필요합니다")
    log.info("인쇄용 파일 요청: %s bytes=%d", describe(params), len(form.files[FILE_FIELD]))
    return params, form.files.pop(FILE_FIELD)
