"""The one deadline of a generation, and bounded polling inside it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from webtoon_core.errors import GenerationTimeout

T = TypeVar("T")


class Deadline:
    """A point in loop time; engines ask it how long they may still wait."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._loop = asyncio.get_running_loop()
        self.when = self._loop.time() + seconds

    def remaining(self) -> float:
        return max(0.0, self.when - self._loop.time())

    def elapsed(self) -> float:
        return self.seconds - (self.when - self._loop.time())


class PollsExhausted(GenerationTimeout):
    """``max_polls`` answers came back unfinished."""


async def poll(
    check: Callable[[int], Awaitable[T | None]], *, interval: float, max_polls: int
) -> T:
    """Call ``check(attempt)`` every ``interval`` seconds until it returns a value.

    Waits with ``asyncio.sleep`` before each check (the caller has just
    submitted the task), at most ``max_polls`` checks, then raises
    ``PollsExhausted``.  The overall deadline is the caller's ``asyncio.timeout``.
    """
    for attempt in range(1, max_polls + 1):
        await asyncio.sleep(interval)
        result = await check(attempt)
        if result is not None:
            return result
    raise PollsExhausted()
