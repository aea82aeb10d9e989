"""Webhooks: when a job ends, its JSON is POSTed to the URL the request gave.

Signed as the Standard Webhooks specification says (``webhook-id``,
``webhook-timestamp``, ``webhook-signature``; secret ``WEBHOOK_SECRET``, by
the ``standardwebhooks`` library) and retried with backoff.  Only URLs on
``WEBHOOK_HOSTS`` are accepted (scheme, host and port, as for provider
results): a webhook must not become our way into internal addresses.  With
no hosts or no secret configured, webhooks are off and the field is
refused.  A delivery is attempted by the replica that ran the job; a replica
that stops mid-retry drops the rest (the job itself is kept either way).
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime
from typing import Any

import httpx
from standardwebhooks import Webhook

from webtoon_core.downloads import describe_url, parse_origins, url_allowed
from webtoon_core.errors import InputError
from webtoon_core.metrics import ServiceMetrics
from webtoon_core.settings import CommonSettings

log = logging.getLogger("webtoon_core.webhooks")

# Waits before each attempt: at once, then backing off to ten minutes.
BACKOFF_S = (0.0, 2.0, 10.0, 60.0, 600.0)


class Webhooks:
    def __init__(
        self,
        http: httpx.AsyncClient,
        settings: CommonSettings,
        metrics: ServiceMetrics,
        backoff_s: tuple[float, ...] = BACKOFF_S,
    ) -> None:
        self._http = http
        self._metrics = metrics
        self._origins = parse_origins(settings.webhook_hosts)
        secret = settings.webhook_secret
        self._signer = Webhook(secret.get_secret_value()) if secret is not None else None
        self._backoff = backoff_s

    @property
    def enabled(self) -> bool:
        return bool(self._origins) and self._signer is not None

    def check(self, url: str | None) -> str | None:
        """The webhook URL a request may use, None for none, or ``InputError`` (422)."""
        if url is None or not url.strip():
            return None
        if not self.enabled:
            raise InputError(
                "입력 값을 확인해 주세요. webhook_url: 이 서버에서는 웹훅을 쓸 수 없습니다"
            )
        allowed = url_allowed(url.strip(), self._origins)
        if allowed is None:
            raise InputError(
                "입력 값을 확인해 주세요. webhook_url: 허용된 주소(WEBHOOK_HOSTS)가 아닙니다",
                log_detail=f"webhook to {describe_url(url)} refused",
            )
        return str(allowed)

    async def deliver(self, url: str, job: dict[str, Any]) -> bool:
        """POST the job to ``url`` until it answers 2xx, or the attempts run out."""
        if self._signer is None or url_allowed(url, self._origins) is None:
            return False
        payload = json.dumps({"type": f"job.{job['status']}", "data": job}, ensure_ascii=False)
        message_id = f"msg_{job['id']}_{job['status']}"
        for attempt, wait in enumerate(self._backoff, start=1):
            await asyncio.sleep(wait)
            now = datetime.now(UTC)
            headers = {
                "content-type": "application/json",
                "webhook-id": message_id,
                "webhook-timestamp": str(int(now.timestamp())),
                "webhook-signature": self._signer.sign(message_id, now, payload),
            }
            try:
                response = await self._http.post(url, content=payload.encode(), headers=headers)
                if 200 <= response.status_code < 300:
                    self._metrics.webhooks.labels(self._metrics.service, "delivered").inc()
                    log.info("웹훅 전달: %s job=%s", describe_url(url), job["id"])
                    return True
                reason = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                reason = type(exc).__name__
            self._metrics.webhooks.labels(self._metrics.service, "retried").inc()
            log.warning(
                "웹훅 전달 실패 (%d/%d, %s): %s",
                attempt,
                len(self._backoff),
                reason,
                describe_url(url),
            )
        self._metrics.webhooks.labels(self._metrics.service, "gave_up").inc()
        return False
