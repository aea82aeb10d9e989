"""Admission: whether a generation may start, decided before a byte of its upload is read.

In order: the process is not draining; a browser request comes from our own
origin (cross-site form posts are refused); the engine is configured; the
process has a free place (``MAX_CONCURRENT_GENERATIONS``); the client is
within its limits; the day's budget has room for the engine's price.  What
was taken is given back by ``Admission.close()``, once, when the generation's
job ends (not when its client leaves: the job runs on, and so does its cost).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from webtoon_core.errors import Busy, ServiceUnavailable, ShuttingDown
from webtoon_core.identity import Identity, identify
from webtoon_core.limits import ClientLimits, DailyBudget, Reservation
from webtoon_core.metrics import ServiceMetrics
from webtoon_core.security import refuse_cross_site
from webtoon_core.settings import CommonSettings

log = logging.getLogger("webtoon_core.admission")


@dataclass
class Admission:
    """What one admitted generation holds, and how it gives it back."""

    identity: Identity
    engine: str
    model: str
    reservation: Reservation
    metrics: ServiceMetrics
    _release_place: Callable[[], None]
    _release_client: Callable[[], None]
    _closed: bool = field(default=False, repr=False)

    def submitted(self) -> None:
        """The provider has the task: its price is spent (estimated)."""
        if self.reservation.spend() and self.reservation.price > 0:
            self.metrics.spend.labels(self.metrics.service, self.engine, self.model).inc(
                self.reservation.price
            )

    def close(self, *_: Any) -> None:
        if self._closed:
            return
        self._closed = True
        self._release_place()
        self.reservation.cancel()  # nothing if spent
        self._release_client()


def _nothing() -> None:
    """The release of a limit that was not taken."""


class Gate:
    """The admission state of one process: places, per-client limits, the day's budget."""

    def __init__(self, settings: CommonSettings, metrics: ServiceMetrics) -> None:
        self.settings = settings
        self.metrics = metrics
        self.active = 0  # generations being served (one event loop: no lock needed)
        self.limits = ClientLimits(settings.rate_limit_per_minute, settings.rate_limit_in_flight)
        self.budget = DailyBudget(settings.daily_budget_usd, settings.budget_timezone)

    def admit(self, request: Request, engine: Any) -> Admission:
        """Admit a generation or raise the refusal (an ``AppError``) at once."""
        settings = self.settings
        if getattr(request.app.state, "draining", False):
            raise ShuttingDown(headers={"Retry-After": "5"})
        refuse_cross_site(request.headers, settings.cors_origins)
        if (reason := engine.not_ready_reason()) is not None:
            raise ServiceUnavailable(reason)
        if self.active >= settings.max_concurrent_generations:
            log.warning("동시 생성 한도 %d건 도달: BUSY", settings.max_concurrent_generations)
            raise Busy(headers={"Retry-After": "15"})
        identity: Identity = getattr(request.state, "identity", None) or identify(
            request.scope, settings
        )
        # The local engine costs nothing and is bounded by the process's places: client
        # limits and the budget guard the studio's money, spent by real engines only.
        paid = engine.name != "local"
        release_client = self.limits.admit(identity.client_key) if paid else _nothing
        model = getattr(engine, "model", engine.name)
        try:
            reservation = self.budget.reserve(settings.price_of(engine.name, model))
        except BaseException:
            release_client()
            raise
        self.active += 1
        self.metrics.started.labels(self.metrics.service, engine.name, identity.label).inc()

        def release_place() -> None:
            self.active -= 1

        return Admission(
            identity=identity,
            engine=engine.name,
            model=model,
            reservation=reservation,
            metrics=self.metrics,
            _release_place=release_place,
            _release_client=release_client,
        )
