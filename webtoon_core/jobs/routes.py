"""The jobs API of a service: list, read, follow, fetch, cancel, re-run, delete.

Mounted under the service's prefix (``/api/ppl-gen/jobs...``) and, like the
generate route, without it.  Every job is readable by anyone who can reach
the service (the studio shares its history: "mine" by default, everyone's
with ``scope=all``); only its owner cancels or deletes it.  Unknown ids
answer ``404 JOB_NOT_FOUND`` in the one error shape.
"""

from __future__ import annotations

import random
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from webtoon_core.errors import JobCanceled, JobNotFinished, StoreUnavailable
from webtoon_core.http_errors import GENERATE_ERRORS
from webtoon_core.jobs.runner import Submission, error_of, image_of
from webtoon_core.security import refuse_cross_site
from webtoon_core.store import Missing
from webtoon_core.streaming import event_response, last_event_id

MAX_PAGE = 100


def job_routes() -> APIRouter:
    router = APIRouter(tags=["jobs"], responses=dict(GENERATE_ERRORS))

    def runner(request: Request) -> Any:
        return request.app.state.runner

    @router.get("/jobs")
    async def list_jobs(
        request: Request,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 20,
        cursor: Annotated[
            str | None, Query(max_length=120, pattern=r"^[0-9]{5}/[0-9A-Z]{26}_[0-9A-Z]{26}$")
        ] = None,
        scope: Literal["mine", "all"] = "mine",
        batch_id: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_-]{1,64}$")] = None,
    ) -> dict[str, Any]:
        """Jobs newest first; ``next_cursor`` gives the next page. ``batch_id``: one set's jobs."""
        run = runner(request)
        owner = None if scope == "all" else run.identity(request).user
        jobs, next_cursor = await run.jobs.repo.page(
            owner, limit=limit, cursor=cursor, batch=batch_id
        )
        prefix = run.spec.api_prefix
        return {"jobs": [job.view(prefix) for job in jobs], "next_cursor": next_cursor}

    @router.get("/jobs/{job_id}")
    async def get_job(request: Request, job_id: str) -> dict[str, Any]:
        """The job as JSON (links, no image bytes)."""
        run = runner(request)
        job = await run.jobs.load(job_id)
        view: dict[str, Any] = job.view(run.spec.api_prefix)
        return view

    @router.get("/jobs/{job_id}/events", response_class=Response)
    async def job_events(request: Request, job_id: str) -> Response:
        """The job's events from any replica: so far, then live; honours ``Last-Event-ID``."""
        run = runner(request)
        await run.jobs.load(job_id)  # 404 before a stream starts
        source = run.jobs.follow(job_id, last_event_id(request))
        return event_response(source, run.settings.sse_heartbeat_s)

    @router.get("/jobs/{job_id}/result", response_class=Response)
    async def job_result(request: Request, job_id: str) -> Response:
        """The image with the plain answer's headers; ``409 JOB_NOT_FINISHED`` before that."""
        run = runner(request)
        job = await run.jobs.load(job_id)
        if job.active:
            raise JobNotFinished()
        if job.status == "canceled":
            raise JobCanceled()
        if job.status == "failed" or job.result is None:
            raise error_of(job.error) if job.error is not None else JobNotFinished()
        try:
            data = await run.jobs.result_bytes(job)
        except Missing:
            raise StoreUnavailable(log_detail=f"job {job.id}: result object missing") from None
        return Response(content=data, media_type=job.result.media_type, headers=dict(image_of(job)))

    @router.get("/jobs/{job_id}/thumbnail", response_class=Response)
    async def job_thumbnail(request: Request, job_id: str) -> Response:
        """A small WebP preview, made once when the job succeeded."""
        run = runner(request)
        job = await run.jobs.load(job_id)
        if not job.thumbnail:
            raise JobNotFinished("이 작업에는 미리보기가 없습니다.")
        try:
            data = await run.jobs.repo.thumbnail(job.id)
        except Missing:
            raise JobNotFinished("이 작업에는 미리보기가 없습니다.") from None
        return Response(
            content=data,
            media_type="image/webp",
            headers={"Cache-Control": "private, max-age=86400"},
        )

    @router.post("/jobs/{job_id}/cancel")
    async def cancel_job(request: Request, job_id: str) -> JSONResponse:
        """Cancel a queued or running job, from any replica. A job that has ended stays as it is."""
        run = runner(request)
        refuse_cross_site(request.headers, run.settings.cors_origins)
        job = await run.jobs.cancel(job_id, run.identity(request))
        status = 202 if job.active else 200
        return JSONResponse(job.view(run.spec.api_prefix), status_code=status)

    @router.post("/jobs/{job_id}/rerun")
    async def rerun_job(
        request: Request,
        job_id: str,
        seed: Annotated[str | None, Query(max_length=12, pattern=r"^(\d{1,10}|random)$")] = None,
    ) -> Response:
        """A new job with the same inputs and parameters (``seed=`` a new one, or ``random``)."""
        run = runner(request)
        job = await run.jobs.load(job_id)
        params = dict(job.params)
        if seed is not None:
            params["seed"] = random.randint(0, 2**31 - 1) if seed == "random" else int(seed)  # noqa: S311
        validated = run.spec.params_model.model_validate(params)
        images = await run.jobs.inputs(job)
        admission = run.gate.admit(request, run.jobs.engine)
        try:
            local = await run.jobs.start(
                Submission(
                    params=validated,
                    images=images,
                    admission=admission,
                    owner=run.identity(request).user,
                    request_id=request.headers.get("x-request-id"),
                    batch_id=job.batch_id,
                    rerun_of=job.id,
                )
            )
        except BaseException:
            admission.close()
            raise
        return (
            await run.answer(request, local)
            if _watching(request)
            else JSONResponse(
                local.job.view(run.spec.api_prefix),
                status_code=202,
                headers={"Location": f"{run.spec.api_prefix}/jobs/{local.job.id}"},
            )
        )

    @router.delete("/jobs/{job_id}", status_code=204, response_class=Response)
    async def delete_job(request: Request, job_id: str) -> Response:
        """The record and every image of it are gone (a running job: once it has stopped)."""
        run = runner(request)
        refuse_cross_site(request.headers, run.settings.cors_origins)
        gone = await run.jobs.delete(job_id, run.identity(request))
        return Response(status_code=204 if gone else 202)

    return router


def _watching(request: Request) -> bool:
    """A rerun answers 202 unless the request asked for events."""
    return "text/event-stream" in request.headers.get("accept", "")
