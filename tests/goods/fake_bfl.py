"""A fake BFL on a real socket: records every poll, so timing and overlap can be checked."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from tests.support import png_bytes


@dataclass
class FakeBfl:
    ready_after_polls: int = 2
    ready_after_s: float | None = None  # when set, Ready is time-based instead
    fail_polls: set[int] = field(default_factory=set)  # poll numbers (1-based) answered 500
    created: dict[str, float] = field(default_factory=dict)
    polls: dict[str, list[float]] = field(default_factory=dict)
    fetched: set[str] = field(default_factory=set)
    max_active: int = 0
    keys_seen: set[str] = field(default_factory=set)

    def active(self) -> int:
        return len(set(self.created) - self.fetched)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v1/{model}")
        async def create(model: str, request: Request):
            self.keys_seen.add(request.headers.get("x-key", ""))
            task = f"t{len(self.created) + 1}"
            self.created[task] = time.monotonic()
            self.polls[task] = []
            self.max_active = max(self.max_active, self.active())
            base = str(request.base_url).rstrip("/")
            # Not the documented path: proves the engine follows polling_url, not a URL it builds.
            return {"id": task, "polling_url": f"{base}/cluster-7/results?task={task}"}

        @app.get("/cluster-7/results")
        async def result(task: str, request: Request):
            self.polls[task].append(time.monotonic())
            n = len(self.polls[task])
            if n in self.fail_polls:
                return JSONResponse({"detail": "temporary"}, status_code=500)
            if self.ready_after_s is not None:
                done = time.monotonic() - self.created[task] >= self.ready_after_s
            else:
                done = n >= self.ready_after_polls
            if not done:
                return {"id": task, "status": "Pending", "progress": round(n / 10, 2)}
            base = str(request.base_url).rstrip("/")
            return {"id": task, "status": "Ready", "result": {"sample": f"{base}/delivery/{task}.png"}}

        @app.get("/delivery/{name}")
        async def sample(name: str):
            self.fetched.add(name.removesuffix(".png"))
            return Response(png_bytes((128, 128), color=(200, 100, 0)), media_type="image/png")

        return app
