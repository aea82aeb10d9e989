"""Goods on Black Forest Labs: ``POST /v1/{model}``, then poll the returned ``polling_url``.

Polling waits with ``asyncio.sleep`` (never blocking the loop), every
``BFL_POLL_INTERVAL_S`` at most ``BFL_MAX_POLLS`` times, inside the caller's
one deadline.  An answer we cannot use (a network blip, a 5xx, garbage, a
status BFL does not document) is tried again; three in a row end the
generation.  The key goes only to BFL's own API origins (scheme, host and
port).  ``flux-kontext-max`` makes only PNG or JPEG: a WebP request asks BFL
for PNG, and the request path converts the result.  BFL has no endpoint to
cancel a task: one we stop waiting for runs to its end on BFL's side.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any

import httpx

from goods_backend.params import GoodsParams
from goods_backend.settings import GoodsSettings
from webtoon_core.downloads import describe_url, parse_origins, url_allowed
from webtoon_core.engine import (
    EngineResources,
    GenerationContext,
    base_url_problem,
    key_problem,
)
from webtoon_core.errors import (
    AppError,
    ContentModerated,
    GenerationError,
    UpstreamAuthFailed,
    UpstreamError,
    UpstreamQuotaExceeded,
    UpstreamRateLimited,
)
from webtoon_core.images import PreparedImage, compact
from webtoon_core.logging_setup import safe_text, scrub
from webtoon_core.polling import UnusableAnswer, poll, retry_rate_limited

log = logging.getLogger("goods_backend.bfl")

KEY_MISSING = "BFL_API_KEY가 설정되어 있지 않습니다. 관리자에게 API 키 설정을 요청해 주세요."
BFL_FAILED = (
    "BFL.ai 모델 생성 실패: 이미지를 만들지 못했습니다. "
    "잠시 후 다시 시도하거나 이미지를 바꿔 주세요."
)
MODERATED = {
    "Request Moderated": (
        "입력 이미지나 프롬프트가 안전성 검사에서 차단되었습니다. "
        "다른 이미지나 프롬프트로 다시 시도해 주세요."
    ),
    "Content Moderated": (
        "생성된 이미지가 안전성 검사에서 차단되었습니다. "
        "프롬프트를 바꾸거나 seed를 바꿔 다시 시도해 주세요."
    ),
}
PENDING = "Pending"
READY = "Ready"
FAILED = ("Error", "Failed")  # "Failed" is not documented, but some answers carry it
NOT_FOUND = "Task not found"


def create_error(response: httpx.Response, secrets: list[str]) -> AppError:
    """Map an error answer of the create call (never echoing BFL's text to users)."""
    status = response.status_code
    detail = scrub(f"BFL create {status}: {safe_text(response.text, 300)}", secrets)
    if status in (401, 403):
        return UpstreamAuthFailed(log_detail=detail)
    if status == 402:
        return UpstreamQuotaExceeded(log_detail=detail)
    if status == 429:
        return UpstreamRateLimited.after(response.headers.get("retry-after"), log_detail=detail)
    if status == 422:
        log.error("BFL이 요청 형식을 거부했습니다 (422): %s", detail)
    return UpstreamError(log_detail=detail)


def progress_fraction(value: object) -> float | None:
    """BFL's ``progress`` as 0..1: its scale is not documented, and any number may arrive.

    A fraction is taken as is, a percentage (up to 100) divided; anything else
    (huge, negative, not finite, not a number) is no progress at all.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer too large for a float
        return None
    if not math.isfinite(number) or number < 0 or number > 100:
        return None
    return number if number <= 1 else number / 100


def _raw_base64(image: PreparedImage) -> str:
    """The compact encoding as raw base64: BFL takes no data-URI prefix."""
    return compact(image).base64()


class BflEngine:
    name = "bfl"

    def __init__(self, resources: EngineResources[GoodsSettings]) -> None:
        self._settings = settings = resources.settings
        self.model = settings.bfl_model
        self._http = resources.http
        self._results = resources.results
        self._run_sync = resources.run_sync
        self._throttled = resources.metrics.throttled
        key = settings.bfl_api_key.get_secret_value().strip() if settings.bfl_api_key else ""
        self._problem = key_problem("BFL_API_KEY", key, missing=KEY_MISSING) or base_url_problem(
            "BFL_BASE_URL", settings.bfl_base_url
        )
        self._key = key
        self._secrets = [key] if key else []
        self._api_origins = parse_origins(settings.bfl_api_origins) if self._problem is None else ()

    def not_ready_reason(self) -> str | None:
        return self._problem

    def _headers(self) -> dict[str, str]:
        return {"x-key": self._key, "accept": "application/json"}

    async def generate(
        self, params: GoodsParams, images: Mapping[str, PreparedImage], ctx: GenerationContext
    ) -> bytes:
        image_b64 = await self._run_sync(_raw_base64, images["input_image"])
        task_id, polling_url = await retry_rate_limited(
            lambda: self._create(params, image_b64), ctx.deadline
        )
        ctx.submitted(task_id, {"task_id": task_id, "polling_url": str(polling_url)})
        return await self._finish(polling_url, ctx)

    async def resume(self, resume: Mapping[str, str], ctx: GenerationContext) -> bytes | None:
        """Poll a task another replica created (its recorded polling URL, checked again)."""
        polling_url = url_allowed(resume.get("polling_url"), self._api_origins)
        if polling_url is None:
            raise UpstreamError(log_detail="resumed BFL task has no allowed polling_url")
        ctx.task_id = resume.get("task_id")
        log.info("BFL 작업 이어받음: id=%s", ctx.task_id)
        return await self._finish(polling_url, ctx)

    async def _finish(self, polling_url: httpx.URL, ctx: GenerationContext) -> bytes:
        settings = self._settings

        async def check(attempt: int) -> str | None:
            ctx.polls = attempt
            return self._interpret(await self._poll_once(polling_url), attempt, ctx)

        sample_url = await poll(
            check,
            interval=settings.bfl_poll_interval_s,
            max_polls=settings.bfl_max_polls,
            deadline=ctx.deadline,
            provider="BFL",
        )
        return await self._results.fetch(sample_url)

    async def _create(self, params: GoodsParams, image_b64: str) -> tuple[str, httpx.URL]:
        body: dict[str, Any] = {
            "prompt": params.model_prompt(),
            "input_image": image_b64,
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
        if response.status_code == 429:
            self._throttled.labels("goods", self.name, "create").inc()
        if response.status_code >= 400:
            raise create_error(response, self._secrets)
        try:
            data = response.json()
        except ValueError:
            data = None
        task_id = data.get("id") if isinstance(data, dict) else None
        polling_url = data.get("polling_url") if isinstance(data, dict) else None
        if not isinstance(task_id, str) or not task_id or len(task_id) > 200:
            raise UpstreamError(log_detail="BFL create answer is not the expected JSON")
        allowed = url_allowed(polling_url, self._api_origins)
        if allowed is None:
            raise UpstreamError(
                log_detail=f"BFL polling_url on an unexpected origin: {describe_url(polling_url)}"
            )
        task_id = safe_text(task_id, 200)
        log.info("BFL 작업 생성: id=%s", task_id)
        return task_id, allowed

    async def _poll_once(self, polling_url: httpx.URL) -> dict[str, Any]:
        try:
            response = await self._http.get(polling_url, headers=self._headers())
        except httpx.HTTPError as exc:
            raise UnusableAnswer(type(exc).__name__) from None
        status = response.status_code
        if status in (401, 403):
            raise UpstreamAuthFailed(log_detail=f"BFL poll {status}")
        if status == 429:
            self._throttled.labels("goods", self.name, "poll").inc()
            raise UpstreamRateLimited.after(
                response.headers.get("retry-after"), log_detail="BFL poll 429"
            )
        if status >= 500:
            raise UnusableAnswer(f"HTTP {status}")
        if status >= 400 and status != 404:  # 404 carries "Task not found"
            raise UpstreamError(log_detail=f"BFL poll answered {status}")
        try:
            answer = response.json()
        except ValueError:
            raise UnusableAnswer("not JSON") from None
        if not isinstance(answer, dict):
            raise UnusableAnswer("not a JSON object")
        return answer

    def _interpret(
        self, answer: dict[str, Any], attempt: int, ctx: GenerationContext
    ) -> str | None:
        """The result URL when ready, None while pending; raises for the end states."""
        status = safe_text(answer.get("status", ""), 60)
        fraction = progress_fraction(answer.get("progress"))
        shown = f" progress={fraction:.2f}" if fraction is not None else ""
        log.info("Polling %d/%d: status=%s%s", attempt, self._settings.bfl_max_polls, status, shown)
        if status == PENDING:
            ctx.progress(status, fraction)
            return None
        if status == READY:
            ctx.progress(status, 1.0)
            result = answer.get("result")
            sample = result.get("sample") if isinstance(result, dict) else None
            if not isinstance(sample, str):
                raise UpstreamError(log_detail="BFL Ready without result.sample")
            return sample
        if status in MODERATED:
            raise ContentModerated(MODERATED[status], log_detail=f"BFL {status}")
        if status in FAILED:
            details = scrub(
                safe_text(answer.get("details") or answer.get("error") or "", 300), self._secrets
            )
            raise GenerationError(BFL_FAILED, log_detail=f"BFL {status}: {details}")
        if status == NOT_FOUND:
            raise UpstreamError(log_detail="BFL task not found")
        raise UnusableAnswer(f"unknown status {status!r}")

    async def aclose(self) -> None:
        return None
