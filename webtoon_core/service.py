"""The request path of a generation: admission, intake, a job, and one of three ways to watch it.

Admission (a place, the client's limits, the budget; or a refusal at once),
then intake (read, validate and normalise the uploads, within
``UPLOAD_TIMEOUT_S`` counted from admission), then a job kept in the store
(``webtoon_core.jobs``).  Every refusal up to that point is a plain JSON
error with its real status, whatever the request asked for.  Then:

- plain ``POST .../generate``: waits for the job and answers the image bytes
  (``X-Job-ID`` names the job), or the job's error;
- ``Prefer: respond-async`` (RFC 7240): ``202``, ``Location: .../jobs/{id}``
  and the job as JSON;
- ``Accept: text/event-stream``: the job's events, live.

A client that goes away leaves its job running to the end (it is in the
history when they come back); cancelling is an explicit request.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from asgi_correlation_id import correlation_id
from fastapi import Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError

from webtoon_core.admission import Gate
from webtoon_core.engine import Engine
from webtoon_core.errors import AppError, InputError, StoreUnavailable, UploadTimeout
from webtoon_core.forms import read_form
from webtoon_core.http_errors import error_response, input_error_from
from webtoon_core.identity import Identity, identify
from webtoon_core.images import ImageDecoder, ImageLimits, PreparedImage
from webtoon_core.jobs.reaper import Reaper
from webtoon_core.jobs.runner import Jobs, LocalJob, Submission, data_url, error_of
from webtoon_core.metrics import ServiceMetrics
from webtoon_core.settings import CommonSettings
from webtoon_core.spec import ServiceSpec
from webtoon_core.streaming import event_response, wants_events
from webtoon_core.workers import RunSync

__all__ = ["GenerationRunner", "ServiceSpec"]

log = logging.getLogger("webtoon_core.service")

P = TypeVar("P", bound=BaseModel)
S = TypeVar("S", bound=CommonSettings)
_BATCH_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass
class Intake(Generic[P]):
    """An upload read, validated and normalised."""

    params: P
    images: dict[str, PreparedImage]
    extras: dict[str, str]  # form fields outside the parameters (webhook_url, batch_id)


def prefers_async(request: Request) -> bool:
    """``Prefer: respond-async`` (RFC 7240): answer 202 at once, the job follows."""
    prefer = request.headers.get("prefer", "")
    return any(p.strip().lower().split("=")[0] == "respond-async" for p in prefer.split(","))


class GenerationRunner(Generic[P, S]):
    """Turns a generate request into a job, and answers it the way it asked."""

    def __init__(
        self,
        spec: ServiceSpec[P, S],
        settings: S,
        metrics: ServiceMetrics,
        run_sync: RunSync,
        decoder: ImageDecoder,
        jobs: Jobs[P],
        reaper: Reaper,
    ) -> None:
        self.spec = spec
        self.settings = settings
        self.metrics = metrics
        self.run_sync = run_sync
        self.decoder = decoder
        self.jobs = jobs
        self.reaper = reaper
        self.upload_limits = ImageLimits.for_uploads(settings)
        self.gate = Gate(settings, metrics)
        # Uploads being read and normalised at once. The rest wait unread (TCP holds
        # them back), which bounds the raw bytes in memory and keeps the loop free.
        self._intake = asyncio.Semaphore(settings.max_concurrent_uploads)

    @property
    def active(self) -> int:
        """Generations being served by this process."""
        return self.gate.active

    def identity(self, request: Request) -> Identity:
        found: Identity | None = getattr(request.state, "identity", None)
        return found or identify(request.scope, self.settings)

    async def run(self, request: Request, engine: Engine[P]) -> Response:
        started = time.perf_counter()
        try:
            if not self.reaper.store_ok:
                raise StoreUnavailable(log_detail="the job store failed its last check")
            admission = self.gate.admit(request, engine)
        except AppError as exc:
            self._observe_refusal(engine, exc, started)
            raise
        try:
            intake = await self._take_in(request)
            local = await self.jobs.start(
                Submission(
                    params=intake.params,
                    images=intake.images,
                    admission=admission,
                    owner=self.identity(request).user,
                    request_id=correlation_id.get(),
                    webhook_url=self.jobs.webhooks.check(intake.extras.get("webhook_url")),
                    batch_id=_batch_id(intake.extras.get("batch_id")),
                )
            )
        except AppError as exc:
            admission.close()
            self._observe_refusal(engine, exc, started)
            raise
        # From here the job holds the admission and gives it back when it ends.
        return await self.answer(request, local)

    async def answer(self, request: Request, local: LocalJob) -> Response:
        """The job the way the request asked for it: 202, events, or the image when it ends."""
        job = local.job
        if prefers_async(request):
            location = f"{self.spec.api_prefix}/jobs/{job.id}"
            return JSONResponse(
                job.view(self.spec.api_prefix), status_code=202, headers={"Location": location}
            )
        if wants_events(request):
            return event_response(self._events(local), self.settings.sse_heartbeat_s)
        job = await self.jobs.wait(local)  # from the store if another replica took it over
        if job.status == "succeeded" and job.result is not None:
            data = (
                local.result.data if local.result is not None else await self.jobs.result_bytes(job)
            )
            return Response(
                content=data,
                media_type=job.result.media_type,
                headers={
                    "Content-Disposition": f'inline; filename="{job.result.filename}"',
                    "Cache-Control": "no-store",
                    "X-Job-ID": job.id,
                },
            )
        error = error_of(job.error) if job.error is not None else StoreUnavailable()
        return error_response(error, headers={"X-Job-ID": job.id})

    async def _events(
        self, local: LocalJob
    ) -> AsyncIterator[tuple[int | None, str, dict[str, Any]]]:
        """The job's events; ``done`` also carries the image (as the page has always had it)."""
        async for seq, name, data in self.jobs.follow(local.job.id, 0):
            if name == "done":
                if local.result is not None:
                    media_type, body = local.result.media_type, local.result.data
                else:  # finished by the replica that took the job over
                    job = await self.jobs.repo.load(local.job.id)
                    media_type = job.result.media_type if job.result else "application/octet-stream"
                    body = await self.jobs.result_bytes(job)
                image = await self.run_sync(data_url, media_type, body)
                data = {**data, "image": image}
            yield seq, name, data

    async def _take_in(self, request: Request) -> Intake[P]:
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
                    extras = {
                        k: v for k, v in form.fields.items() if k in ("webhook_url", "batch_id")
                    }
                    return Intake(params=params, images=images, extras=extras)
        except TimeoutError:
            raise UploadTimeout() from None

    def _observe_refusal(self, engine: Engine[P], exc: AppError, started: float) -> None:
        """Count a request refused before it became a generation (never in flight)."""
        self.metrics.observe(engine.name, exc.code, exc.status, time.perf_counter() - started)

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


def _batch_id(raw: str | None) -> str | None:
    """A goods set's id, chosen by the page: plain and short, or refused."""
    if raw is None or not raw.strip():
        return None
    if not _BATCH_ID.match(raw.strip()):
        raise InputError("입력 값을 확인해 주세요. batch_id: 영문·숫자·-·_ 64자 이하여야 합니다")
    return raw.strip()
