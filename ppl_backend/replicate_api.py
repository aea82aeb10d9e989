"""Replicate's HTTP API for predictions and files, over the app's shared HTTP client.

Why not the official client's calls (replicate 1.0.7; see the ADR): it sends
the creating POST and file uploads with no timeout at all, cannot parse the
documented ``aborted`` status, cannot send ``Cancel-After``, and retries
throttled polls silently inside itself (sleeping any ``Retry-After``), which
hides the account's rate limit from us.  The package still gives us the
vocabulary: its problem-details error type and its progress parser.

Every answer is treated as hostile: a body that is not the documented JSON
object, an id that is not an id, a status we do not know, all become
``UpstreamError`` (502) rather than a crash.  The token is sent only to
``REPLICATE_BASE_URL``; URLs in answers (``urls.get``) are never followed
with it.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from aiolimiter import AsyncLimiter
from replicate.exceptions import ReplicateError
from replicate.prediction import Prediction as ClientPrediction

from webtoon_core.errors import (
    AppError,
    UpstreamAuthFailed,
    UpstreamError,
    UpstreamQuotaExceeded,
    UpstreamRateLimited,
)
from webtoon_core.logging_setup import safe_text, scrub

log = logging.getLogger("ppl_backend.replicate")

STATUSES = frozenset({"starting", "processing", "succeeded", "failed", "canceled", "aborted"})
TERMINAL = frozenset({"succeeded", "failed", "canceled", "aborted"})
_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
# "Request was throttled. Your rate limit resets in ~30s." (Retry-After is not documented)
_RESETS_IN = re.compile(r"resets in ~?(\d{1,4})\s*s")
# The smallest deadline worth sending: a prediction cannot start and finish sooner.
MIN_CANCEL_AFTER_S = 5


@dataclass(frozen=True)
class Prediction:
    """The fields of a prediction we act on, checked."""

    id: str
    status: str
    output: Any
    error: str
    logs: str

    @classmethod
    def from_json(cls, data: object) -> Prediction:
        if not isinstance(data, dict):
            raise UpstreamError(log_detail=f"Replicate prediction is a {type(data).__name__}")
        pid, status = data.get("id"), data.get("status")
        if not isinstance(pid, str) or not _ID.match(pid):
            raise UpstreamError(log_detail="Replicate prediction without a valid id")
        if not isinstance(status, str):
            raise UpstreamError(log_detail=f"Replicate prediction {pid} without a status")
        error, logs = data.get("error"), data.get("logs")
        return cls(
            id=pid,
            status=safe_text(status, 40),
            output=data.get("output"),
            error="" if error is None else safe_text(error, 300),
            logs=logs if isinstance(logs, str) else "",
        )

    @property
    def known(self) -> bool:
        return self.status in STATUSES

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    def fraction(self) -> float | None:
        """Replicate's own progress estimate (parsed from the model's logs), when it has one."""
        if self.status == "succeeded":
            return 1.0
        progress = ClientPrediction.Progress.parse(self.logs[-20_000:]) if self.logs else None
        return progress.percentage if progress is not None else None


@dataclass(frozen=True)
class UploadedFile:
    id: str
    url: str


def problem(response: httpx.Response) -> ReplicateError:
    """The RFC 7807 problem details of an error answer, whatever the body really is."""
    try:
        data = response.json()
    except ValueError:
        data = None
    fields = data if isinstance(data, dict) else {}

    def text(name: str) -> str | None:
        value = fields.get(name)
        return value[:300] if isinstance(value, str) else None

    return ReplicateError(
        type=text("type"), title=text("title"), detail=text("detail"), status=response.status_code
    )


def retry_after(response: httpx.Response, error: ReplicateError) -> str | None:
    """Seconds to wait after a 429: ``Retry-After`` if sent, else the "resets in ~Ns" text."""
    header: str | None = response.headers.get("retry-after")
    if header is not None:
        return header
    match = _RESETS_IN.search(error.detail or "")
    return match.group(1) if match else None


def api_error(response: httpx.Response, secrets: Sequence[str]) -> AppError:
    """Map an error answer of Replicate's API to ours (never echoing its text to users)."""
    error = problem(response)
    status = response.status_code
    detail = scrub(
        f"Replicate API {status}: {error.title or ''} {error.detail or ''}".strip(), secrets
    )
    if status in (401, 403):
        return UpstreamAuthFailed(log_detail=detail)
    if status == 402:
        return UpstreamQuotaExceeded(log_detail=detail)
    if status == 429:
        return UpstreamRateLimited.after(retry_after(response, error), log_detail=detail)
    if status == 422:
        log.error("Replicate가 요청 형식을 거부했습니다 (422): %s", detail)
    return UpstreamError(log_detail=detail)


class ReplicateAPI:
    """Create, read and cancel predictions; upload and delete input files.

    ``calls`` and ``creates`` are this process's shares of the account's rate
    limits (every non-create call, and creates); ``on_throttled(call)`` is told
    of every 429 the API answers.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str,
        token: str,
        create_timeout_s: float,
        calls: AsyncLimiter,
        creates: AsyncLimiter,
        on_throttled: Callable[[str], None],
    ) -> None:
        self._http = http
        self._base = base_url.rstrip("/")
        self._auth = {"Authorization": f"Bearer {token}"}
        self._secrets = [token]
        self._create_timeout = httpx.Timeout(create_timeout_s, connect=min(10.0, create_timeout_s))
        self._calls = calls
        self._creates = creates
        self._on_throttled = on_throttled

    async def create_prediction(
        self, model: str, model_input: Mapping[str, Any], *, cancel_after_s: int
    ) -> Prediction:
        """``POST /v1/models/{model}/predictions``, answered within the create timeout.

        ``Cancel-After`` makes Replicate end the prediction at our deadline even
        if this process is gone: ``aborted`` (not billed) if it had not started.
        """
        headers = {**self._auth, "Cancel-After": f"{max(MIN_CANCEL_AFTER_S, cancel_after_s)}s"}
        async with self._creates:
            response = await self._send(
                "create",
                "POST",
                f"/v1/models/{model}/predictions",
                headers=headers,
                content=json.dumps({"input": dict(model_input)}).encode(),
                timeout=self._create_timeout,
            )
        return Prediction.from_json(_json(response))

    async def get_prediction(self, prediction_id: str) -> Prediction:
        async with self._calls:
            response = await self._send(
                "poll", "GET", f"/v1/predictions/{_checked(prediction_id)}", headers=self._auth
            )
        prediction = Prediction.from_json(_json(response))
        if prediction.id != prediction_id:
            raise UpstreamError(log_detail="Replicate answered another prediction")
        return prediction

    async def cancel_prediction(self, prediction_id: str) -> None:
        async with self._calls:
            await self._send(
                "cancel",
                "POST",
                f"/v1/predictions/{_checked(prediction_id)}/cancel",
                headers=self._auth,
            )

    async def upload_file(self, data: bytes, media_type: str, filename: str) -> UploadedFile:
        """``POST /v1/files``; the file's ``urls.get`` is what a prediction input may name."""
        async with self._calls:
            response = await self._send(
                "upload",
                "POST",
                "/v1/files",
                headers=self._auth,
                files={"content": (filename, data, media_type)},
                timeout=self._create_timeout,
            )
        answer = _json(response)
        file_id = answer.get("id") if isinstance(answer, dict) else None
        urls = answer.get("urls") if isinstance(answer, dict) else None
        url = urls.get("get") if isinstance(urls, dict) else None
        if not isinstance(file_id, str) or not _ID.match(file_id) or not isinstance(url, str):
            raise UpstreamError(log_detail="Replicate file answer without id or urls.get")
        if not url.startswith("https://") and not url.startswith(self._base + "/"):
            raise UpstreamError(log_detail="Replicate file URL is not HTTPS")
        return UploadedFile(id=file_id, url=url)

    async def delete_file(self, file_id: str) -> None:
        async with self._calls:
            await self._send(
                "delete", "DELETE", f"/v1/files/{_checked(file_id)}", headers=self._auth
            )

    async def _send(self, call: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self._http.request(method, self._base + path, **kwargs)
        except httpx.TimeoutException as exc:
            raise UpstreamError(
                log_detail=f"Replicate {call} timed out: {type(exc).__name__}"
            ) from None
        except httpx.HTTPError as exc:
            raise UpstreamError(log_detail=f"Replicate unreachable: {type(exc).__name__}") from None
        if response.status_code == 429:
            self._on_throttled(call)
        if response.status_code >= 400:
            raise api_error(response, self._secrets)
        return response


def _checked(identifier: str) -> str:
    if not _ID.match(identifier):
        raise UpstreamError(log_detail="not a Replicate id")
    return identifier


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:  # not JSON, or not UTF-8
        raise UpstreamError(log_detail="Replicate answered something that is not JSON") from None
