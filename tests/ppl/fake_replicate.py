"""A fake Replicate on a real socket, for what respx cannot show: time, hangs and refusals.

Every create and upload goes through ``tests.provider_contract`` first, so the
fake answers what the real API answers to a request it would refuse.  Then it
models the documented life of a prediction: ``starting`` (for ``start_delay_s``)
-> ``processing`` -> ``succeeded | failed | canceled | aborted``, ``Prefer: wait``,
``Cancel-After``, cancel, the Files API, and the 429 of the non-create limit.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from tests.provider_contract import (
    check_replicate_create,
    check_replicate_file_upload,
    parse_go_duration,
    parse_multipart,
    parse_prefer_wait,
    problem,
    replicate_unauthenticated,
    to_starlette,
)
from tests.support import png_bytes

TERMINAL = ("succeeded", "failed", "canceled", "aborted")
THROTTLED = "Request was throttled. Your rate limit resets in ~30s."
FILE_TTL = timedelta(hours=24)  # uploaded files expire after a day


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # the Authorization value is masked: the token never lands in a record
    body_size: int
    status: int = 0


@dataclass
class Prediction:
    id: str
    model: str
    input: dict[str, Any]
    created: float  # Behaviour.clock()
    created_wall: datetime
    cancel_at: float | None = None  # the Cancel-After deadline, on Behaviour.clock()
    status: str = "starting"
    started: float | None = None
    completed: float | None = None
    polls: int = 0
    output: str | None = None
    error: str | None = None
    input_error: str | None = None  # shown as ``error`` once the prediction fails on it


@dataclass
class StoredFile:
    id: str
    name: str
    content_type: str
    data: bytes
    metadata: dict[str, Any]
    created_wall: datetime


@dataclass
class Behaviour:
    # succeed | fail | hang_on_create | never_finish
    mode: str = "succeed"
    # Readiness: the GET that brings a prediction's own poll count to this number answers the
    # end state (0: done as soon as it is processing, e.g. for Prefer: wait) ...
    polls_before_done: int = 2
    # ... unless ``processing_s`` is set: then it is done that long after it started.
    processing_s: float | None = None
    # Time spent in ``starting`` before ``processing``; a Cancel-After deadline that passes
    # inside it aborts the prediction (the only state Replicate does not bill).
    start_delay_s: float = 0.0
    # The error text of a ``fail`` prediction (content filter wording by default).
    error: str = "Prediction failed: the input or output was flagged as sensitive (E005)"
    # Only this bearer token is accepted when set (any well-formed one otherwise).
    token: str | None = None
    # Non-create calls (polls, cancels, files) allowed per ``rate_window_s``; None: unlimited.
    rate_limit: int | None = None
    rate_window_s: float = 60.0
    retry_after: str | None = None  # a Retry-After header on 429 (Replicate documents none)
    # The clock of prediction life (start delay, Cancel-After, processing_s, the rate window):
    # tests may pass a hand-driven one to reach a 5 s+ deadline without waiting for it.
    clock: Callable[[], float] = field(default_factory=lambda: time.monotonic)
    # Records.
    created: int = 0
    polls: int = 0
    cancels: list[str] = field(default_factory=list)
    throttled: int = 0
    requests: list[RecordedRequest] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)  # (status, body) of refusals
    uploads: list[str] = field(default_factory=list)  # file ids
    deletes: list[str] = field(default_factory=list)  # file ids
    predictions: dict[str, Prediction] = field(default_factory=dict)
    files: dict[str, StoredFile] = field(default_factory=dict)
    _calls: list[float] = field(default_factory=list)  # accepted non-create calls, for the limit

    def prediction(self, pid: str = "fake1") -> Prediction:
        return self.predictions[pid]

    def advance(self, p: Prediction, now: float | None = None) -> None:
        """Bring ``p`` up to date: statuses change with time (and polls), never backwards."""
        if p.status in TERMINAL:
            return
        now = self.clock() if now is None else now
        start_at = p.created + self.start_delay_s
        if p.status == "starting":
            if p.cancel_at is not None and p.cancel_at < start_at and now >= p.cancel_at:
                self.end(p, "aborted", p.cancel_at)  # the deadline came before it ran
                return
            if now < start_at:
                return
            p.status, p.started = "processing", start_at
        assert p.started is not None
        done_at: float | None = None
        if self.mode in ("succeed", "fail"):
            if self.processing_s is not None:
                done_at = p.started + self.processing_s
            elif p.polls >= self.polls_before_done:
                done_at = now
        if (
            p.cancel_at is not None
            and now >= p.cancel_at
            and (done_at is None or p.cancel_at < done_at)
        ):
            self.end(p, "canceled", p.cancel_at)  # billed: it was running
            return
        if done_at is not None and now >= done_at:
            if self.mode == "fail":
                p.error = self.error
                self.end(p, "failed", done_at)
            elif p.input_error is not None:  # an input it could not fetch (a deleted upload)
                p.error = p.input_error
                self.end(p, "failed", done_at)
            else:
                self.end(p, "succeeded", done_at)

    def end(self, p: Prediction, status: str, at: float) -> None:
        p.status, p.completed = status, at
        if status == "succeeded":
            p.output = "/files/out.png"  # made absolute per request (the fake's own address)

    def throttle(self) -> bool:
        """Count one non-create call; True when it is over the configured limit."""
        if self.rate_limit is None:
            return False
        now = self.clock()
        self._calls = [t for t in self._calls if now - t < self.rate_window_s]
        if len(self._calls) >= self.rate_limit:
            self.throttled += 1
            return True
        self._calls.append(now)
        return False


def _iso(wall: datetime | None) -> str | None:
    return wall.isoformat().replace("+00:00", "Z") if wall else None


def _masked(headers: Any) -> dict[str, str]:
    out = {k.lower(): v for k, v in headers.items()}
    if "authorization" in out:
        scheme = out["authorization"].split(" ", 1)[0]
        out["authorization"] = f"{scheme} <redacted>"
    return out


def fake_replicate(behaviour: Behaviour) -> FastAPI:
    app = FastAPI()

    def wall(p: Prediction, at: float | None) -> datetime | None:
        return None if at is None else p.created_wall + timedelta(seconds=at - p.created)

    def as_json(p: Prediction, base: str) -> dict[str, Any]:
        metrics: dict[str, Any] = {}
        if p.started is not None and p.completed is not None:
            metrics["predict_time"] = round(max(0.0, p.completed - p.started), 3)
        return {
            "id": p.id, "model": p.model, "version": "hidden", "status": p.status,
            "input": p.input, "output": f"{base}{p.output}" if p.output else None,
            "logs": "", "error": p.error, "metrics": metrics,
            "created_at": _iso(p.created_wall), "started_at": _iso(wall(p, p.started)),
            "completed_at": _iso(wall(p, p.completed)),
            "urls": {
                "get": f"{base}/v1/predictions/{p.id}",
                "cancel": f"{base}/v1/predictions/{p.id}/cancel",
                "web": f"https://replicate.com/p/{p.id}",
            },
        }  # fmt: skip

    def file_json(f: StoredFile, base: str) -> dict[str, Any]:
        return {
            "id": f.id, "name": f.name, "content_type": f.content_type, "size": len(f.data),
            "etag": hashlib.md5(f.data).hexdigest(),  # noqa: S324 - an ETag, not security
            "checksums": {
                "sha256": hashlib.sha256(f.data).hexdigest(),
                "md5": hashlib.md5(f.data).hexdigest(),  # noqa: S324
            },
            "metadata": f.metadata, "created_at": _iso(f.created_wall),
            "expires_at": _iso(f.created_wall + FILE_TTL),
            "urls": {"get": f"{base}/v1/files/{f.id}"},
        }  # fmt: skip

    def base_of(request: Request) -> str:
        return str(request.base_url).rstrip("/")

    async def record(request: Request) -> tuple[RecordedRequest, bytes]:
        body = await request.body()
        entry = RecordedRequest(
            request.method, request.url.path, _masked(request.headers), len(body)
        )
        behaviour.requests.append(entry)
        return entry, body

    def answer(entry: RecordedRequest, response: Response) -> Response:
        entry.status = response.status_code
        if response.status_code >= 400:
            behaviour.refused.append(
                (response.status_code, bytes(response.body).decode("utf-8", "replace"))
            )
        return response

    def guard(entry: RecordedRequest, request: Request) -> Response | None:
        """Auth and the rate limit of every non-create call."""
        refused = replicate_unauthenticated(request.headers, behaviour.token)
        if refused is not None:
            return answer(entry, to_starlette(refused))
        if behaviour.throttle():
            headers = {"Retry-After": behaviour.retry_after} if behaviour.retry_after else None
            return answer(
                entry, JSONResponse({"detail": THROTTLED}, status_code=429, headers=headers)
            )
        return None

    def not_found(entry: RecordedRequest, what: str) -> Response:
        return answer(entry, to_starlette(problem(404, "Not found", f"{what} was not found")))

    def missing_upload(p_input: dict[str, Any], base: str) -> str | None:
        """The error of a prediction whose input points at a deleted or unknown upload."""
        for name in ("input_image_1", "input_image_2"):
            value = p_input.get(name)
            if not isinstance(value, str) or not value.startswith(f"{base}/v1/files/"):
                continue
            file_id = urlsplit(value).path.removeprefix("/v1/files/")
            if file_id not in behaviour.files:
                return f"Failed to download {name} from {value}: 404 Not Found"
        return None

    @app.post("/v1/models/{owner}/{name}/predictions")
    async def create(owner: str, name: str, request: Request) -> Response:
        entry, body = await record(request)
        refused = check_replicate_create(request.headers, body, token=behaviour.token)
        if refused is not None:
            return answer(entry, to_starlette(refused))
        data = json.loads(body)
        behaviour.created += 1
        now = behaviour.clock()
        pid = f"fake{behaviour.created}"
        p = Prediction(pid, f"{owner}/{name}", data["input"], now, datetime.now(UTC))
        cancel_after = request.headers.get("cancel-after")
        if cancel_after is not None:
            p.cancel_at = now + (parse_go_duration(cancel_after) or 0.0)
        p.input_error = missing_upload(p.input, base_of(request))
        behaviour.predictions[pid] = p
        if behaviour.mode == "hang_on_create":
            await asyncio.sleep(60)
        prefer = request.headers.get("prefer")
        if prefer is not None:
            # Sync mode: hold the request until the prediction ends or the wait passes.
            # The hold is real time (it is about the HTTP request), whatever the clock.
            wait_until = time.monotonic() + (parse_prefer_wait(prefer) or 0)
            while True:
                behaviour.advance(p)
                if p.status in TERMINAL or time.monotonic() >= wait_until:
                    break
                await asyncio.sleep(0.02)
        # Without Prefer the answer is the fresh prediction: a prediction starts asynchronously
        # after the API call returns, so Replicate answers ``starting``.
        base = base_of(request)
        location = {"Location": f"{base}/v1/predictions/{pid}"}
        return answer(entry, JSONResponse(as_json(p, base), status_code=201, headers=location))

    @app.get("/v1/predictions/{pid}")
    async def get(pid: str, request: Request) -> Response:
        entry, _ = await record(request)
        refused = guard(entry, request)
        if refused is not None:
            return refused
        p = behaviour.predictions.get(pid)
        if p is None:
            return not_found(entry, f"Prediction {pid}")
        behaviour.polls += 1
        p.polls += 1
        behaviour.advance(p)
        return answer(entry, JSONResponse(as_json(p, base_of(request))))

    @app.post("/v1/predictions/{pid}/cancel")
    async def cancel(pid: str, request: Request) -> Response:
        entry, _ = await record(request)
        refused = guard(entry, request)
        if refused is not None:
            return refused
        p = behaviour.predictions.get(pid)
        if p is None:
            return not_found(entry, f"Prediction {pid}")
        behaviour.cancels.append(pid)
        behaviour.advance(p)
        if p.status not in TERMINAL:  # one that already ended stays as it is
            behaviour.end(p, "canceled", behaviour.clock())
        return answer(entry, JSONResponse(as_json(p, base_of(request))))

    @app.post("/v1/files")
    async def upload(request: Request) -> Response:
        entry, body = await record(request)
        refused = guard(entry, request)
        if refused is not None:
            return refused
        wrong = check_replicate_file_upload(request.headers, body, token=behaviour.token)
        if wrong is not None:
            return answer(entry, to_starlette(wrong))
        parts = parse_multipart(request.headers, body) or {}
        headers, data = parts["content"]
        name = parts["filename"][1].decode() if "filename" in parts else headers["filename"]
        if "type" in parts:
            content_type = parts["type"][1].decode()
        else:
            content_type = headers.get("content-type", "application/octet-stream")
        metadata = json.loads(parts["metadata"][1]) if "metadata" in parts else {}
        file_id = f"file{len(behaviour.uploads) + 1}"
        stored = StoredFile(file_id, name, content_type, data, metadata, datetime.now(UTC))
        behaviour.files[file_id] = stored
        behaviour.uploads.append(file_id)
        return answer(entry, JSONResponse(file_json(stored, base_of(request)), status_code=201))

    @app.get("/v1/files/{file_id}")
    async def file_info(file_id: str, request: Request) -> Response:
        entry, _ = await record(request)
        refused = guard(entry, request)
        if refused is not None:
            return refused
        stored = behaviour.files.get(file_id)
        if stored is None:
            return not_found(entry, f"File {file_id}")
        return answer(entry, JSONResponse(file_json(stored, base_of(request))))

    @app.delete("/v1/files/{file_id}")
    async def delete(file_id: str, request: Request) -> Response:
        entry, _ = await record(request)
        refused = guard(entry, request)
        if refused is not None:
            return refused
        if behaviour.files.pop(file_id, None) is None:
            return not_found(entry, f"File {file_id}")
        behaviour.deletes.append(file_id)
        return answer(entry, Response(status_code=204))

    @app.get("/files/out.png")
    async def output_file() -> Response:
        return Response(png_bytes((128, 128), color=(10, 160, 10)), media_type="image/png")

    return app
