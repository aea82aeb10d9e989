"""PPL on Replicate: ``flux-kontext-apps/multi-image-kontext-max``.

One generation: the two inputs are encoded compactly (JPEG unless the image
has real transparency) and sent inline as data URIs, or through the Files
API when still large; the prediction is created with ``Cancel-After`` set to
the time left, so Replicate itself ends it at our deadline (``aborted``, not
billed, if it never started); then it is polled on a schedule that keeps the
whole deployment inside the account's rate limit (see the settings).

Every exit other than success (the deadline, exhausted polls, repeated poll
failures, a client that left) cancels a prediction that is still running.
That frees Replicate's capacity and stops a late result; it does not save
money: a prediction that has started is billed anyway.  Uploaded input files
are deleted once the prediction has ended.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Coroutine, Mapping
from typing import Any

from aiolimiter import AsyncLimiter

from ppl_backend.params import FILE_FIELDS, PplParams
from ppl_backend.replicate_api import (
    MIN_CANCEL_AFTER_S,
    Prediction,
    ReplicateAPI,
    UploadedFile,
)
from ppl_backend.settings import PplSettings
from webtoon_core.downloads import ResultFetcher
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
    GenerationTimeout,
    UnprocessableResult,
    UpstreamAuthFailed,
    UpstreamError,
    UpstreamQuotaExceeded,
    UpstreamRateLimited,
)
from webtoon_core.images import EncodedImage, PreparedImage, compact
from webtoon_core.polling import UnusableAnswer, poll, retry_rate_limited

log = logging.getLogger("ppl_backend.replicate")

TOKEN_MISSING = (
    "REPLICATE_API_TOKEN이 설정되어 있지 않습니다. 관리자에게 API 키 설정을 요청해 주세요."  # noqa: S105 - a message, not a token
)
# Error codes are four digits now (E####); the text is what stays stable.
MODERATION_MARKERS = ("sensitive", "nsfw", "flagged", "moderat")


def failure_error(prediction: Prediction) -> AppError:
    """Map a prediction that ended without output."""
    detail = f"prediction {prediction.id} {prediction.status}: {prediction.error[:300]}"
    if prediction.status == "aborted":
        # Cancel-After passed before it started: nothing ran and nothing is billed.
        return GenerationTimeout(
            "이미지 생성 시간이 초과되었습니다: 이미지 생성 서비스가 제한 시간 안에 작업을 "
            "시작하지 못했습니다. 잠시 후 다시 시도해 주세요.",
            log_detail=detail,
        )
    if prediction.status == "failed":
        if any(marker in prediction.error.lower() for marker in MODERATION_MARKERS):
            return ContentModerated(
                "안전성 검사에서 이미지나 프롬프트가 민감한 내용으로 분류되었습니다. "
                "다른 이미지나 프롬프트로 다시 시도해 주세요.",
                log_detail=detail,
            )
        return GenerationError(log_detail=detail)
    return GenerationError("이미지 생성이 취소되었습니다. 다시 시도해 주세요.", log_detail=detail)


async def output_bytes(output: Any, results: ResultFetcher) -> bytes:
    """Bytes of a prediction output: a URL (or data URI) string, or a list whose first item is one.

    Anything else is ``UNPROCESSABLE_RESULT`` ("처리할 수 없는 결과 타입입니다").
    """
    item = output[0] if isinstance(output, list) and output else output
    if isinstance(item, str) and item.startswith(("https://", "http://", "data:")):
        return await results.fetch(item)
    raise UnprocessableResult(log_detail=f"output type {type(output).__name__}")


def _encode(image: PreparedImage, inline_max_bytes: int) -> tuple[EncodedImage, str | None]:
    """The compact encoding, and its data URI when it is small enough to send inline."""
    encoded = compact(image)
    return encoded, encoded.data_uri() if len(encoded.data) <= inline_max_bytes else None


class ReplicateEngine:
    name = "replicate"

    def __init__(self, resources: EngineResources[PplSettings]) -> None:
        settings = resources.settings
        self._settings = settings
        self.model = settings.replicate_model
        self._results = resources.results
        self._run_sync = resources.run_sync
        self._background: set[asyncio.Task[None]] = set()
        secret = settings.replicate_api_token
        token = secret.get_secret_value().strip() if secret is not None else ""
        self._problem = key_problem(
            "REPLICATE_API_TOKEN", token, missing=TOKEN_MISSING
        ) or base_url_problem("REPLICATE_BASE_URL", settings.replicate_base_url)
        throttled = resources.metrics.throttled
        self._api = ReplicateAPI(
            resources.http,
            base_url=settings.replicate_base_url,
            token=token,
            create_timeout_s=settings.replicate_create_timeout_s,
            calls=AsyncLimiter(settings.replicate_api_calls_per_min, 60),
            creates=AsyncLimiter(settings.replicate_creates_per_min, 60),
            on_throttled=lambda call: throttled.labels("ppl", self.name, call).inc(),
        )

    def not_ready_reason(self) -> str | None:
        return self._problem

    async def generate(
        self, params: PplParams, images: Mapping[str, PreparedImage], ctx: GenerationContext
    ) -> bytes:
        uploads: list[UploadedFile] = []
        try:
            model_input = await self._model_input(params, images, uploads)
            prediction = await retry_rate_limited(
                lambda: self._create(model_input, ctx), ctx.deadline
            )
            ctx.submitted(prediction.id, {"prediction_id": prediction.id})
            log.info("Replicate 응답: id=%s status=%s", prediction.id, prediction.status)
            return await self._finish(prediction, ctx)
        finally:
            for upload in uploads:
                self._in_background(self._delete(upload))

    async def resume(self, resume: Mapping[str, str], ctx: GenerationContext) -> bytes | None:
        """Follow a prediction another replica created, to its end."""
        prediction_id = resume.get("prediction_id", "")
        prediction = await self._api.get_prediction(prediction_id)
        ctx.task_id = prediction.id
        log.info("Replicate 예측 이어받음: id=%s status=%s", prediction.id, prediction.status)
        return await self._finish(prediction, ctx)

    async def _finish(self, prediction: Prediction, ctx: GenerationContext) -> bytes:
        """Wait for the prediction and download its output; cancel it on any other exit."""
        try:
            ctx.progress(prediction.status, prediction.fraction())
            prediction = await self._wait(prediction, ctx)
            if prediction.status != "succeeded":
                raise failure_error(prediction)
            return await output_bytes(prediction.output, self._results)
        except BaseException:
            if not prediction.terminal and not ctx.handing_over:
                self._in_background(self._cancel(prediction.id))
            raise

    async def _model_input(
        self, params: PplParams, images: Mapping[str, PreparedImage], uploads: list[UploadedFile]
    ) -> dict[str, Any]:
        model_input: dict[str, Any] = {
            "prompt": params.prompt,
            "aspect_ratio": params.aspect_ratio,
            "output_format": params.replicate_output_format,
            "safety_tolerance": params.safety_tolerance,
        }
        if params.seed is not None:
            model_input["seed"] = params.seed
        inline_max = self._settings.replicate_inline_max_kb * 1024
        encodings = await asyncio.gather(
            *(self._run_sync(_encode, images[name], inline_max) for name in FILE_FIELDS)
        )
        for name, (encoded, data_uri) in zip(FILE_FIELDS, encodings, strict=True):
            if data_uri is None:
                extension = "png" if encoded.media_type == "image/png" else "jpg"
                upload = await self._api.upload_file(
                    encoded.data, encoded.media_type, f"{name}.{extension}"
                )
                uploads.append(upload)
                log.info("Replicate 파일 업로드: %s %d bytes", name, len(encoded.data))
                model_input[name] = upload.url
            else:
                model_input[name] = data_uri
        return model_input

    async def _create(self, model_input: dict[str, Any], ctx: GenerationContext) -> Prediction:
        # Replicate's smallest deadline is 5 s; with less time left our own deadline ends
        # the wait first, and the prediction is cancelled then.
        left = max(MIN_CANCEL_AFTER_S, math.floor(ctx.deadline.remaining()))
        return await self._api.create_prediction(
            self._settings.replicate_model, model_input, cancel_after_s=left
        )

    async def _wait(self, prediction: Prediction, ctx: GenerationContext) -> Prediction:
        """Poll until the prediction ends; the deadline, not a count, ends this wait."""
        if prediction.terminal:
            return prediction
        latest = prediction

        async def check(attempt: int) -> Prediction | None:
            nonlocal latest
            ctx.polls = attempt
            try:
                answer = await self._api.get_prediction(prediction.id)
            except (UpstreamAuthFailed, UpstreamQuotaExceeded, UpstreamRateLimited):
                raise
            except UpstreamError as exc:
                raise UnusableAnswer(exc.log_detail or exc.code) from None
            if not answer.known:
                raise UnusableAnswer(f"unknown status {answer.status!r}")
            if answer.status != latest.status:
                log.info("Replicate 응답: id=%s status=%s", answer.id, answer.status)
            latest = answer
            ctx.progress(answer.status, answer.fraction())
            return answer if answer.terminal else None

        interval = self._settings.replicate_poll_interval_s
        max_polls = math.ceil(self._settings.generation_timeout_s / interval) + 1
        return await poll(
            check,
            interval=interval,
            max_polls=max_polls,
            deadline=ctx.deadline,
            provider="Replicate",
        )

    async def _cancel(self, prediction_id: str) -> None:
        try:
            async with asyncio.timeout(10):
                await self._api.cancel_prediction(prediction_id)
            log.info("Replicate 예측 취소: id=%s", prediction_id)
        except (AppError, TimeoutError) as exc:
            log.warning("Replicate 예측 취소 실패: id=%s (%s)", prediction_id, type(exc).__name__)

    async def _delete(self, upload: UploadedFile) -> None:
        try:
            async with asyncio.timeout(10):
                await self._api.delete_file(upload.id)
        except (AppError, TimeoutError) as exc:
            log.warning("Replicate 입력 파일 삭제 실패: id=%s (%s)", upload.id, type(exc).__name__)

    def _in_background(self, work: Coroutine[Any, Any, None]) -> None:
        """Clean-up that must outlive the request (which may be cancelled right now)."""
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def aclose(self) -> None:
        if self._background:
            await asyncio.wait(self._background, timeout=10)
