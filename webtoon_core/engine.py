"""What an engine is, and what the app lends it.

Each service has a real engine (a provider) and a local one; both satisfy
``Engine`` so the request path never knows which is running.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

import httpx
from pydantic import BaseModel

from webtoon_core.downloads import ResultFetcher, parse_origins
from webtoon_core.images import PreparedImage
from webtoon_core.metrics import ServiceMetrics
from webtoon_core.polling import Deadline
from webtoon_core.settings import CommonSettings
from webtoon_core.workers import RunSync

P = TypeVar("P", bound=BaseModel, contravariant=True)
S = TypeVar("S", bound=CommonSettings)

_PRINTABLE_KEY = re.compile(r"^[\x21-\x7e]+$")
Emit = Callable[[str, dict[str, Any]], None]


def key_problem(name: str, value: str, *, missing: str) -> str | None:
    """Why the provider key in setting ``name`` cannot be used, or None; never quotes the value.

    ``missing`` is the service's own message for an unset key (the runbook
    quotes it).  A key with a space, a line break or a non-ASCII character
    would make the HTTP client raise with the header value in its message
    (and so in a traceback): such a key is refused here, and the service
    reports not-ready.
    """
    if not value:
        return missing
    if not _PRINTABLE_KEY.match(value):
        return (
            f"{name} 값에 공백이나 허용되지 않는 문자가 있습니다. "
            "관리자에게 Secret 값 확인을 요청해 주세요."
        )
    return None


def base_url_problem(name: str, url: str, particle: str = "이") -> str | None:
    """Why a provider's API base URL cannot carry its key, or None.

    The key travels to this origin: HTTPS only (plain HTTP only to loopback,
    which is what test fakes use).
    """
    try:
        parse_origins([url.rstrip("/")])
    except ValueError:
        return (
            f"{name}{particle} 올바르지 않습니다 (https:// 주소여야 합니다). "
            "관리자에게 설정 확인을 요청해 주세요."
        )
    return None


def ignore_event(event: str, data: dict[str, Any]) -> None:
    """The plain (non-streaming) request path: nobody is listening."""


@dataclass
class GenerationContext:
    """Per-request state an engine reports into: logs, metrics and live progress."""

    deadline: Deadline
    polls: int = 0
    task_id: str | None = None
    emit: Emit = field(default=ignore_event)
    # Told when the provider has the task: its id and what resuming it needs (the job
    # keeps both, so another replica can finish the job if this one dies).
    on_submitted: Callable[[str, dict[str, str]], None] = field(default=lambda task, ref: None)
    # Set when this process stops before the job ends: the provider's task is left to
    # run, for the replica that takes the job over (a cancelled wait must not cancel it).
    handing_over: bool = False

    def submitted(self, task_id: str, resume: dict[str, str] | None = None) -> None:
        self.task_id = task_id
        self.on_submitted(task_id, resume or {})
        self.emit("submitted", {"task_id": task_id})

    def progress(self, status: str, fraction: float | None = None) -> None:
        """The provider's state; ``fraction`` in 0..1 where the provider gives one."""
        if fraction is not None:
            fraction = min(1.0, max(0.0, float(fraction)))
        self.emit(
            "progress",
            {
                "status": status,
                "progress": fraction,
                "polls": self.polls,
                "elapsed_s": round(self.deadline.elapsed(), 1),
            },
        )


class Engine(Protocol[P]):
    name: str
    model: str  # what the price table knows it by (with ``name``)

    def not_ready_reason(self) -> str | None:
        """Korean reason the engine cannot serve (e.g. a missing key), or None."""

    async def generate(
        self, params: P, images: Mapping[str, PreparedImage], ctx: GenerationContext
    ) -> bytes:
        """Produce the image bytes; raise ``AppError`` subclasses on failure."""

    async def resume(self, resume: Mapping[str, str], ctx: GenerationContext) -> bytes | None:
        """Finish a task another replica submitted (from what ``submitted`` recorded).

        None when this engine cannot resume anything (the local engine renders in
        the process that died).
        """

    async def aclose(self) -> None:
        """Release what the engine holds."""


@dataclass(frozen=True)
class EngineResources(Generic[S]):
    """Long-lived things the app builds once and lends to its engine."""

    settings: S
    http: httpx.AsyncClient
    results: ResultFetcher
    run_sync: RunSync
    metrics: ServiceMetrics


class LocalEngine(Generic[P]):
    """An engine that renders on this machine: no network, no key, always ready.

    ``render(params, images) -> bytes`` is the service's own Pillow code; it
    runs in the worker pool, never on the event loop.
    """

    name = "local"

    def __init__(
        self,
        resources: EngineResources[Any],
        render: Callable[[P, Mapping[str, PreparedImage]], bytes],
        model: str = "local",
    ) -> None:
        self._run_sync: RunSync = resources.run_sync
        self._render = render
        self.model = model

    def not_ready_reason(self) -> str | None:
        return None

    async def generate(
        self, params: P, images: Mapping[str, PreparedImage], ctx: GenerationContext
    ) -> bytes:
        ctx.submitted("local")
        ctx.progress("rendering", 0.0)
        data: bytes = await self._run_sync(self._render, params, images)
        ctx.progress("rendered", 1.0)
        return data

    async def resume(self, resume: Mapping[str, str], ctx: GenerationContext) -> bytes | None:
        return None  # the render died with its process: nothing to pick up

    async def aclose(self) -> None:
        return None
