"""The request path both services share, and how a service describes itself.

A service is described by a ``ServiceSpec`` (its names, its form, its
choices) and an engine factory; everything else (uploads, the deadline,
errors, logs, metrics, probes, CORS, request ids) is the same code for both.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Generic, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError

from webtoon_core.engine import Engine, GenerationContext
from webtoon_core.errors import (
    AppError,
    Busy,
    GenerationTimeout,
    InputError,
    ServiceUnavailable,
    ShuttingDown,
    limit_phrase,
)
from webtoon_core.forms import read_form
from webtoon_core.http_errors import input_error_from
from webtoon_core.images import PreparedImage, inspect_result, prepare_upload
from webtoon_core.metrics import ServiceMetrics
from webtoon_core.polling import Deadline, PollsExhausted
from webtoon_core.settings import CommonSettings

log = logging.getLogger("webtoon_core.service")

P = TypeVar("P", bound=BaseModel)
S = TypeVar("S", bound=CommonSettings)


@dataclass(frozen=True)
class ServiceSpec(Generic[P, S]):
    key: str  # metrics label: "ppl" | "goods"
    label: str  # how logs and messages name it: "PPL" | "굿즈"
    title: str
    api_prefix: str  # "/api/ppl-gen"
    page_path: str  # "/ppl-gen": where the page lives
    download_stem: str  # "generated-ppl-image"
    params_model: type[P]
    file_fields: tuple[str, ...]
    describe: Callable[[P], str]  # the parameters, for the 생성 요청 log line
    choices: Callable[[S], dict[str, Any]]  # the form's choices, for the info endpoint
    extra_routes: tuple[APIRouter, ...] = field(default=())


class GenerationRunner(Generic[P, S]):
    """The request path of one generation, from multipart body to image bytes."""

    def __init__(
        self, spec: ServiceSpec[P, S], settings: S, metrics: ServiceMetrics, run_sync: Callable
    ) -> None:
        self.spec = spec
        self.settings = settings
        self.metrics = metrics
        self.run_sync = run_sync
        self.active = 0  # generations being served (one event loop: no lock needed)

    async def run(self, request: Request, engine: Engine[P]) -> Response:
        started = time.perf_counter()
        outcome, status = "INTERNAL_ERROR", 500
        try:
            self._admit(request)
        except AppError as exc:
            self.metrics.observe(engine.name, exc.code, exc.status, time.perf_counter() - started)
            raise
        self.active += 1
        gauge = self.metrics.in_flight.labels(self.spec.key)
        gauge.inc()
        try:
            response = await self._run(request, engine, started)
            outcome, status = "ok", 200
            return response
        except AppError as exc:
            outcome, status = exc.code, exc.status
            raise
        except asyncio.CancelledError:
            outcome, status = "CLIENT_CLOSED", 499
            raise
        finally:
            self.active -= 1
            gauge.dec()
            self.metrics.observe(engine.name, outcome, status, time.perf_counter() - started)

    def _admit(self, request: Request) -> None:
        """Refuse at once, before a byte of the upload is read, when we cannot take it."""
        if getattr(request.app.state, "draining", False):
            raise ShuttingDown(headers={"Retry-After": "5"})
        if self.active >= self.settings.max_concurrent_generations:
            log.warning("동시 생성 한도 %d건 도달: BUSY", self.settings.max_concurrent_generations)
            raise Busy(headers={"Retry-After": "15"})

    async def _run(self, request: Request, engine: Engine[P], started: float) -> Response:
        spec, settings = self.spec, self.settings
        if (reason := engine.not_ready_reason()) is not None:
            raise ServiceUnavailable(reason)
        form = await read_form(
            request,
            file_fields=frozenset(spec.file_fields),
            max_file_bytes=settings.max_upload_bytes,
        )
        params = self._validate(form.fields, form.files)
        images = await self._prepare(form.files)
        log.info(
            "%s 이미지 생성 요청: engine=%s %s images=%s",
            spec.label,
            engine.name,
            spec.describe(params),
            ",".join(f"{img.width}x{img.height}" for img in images.values()),
        )
        raw, engine_seconds = await self._generate(engine, params, images)
        result = await self.run_sync(inspect_result, raw)
        elapsed = time.perf_counter() - started
        self.metrics.overhead.labels(spec.key, engine.name).observe(max(0.0, elapsed - engine_seconds))
        log.info(
            "✅ 이미지 데이터 직접 반환: %s %d bytes, %.1f초, engine=%s",
            result.media_type,
            len(result.data),
            elapsed,
            engine.name,
        )
        return Response(
            content=result.data,
            media_type=result.media_type,
            headers={
                "Content-Disposition": (
                    f'inline; filename="{spec.download_stem}.{result.extension}"'
                ),
                "Cache-Control": "no-store",
            },
        )

    def _validate(self, fields: Mapping[str, str], files: Mapping[str, bytes]) -> P:
        missing = [name for name in self.spec.file_fields if name not in files]
        try:
            params = self.spec.params_model.model_validate(dict(fields))
        except ValidationError as exc:
            error = input_error_from(exc)
            if missing:
                error.message += "; " + "; ".join(f"{m}: 파일이 필요합니다" for m in missing)
            raise error from None
        if missing:
            raise InputError(
                "입력 값을 확인해 주세요. " + "; ".join(f"{m}: 파일이 필요합니다" for m in missing)
            )
        return params

    async def _prepare(self, files: Mapping[str, bytes]) -> dict[str, PreparedImage]:
        settings = self.settings
        prepared = await asyncio.gather(
            *(
                self.run_sync(
                    partial(
                        prepare_upload,
                        files[name],
                        field=name,
                        max_side=settings.max_image_side,
                        max_pixels=settings.max_image_pixels,
                    )
                )
                for name in self.spec.file_fields
            )
        )
        return dict(zip(self.spec.file_fields, prepared, strict=True))

    async def _generate(
        self, engine: Engine[P], params: P, images: Mapping[str, PreparedImage]
    ) -> tuple[bytes, float]:
        """The engine's bytes under the one deadline, and how long the engine took."""
        seconds = self.settings.generation_timeout_s
        deadline = Deadline(seconds)
        ctx = GenerationContext(deadline=deadline)
        began = time.perf_counter()
        try:
            async with asyncio.timeout_at(deadline.when):
                raw = await engine.generate(params, images, ctx)
            return raw, time.perf_counter() - began
        except (TimeoutError, PollsExhausted):
            log.warning(
                "이미지 생성이 %s 내에 완료되지 않았습니다 (engine=%s, polls=%d)",
                limit_phrase(seconds),
                engine.name,
                ctx.polls,
            )
            raise GenerationTimeout(
                f"이미지 생성 시간이 초과되었습니다 ({limit_phrase(seconds)} 제한). "
                "잠시 후 다시 시도해 주세요."
            ) from None
        finally:
            labels = (self.spec.key, engine.name)
            self.metrics.upstream_duration.labels(*labels).observe(
                time.perf_counter() - began
            )
            self.metrics.polls.labels(*labels).observe(ctx.polls)
