"""Goods on Black Forest Labs: ``POST /v1/{model}``, then poll the returned ``polling_url``.

Polling waits with ``asyncio.sleep`` (never blocking the loop), every
``BFL_POLL_INTERVAL_S`` at most ``BFL_MAX_POLLS`` times, inside the caller's
one deadline.  One failed poll (5xx, a network blip) is retried; three in a
row end the generation.  The key goes only to BFL's own API hosts.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import httpx

from goods_backend.params import GoodsParams
from goods_backend.settings import GoodsSettings
from webtoon_core.downloads import host_allowed
from webtoon_core.engine import EngineResources, GenerationContext
from webtoon_core.errors import (
    AppError,
    ContentModerated,
    GenerationError,
    UpstreamAuthFailed,
    UpstreamError,
    UpstreamQuotaExceeded,
    UpstreamRateLimited,
)
from webtoon_core.images import PreparedImage
from webtoon_core.logging_setup import scrub
from webtoon_core.polling import poll, retry_rate_limited

log = logging.getLogger("goods_backend.bfl")

MAX_POLL_FAILURES = 3
BFL_FAILED = "BFL.ai 모델 생성 실패: 이미지를 만들지 못했습니다. 잠시 후 다시 시도하거나 이미지를 바꿔 주세요."
MODERATED = {
    "Request Moderated": "입력 이미지나 프롬프트가 안전성 검사에서 차단되었습니다. 다른 이미지나 프롬프트로 다시 시도해 주세요.",
    "Content Moderated": "생성된 이미지가 안전성 검사에서 차단되었습니다. 프롬프트를 바꾸거나 seed를 바꿔 다시 시도해 주세요.",
}


class _TransientPollError(Exception):
    """A poll that may succeed if tried again (5xx, 429, network, garbage)."""


def create_error(response: httpx.Response, secrets: list[str]) -> AppError:
    """Map an error answer of the create call (never echoing BFL's text to users)."""
    status = response.status_code
    detail = scrub(f"BFL create {status}: {response.text[:300]}", secrets)
    if status in (401, 403):
        return UpstreamAuthFailed(log_detail=detail)
    if status == 402:
        return UpstreamQuotaExceeded(log_detail=detail)
    if status == 429:
        return UpstreamRateLimited.after(response.headers.get("retry-after"), log_detail=detail)
    if status == 422:
        log.error("BFL이 요청 형식을 거부했습니다 (422): %s", detail)
    return UpstreamError(log_detail=detail)


class BflEngine:
    name = "bfl"

    def __init__(self, resources: EngineResources[GoodsSettings]) -> None:
        self._settings = settings = resources.settings
        self._http = resources.http
        self._results = resources.results
        key = settings.bfl_api_key.get_secret_value().strip() if settings.bfl_api_key else ""
        self._key = key
        self._secrets = [key] if key else []

    def not_ready_reason(self) -> str | None:
        if not self._key:
            return "BFL_API_KEY가 설정되어 있지 않습니다. 관리자에게 API 키 설정을 요청해 주세요."
        return None

    def _headers(self) -> dict[str, str]:
        return {"x-key": self._key, "accept": "application/json"}

    async def generate(
        self, params: GoodsParams, images: Mapping[str, PreparedImage], ctx: GenerationContext
    ) -> bytes:
        task_id, polling_url = await retry_rate_limited(
            lambda: self._create(params, images["input_image"]), ctx.deadline
        )
        ctx.submitted(task_id)
        settings = self._settings
        failures = 0

        async def check(attempt: int) -> str | None:
            nonlocal failures
            ctx.polls = attempt
            try:
                answer = await self._poll_once(polling_url)
            except _TransientPollError as exc:
                failures += 1
                log.warning("Polling %d/%d 실패 (%s), 재시도", attempt, settings.bfl_max_polls, exc)
                if failures >= MAX_POLL_FAILURES:
                    raise UpstreamError(log_detail=f"BFL polling failed {failures} times") from None
                return None
            failures = 0
            return self._interpret(answer, attempt, ctx)

        sample_url = await poll(
            check, interval=settings.bfl_poll_interval_s, max_polls=settings.bfl_max_polls
        )
        return await self._results.fetch(sample_url)

    async def _create(self, params: GoodsParams, image: PreparedImage) -> tuple[str, str]:
        body: dict[str, Any] = {
            "prompt": params.model_prompt(),
            "input_image": image.base64(),  # raw base64, no data-URI prefix
            "aspect_ratio": params.effective_aspect_ratio,
            "output_format": params.bfl_output_format,
            "safety_tolerance": params.safety_tolerance,
            "prompt_upsampling": False,
        }
        if params.seed is not None:
            body["seed"] = params.seed
        url = f"{self._settings.bfl_base_url.rstrip('/')}/v1/{self._settings.bfl_model}"
        try:
            response = await self._http.post(url, json=body, headers=self._headers())
        except httpx.HTTPError as exc:
            raise UpstreamError(log_detail=f"BFL unreachable: {type(exc).__name__}") from None
        if response.status_code >= 400:
            raise create_error(response, self._secrets)
        try:
            data = response.json()
            task_id, polling_url = str(data["id"]), data["polling_url"]
        except (ValueError, KeyError, TypeError):
            raise UpstreamError(log_detail="BFL create answer is not the expected JSON") from None
        if not isinstance(polling_url, str) or not host_allowed(polling_url, self._settings.bfl_api_hosts):
            raise UpstreamError(log_detail=f"BFL polling_url on an unexpected host: {polling_url!r}")
        log.info("BFL 작업 생성: id=%s", task_id)
        return task_id, polling_url

    async def _poll_once(self, polling_url: str) -> dict[str, Any]:
        try:
            response = await self._http.get(polling_url, headers=self._headers())
        except httpx.HTTPError as exc:
            raise _TransientPollError(type(exc).__name__) from None
        if response.status_code in (401, 403):
            raise UpstreamAuthFailed(log_detail=f"BFL poll {response.status_code}")
        if response.status_code == 429 or response.status_code >= 500:
            raise _TransientPollError(f"HTTP {response.status_code}")
        if response.status_code >= 400:
            raise UpstreamError(log_detail=f"BFL poll answered {response.status_code}")
        try:
            answer = response.json()
        except ValueError:
            raise _TransientPollError("not JSON") from None
        if not isinstance(answer, dict):
            raise _TransientPollError("not a JSON object")
        return answer

    def _interpret(
        self, answer: dict[str, Any], attempt: int, ctx: GenerationContext
    ) -> str | None:
        """The result URL when ready, None while pending; raises for the end states."""
        status = str(answer.get("status", ""))
        progress = answer.get("progress")
        fraction = float(progress) if isinstance(progress, int | float) else None
        shown = f" progress={progress}" if fraction is not None else ""
        log.info("Polling %d/%d: status=%s%s", attempt, self._settings.bfl_max_polls, status, shown)
        ctx.progress(status, 1.0 if status == "Ready" else fraction)
        if status == "Ready":
            result = answer.get("result")
            sample = result.get("sample") if isinstance(result, dict) else None
            if not isinstance(sample, str):
                raise UpstreamError(log_detail="BFL Ready without result.sample")
            return sample
        if status in MODERATED:
            raise ContentModerated(MODERATED[status], log_detail=f"BFL {status}")
        if status in ("Error", "Failed"):
            details = scrub(str(answer.get("details") or answer.get("error") or ""), self._secrets)
            raise GenerationError(BFL_FAILED, log_detail=f"BFL {status}: {details[:300]}")
        if status == "Task not found":
            raise UpstreamError(log_detail="BFL task not found")
        return None  # Pending (or a status BFL may add later): keep polling, bounded by the cap

    async def aclose(self) -> None:
        return None
