"""Server-sent events: a job's events as ``text/event-stream``.

A stream starts only for an accepted generation: a refusal up to the end of
intake (busy, bad fields or images, a slow upload) answers the plain JSON
error with its real status and headers, as without the header.

Events, in order: ``accepted`` (the job id) -> ``prepared`` (uploads
normalised) -> ``submitted`` (provider task id) -> ``progress``* (status,
fraction where the provider gives one) -> ``done`` (the result) or ``error``
(the same code, Korean message and request id as the JSON error shape, plus
the HTTP status the plain request would have answered).  Every event carries
an SSE ``id:`` (its sequence number in the job), so a follower that
reconnects with ``Last-Event-ID`` gets only what it missed.  Comment lines
keep idle connections open; ``X-Accel-Buffering: no`` tells nginx (ours and
the ingress) not to buffer.  A follower that leaves stops following; the
job runs on.
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
EventTuple = tuple[int | None, str, dict[str, Any]]


def wants_events(request: Request) -> bool:
    return MEDIA_TYPE in request.headers.get("accept", "")


def format_event(event: str, data: dict[str, Any], seq: int | None = None) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # A lone surrogate from a provider's answer cannot be sent as UTF-8: it would end
    # the stream mid-way. Replace it instead.
    text = text.encode("utf-8", "replace").decode("utf-8")
    head = f"id: {seq}\n" if seq is not None else ""
    return f"{head}event: {event}\ndata: {text}\n\n"


def error_data(exc: AppError, request_id: str | None) -> dict[str, Any]:
    return {
        "code": exc.code,
        "message": exc.message,
        "request_id": request_id,
        "status": exc.status,
    }


def last_event_id(request: Request) -> int:
    """The ``Last-Event-ID`` a reconnecting follower sends (0: from the start)."""
    raw = request.headers.get("last-event-id", "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else 0


async def _with_heartbeats(
    source: AsyncIterator[EventTuple], heartbeat_s: float
) -> AsyncIterator[str]:
    pending: asyncio.Future[EventTuple] | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(anext(source))
            done, _ = await asyncio.wait({pending}, timeout=heartbeat_s)
            if not done:
                yield ": keep-alive\n\n"
                continue
            try:
                seq, name, data = pending.result()
            except StopAsyncIteration:
                return
            finally:
                if pending.done():
                    pending = None
            yield format_event(name, data, seq)
    finally:
        if pending is not None:
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                await pending
        aclose = getattr(source, "aclose", None)
        if aclose is not None:
            await aclose()


def event_response(source: AsyncIterator[EventTuple], heartbeat_s: float) -> StreamingResponse:
    """Stream ``(seq, name, data)`` events as SSE, with keep-alive comments while idle."""
    return StreamingResponse(
        _with_heartbeats(source, heartbeat_s), media_type=MEDIA_TYPE, headers=HEADERS
    )
