"""PPL on Replicate: ``flux-kontext-apps/multi-image-kontext-max`` via the official client.

The prediction is created, then polled with ``asyncio.sleep`` until it ends;
the caller's one deadline bounds the whole thing, and a prediction still
running when it passes is cancelled on Replicate's side so it stops costing.
API errors (the provider said no) and generation failures (it tried and
failed) map to different codes; see ``webtoon_core.errors``.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from typing import Any

import httpx
import replicate
from replicate.exceptions import ReplicateError
from replicate.helpers import FileOutput
from replicate.prediction import Prediction

from ppl_backend.params import PplParams
from ppl_backend.settings import PplSettings
from webtoon_core.downloads import ResultFetcher
from webtoon_core.engine import EngineResources, GenerationContext
from webtoon_core.errors import (
    AppError,
    ContentModerated,
    GenerationError,
    UnprocessableResult,
    UpstreamAuthFailed,
    UpstreamError,
    UpstreamQuotaExceeded,
    UpstreamRateLimited,
)
from webtoon_core.images import PreparedImage
from webtoon_core.logging_setup import scrub
from webtoon_core.polling import poll, retry_rate_limited

log = logging.getLogger("ppl_backend.replicate")

TERMINAL = {"succeeded", "failed", "canceled", "aborted"}
MODERATION_MARKERS = ("e005", "sensitive", "nsfw", "flagged", "moderat")
MAX_POLL_FAILURES = 3
# The client hides response headers from its errors; this keeps Retry-After for us.
_retry_after: ContextVar[str | None] = ContextVar("replicate_retry_after", default=None)


async def _remember_retry_after(response: httpx.Response) -> None:
    if response.status_code == 429:
        _retry_after.set(response.headers.get("retry-after"))


def api_error(exc: ReplicateError, secrets: Sequence[str] = ()) -> AppError:
    """Map an error answer of Replicate's API to ours (never echoing its text)."""
    status = exc.status or 0
    detail = scrub(f"Replicate API {status}: {exc.title or ''} {exc.detail or ''}".strip(), secrets)
    if status in (401, 403):
        return UpstreamAuthFailed(log_detail=detail)
    if status == 402:
        return UpstreamQuotaExceeded(log_detail=detail)
    if status == 429:
        return UpstreamRateLimited.after(_retry_after.get(), log_detail=detail)
    return UpstreamError(log_detail=detail)


def failure_error(prediction: Prediction, secrets: Sequence[str] = ()) -> AppError:
    """Map a prediction that ended without output."""
    text = scrub(str(prediction.error or ""), secrets)
    detail = f"prediction {prediction.id} {prediction.status}: {text[:300]}"
    if prediction.status == "failed" and any(m in text.lower() for m in MODERATION_MARKERS):
        return ContentModerated(
            "안전성 검사에서 이미지나 프롬프트가 민감한 내용으로 분류되었습니다. "
            "다른 이미지나 프롬프트로 다시 시도해 주세요.",
            log_detail=detail,
        )
    if prediction.status == "failed":
        return GenerationError(log_detail=detail)
    return GenerationError("이미지 생성이 취소되었습니다. 다시 시도해 주세요.", log_detail=detail)


async def output_bytes(output: Any, results: ResultFetcher) -> bytes:
    """Bytes of a prediction output, whatever shape the model produced.

    Accepts a URL (or data URI) string, a ``FileOutput``, bytes, or a list of
    any of these (the first item); anything else is ``UNPROCESSABLE_RESULT``.
    """
    item = output
    if isinstance(item, list | tuple):
        item = item[0] if item else None
    if isinstance(item, bytes | bytearray):
        return bytes(item)
    url = item.url if isinstance(item, FileOutput) else item
    if isinstance(url, str) and url.startswith(("https://", "http://", "data:")):
        return await results.fetch(url)
    raise UnprocessableResult(log_detail=f"output type {type(output).__name__}")


def _fraction(prediction: Prediction) -> float | None:
    """Replicate's own progress estimate (parsed from the model's logs), when it has one."""
    if prediction.status == "succeeded":
        return 1.0
    try:
        progress = prediction.progress
    except (ValueError, TypeError, AttributeError):
        return None
    return progress.percentage if progress is not None else None


class ReplicateEngine:
    name = "replicate"

    def __init__(self, resources: EngineResources[PplSettings]) -> None:
        settings = resources.settings
        self._settings = settings
        self._results = resources.results
        self._transport: httpx.AsyncHTTPTransport | None = None
        self._client: replicate.Client | None = None
        self._background: set[asyncio.Task[None]] = set()
        token = settings.replicate_api_token
        self._secrets = [token.get_secret_value()] if token is not None else []
        if token is not None and token.get_secret_value().strip():
            self._transport = httpx.AsyncHTTPTransport(
                retries=1, limits=httpx.Limits(keepalive_expiry=4.0)
            )
            self._client = replicate.Client(
                api_token=token.get_secret_value().strip(),
                base_url=settings.replicate_base_url,
                timeout=httpx.Timeout(30.0, connect=10.0),
                transport=self._transport,
                event_hooks={"response": [_remember_retry_after]},
            )

    def not_ready_reason(self) -> str | None:
        if self._client is None:
            return "REPLICATE_API_TOKEN이 설정되어 있지 않습니다. 관리자에게 API 키 설정을 요청해 주세요."
        return None

    async def generate(
        self, params: PplParams, images: Mapping[str, PreparedImage], ctx: GenerationContext
    ) -> bytes:
        assert self._client is not None  # the runner checks not_ready_reason() first
        model_input: dict[str, Any] = {
            "prompt": params.prompt,
            "input_image_1": images["input_image_1"].data_uri(),
            "input_image_2": images["input_image_2"].data_uri(),
            "aspect_ratio": params.aspect_ratio,
            "output_format": params.replicate_output_format,
            "safety_tolerance": params.safety_tolerance,
        }
        if params.seed is not None:
            model_input["seed"] = params.seed
        client = self._client
        prediction = await retry_rate_limited(
            lambda: self._call(
                client.models.predictions.async_create(
                    model=self._settings.replicate_model, input=model_input
                )
            ),
            ctx.deadline,
        )
        ctx.submitted(prediction.id)
        log.info("Replicate 응답: id=%s status=%s", prediction.id, prediction.status)
        ctx.progress(prediction.status, _fraction(prediction))
        try:
            if prediction.status not in TERMINAL:
                await self._wait(prediction, ctx)
        except asyncio.CancelledError:
            self._cancel_in_background(prediction)
            raise
        if prediction.status != "succeeded":
            raise failure_error(prediction, self._secrets)
        return await output_bytes(prediction.output, self._results)

    async def _wait(self, prediction: Prediction, ctx: GenerationContext) -> None:
        interval = self._settings.replicate_poll_interval_s
        failures = 0
        last_status = prediction.status

        async def check(attempt: int) -> bool | None:
            nonlocal failures, last_status
            ctx.polls = attempt
            try:
                await self._call(prediction.async_reload())
            except UpstreamError:
                failures += 1
                if failures >= MAX_POLL_FAILURES:
                    raise
                log.warning("Replicate 상태 조회 실패 (%d/%d), 재시도", failures, MAX_POLL_FAILURES)
                return None
            failures = 0
            ctx.progress(prediction.status, _fraction(prediction))
            if prediction.status != last_status:
                log.info("Replicate 응답: id=%s status=%s", prediction.id, prediction.status)
                last_status = prediction.status
            return True if prediction.status in TERMINAL else None

        # The deadline, not a count, ends this wait; the cap only guards a zero interval.
        max_polls = math.ceil(self._settings.generation_timeout_s / interval) + 1
        await poll(check, interval=interval, max_polls=max_polls)

    async def _call(self, awaitable: Any) -> Any:
        try:
            return await awaitable
        except ReplicateError as exc:
            raise api_error(exc, self._secrets) from None
        except httpx.HTTPError as exc:
            raise UpstreamError(log_detail=f"Replicate unreachable: {type(exc).__name__}") from None
        except ValueError as exc:  # a body that is not the JSON the client expects
            raise UpstreamError(log_detail=f"Replicate answered garbage: {exc}") from None

    def _cancel_in_background(self, prediction: Prediction) -> None:
        async def cancel() -> None:
            try:
                async with asyncio.timeout(10):
                    await prediction.async_cancel()
                log.info("Replicate 예측 취소: id=%s", prediction.id)
            except (ReplicateError, httpx.HTTPError, TimeoutError, ValueError):
                log.warning("Replicate 예측 취소 실패: id=%s", prediction.id)

        task = asyncio.get_running_loop().create_task(cancel())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def aclose(self) -> None:
        if self._background:
            await asyncio.wait(self._background, timeout=10)
        if self._transport is not None:
            await self._transport.aclose()
