"""A process-wide allowance of memory for image decodes, waited for asynchronously.

Every decode first estimates, from the image header, the most memory it will
hold at once (see ``webtoon_core.images``), then reserves that many bytes here
before its work goes to the thread pool. Reservations add up to at most the
capacity; a decode that does not fit waits (on the event loop, never in a
worker thread, so waiting holds no thread and no decoded pixels) in first-come
order, so a large decode is never starved by a stream of small ones.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from webtoon_core.errors import AppError

log = logging.getLogger("webtoon_core.decode_budget")

MIB = 1024 * 1024


@dataclass(eq=False)
class _Waiter:
    need: int
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[None]
    granted: bool = field(default=False)


class DecodeBudget:
    """Bytes that concurrent decodes may reserve, shared by every thread and event loop.

    Thread-safe: the bookkeeping is under a lock and waiters are woken on their own
    loop, so one instance can serve the whole process even when tests run several
    apps on several loops.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._in_use = 0
        self._waiters: deque[_Waiter] = deque()
        self._lock = threading.Lock()

    @property
    def in_use(self) -> int:
        """Bytes reserved right now."""
        return self._in_use

    @property
    def waiting(self) -> int:
        """Decodes waiting for room."""
        return len(self._waiters)

    async def acquire(self, need: int, *, refuse: AppError) -> None:
        """Reserve ``need`` bytes, waiting for room; raise ``refuse`` if it can never fit.

        Cancelling the wait reserves nothing. The caller must ``release(need)`` once
        the decode's memory is gone (not merely when it stops waiting for it).
        """
        if need > self.capacity:
            raise refuse
        need = max(0, need)
        with self._lock:
            if not self._waiters and self._in_use + need <= self.capacity:
                self._in_use += need
                return
            loop = asyncio.get_running_loop()
            waiter = _Waiter(need, loop, loop.create_future())
            self._waiters.append(waiter)
            log.debug(
                "디코딩 메모리 대기: %d MB 필요, %d/%d MB 사용 중",
                need // MIB,
                self._in_use // MIB,
                self.capacity // MIB,
            )
        try:
            await waiter.future
        except asyncio.CancelledError:
            with self._lock:
                if waiter.granted:
                    self._in_use -= need  # granted just as we were cancelled: give it back
                else:
                    self._waiters.remove(waiter)
                self._wake_locked()
            raise

    def release(self, need: int) -> None:
        """Give back bytes reserved by ``acquire`` and wake the waiters that now fit."""
        with self._lock:
            self._in_use -= max(0, need)
            self._wake_locked()

    def _wake_locked(self) -> None:
        # Strict arrival order: the first waiter blocks the ones behind it until it fits.
        while self._waiters and self._in_use + self._waiters[0].need <= self.capacity:
            waiter = self._waiters.popleft()
            self._in_use += waiter.need
            waiter.granted = True
            try:
                waiter.loop.call_soon_threadsafe(_grant, waiter.future)
            except RuntimeError:  # its loop is closed: nobody will use the reservation
                self._in_use -= waiter.need


def _grant(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        libc = ctypes.CDLL(None)  # the symbols already loaded into this process
    except OSError:
        return None
    trim = getattr(libc, "malloc_trim", None)  # glibc only; musl and macOS have none
    if trim is None:
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    function: Callable[[int], int] = trim
    return function


_MALLOC_TRIM = _malloc_trim()


def give_back_freed_memory() -> None:
    """Return the C heap's free pages to the operating system (a no-op without glibc).

    The budget bounds the memory decodes hold, but RSS follows only if freed memory
    leaves the process: Pillow allocates large images in 16 MiB blocks, and once glibc
    has seen such a block freed it serves the next ones from per-thread arenas and
    keeps them when they are freed. Two worker threads that each decoded a 40 MP PNG
    one after the other then hold 525 MiB of RSS instead of 357 (measured). Costs
    0.2-15 ms, so it is called after large decodes only.
    """
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)
