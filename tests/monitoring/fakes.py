"""Fake providers that answer each request by a marker in its prompt, for mixed traffic.

``[moderate]`` in the prompt: the provider's safety check blocks it (BFL ``Content Moderated``,
Replicate a failed prediction with an NSFW error) -> 422 CONTENT_MODERATED.
``[hang]``: the task never finishes -> 504 GENERATION_TIMEOUT at the service's deadline.
Anything else: ready at the first poll, with a small PNG.
"""

from __future__ import annotations

import itertools

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from tests.support import png_bytes

MODERATE = "[moderate]"
HANG = "[hang]"


def _fate(prompt: str) -> str:
    if MODERATE in prompt:
        return "moderate"
    if HANG in prompt:
        return "hang"
    return "ok"


def scripted_bfl() -> FastAPI:
    """BFL: POST /v1/{model} -> polling_url; GET it -> Pending / Ready / Content Moderated."""
    app = FastAPI()
    fates: dict[str, str] = {}
    ids = itertools.count(1)

    @app.post("/v1/{model}")
    async def create(model: str, request: Request):
        body = await request.json()
        task = f"task-{next(ids)}"
        fates[task] = _fate(str(body.get("prompt", "")))
        base = str(request.base_url).rstrip("/")
        return {"id": task, "polling_url": f"{base}/v1/get_result?id={task}"}

    @app.get("/v1/get_result")
    async def result(id: str, request: Request):  # noqa: A002 - BFL's parameter name
        fate = fates[id]
        if fate == "moderate":
            return {"id": id, "status": "Content Moderated", "result": None}
        if fate == "hang":
            return {"id": id, "status": "Pending", "progress": 0.1}
        base = str(request.base_url).rstrip("/")
        return {"id": id, "status": "Ready", "result": {"sample": f"{base}/delivery/{id}.png"}}

    @app.get("/delivery/{name}")
    async def sample(name: str):
        return Response(png_bytes((96, 96), color=(200, 100, 0)), media_type="image/png")

    return app


def scripted_replicate() -> FastAPI:
    """Replicate: create -> starting; reload -> succeeded / failed (NSFW) / processing forever."""
    app = FastAPI()
    fates: dict[str, str] = {}
    ids = itertools.count(1)

    def prediction(pid: str, base: str, status: str, output=None, error=None) -> dict:
        return {
            "id": pid,
            "model": "m/n",
            "version": "v",
            "status": status,
            "input": {},
            "output": output,
            "logs": "",
            "error": error,
            "metrics": {},
            "created_at": None,
            "started_at": None,
            "completed_at": None,
            "urls": {
                "get": f"{base}/v1/predictions/{pid}",
                "cancel": f"{base}/v1/predictions/{pid}/cancel",
            },
        }

    @app.post("/v1/models/{owner}/{name}/predictions")
    async def create(owner: str, name: str, request: Request):
        body = await request.json()
        pid = f"p{next(ids)}"
        fates[pid] = _fate(str(body.get("input", {}).get("prompt", "")))
        base = str(request.base_url).rstrip("/")
        return JSONResponse(prediction(pid, base, "starting"), status_code=201)

    @app.get("/v1/predictions/{pid}")
    async def get(pid: str, request: Request):
        base = str(request.base_url).rstrip("/")
        fate = fates[pid]
        if fate == "moderate":
            return prediction(
                pid, base, "failed", error="NSFW content detected. Try a different prompt (E005)"
            )
        if fate == "hang":
            return prediction(pid, base, "processing")
        return prediction(pid, base, "succeeded", output=f"{base}/files/{pid}.png")

    @app.post("/v1/predictions/{pid}/cancel")
    async def cancel(pid: str, request: Request):
        return prediction(pid, str(request.base_url).rstrip("/"), "canceled")

    @app.get("/files/{name}")
    async def file(name: str):
        return Response(png_bytes((96, 96), color=(10, 160, 10)), media_type="image/png")

    return app
