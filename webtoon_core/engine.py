"""What an engine is, and what the app lends it.

Each service has a real engine (a provider) and a local one; both satisfy
``Engine`` so the request path never knows which is running.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

import httpx
from pydantic import BaseModel

from webtoon_core.downloads import ResultFetcher
from webtoon_core.images import PreparedImage
from webtoon_core.polling import Deadline
from webtoon_core.settings import CommonSettings

P = TypeVar("P", bound=BaseModel, contravariant=True)
S = TypeVar("S", bound=CommonSettings)

RunSync = Callable[..., Awaitable[Any]]
Emit = Callable[[str, dict[str, Any]], None]


def ignore_event(event: str, data: dict[str, Any]) -> None:
    """The plain (non-streaming) request path: nobody is listening."""


@dataclass
class GenerationContext:
    """Per-request state an engine reports into: logs, metrics and live progress."""

    deadline: Deadline
    polls: int = 0
    task_id: str | None = None
    emit: Emit = field(default=ignore_event)

    def submitted(self, task_id: str) -> None:
        self.task_id = task_id
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

    def not_ready_reason(self) -> str | None:
        """Korean reason the engine cannot serve (e.g. a missing key), or None."""

    async def generate(
        self, params: P, images: Mapping[str, PreparedImage], ctx: GenerationContext
    ) -> bytes:
        """Produce the image bytes; raise ``AppError`` subclasses on failure."""

    async def aclose(self) -> None:
        """Release what the engine holds."""


@dataclass(frozen=True)
class EngineResources(Generic[S]):
    """Long-lived things the app builds once and lends to its engine."""

    settings: S
    http: httpx.AsyncClient
    results: ResultFetcher
    run_sync: RunSync


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
    ) -> None:
        self._run_sync: RunSync = resources.run_sync
        self._render = render

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

    async def aclose(self) -> None:
        return None
