"""The request path both services share, and how a service describes itself.

A service is described by a ``ServiceSpec`` (its names, its form, its
choices) and an engine factory; everything else (uploads, the deadline,
errors, logs, metrics, probes, CORS, request ids) is the same code for both.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from asgi_correlation_id import correlation_id
from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError

from webtoon_core.admission import Admission, Gate
from webtoon_core.engine import Emit, Engine, GenerationContext, ignore_event
from webtoon_core.errors import (
    AppError,
    ClientClosed,
    GenerationTimeout,
    InputError,
    InternalError,
    PollsExhausted,
    UploadTimeout,
    limit_phrase,
)
from webtoon_core.forms import read_form
from webtoon_core.http_errors import input_error_from, log_app_error
from webtoon_core.images import ImageDecoder, ImageLimits, PreparedImage, ResultImage
from webtoon_core.metrics import ServiceMetrics
from webtoon_core.polling import Deadline
from webtoon_core.provenance import Provenance, mark
from webtoon_core.settings import CommonSettings
from webtoon_core.streaming import EventStream, error_data, wants_events
from webtoon_core.workers import RunSync

log = logging.getLogger("webtoon_core.service")

P = TypeVar("P", bound=BaseModel)
S = TypeVar("S", bound=CommonSettings)
T = TypeVar("T")


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
    result_format: Callable[[P], str]  # what the user asked for: the result is converted to it
    choices: Callable[[S], dict[str, Any]]  # the form's choices, for the info endpoint
    extra_routes: tuple[APIRouter, ...] = field(default=())


class _Tracked:
    """Meters one generation: in flight while inside, its outcome and duration on the way out."""

    def __init__(self, runner: GenerationRunner[Any, Any], engine_name: str, started: float) -> None:
        self.runner, self.engine_name, self.started = runner, engine_name, started

    def __enter__(self) -> None:
        self.runner.metrics.in_flight.labels(self.runner.spec.key).inc()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, _: Any) -> None:
        self.runner.metrics.in_flight.labels(self.runner.spec.key).dec()
        if exc is None:
            outcome, status = "ok", 200
        elif isinstance(exc, AppError):
            outcome, status = exc.code, exc.status
        elif isinstance(exc, asyncio.CancelledError):
            outcome, status = "CLIENT_CLOSED", 499
        else:
            outcome, status = "INTERNAL_ERROR", 500
        elapsed = time.perf_counter() - self.started
        self.runner.metrics.observe(self.engine_name, outcome, status, elapsed)


class GenerationRunner(Generic[P, S]):
    """The request path of one generation, from multipart body to image bytes or events.

    Admission (a place, or 429 at once), then intake (read, validate and
    normalise the uploads, all within ``UPLOAD_TIMEOUT_S`` counted from
    admission), then the generation under its own deadline.  Every refusal up
    to the end of intake is a plain JSON error with its real status, on the
    event-stream path too: a stream starts only for an accepted generation.
    """

    def __init__(
        self,
        spec: ServiceSpec[P, S],
        settings: S,
        metrics: ServiceMetrics,
        run_sync: RunSync,
        decoder: ImageDecoder,
    ) -> None:
        self.spec = spec
        self.settings = settings
        self.metrics = metrics
        self.run_sync = run_sync
        self.decoder = decoder
        self.upload_limits = ImageLimits.for_uploads(settings)
        self.result_limits = ImageLimits.for_results(settings)
        self.gate = Gate(settings, metrics)
        # Uploads being read and normalised at once. The rest wait unread (TCP holds
        # them back), which bounds the raw bytes in memory and keeps the loop free.
        self._intake = asyncio.Semaphore(settings.max_concurrent_uploads)

    @property
    def active(self) -> int:
        """Generations being served by this process."""
        return self.gate.active

    async def run(self, request: Request, engine: Engine[P]) -> Response:
        started = time.perf_counter()
        try:
            admission = self.gate.admit(request, engine)
        except AppError as exc:
            self._observe_refusal(engine, exc, started)
            raise
        handed_over = False
        try:
            try:
                params, images = await self._take_in(request, engine)
            except AppError as exc:
                self._observe_refusal(engine, exc, started)
                raise
            if wants_events(request):
                handed_over = True  # the stream's task gives the place back when it ends
                return self._stream(params, images, engine, started, admission)
            with _Tracked(self, engine.name, started):
                result = await self._until_disconnect(
                    request, self._produce(params, images, engine, started, ignore_event, admission)
                )
        except ClientClosed:
            admission.client_left(self.settings.generation_timeout_s)
            raise
        finally:
            if not handed_over:
                admission.close()
        return Response(
            content=result.data,
            media_type=result.media_type,
            headers={
                "Content-Disposition": f'inline; filename="{self._filename(result)}"',
                "Cache-Control": "no-store",
            },
        )

    def _stream(
        self,
        params: P,
        images: dict[str, PreparedImage],
        engine: Engine[P],
        started: float,
        admission: Admission,
    ) -> Response:
        events = EventStream(self.settings.sse_heartbeat_s)
        request_id = correlation_id.get()

        async def work() -> None:
            try:
                events.emit("accepted", {"request_id": request_id, "engine": engine.name})
                events.emit("prepared", _sizes(images))
                with _Tracked(self, engine.name, started):
                    result = await self._produce(
                        params, images, engine, started, events.emit, admission
                    )
                data_url = await self.run_sync(_data_url, result.media_type, result.data)
                events.emit(
                    "done",
                    {
                        "request_id": request_id,
                        "media_type": result.media_type,
                        "filename": self._filename(result),
                        "bytes": len(result.data),
                        "image": data_url,
                    },
                )
            except AppError as exc:
                log_app_error(exc)
                events.emit("error", error_data(exc, request_id))
            except Exception as exc:  # noqa: BLE001 - the stream's last resort, like the app's
                # A bug, not a known failure: the plain path answers it with the 500
                # handler; a stream must still end with an error event, never just stop.
                log.error("처리되지 않은 오류 (이벤트 스트림)", exc_info=exc)
                events.emit("error", error_data(InternalError(), request_id))
            finally:
                events.close()

        def finished(task: asyncio.Future[None]) -> None:
            if task.cancelled():  # the client left mid-stream
                admission.client_left(self.settings.generation_timeout_s)
            admission.close()

        # Started now, not when the response begins: its done-callback always frees the
        # place, even if the client is gone before the first byte is sent.
        task = asyncio.ensure_future(work())
        task.add_done_callback(finished)
        return events.response(task)

    async def _take_in(
        self, request: Request, engine: Engine[P]
    ) -> tuple[P, dict[str, PreparedImage]]:
        """Read, validate and normalise the upload within ``UPLOAD_TIMEOUT_S`` from admission.

        The clock includes the wait for an intake place: a request queued behind
        slow uploads cannot hold its generation place without a bound.
        """
        try:
            async with asyncio.timeout(self.settings.upload_timeout_s):
                async with self._intake:
                    form = await read_form(
                        request,
                        file_fields=frozenset(self.spec.file_fields),
                        max_file_bytes=self.settings.max_upload_bytes,
                    )
                    params = self._validate(form.fields, form.files)
                    images = await self._prepare(form.files)
                    form.files.clear()  # only the normalised copies travel on
                    return params, images
        except TimeoutError:
            raise UploadTimeout() from None

    def _observe_refusal(self, engine: Engine[P], exc: AppError, started: float) -> None:
        """Count a request refused before it became a generation (never in flight)."""
        self.metrics.observe(engine.name, exc.code, exc.status, time.perf_counter() - started)

    async def _until_disconnect(self, request: Request, work: Coroutine[Any, Any, T]) -> T:
        """Run ``work``, cancelling it (and its provider wait) if the client goes away."""
        task = asyncio.ensure_future(work)
        watcher = asyncio.ensure_future(_disconnected(request))
        try:
            await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            watcher.cancel()
            if not task.done():
                task.cancel()
        try:
            return await task
        except asyncio.CancelledError:
            if watcher.cancelled() or not watcher.done():
                raise  # we were cancelled ourselves
            log.info("클라이언트가 연결을 끊어 생성을 중단했습니다")
            raise ClientClosed() from None

    async def _produce(
        self,
        params: P,
        images: dict[str, PreparedImage],
        engine: Engine[P],
        started: float,
        emit: Emit,
        admission: Admission,
    ) -> ResultImage:
        spec = self.spec
        log.info(
            "%s 이미지 생성 요청: engine=%s %s images=%s",
            spec.label,
            engine.name,
            spec.describe(params),
            ",".join(f"{img.width}x{img.height}" for img in images.values()),
        )
        admission.began()
        raw, engine_seconds = await self._generate(engine, params, images, emit, admission)
        result = await self.decoder.inspect_result(
            raw, limits=self.result_limits, convert_to=spec.result_format(params)
        )
        provenance = Provenance(
            ai_generated=engine.name != "local",
            engine=engine.name,
            model=admission.model,
            job_id=correlation_id.get() or "",
            service=spec.key,
        )
        result = await self.run_sync(mark, result, provenance, self.settings)
        elapsed = time.perf_counter() - started
        self.metrics.overhead.labels(spec.key, engine.name).observe(max(0.0, elapsed - engine_seconds))
        log.info(
            "✅ 이미지 데이터 직접 반환: %s %d bytes, %.1f초, engine=%s",
            result.media_type,
            len(result.data),
            elapsed,
            engine.name,
        )
        return result

    def _filename(self, result: ResultImage) -> str:
        return f"{self.spec.download_stem}.{result.extension}"

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
        prepared = await asyncio.gather(
            *(
                self.decoder.prepare_upload(files[name], field=name, limits=self.upload_limits)
                for name in self.spec.file_fields
            )
        )
        return dict(zip(self.spec.file_fields, prepared, strict=True))

    async def _generate(
        self,
        engine: Engine[P],
        params: P,
        images: Mapping[str, PreparedImage],
        emit: Emit,
        admission: Admission,
    ) -> tuple[bytes, float]:
        """The engine's bytes under the one deadline, and how long the engine took."""
        seconds = self.settings.generation_timeout_s
        deadline = Deadline(seconds)
        ctx = GenerationContext(deadline=deadline, emit=emit, on_submitted=admission.submitted)
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


async def _disconnected(request: Request) -> None:
    """Returns when the client has gone (the body is already read, so only that can arrive)."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


def _sizes(images: Mapping[str, PreparedImage]) -> dict[str, list[int]]:
    return {name: [img.width, img.height] for name, img in images.items()}


def _data_url(media_type: str, data: bytes) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"
