"""Server-sent events for a generation: ``Accept: text/event-stream`` on the generate route.

A stream starts only for an accepted generation: a refusal up to the end of
intake (busy, bad fields or images, a slow upload) answers the plain JSON
error with its real status and headers, as without the header.

Events, in order: ``accepted`` -> ``prepared`` (uploads normalised) ->
``submitted`` (provider task id) -> ``progress``* (status, fraction where the
provider gives one) -> ``done`` (the image as a data URL) or ``error`` (the
same code, Korean message and request id as the JSON error shape, plus the
HTTP status the plain request would have answered).  Comment lines keep idle
connections open; ``X-Accel-Buffering: no`` tells nginx (ours and the
ingress) not to buffer.  When the client goes away the stream is cancelled,
and with it the provider wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import StreamingResponse

from webtoon_core.errors import AppError

MEDIA_TYPE = "text/event-stream"
HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def wants_events(request: Request) -> bool:
    return MEDIA_TYPE in request.headers.get("accept", "")


def format_event(event: str, data: dict[str, Any]) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # A lone surrogate from a provider's answer cannot be sent as UTF-8: it would end
    # the stream mid-way. Replace it instead.
    text = text.encode("utf-8", "replace").decode("utf-8")
    return f"event: {event}\ndata: {text}\n\n"


def error_data(exc: AppError, request_id: str | None) -> dict[str, Any]:
    return {"code": exc.code, "message": exc.message, "request_id": request_id, "status": exc.status}


class EventStream:
    """A queue of events fed by the generation task and drained into the response."""

    def __init__(self, heartbeat_s: float) -> None:
        self.heartbeat_s = heartbeat_s
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()

    def emit(self, event: str, data: dict[str, Any]) -> None:
        self._queue.put_nowait(format_event(event, data))

    def close(self) -> None:
        self._queue.put_nowait(None)

    async def _body(self, task: asyncio.Future[None] | None) -> AsyncIterator[str]:
        try:
            while True:
                try:
                    item = await asyncio.wait_for(self._queue.get(), self.heartbeat_s)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                if item is None:
                    return
                yield item
        finally:
            # The client left (or the stream ended): stop the generation and its provider wait.
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    def response(self, task: asyncio.Future[None] | None) -> StreamingResponse:
        """Stream the queued events; ``task`` (the generation) is cancelled if the stream ends early."""
        return StreamingResponse(self._body(task), media_type=MEDIA_TYPE, headers=HEADERS)
