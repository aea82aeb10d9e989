"""Liveness, readiness and metrics routes, the same for both services."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from webtoon_core.errors import ServiceUnavailable, ShuttingDown, StoreUnavailable, error_body

router = APIRouter(tags=["operations"])


@router.get("/health")
async def health() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get("/ready")
async def ready(request: Request) -> JSONResponse:
    """Readiness: the selected engine is configured and we are not draining."""
    state = request.app.state
    engine = getattr(state, "engine", None)
    if engine is None or getattr(state, "draining", False):
        exc: ServiceUnavailable = ShuttingDown()
    elif (reason := engine.not_ready_reason()) is not None:
        exc = ServiceUnavailable(reason)
    elif not state.runner.reaper.store_ok:
        exc = StoreUnavailable()
    else:
        return JSONResponse({"status": "ready", "engine": engine.name})
    body = {"status": "not_ready", **error_body(exc.code, exc.message, None)}
    return JSONResponse(body, status_code=503)


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    state = request.app.state
    engine = getattr(state, "engine", None)
    if engine is not None:
        ready = engine.not_ready_reason() is None and not getattr(state, "draining", False)
        state.metrics.ready.labels(state.metrics.service, engine.name).set(1 if ready else 0)
    runner = getattr(state, "runner", None)
    if runner is not None:  # read at scrape time: the day may have turned since the last spend
        budget = runner.gate.budget
        state.metrics.budget.labels(state.metrics.service).set(budget.budget_usd or 0)
        state.metrics.spend_today.labels(state.metrics.service).set(budget.spent_today)
    registry = state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
