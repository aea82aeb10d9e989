"""A fake BFL on a real socket: records every poll, so timing and overlap can be checked.

Every create goes through ``tests.provider_contract`` first, so a body BFL
would refuse gets BFL's 403/422 here too.  Then it models what the engine
relies on: the active-task limit (429), ``Pending`` with ``progress``, and
each documented end state of a task.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from tests.provider_contract import bfl_unauthenticated, check_bfl_create, to_starlette
from tests.support import png_bytes

# The Kontext endpoints this fake serves; any other model path is a 404, as on api.bfl.ai.
KONTEXT_MODELS = ("flux-kontext-max", "flux-kontext-pro")
END_STATES = ("Ready", "Request Moderated", "Content Moderated", "Error", "Task not found")
TOO_MANY_ACTIVE = (
    "You have reached the maximum number of active tasks for your account. "
    "Wait for a task to finish before submitting a new one."
)


def _tenths(n: int) -> float | None:
    return round(n / 10, 2)


@dataclass
class FakeBfl:
    ready_after_polls: int = 2
    ready_after_s: float | None = None  # when set, Ready is time-based instead
    fail_polls: set[int] = field(default_factory=set)  # poll numbers (1-based) answered 500
    created: dict[str, float] = field(default_factory=dict)
    polls: dict[str, list[float]] = field(default_factory=dict)
    fetched: set[str] = field(default_factory=set)
    max_active: int = 0  # a record: the most tasks active at once
    keys_seen: set[str] = field(default_factory=set)
    # How a task ends once it is done: "Ready", "Request Moderated", "Content Moderated",
    # "Error", "Task not found", or any other string (a status BFL may add; the SDK fails on it).
    end_state: str = "Ready"
    # The ``progress`` of a Pending answer, from the task's poll number (1-based); its scale is
    # not documented, so tests may make it huge or None.
    progress_of: Callable[[int], float | None] = field(default_factory=lambda: _tenths)
    # BFL answers 429 to a create while this many tasks are active (6 for Kontext Max on most
    # accounts, 24 elsewhere); None turns the limit off.
    active_limit: int | None = 6
    key: str | None = None  # when set, only this x-key is accepted
    models: tuple[str, ...] = KONTEXT_MODELS
    # Records.
    finished: dict[str, str] = field(default_factory=dict)  # task -> end status answered
    bodies: dict[str, dict[str, Any]] = field(default_factory=dict)  # task -> create body
    throttled: int = 0  # creates refused with 429
    refused: list[tuple[int, Any]] = field(default_factory=list)  # (status, body) of refusals
    requests: list[tuple[str, str, int]] = field(default_factory=list)  # (method, path, size)

    def done(self, task: str) -> bool:
        """Whether the task has reached its end (by polls, or by time when ready_after_s is set)."""
        if task in self.finished:
            return True
        if self.ready_after_s is not None:
            return time.monotonic() - self.created[task] >= self.ready_after_s
        return len(self.polls[task]) >= self.ready_after_polls

    def active(self) -> int:
        """Tasks created and not yet finished (nor their result fetched)."""
        return sum(1 for t in self.created if t not in self.fetched and not self.done(t))

    def app(self) -> FastAPI:
        app = FastAPI()

        def refuse(response: Response) -> Response:
            self.refused.append((response.status_code, json.loads(bytes(response.body))))
            return response

        @app.post("/v1/{model}")
        async def create(model: str, request: Request) -> Response:
            body = await request.body()
            self.requests.append(("POST", request.url.path, len(body)))
            self.keys_seen.add(request.headers.get("x-key", ""))
            if model not in self.models:
                return refuse(JSONResponse({"detail": "Not Found"}, status_code=404))
            wrong = check_bfl_create(request.headers, body, key=self.key)
            if wrong is not None:
                return refuse(to_starlette(wrong))
            if self.active_limit is not None and self.active() >= self.active_limit:
                self.throttled += 1
                return refuse(JSONResponse({"detail": TOO_MANY_ACTIVE}, status_code=429))
            task = f"t{len(self.created) + 1}"
            self.created[task] = time.monotonic()
            self.polls[task] = []
            self.bodies[task] = json.loads(body)
            self.max_active = max(self.max_active, self.active())
            base = str(request.base_url).rstrip("/")
            # Not the documented path: proves the engine follows polling_url, not a URL it builds.
            return {"id": task, "polling_url": f"{base}/cluster-7/results?task={task}"}

        def poll_answer(task: str, status: str, status_code: int = 200, **fields: Any) -> Response:
            # Every documented key of a poll answer is present, null when it does not apply.
            body = {"id": task, "status": status, "result": None, "progress": None}
            body |= {"details": None, "preview": None, **fields}
            return JSONResponse(body, status_code=status_code)

        def ended(task: str, base: str) -> Response:
            status = self.end_state
            self.finished[task] = status
            if status == "Ready":
                seed = self.bodies[task].get("seed")
                result = {
                    "sample": f"{base}/delivery/{task}.png",
                    # BFL reports the seed it used: the one sent, else one it picked.
                    "seed": seed if seed is not None else random.randint(0, 2**31 - 1),
                    "prompt": self.bodies[task].get("prompt"),
                }
                return poll_answer(task, "Ready", result=result)
            details: dict[str, Any] | None = None
            if status.endswith("Moderated"):
                details = {"Moderation Reasons": ["Derivative Works"]}
            elif status == "Error":
                details = {"error": "Internal error while generating the image"}
            return poll_answer(task, status, details=details)

        async def answer_poll(task: str, request: Request) -> Response:
            self.requests.append(("GET", request.url.path, 0))
            wrong = bfl_unauthenticated(request.headers, self.key)
            if wrong is not None:
                return refuse(to_starlette(wrong))
            if task not in self.created:
                return poll_answer(task, "Task not found", status_code=404)
            self.polls[task].append(time.monotonic())
            n = len(self.polls[task])
            if n in self.fail_polls:
                return JSONResponse({"detail": "temporary"}, status_code=500)
            if not self.done(task):
                return poll_answer(task, "Pending", progress=self.progress_of(n))
            return ended(task, str(request.base_url).rstrip("/"))

        @app.get("/cluster-7/results")
        async def result(task: str, request: Request) -> Response:
            return await answer_poll(task, request)

        @app.get("/v1/get_result")
        async def get_result(id: str, request: Request) -> Response:  # noqa: A002 - BFL's name
            return await answer_poll(id, request)

        @app.get("/delivery/{name}")
        async def sample(name: str) -> Response:
            self.fetched.add(name.removesuffix(".png"))
            return Response(png_bytes((128, 128), color=(200, 100, 0)), media_type="image/png")

        return app
