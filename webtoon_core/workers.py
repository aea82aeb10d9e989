"""The worker pool's one door: ``run_sync(fn, *args)`` runs CPU work off the event loop.

Image decoding, encoding and rendering are CPU-bound and must never run on
the event loop; every such call goes through the ``RunSync`` the app builds
once, around one ``ThreadPoolExecutor`` sized from the container's CPU limit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from functools import partial
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class RunSync(Protocol):
    """Run ``fn(*args)`` in the worker pool; the awaitable gives its result."""

    def __call__(self, fn: Callable[..., T], /, *args: Any) -> Awaitable[T]: ...


def run_sync_in(executor: Executor) -> RunSync:
    """The ``RunSync`` of ``executor``, on the running event loop."""
    loop = asyncio.get_running_loop()

    def run_sync(fn: Callable[..., T], /, *args: Any) -> Awaitable[T]:
        return loop.run_in_executor(executor, partial(fn, *args))

    return run_sync
