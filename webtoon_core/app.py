"""The app factory both services use: ``create_service_app(spec, settings, engine_factory)``."""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import uuid
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Annotated, Any

import httpx
from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from webtoon_core import health
from webtoon_core.cpu import available_cpus
from webtoon_core.downloads import ResultFetcher
from webtoon_core.engine import Engine, EngineResources
from webtoon_core.errors import StoreUnavailable
from webtoon_core.http_errors import GENERATE_ERRORS, install_error_handlers
from webtoon_core.identity import IdentityMiddleware
from webtoon_core.images import ImageDecoder
from webtoon_core.jobs.reaper import Reaper
from webtoon_core.jobs.repository import JobRepository
from webtoon_core.jobs.routes import job_routes
from webtoon_core.jobs.runner import Jobs
from webtoon_core.jobs.webhooks import Webhooks
from webtoon_core.logging_setup import redact_every_handler, secret_values, setup_logging
from webtoon_core.metrics import ServiceMetrics
from webtoon_core.security import SecurityHeadersMiddleware
from webtoon_core.service import GenerationRunner, ServiceSpec
from webtoon_core.settings import CommonSettings
from webtoon_core.store import open_store
from webtoon_core.workers import run_sync_in

log = logging.getLogger("webtoon_core.app")

REQUEST_ID_ALPHABET = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")


def valid_request_id(value: str) -> bool:
    """A client's ``X-Request-ID`` is kept only when short and plain (log-safe)."""
    return 8 <= len(value) <= 64 and set(value) <= REQUEST_ID_ALPHABET


def get_engine(request: Request) -> Engine[Any]:
    engine: Engine[Any] = request.app.state.engine
    return engine


def get_runner(request: Request) -> GenerationRunner[Any, Any]:
    runner: GenerationRunner[Any, Any] = request.app.state.runner
    return runner


EngineDep = Annotated[Engine[Any], Depends(get_engine)]
RunnerDep = Annotated[GenerationRunner[Any, Any], Depends(get_runner)]


def _multipart_schema(spec: ServiceSpec[Any, Any]) -> dict[str, Any]:
    schema = spec.params_model.model_json_schema()
    properties = dict(schema.get("properties", {}))
    for name in spec.file_fields:
        properties[name] = {"type": "string", "format": "binary"}
    required = [*schema.get("required", []), *spec.file_fields]
    body = {"type": "object", "properties": properties, "required": required}
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": body}}}}


def _api_router(spec: ServiceSpec[Any, Any], settings: CommonSettings) -> APIRouter:
    router = APIRouter(tags=[spec.key])

    async def generate(request: Request, engine: EngineDep, runner: RunnerDep) -> Response:
        """Generate one image; answers the image bytes or the JSON error shape."""
        return await runner.run(request, engine)

    async def info(engine: EngineDep, runner: RunnerDep, request: Request) -> dict[str, Any]:
        """Engine, limits, prices and form choices, so clients define nothing twice."""
        budget = runner.gate.budget
        identity = request.state.identity
        model = getattr(engine, "model", engine.name)
        return {
            "service": spec.key,
            "engine": engine.name,
            "model": model,
            "local_preview": engine.name == "local",
            "user": {"name": identity.user, "signed_in": identity.signed_in},
            # Estimated USD per generated image, from PRICES_USD (0: the local engine).
            "price_usd_per_image": settings.price_of(engine.name, model),
            "budget": {
                "daily_usd": budget.budget_usd,
                # This replica's count until jobs are kept in a shared store.
                "spent_today_usd": round(budget.total_today, 4),
                "resets_at": budget.resets_at().isoformat(),
            },
            "limits": {
                "max_upload_mb": settings.max_upload_mb,
                "max_image_side": settings.max_image_side,
                "generation_timeout_s": settings.generation_timeout_s,
                "per_minute": settings.rate_limit_per_minute,
                "in_flight": settings.rate_limit_in_flight,
            },
            "choices": spec.choices(settings),
        }

    router.add_api_route(
        "/generate",
        generate,
        methods=["POST"],
        response_class=Response,
        openapi_extra=_multipart_schema(spec),
        responses={
            200: {
                "description": "이미지 바이트 (Accept: text/event-stream이면 진행 이벤트)",
                "content": {
                    "image/png": {},
                    "image/jpeg": {},
                    "image/webp": {},
                    "text/event-stream": {},
                },
            },
            **GENERATE_ERRORS,
        },
    )
    router.add_api_route("/info", info, methods=["GET"])
    router.include_router(job_routes())
    for extra in spec.extra_routes:
        router.include_router(extra)
    return router


def _drain_on_sigterm(app: FastAPI) -> None:
    """On SIGTERM turn not-ready and refuse new generations, then let uvicorn drain.

    uvicorn installs its own handler before the app starts; ours runs first and
    hands over to it, so in-flight generations finish within
    ``--timeout-graceful-shutdown`` while the pod leaves the Service.
    """
    if threading.current_thread() is not threading.main_thread():
        return  # signals reach only the main thread (tests run servers in threads)
    previous = signal.getsignal(signal.SIGTERM)

    def handler(signum: int, frame: Any) -> None:
        if not app.state.draining:
            app.state.draining = True
            log.info(
                "SIGTERM: 새 생성 요청을 거절하고 진행 중인 %d건을 마칩니다",
                app.state.runner.active,
            )
        if callable(previous):
            previous(signum, frame)

    signal.signal(signal.SIGTERM, handler)


def create_service_app(
    spec: ServiceSpec[Any, Any],
    settings: CommonSettings,
    engine_factory: Callable[[EngineResources[Any]], Engine[Any]],
) -> FastAPI:
    setup_logging(settings)
    metrics = ServiceMetrics(spec.key)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Sized from the container's CPU limit (not the node's CPUs): more threads than
        # cores only add memory, since every task here is CPU-bound image work.
        executor = ThreadPoolExecutor(
            max_workers=max(2, available_cpus()), thread_name_prefix=f"{spec.key}-image"
        )
        run_sync = run_sync_in(executor)

        timeout = httpx.Timeout(30.0, connect=10.0)
        # Let idle connections go a little before a peer with a 5 s idle timeout closes
        # them, so a create call never lands on a socket the provider is closing.
        limits = httpx.Limits(keepalive_expiry=4.0)
        async with httpx.AsyncClient(
            timeout=timeout, limits=limits, follow_redirects=False
        ) as http:
            results = ResultFetcher(http, settings.result_hosts, settings.max_result_bytes)
            engine = engine_factory(EngineResources(settings, http, results, run_sync, metrics))
            metrics.prime(engine.name)
            decoder = ImageDecoder(run_sync, settings.decode_memory_mb * 1024 * 1024)
            store = open_store(settings, metrics)
            jobs = Jobs(
                spec=spec,
                settings=settings,
                metrics=metrics,
                repo=JobRepository(store, spec.key),
                engine=engine,
                decoder=decoder,
                run_sync=run_sync,
                webhooks=Webhooks(http, settings, metrics),
            )
            reaper = Reaper(jobs)
            await reaper.check_store()
            reaper.start()
            app.state.engine = engine
            app.state.runner = GenerationRunner(
                spec, settings, metrics, run_sync, decoder, jobs, reaper
            )
            reaper.share_budget(app.state.runner.gate.budget)
            if reaper.store_ok:  # start from the day's spend so far, not from zero
                with contextlib.suppress(StoreUnavailable):
                    await reaper.share_spend()
            # uvicorn sets up its own loggers when it starts, after the app was built:
            # the redaction goes onto their handlers too.
            redact_every_handler(secret_values(settings))
            app.state.draining = False
            _drain_on_sigterm(app)
            log.info("CORS 허용 origin: %s", ", ".join(settings.cors_origins) or "(없음)")
            log.info(
                "%s 서비스 시작: engine=%s, 작업 저장소 %s", spec.label, engine.name, store.where
            )
            if (reason := engine.not_ready_reason()) is not None:
                log.warning("%s 서비스 준비 안 됨: %s", spec.label, reason)
            try:
                yield
            finally:
                app.state.draining = True
                await reaper.stop()
                # Jobs still running get a little longer, then are left to another replica.
                await jobs.hand_over(settings.job_handover_wait_s)
                await engine.aclose()
                executor.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(title=spec.title, lifespan=lifespan)
    app.state.settings = settings
    app.state.metrics = metrics
    install_error_handlers(app)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "POST", "DELETE"],
        allow_headers=["Accept", "Content-Type", "X-Request-ID"],
        expose_headers=[
            "X-Request-ID",
            "X-Job-ID",
            "Content-Disposition",
            "Location",
            "X-Print-Warnings",
            "X-Print-Ppi",
        ],  # fmt: skip
        max_age=600,
    )
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(IdentityMiddleware, settings=settings)
    app.add_middleware(
        CorrelationIdMiddleware,
        header_name="X-Request-ID",
        generator=lambda: uuid.uuid4().hex,
        validator=valid_request_id,
    )
    app.include_router(health.router)
    router = _api_router(spec, settings)
    app.include_router(router, prefix=spec.api_prefix)
    # The same routes answer without the prefix too, for an ingress that rewrites it away.
    app.include_router(router, include_in_schema=False)
    if settings.frontend_dir is not None:
        _serve_page(app, spec.page_path, settings)
    return app


def _serve_page(app: FastAPI, page_path: str, settings: CommonSettings) -> None:
    """Serve the built page same-origin with the API (local runs; nginx does it in the cluster)."""

    async def to_page() -> RedirectResponse:
        return RedirectResponse(f"{page_path}/", status_code=302)

    app.add_api_route("/", to_page, include_in_schema=False)
    app.add_api_route(page_path, to_page, include_in_schema=False)
    app.mount(page_path, StaticFiles(directory=settings.frontend_dir, html=True), name="page")
    if settings.sibling_page_url is not None:
        # The other generator's page runs on another port here: its links lead there.
        sibling = settings.sibling_page_url
        sibling_path = "/" + sibling.split("://", 1)[1].split("/", 1)[1].strip("/")

        async def to_sibling() -> RedirectResponse:
            return RedirectResponse(sibling, status_code=302)

        for path in (sibling_path, f"{sibling_path}/"):
            app.add_api_route(path, to_sibling, include_in_schema=False)
