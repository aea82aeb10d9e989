"""What one client may start: generations per minute and at once, and the day's budget.

Per client (the signed-in user, or the client address when anonymous; see
``identity``), for generations on a real (paid) engine: at most
``RATE_LIMIT_PER_MINUTE`` generations started in any 60 seconds and
``RATE_LIMIT_IN_FLIGHT`` running at once; beyond either,
``429 RATE_LIMITED`` with ``Retry-After``.  Limits count what a client
started, not what it is still connected to: a generation's in-flight place is
given back when its job ends, and a client that leaves leaves its job
running (and billed).

Per deployment: ``DAILY_BUDGET_USD`` of estimated spend (price per image from
``PRICES_USD``) a day, the day ending at midnight in ``BUDGET_TIMEZONE``.
A real-engine generation reserves its price at admission; the reservation
becomes spend when the generation reaches the provider and is given back if
it never does.  Once spend and reservations reach the budget, new real-engine
generations answer ``429 BUDGET_EXHAUSTED`` until the day turns.  Each
replica counts its own spend and adds what the other replicas of the service
reported to the job store (``Reaper.share_spend``, every few seconds): the
budget holds for the deployment, give or take what starts within one
exchange.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from webtoon_core.errors import BudgetExhausted, RateLimited

WINDOW_S = 60.0
IN_FLIGHT_RETRY_AFTER_S = 15


@dataclass
class _Client:
    starts: deque[float] = field(default_factory=deque)
    in_flight: int = 0


class ClientLimits:
    """Sliding-window start counts and in-flight counts per client key (one event loop)."""

    def __init__(
        self, per_minute: int, in_flight: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.per_minute = per_minute
        self.in_flight = in_flight
        self._clock = clock
        self._clients: dict[str, _Client] = {}

    def admit(self, key: str) -> Callable[[], None]:
        """Count a start for ``key`` or raise ``RateLimited``; returns ``release()``.

        ``release()`` gives the in-flight place back (calling it again does nothing).
        """
        now = self._clock()
        client = self._clients.setdefault(key, _Client())
        while client.starts and now - client.starts[0] >= WINDOW_S:
            client.starts.popleft()
        if self.in_flight and client.in_flight >= self.in_flight:
            raise RateLimited(
                f"동시에 {self.in_flight}건까지 생성할 수 있습니다. "
                "진행 중인 생성이 끝난 뒤 다시 시도해 주세요.",
                headers={"Retry-After": str(IN_FLIGHT_RETRY_AFTER_S)},
                log_detail=f"{key} has {client.in_flight} in flight",
            )
        if self.per_minute and len(client.starts) >= self.per_minute:
            wait = max(1, math.ceil(WINDOW_S - (now - client.starts[0])))
            raise RateLimited(
                f"1분에 {self.per_minute}건까지 생성을 시작할 수 있습니다. "
                f"{wait}초 후 다시 시도해 주세요.",
                headers={"Retry-After": str(wait)},
                log_detail=f"{key} started {len(client.starts)} in the last minute",
            )
        client.starts.append(now)
        client.in_flight += 1
        released = False

        def give_back() -> None:
            client.in_flight -= 1
            if client.in_flight == 0 and not client.starts:
                self._clients.pop(key, None)

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                give_back()

        return release

    def forget_idle(self) -> None:
        """Drop clients with nothing in flight and no start in the window (bounds memory)."""
        now = self._clock()
        for key, client in list(self._clients.items()):
            while client.starts and now - client.starts[0] >= WINDOW_S:
                client.starts.popleft()
            if not client.starts and client.in_flight == 0:
                del self._clients[key]


class DailyBudget:
    """Estimated spend of the day against ``DAILY_BUDGET_USD``: this replica's and the others'."""

    def __init__(
        self,
        budget_usd: float | None,
        timezone: str,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.budget_usd = budget_usd
        self.zone = ZoneInfo(timezone)
        self._now = now or (lambda: datetime.now(self.zone))
        self._day = self._today()
        self._spent = 0.0
        self._reserved = 0.0
        # What the service's other replicas spent today, as they last reported it.
        self._others = 0.0
        self._others_day = self._day

    def _today(self) -> str:
        return self._now().astimezone(self.zone).date().isoformat()

    def today(self) -> str:
        """The budget's day (ISO date in ``BUDGET_TIMEZONE``)."""
        return self._today()

    def _roll(self) -> None:
        today = self._today()
        if today != self._day:
            self._day, self._spent = today, 0.0

    def resets_at(self) -> datetime:
        """The next midnight in the budget's time zone."""
        now = self._now().astimezone(self.zone)
        return datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), self.zone)

    @property
    def spent_today(self) -> float:
        """This replica's spend today."""
        self._roll()
        return self._spent

    def carry_over(self, day: str, usd: float) -> None:
        """Take up this replica's own earlier report of ``day`` (a restart under the same name)."""
        if day == self._today():
            self._roll()
            self._spent = max(self._spent, usd)

    def set_others(self, day: str, usd: float) -> None:
        """What the other replicas reported for ``day`` (a report of another day is ignored)."""
        if day == self._today():
            self._others_day, self._others = day, max(0.0, usd)

    @property
    def others_today(self) -> float:
        return self._others if self._others_day == self._today() else 0.0

    @property
    def total_today(self) -> float:
        """The deployment's spend today: this replica's and the others' last reports."""
        return self.spent_today + self.others_today

    def reserve(self, price: float) -> Reservation:
        """Hold ``price`` against today's budget, or raise ``BudgetExhausted``."""
        self._roll()
        if self.budget_usd is not None and price > 0:
            if self.total_today + self._reserved + price > self.budget_usd + 1e-9:
                reset = self.resets_at()
                seconds = max(1, math.ceil((reset - self._now()).total_seconds()))
                raise BudgetExhausted(
                    f"오늘의 이미지 생성 예산(${self.budget_usd:g})을 모두 썼습니다. "
                    f"예산은 {reset:%m월 %d일 %H:%M} ({self.zone.key})에 초기화됩니다.",
                    headers={"Retry-After": str(seconds)},
                    log_detail=(
                        f"spent {self._spent:.2f} + other replicas {self.others_today:.2f}"
                        f" + reserved {self._reserved:.2f} USD"
                    ),
                )
        self._reserved += price
        return Reservation(self, price)

    def _settle(self, price: float, spent: bool) -> None:
        self._reserved -= price
        if spent:
            self._roll()
            self._spent += price


class Reservation:
    """One generation's hold on the budget: ``spend()`` once it reached the provider."""

    def __init__(self, budget: DailyBudget, price: float) -> None:
        self._budget = budget
        self.price = price
        self._open = True

    def spend(self) -> bool:
        """Count the price as spent; True the first time."""
        if not self._open:
            return False
        self._open = False
        self._budget._settle(self.price, spent=True)
        return True

    def cancel(self) -> None:
        """Give the reservation back (the generation never reached the provider)."""
        if self._open:
            self._open = False
            self._budget._settle(self.price, spent=False)
