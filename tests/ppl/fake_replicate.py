"""A fake Replicate on a real socket, for what respx cannot show: time and hangs."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from tests.support import png_bytes


@dataclass
class Behaviour:
    mode: str = "succeed"  # succeed | hang_on_create | never_finish
    polls_before_done: int = 2
    created: int = 0
    polls: int = 0
    cancels: list[str] = field(default_factory=list)


def fake_replicate(behaviour: Behaviour) -> FastAPI:
    app = FastAPI()
    base: dict[str, str] = {}

    def prediction(status: str, output=None) -> dict:
        url = base.get("url", "")
        return {
            "id": "fake1", "model": "m/n", "version": "v", "status": status, "input": {},
            "output": output, "logs": "", "error": None, "metrics": {}, "created_at": None,
            "started_at": None, "completed_at": None,
            "urls": {"get": f"{url}/v1/predictions/fake1", "cancel": f"{url}/v1/predictions/fake1/cancel"},
        }

    @app.post("/v1/models/{owner}/{name}/predictions")
    async def create(owner: str, name: str, request: Request):
        base["url"] = str(request.base_url).rstrip("/")
        behaviour.created += 1
        if behaviour.mode == "hang_on_create":
            await asyncio.sleep(60)
        return JSONResponse(prediction("starting"), status_code=201)

    @app.get("/v1/predictions/{pid}")
    async def get(pid: str):
        behaviour.polls += 1
        if behaviour.mode == "succeed" and behaviour.polls >= behaviour.polls_before_done:
            return prediction("succeeded", f"{base['url']}/files/out.png")
        return prediction("processing")

    @app.post("/v1/predictions/{pid}/cancel")
    async def cancel(pid: str):
        behaviour.cancels.append(pid)
        return prediction("canceled")

    @app.get("/files/out.png")
    async def file():
        return Response(png_bytes((128, 128), color=(10, 160, 10)), media_type="image/png")

    return app
