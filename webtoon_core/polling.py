"""The one deadline of a generation, and bounded polling inside it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from webtoon_core.errors import PollsExhausted, UpstreamError, UpstreamRateLimited

log = logging.getLogger("webtoon_core.polling")

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


class UnusableAnswer(Exception):  # noqa: N818 - a poll outcome, not a failure of ours
    """A poll answer we cannot act on: a network blip, a 5xx, garbage, a status we don't know.

    One is retried at the next poll; ``MAX_UNUSABLE`` in a row end the
    generation as ``UPSTREAM_ERROR`` (the provider's SDKs fail an unknown
    status at once; we allow a few, in case it was a one-off).
    """


MAX_UNUSABLE = 3


async def poll(
    check: Callable[[int], Awaitable[T | None]],
    *,
    interval: float,
    max_polls: int,
    deadline: Deadline,
    provider: str,
) -> T:
    """Call ``check(attempt)`` every ``interval`` seconds until it returns a value.

    Waits with ``asyncio.sleep`` before each check (the caller has just
    submitted the task), at most ``max_polls`` checks, then raises
    ``PollsExhausted``.  ``check`` raises ``UnusableAnswer`` for an answer to
    try again, any ``AppError`` to end the generation.  A throttled poll
    (``UpstreamRateLimited``) waits what the provider asked, or twice the
    interval, and counts as a poll.  The overall deadline is the caller's
    ``asyncio.timeout``; ``deadline`` only decides whether a wait is worth it.
    """
    unusable = 0
    for attempt in range(1, max_polls + 1):
        await asyncio.sleep(interval)
        try:
            result = await check(attempt)
        except UnusableAnswer as exc:
            unusable += 1
            log.warning(
                "%s 상태 조회 응답을 쓸 수 없습니다 (%d/%d): %s",
                provider,
                unusable,
                MAX_UNUSABLE,
                exc,
            )
            if unusable >= MAX_UNUSABLE:
                detail = f"{unusable} unusable answers in a row, last: {exc}"
                raise UpstreamError(log_detail=f"{provider} polling: {detail}") from None
            continue
        except UpstreamRateLimited as exc:
            wait = max(exc.retry_after or 0.0, interval * 2)
            if wait >= deadline.remaining():
                raise
            log.warning(
                "%s 상태 조회가 요청 한도(429)에 걸렸습니다: %.0f초 후 다시 조회합니다",
                provider,
                wait,
            )
            await asyncio.sleep(wait)
            continue
        unusable = 0
        if result is not None:
            return result
    raise PollsExhausted()


async def retry_rate_limited(
    call: Callable[[], Awaitable[T]],
    deadline: Deadline,
    *,
    first_backoff: float = 1.0,
    max_backoff: float = 8.0,
) -> T:
    """Run ``call``, retrying a provider 429 while the deadline leaves room.

    Creating a task is refused with 429 when the account's active-task limit is
    reached (BFL: 6 for Kontext Max, shared by every replica); such a slot
    frees up within seconds, so waiting beats failing.  Waits the provider's
    ``Retry-After`` or an exponential backoff (1, 2, 4, 8 s), whichever is
    longer; when that wait would pass the deadline, the 429 is answered at once.
    """
    backoff = first_backoff
    while True:
        try:
            return await call()
        except UpstreamRateLimited as exc:
            wait = max(exc.retry_after or 0.0, backoff)
            if wait >= deadline.remaining():
                raise
            log.warning("제공자 요청 한도(429): %.0f초 후 다시 시도합니다", wait)
            await asyncio.sleep(wait)
            backoff = min(backoff * 2, max_backoff)
