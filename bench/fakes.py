"""Fake BFL and fake Replicate for the benchmark, each run as its own uvicorn process.

    python -m uvicorn bench.fakes:create_bfl_app --factory --host 127.0.0.1 --port P
    python -m uvicorn bench.fakes:create_replicate_app --factory --host 127.0.0.1 --port P

Both keep a task per generation, serve the result PNG from a path on the same
server, and measure the time each request spends inside the fake (from the
moment uvicorn hands it to the app, body upload included, until the last
response byte is handed back): ``GET /_bench/stats`` returns it per task, so
the harness can subtract provider time from end-to-end time.

A request is tied to the benchmark request that caused it by a tag
(``bench-tag-...``) that the harness puts in the prompt; the services pass the
prompt to the provider unchanged (BFL: inside the kind's English prompt).

Latency is set at run time with ``POST /_bench/config`` ``{"latency_s": L, "hold": bool}``:
a task is finished ``L`` seconds after its create call, never while ``hold``
is on (the harness releases held tasks once all of them are in flight).
Replicate with ``L = 0`` and no hold answers the create call with
``succeeded`` and the output URL at once, so provider time is only the two
requests' handling.

Both run every create call through ``tests.provider_contract`` first: a request
the real provider would refuse (a data URI over 1 MB, ``output_format: "webp"``
for BFL, a missing key, ...) gets the real API's error answer and no task, so a
benchmark never measures a request production would not get through.
"""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from bench.payloads import result_png
from tests.provider_contract import check_bfl_create, check_replicate_create, to_starlette

TAG = re.compile(rb"bench-tag-[A-Za-z0-9_-]+")


@dataclass
class Task:
    tag: str
    created: (
        float  # time.monotonic() of the create call (CLOCK_MONOTONIC: same clock as the harness)
    )
    fetched: float | None = None
    polls: int = 0
    requests: int = 0
    fake_s: float = 0.0  # time spent inside the fake over all of this task's requests


@dataclass
class FakeState:
    latency_s: float = 0.0
    hold: bool = False
    tasks: dict[str, Task] = field(default_factory=dict)
    max_active: int = 0
    counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    def new_task(self, body: bytes) -> tuple[str, Task]:
        match = TAG.search(body)
        tag = match.group().decode() if match else "untagged"
        # Letters, digits, "-" and "_" only, like a real prediction or task id.
        task_id = f"{tag}-{next(self.counter)}"
        task = Task(tag=tag, created=time.monotonic())
        self.tasks[task_id] = task
        self.max_active = max(self.max_active, self.active())
        return task_id, task

    def active(self) -> int:
        return sum(1 for t in self.tasks.values() if t.fetched is None)

    def finished(self, task: Task) -> bool:
        return not self.hold and time.monotonic() - task.created >= self.latency_s

    def stats(self) -> dict[str, Any]:
        return {
            "latency_s": self.latency_s,
            "hold": self.hold,
            "active": self.active(),
            "max_active": self.max_active,
            "tasks": {task_id: asdict(task) for task_id, task in self.tasks.items()},
        }


class InFakeTimer:
    """ASGI middleware: adds each request's time inside the app to its task's ``fake_s``."""

    def __init__(self, app: Any, state: FakeState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        scope.setdefault("state", {})
        try:
            await self.app(scope, receive, send)
        finally:
            task_id = scope["state"].get("bench_task")
            task = self.state.tasks.get(task_id) if task_id else None
            if task is not None:
                task.fake_s += time.perf_counter() - started
                task.requests += 1


def _control_routes(app: FastAPI, state: FakeState) -> None:
    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/_bench/config")
    async def config(request: Request) -> dict[str, Any]:
        data = await request.json()
        state.latency_s = float(data.get("latency_s", state.latency_s))
        state.hold = bool(data.get("hold", state.hold))
        return {"latency_s": state.latency_s, "hold": state.hold}

    @app.post("/_bench/reset")
    async def reset() -> dict[str, str]:
        state.tasks.clear()
        state.max_active = 0
        return {"status": "reset"}

    @app.get("/_bench/stats")
    async def stats() -> dict[str, Any]:
        return state.stats()


def _result_route(app: FastAPI, state: FakeState, path: str) -> None:
    png = result_png()

    @app.get(path + "/{name}")
    async def result(name: str, request: Request) -> Response:
        task_id = name.removesuffix(".png")
        task = state.tasks.get(task_id)
        if task is None:
            return JSONResponse({"detail": "not found"}, status_code=404)
        request.state.bench_task = task_id
        task.fetched = time.monotonic()
        return Response(png, media_type="image/png")


def create_bfl_app() -> FastAPI:
    """BFL: ``POST /v1/{model}`` -> ``{id, polling_url}``.

    Polling answers until ``Ready``, then with ``result.sample``.
    """
    state = FakeState()
    app = FastAPI()
    _control_routes(app, state)
    _result_route(app, state, "/delivery")

    @app.post("/v1/{model}")
    async def create(model: str, request: Request) -> Response:
        body = await request.body()
        refused = check_bfl_create(request.headers, body)
        if refused is not None:
            return to_starlette(refused)
        task_id, _ = state.new_task(body)
        request.state.bench_task = task_id
        base = str(request.base_url).rstrip("/")
        return JSONResponse({"id": task_id, "polling_url": f"{base}/v1/get_result?id={task_id}"})

    @app.get("/v1/get_result")
    async def get_result(id: str, request: Request) -> Response:  # noqa: A002 - BFL's name
        task = state.tasks.get(id)
        if task is None:
            return JSONResponse({"id": id, "status": "Task not found"})
        request.state.bench_task = id
        task.polls += 1
        if not state.finished(task):
            return JSONResponse({"id": id, "status": "Pending", "progress": 0.5})
        base = str(request.base_url).rstrip("/")
        return JSONResponse(
            {"id": id, "status": "Ready", "result": {"sample": f"{base}/delivery/{id}.png"}}
        )

    return InFakeTimer(app, state)  # type: ignore[return-value]


def create_replicate_app() -> FastAPI:
    """Replicate: ``POST /v1/models/{owner}/{name}/predictions``; ``GET /v1/predictions/{id}``."""
    state = FakeState()
    app = FastAPI()
    _control_routes(app, state)
    _result_route(app, state, "/files")

    def prediction(base: str, task_id: str, task: Task) -> dict[str, Any]:
        done = state.finished(task)
        return {
            "id": task_id, "model": "bench/fake", "version": "v", "input": {}, "logs": "",
            "status": "succeeded" if done else ("starting" if task.polls == 0 else "processing"),
            "output": f"{base}/files/{task_id}.png" if done else None,
            "error": None, "metrics": {},
            "created_at": None, "started_at": None, "completed_at": None,
            "urls": {
                "get": f"{base}/v1/predictions/{task_id}",
                "cancel": f"{base}/v1/predictions/{task_id}/cancel",
            },
        }  # fmt: skip

    @app.post("/v1/models/{owner}/{name}/predictions")
    async def create(owner: str, name: str, request: Request) -> Response:
        body = await request.body()
        refused = check_replicate_create(request.headers, body)
        if refused is not None:
            return to_starlette(refused)
        task_id, task = state.new_task(body)
        request.state.bench_task = task_id
        base = str(request.base_url).rstrip("/")
        return JSONResponse(prediction(base, task_id, task), status_code=201)

    @app.get("/v1/predictions/{task_id}")
    async def get(task_id: str, request: Request) -> JSONResponse:
        task = state.tasks.get(task_id)
        if task is None:
            return JSONResponse({"detail": "not found"}, status_code=404)
        request.state.bench_task = task_id
        task.polls += 1
        return JSONResponse(prediction(str(request.base_url).rstrip("/"), task_id, task))

    @app.post("/v1/predictions/{task_id}/cancel")
    async def cancel(task_id: str) -> JSONResponse:
        return JSONResponse({"id": task_id, "status": "canceled"})

    return InFakeTimer(app, state)  # type: ignore[return-value]
