"""Running jobs: the one path every generation takes, and following them from any replica.

``Jobs.start`` keeps a new job in the store and runs it in a task of its own:
running, the engine under the one deadline, the result copied into the store
the moment it is here, then the end state.  The job no longer depends on the
connection that asked for it: a client that leaves leaves it running to its
end, and cancelling is an explicit request (``cancel``).  The plain answer,
the event stream and the asynchronous 202 are three ways of watching it.

While a job runs, its replica writes a heartbeat into the record and looks
for cancel or delete requests that other replicas left (small marker
objects).  If the replica dies, the reaper of another one takes the job over
(``webtoon_core.jobs.reaper``).  A replica that was only slow (its beats
stalled past ``JOB_STALE_AFTER_S``) finds the other's lease at its next beat
and lets go: it stops writing the record, leaves the provider task to the new
owner, and its watchers follow the job from the store.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import logging
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from asgi_correlation_id import correlation_id
from PIL import Image
from pydantic import BaseModel

from webtoon_core.admission import Admission
from webtoon_core.engine import Engine, GenerationContext
from webtoon_core.errors import (
    AppError,
    GenerationTimeout,
    InternalError,
    JobCanceled,
    JobForbidden,
    JobInterrupted,
    PollsExhausted,
    StoreUnavailable,
    error_classes,
    limit_phrase,
)
from webtoon_core.identity import Identity
from webtoon_core.images import ImageDecoder, ImageLimits, PreparedImage, ResultImage
from webtoon_core.jobs.model import (
    ErrorInfo,
    Event,
    InputRef,
    Job,
    ProviderTask,
    ResultInfo,
    new_job_id,
)
from webtoon_core.jobs.repository import JobRepository
from webtoon_core.jobs.webhooks import Webhooks
from webtoon_core.metrics import ServiceMetrics
from webtoon_core.polling import Deadline
from webtoon_core.provenance import Provenance, mark
from webtoon_core.settings import CommonSettings
from webtoon_core.spec import ServiceSpec
from webtoon_core.workers import RunSync

log = logging.getLogger("webtoon_core.jobs")

P = TypeVar("P", bound=BaseModel)
REMOTE_POLL_S = 1.0  # how often a follower on another replica rereads the record
EVENT_FLUSH_S = 1.0  # events reach the store at most this late (followers elsewhere)
THUMBNAIL_SIDE = 320
_CODES: dict[str, type[AppError]] = {cls.code: cls for cls in error_classes()}


def error_of(info: ErrorInfo) -> AppError:
    """A kept job's error as the exception its code names (same message and status)."""
    cls = _CODES.get(info.code, InternalError)
    headers = {"Retry-After": info.retry_after} if info.retry_after else None
    try:
        error = cls(info.message, headers=headers)
    except TypeError:  # a class that needs more than a message (route errors): ours
        error = InternalError(info.message)
    return error


@dataclass
class Submission(Generic[P]):
    """What an admitted request brings to a new job."""

    params: P
    images: dict[str, PreparedImage]
    admission: Admission
    owner: str
    request_id: str | None = None
    webhook_url: str | None = None
    batch_id: str | None = None
    rerun_of: str | None = None


@dataclass
class LocalJob:
    """A job running in this process: its record, its task, and who is waiting on it."""

    job: Job
    task: asyncio.Task[None] | None = None
    result: ResultImage | None = None
    ctx: GenerationContext | None = None
    handing_over: bool = False
    lost: bool = False  # another replica took the job over: this one no longer writes it
    saved_seq: int = 0  # the last event the store has from this replica
    engine_s: float = 0.0  # time spent waiting on the engine (the rest is ours)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    done: asyncio.Event = field(default_factory=asyncio.Event)
    save_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    flush_pending: bool = False


class Jobs(Generic[P]):
    """This process's jobs, and the door to everyone else's (through the store)."""

    def __init__(
        self,
        *,
        spec: ServiceSpec[P, Any],
        settings: CommonSettings,
        metrics: ServiceMetrics,
        repo: JobRepository,
        engine: Engine[P],
        decoder: ImageDecoder,
        run_sync: RunSync,
        webhooks: Webhooks,
    ) -> None:
        self.spec = spec
        self.service, self.label, self.prefix = spec.key, spec.label, spec.api_prefix
        self.download_stem = spec.download_stem
        self.settings, self.metrics, self.repo, self.engine = settings, metrics, repo, engine
        self.decoder, self.run_sync, self.webhooks = decoder, run_sync, webhooks
        self.result_limits = ImageLimits.for_results(settings)
        self.local: dict[str, LocalJob] = {}
        self._background: set[asyncio.Future[Any]] = set()
        self._flushes: set[asyncio.Future[None]] = set()  # delayed saves: cancelled at shutdown

    # --- starting -------------------------------------------------------------------

    async def start(self, sub: Submission[P]) -> LocalJob:
        """Keep a new job in the store and start running it; ``StoreUnavailable`` if we can't."""
        now = time.time()
        engine = self.engine
        job = Job(
            id=new_job_id(),
            service=self.service,
            owner=sub.owner,
            engine=engine.name,
            model=sub.admission.model,
            params=sub.params.model_dump(mode="json"),
            inputs=[
                InputRef(
                    field=name,
                    media_type=img.media_type,
                    width=img.width,
                    height=img.height,
                    has_alpha=img.has_alpha,
                    size=len(img.data),
                )
                for name, img in sub.images.items()
            ],  # fmt: skip
            request_id=sub.request_id,
            batch_id=sub.batch_id,
            rerun_of=sub.rerun_of,
            webhook_url=sub.webhook_url,
            replica=self.settings.replica_name,
            created_at=now,
            deadline_at=now + self.settings.generation_timeout_s,
            cost_usd=0.0,
        )
        job.add_event(
            "accepted", {"job_id": job.id, "request_id": sub.request_id, "engine": engine.name}
        )
        job.add_event("prepared", {n: [i.width, i.height] for n, i in sub.images.items()})
        await self.repo.create(job, {name: img.data for name, img in sub.images.items()})
        local = LocalJob(job=job)
        self.local[job.id] = local
        self.metrics.in_flight.labels(self.service).inc()
        local.task = asyncio.create_task(self._run(local, sub), name=f"job-{job.id}")
        return local

    async def _run(self, local: LocalJob, sub: Submission[P]) -> None:
        job = local.job
        started = time.perf_counter()
        heartbeat = asyncio.create_task(self._heartbeat(local))
        token = correlation_id.set(sub.request_id)
        try:
            job.status, job.started_at = "running", time.time()
            await self._save(local)
            result = await self._produce(local, sub)
            await self._succeed(local, result)
        except asyncio.CancelledError:
            if local.handing_over:
                raise  # this process is stopping: the job stays running for a takeover
            self._fail(local, JobCanceled(), status="canceled")
        except AppError as exc:
            self._fail(local, exc)
        except Exception as exc:  # noqa: BLE001 - a bug must still end the job, never leave it running
            log.error("처리되지 않은 오류 (작업 %s)", job.id, exc_info=exc)
            self._fail(local, InternalError())
        finally:
            heartbeat.cancel()
            correlation_id.reset(token)
            if local.lost:
                self._let_go(local, sub.admission)
            elif not local.handing_over:
                await self._finish(local, sub.admission, started)

    async def _produce(self, local: LocalJob, sub: Submission[P]) -> ResultImage:
        job, engine = local.job, self.engine
        log.info(
            "%s 이미지 생성 요청: engine=%s %s images=%s",
            self.label,
            engine.name,
            self.spec.describe(sub.params),
            ",".join(f"{img.width}x{img.height}" for img in sub.images.values()),
        )
        price = sub.admission.reservation.price

        def submitted(task_id: str, resume: dict[str, str]) -> None:
            job.provider = ProviderTask(task_id=task_id, resume=resume)
            job.cost_usd = price
            sub.admission.submitted()
            self._save_soon(local)  # the task id must be kept before anything else happens

        raw = await self._generate(
            local, lambda ctx: engine.generate(sub.params, sub.images, ctx), submitted
        )
        return await self._finish_result(local, raw, self.spec.result_format(sub.params))

    async def _generate(self, local: LocalJob, call: Any, submitted: Any) -> bytes:
        """The engine's bytes under the job's one deadline (``deadline_at``, kept in the record)."""
        job = local.job
        seconds = self.settings.generation_timeout_s
        deadline = Deadline(max(0.0, job.deadline_at - time.time()))
        ctx = GenerationContext(deadline=deadline, emit=lambda n, d: self._emit(local, n, d))
        ctx.on_submitted = submitted
        local.ctx = ctx
        began = time.perf_counter()
        labels = (self.service, self.engine.name)
        try:
            async with asyncio.timeout_at(deadline.when):
                raw: bytes = await call(ctx)
            return raw
        except (TimeoutError, PollsExhausted):
            log.warning(
                "이미지 생성이 %s 내에 완료되지 않았습니다 (engine=%s, polls=%d)",
                limit_phrase(seconds),
                self.engine.name,
                ctx.polls,
            )
            raise GenerationTimeout(
                f"이미지 생성 시간이 초과되었습니다 ({limit_phrase(seconds)} 제한). "
                "잠시 후 다시 시도해 주세요."
            ) from None
        finally:
            elapsed = time.perf_counter() - began
            local.engine_s += elapsed
            self.metrics.upstream_duration.labels(*labels).observe(elapsed)
            self.metrics.polls.labels(*labels).observe(ctx.polls)

    async def _finish_result(self, local: LocalJob, raw: bytes, fmt: str) -> ResultImage:
        job = local.job
        result = await self.decoder.inspect_result(raw, limits=self.result_limits, convert_to=fmt)
        provenance = Provenance(
            ai_generated=job.engine != "local",
            engine=job.engine,
            model=job.model,
            job_id=job.id,
            service=self.service,
        )
        return await self.run_sync(mark, result, provenance, self.settings)

    async def _succeed(self, local: LocalJob, result: ResultImage) -> None:
        job = local.job
        # Copied into the store the moment it is here: provider URLs expire (BFL 10 min).
        await self.repo.put_result(job.id, result.data)
        local.result = result
        thumb = await self.run_sync(_thumbnail, result.data)
        with contextlib.suppress(StoreUnavailable):  # a missing preview is not a failed job
            await self.repo.put_thumbnail(job.id, thumb)
            job.thumbnail = True
        filename = f"{self.download_stem}.{result.extension}"
        job.result = ResultInfo(
            media_type=result.media_type,
            extension=result.extension,
            filename=filename,
            size=len(result.data),
        )
        job.status = "succeeded"
        self._emit(local, "done", {
            "job_id": job.id, "request_id": job.request_id, "media_type": result.media_type,
            "filename": filename, "bytes": len(result.data),
            "result_url": f"{self.prefix}/jobs/{job.id}/result",
        })  # fmt: skip
        log.info(
            "✅ 이미지 데이터 직접 반환: %s %d bytes, %.1f초, engine=%s",
            result.media_type,
            len(result.data),
            time.time() - job.created_at,
            job.engine,
        )

    def _fail(self, local: LocalJob, exc: AppError, status: str = "failed") -> None:
        job = local.job
        level = logging.ERROR if exc.status >= 500 else logging.WARNING
        detail = f" ({exc.log_detail})" if exc.log_detail else ""
        log.log(level, "요청 실패 %s %s: %s%s", exc.status, exc.code, exc.message, detail)
        job.status = "canceled" if status == "canceled" else "failed"
        job.error = ErrorInfo(
            code=exc.code,
            message=exc.message,
            status=exc.status,
            retry_after=exc.headers.get("Retry-After"),
        )
        self._emit(local, "error", {
            "job_id": job.id, "code": exc.code, "message": exc.message,
            "request_id": job.request_id, "status": exc.status,
        })  # fmt: skip

    async def _finish(self, local: LocalJob, admission: Admission | None, started: float) -> None:
        job = local.job
        job.finished_at = time.time()
        try:
            await self._save(local, final=True)
            if await self.repo.delete_requested(job.id):
                await self.repo.delete(job)
        except StoreUnavailable:
            log.error("작업 %s의 마지막 상태를 저장하지 못했습니다", job.id)
        if admission is not None:
            admission.close()
        self.metrics.in_flight.labels(self.service).dec()
        outcome = "ok" if job.status == "succeeded" else (job.error.code if job.error else "ok")
        status = 200 if job.status == "succeeded" else (job.error.status if job.error else 500)
        self.metrics.observe(job.engine, outcome, status, time.perf_counter() - started)
        self.metrics.jobs.labels(self.service, job.engine, job.status).inc()
        if job.status == "succeeded":
            ours = time.perf_counter() - started - local.engine_s
            self.metrics.overhead.labels(self.service, job.engine).observe(max(0.0, ours))
        if job.webhook_url:
            self._in_background(self.webhooks.deliver(job.webhook_url, job.view(self.prefix)))
        local.done.set()
        async with local.changed:
            local.changed.notify_all()
        self.local.pop(job.id, None)

    # --- the record in the store -----------------------------------------------------

    def _emit(self, local: LocalJob, name: str, data: dict[str, Any]) -> None:
        local.job.add_event(name, data)
        self._in_background(self._notify(local))
        if not local.flush_pending:
            local.flush_pending = True
            flush = asyncio.ensure_future(self._flush_later(local))
            self._flushes.add(flush)
            flush.add_done_callback(self._flushes.discard)

    async def _notify(self, local: LocalJob) -> None:
        async with local.changed:
            local.changed.notify_all()

    async def _flush_later(self, local: LocalJob) -> None:
        await asyncio.sleep(EVENT_FLUSH_S)
        local.flush_pending = False
        if not local.done.is_set():
            with contextlib.suppress(StoreUnavailable):
                await self._save(local)

    def _save_soon(self, local: LocalJob) -> None:
        self._in_background(self._save_quietly(local))

    async def _save_quietly(self, local: LocalJob) -> None:
        with contextlib.suppress(StoreUnavailable):
            await self._save(local)

    async def _save(self, local: LocalJob, *, final: bool = False) -> None:
        async with local.save_lock:
            if local.lost:
                return  # the record is the new owner's
            seq = local.job.events[-1].seq if local.job.events else 0
            if final:
                await self.repo.finished(local.job)
            elif not local.done.is_set():
                await self.repo.save(local.job)
            else:
                return
            local.saved_seq = seq

    async def _heartbeat(self, local: LocalJob) -> None:
        """Keep the record fresh, and act on cancel or delete requests from any replica."""
        while True:
            await asyncio.sleep(self.settings.job_heartbeat_s)
            local.job.heartbeat_at = time.time()
            try:
                if await self.repo.taken_over(local.job.id, local.job.resumes):
                    self._lose(local)
                    return
                await self._save(local)
                wanted = await self.repo.cancel_requested(local.job.id) or (
                    await self.repo.delete_requested(local.job.id)
                )
            except StoreUnavailable:
                continue  # the next beat tries again; the job itself goes on
            if wanted and local.task is not None:
                log.info("다른 복제본의 요청으로 작업을 취소합니다: %s", local.job.id)
                local.task.cancel()
                return

    def _lose(self, local: LocalJob) -> None:
        """Another replica took the job over while this one was slow: stop, write nothing more."""
        log.warning("작업 %s를 다른 복제본이 이어받아 이 복제본은 손을 뗍니다", local.job.id)
        local.lost = local.handing_over = True
        if local.ctx is not None:
            local.ctx.handing_over = True  # the provider task is the new owner's now
        if local.task is not None:
            local.task.cancel()

    def _let_go(self, local: LocalJob, admission: Admission | None) -> None:
        """Release what this replica held for a lost job; its watchers go on from the store."""
        if admission is not None:
            admission.close()
        self.metrics.in_flight.labels(self.service).dec()
        self.local.pop(local.job.id, None)
        local.done.set()
        self._in_background(self._notify(local))

    def _in_background(self, work: Any) -> None:
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # --- watching ---------------------------------------------------------------------

    async def load(self, job_id: str) -> Job:
        local = self.local.get(job_id)
        return local.job if local is not None else await self.repo.load(job_id)

    async def follow(
        self, job_id: str, after: int = 0
    ) -> AsyncIterator[tuple[int | None, str, dict[str, Any]]]:
        """The job's events after ``after``, live until it ends, from this replica or the store."""
        local = self.local.get(job_id)
        if local is not None:
            async for item in self._follow_local(local, after):
                after = item[0] or after
                yield item
            if not local.lost:
                return
            # The new owner numbers its events on from what the store had: go back there.
            after = min(after, local.saved_seq)
        job = await self.repo.load(job_id)
        while True:
            for kept in job.events:
                if kept.seq > after:
                    after = kept.seq
                    yield kept.seq, kept.name, kept.data
            if not job.active:
                return
            await asyncio.sleep(REMOTE_POLL_S)
            local = self.local.get(job_id)  # it may have been taken over by this replica
            if local is not None:
                async for item in self._follow_local(local, after):
                    yield item
                return
            job = await self.repo.load(job_id)

    async def _follow_local(
        self, local: LocalJob, after: int
    ) -> AsyncIterator[tuple[int | None, str, dict[str, Any]]]:
        while True:
            fresh: list[Event] = [e for e in local.job.events if e.seq > after]
            for event in fresh:
                after = event.seq
                yield event.seq, event.name, event.data
            if local.done.is_set() and not [e for e in local.job.events if e.seq > after]:
                return
            async with local.changed:
                if not [e for e in local.job.events if e.seq > after] and not local.done.is_set():
                    await local.changed.wait()

    async def wait(self, local: LocalJob) -> Job:
        """The job once it has ended (the caller's disconnect does not stop it).

        A job this replica lost to a take-over is waited for in the store.
        """
        await asyncio.shield(local.done.wait())
        if not local.lost:
            return local.job
        job = local.job
        while job.active:
            await asyncio.sleep(REMOTE_POLL_S)
            job = await self.repo.load(job.id)
        return job

    async def result_bytes(self, job: Job) -> bytes:
        local = self.local.get(job.id)
        if local is not None and local.result is not None:
            return local.result.data
        return await self.repo.result(job.id)

    # --- changing ---------------------------------------------------------------------

    async def cancel(self, job_id: str, identity: Identity) -> Job:
        job = await self.load(job_id)
        _owned(job, identity)
        if not job.active:
            return job
        local = self.local.get(job_id)
        if local is not None and local.task is not None:
            local.task.cancel()
            await asyncio.shield(local.done.wait())
            return local.job
        await self.repo.request_cancel(job_id)
        return job

    async def delete(self, job_id: str, identity: Identity) -> bool:
        """Delete the job; False when it was still running (deleted once it has stopped)."""
        job = await self.load(job_id)
        _owned(job, identity)
        if job.active:
            await self.repo.request_delete(job_id)
            await self.cancel(job_id, identity)
            return not self.local.get(job_id) and not (await self._still_active(job_id))
        await self.repo.delete(job)
        return True

    async def _still_active(self, job_id: str) -> bool:
        try:
            return (await self.repo.load(job_id)).active
        except AppError:
            return False

    async def inputs(self, job: Job) -> dict[str, PreparedImage]:
        """A kept job's normalised inputs, to run it again."""
        datas = await asyncio.gather(*(self.repo.input(job.id, ref.field) for ref in job.inputs))
        return {
            ref.field: PreparedImage(data=data, media_type=ref.media_type, width=ref.width,
                                     height=ref.height, has_alpha=ref.has_alpha)
            for ref, data in zip(job.inputs, datas, strict=True)
        }  # fmt: skip

    # --- taking over ------------------------------------------------------------------

    async def resume(self, job: Job) -> None:
        """Finish a job whose replica died: poll its provider task from the record, or fail it."""
        local = LocalJob(job=job)
        self.local[job.id] = local
        self.metrics.in_flight.labels(self.service).inc()
        local.task = asyncio.create_task(self._resume(local), name=f"resume-{job.id}")

    async def _resume(self, local: LocalJob) -> None:
        job = local.job
        started = time.perf_counter()
        heartbeat = asyncio.create_task(self._heartbeat(local))
        token = correlation_id.set(job.request_id)
        outcome = "failed"
        try:
            job.replica, job.heartbeat_at = self.settings.replica_name, time.time()
            self._emit(
                local,
                "progress",
                {"status": "resumed", "progress": None, "polls": 0, "elapsed_s": 0},
            )
            await self._save(local)
            raw = None
            if job.provider is not None and job.deadline_at > time.time():
                resume = job.provider.resume
                raw = await self._generate(
                    local, lambda ctx: self.engine.resume(resume, ctx), lambda *_: None
                )
            if raw is None:
                raise JobInterrupted(log_detail=f"job {job.id} cannot be resumed here")
            params = self.spec.params_model.model_validate(job.params)
            result = await self._finish_result(local, raw, self.spec.result_format(params))
            await self._succeed(local, result)
            outcome = "resumed"
        except asyncio.CancelledError:
            if local.handing_over:
                raise
            self._fail(local, JobCanceled(), status="canceled")
        except AppError as exc:
            self._fail(local, exc)
        except Exception as exc:  # noqa: BLE001 - as in _run: never leave a job running
            log.error("처리되지 않은 오류 (작업 %s 이어받기)", job.id, exc_info=exc)
            self._fail(local, InternalError())
        finally:
            heartbeat.cancel()
            correlation_id.reset(token)
            if local.lost:
                self._let_go(local, None)
            else:
                self.metrics.resumed.labels(self.service, outcome).inc()
                if not local.handing_over:
                    await self._finish(local, None, started)

    async def hand_over(self, wait_s: float) -> None:
        """At shutdown: let running jobs finish for ``wait_s``, then leave the rest to a takeover.

        Their provider tasks are not cancelled: another replica polls them from the
        records once their heartbeats go stale.
        """
        running = [local for local in self.local.values() if local.task is not None]
        if running:
            log.info("종료: 진행 중인 작업 %d건을 최대 %.0f초 기다립니다", len(running), wait_s)
            await asyncio.wait([loc.task for loc in running if loc.task], timeout=wait_s)
        for local in list(self.local.values()):
            if local.task is not None and not local.task.done():
                local.handing_over = True
                if local.ctx is not None:
                    local.ctx.handing_over = True
                local.task.cancel()
                log.warning("작업 %s를 다른 복제본에 넘깁니다", local.job.id)
        for flush in list(self._flushes):
            flush.cancel()  # the jobs that ended were saved already; the others are handed over
        if self._background:
            await asyncio.wait(self._background, timeout=2)


def _owned(job: Job, identity: Identity) -> None:
    """Only the owner changes a job (everyone is "anonymous" without sign-in)."""
    if job.owner != identity.user:
        raise JobForbidden()


def _thumbnail(data: bytes) -> bytes:
    """The history's small WebP of a result. On every job's path: the decode is most of it
    (a JPEG is decoded at a reduced scale); the reduction goes by whole pixel blocks first
    (reducing_gap 1.5), and WebP's faster method 2 costs a few hundred bytes."""
    source = Image.open(io.BytesIO(data))
    source.draft("RGB", (THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    image = source if source.mode in ("RGB", "RGBA") else source.convert("RGBA")
    image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), reducing_gap=1.5)
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=80, method=2)
    return out.getvalue()


def data_url(media_type: str, data: bytes) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"


def image_of(job: Job) -> Mapping[str, Any]:
    """Headers of a job's result answer: the same as the plain generate answer."""
    assert job.result is not None
    return {
        "Content-Disposition": f'inline; filename="{job.result.filename}"',
        "Cache-Control": "no-store",
        "X-Job-ID": job.id,
    }
