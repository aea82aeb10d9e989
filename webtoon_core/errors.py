"""The error model: every failure we answer on purpose, and how it is rendered.

Every failure answers one JSON shape::

    {"error": {"code": "GENERATION_TIMEOUT",
               "message": "이미지 생성 시간이 초과되었습니다 ...",
               "request_id": "3f2c..."}}

The hierarchy (status, code)::

    AppError
    ├── InputError            the request was wrong; nothing reached the provider
    │     VALIDATION_ERROR 422, EMPTY_FILE 400, INVALID_IMAGE 400,
    │     UNSUPPORTED_IMAGE 415, FILE_TOO_LARGE 413, IMAGE_TOO_LARGE 413,
    │     IMAGE_TOO_SMALL 422, IMAGE_TOO_ELONGATED 422, UPLOAD_TIMEOUT 408
    ├── Refused               this client may not start this now
    │     CROSS_SITE_FORBIDDEN 403, RATE_LIMITED 429, BUDGET_EXHAUSTED 429
    ├── ServiceUnavailable    we cannot serve right now
    │     ENGINE_NOT_CONFIGURED 503, BUSY 429, SHUTTING_DOWN 503
    ├── UpstreamError         the provider's API said no (bad key, limits, outage)
    │     UPSTREAM_AUTH_FAILED 502, UPSTREAM_QUOTA_EXCEEDED 502,
    │     UPSTREAM_RATE_LIMITED 429, UPSTREAM_ERROR 502
    ├── GenerationError       the provider tried and failed
    │     CONTENT_MODERATED 422, GENERATION_FAILED 502, UNPROCESSABLE_RESULT 502
    ├── GenerationTimeout     GENERATION_TIMEOUT 504, the one deadline passed
    └── ClientClosed          CLIENT_CLOSED 499, the client left; the provider wait is cancelled

``message`` is Korean and tells the user what to do; it never carries raw
exception text, upstream URLs or secrets.  ``log_detail`` is for operators
and is logged, never sent.
"""

from __future__ import annotations

from collections.abc import Mapping


class AppError(Exception):
    status: int = 500
    code: str = "INTERNAL_ERROR"
    message: str = "알 수 없는 오류가 발생했습니다. 잠시 후 다시 시도해 주세요."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
        log_detail: str | None = None,
    ) -> None:
        self.message = message or type(self).message
        self.code = code or type(self).code
        self.status = status or type(self).status
        self.headers = dict(headers or {})
        self.log_detail = log_detail
        super().__init__(f"{self.code}: {self.message}")


# --- the request was wrong -------------------------------------------------


class InputError(AppError):
    status = 422
    code = "VALIDATION_ERROR"
    message = "요청 값이 올바르지 않습니다. 입력 항목을 확인해 주세요."


class EmptyFile(InputError):
    status = 400
    code = "EMPTY_FILE"
    message = "업로드된 파일이 비어 있습니다. 이미지 파일을 다시 선택해 주세요."


class InvalidImage(InputError):
    status = 400
    code = "INVALID_IMAGE"
    message = "이미지 파일이 손상되었거나 잘려 있습니다. 다른 파일로 다시 시도해 주세요."


class UnsupportedImage(InputError):
    status = 415
    code = "UNSUPPORTED_IMAGE"
    message = "PNG 또는 JPEG 이미지만 업로드할 수 있습니다."


class FileTooLarge(InputError):
    status = 413
    code = "FILE_TOO_LARGE"
    message = "파일이 너무 큽니다."


class UploadTimeout(InputError):
    status = 408
    code = "UPLOAD_TIMEOUT"
    message = "업로드가 너무 오래 걸려 중단했습니다. 네트워크를 확인하고 다시 시도해 주세요."


class ImageTooLarge(InputError):
    status = 413
    code = "IMAGE_TOO_LARGE"
    message = "이미지 해상도가 너무 큽니다."


class ImageTooSmall(InputError):
    """Too few pixels to show a character or product (a 1x1 PNG would become a flat block)."""

    status = 422
    code = "IMAGE_TOO_SMALL"
    message = "이미지가 너무 작습니다. 가로와 세로가 모두 64px 이상인 이미지를 올려 주세요."


class ImageTooElongated(InputError):
    """A strip far longer than it is wide: downscaled, its short side would be a few pixels."""

    status = 422
    code = "IMAGE_TOO_ELONGATED"
    message = (
        "이미지가 너무 길쭉합니다. 긴 변이 짧은 변의 8배 이하가 되도록 잘라서 올려 주세요."
    )


# --- this client may not start this now ------------------------------------------


class Refused(AppError):
    """The request is well formed, but this client may not start a generation now."""

    status = 403
    code = "CROSS_SITE_FORBIDDEN"
    message = (
        "다른 사이트에서 보낸 생성 요청은 받지 않습니다. 생성기 화면에서 직접 시도해 주세요."
    )


class RateLimited(Refused):
    """This user (or client address) started too many generations, or runs too many at once."""

    status = 429
    code = "RATE_LIMITED"
    message = "생성 요청이 너무 많습니다. 잠시 후 다시 시도해 주세요."


class BudgetExhausted(Refused):
    """Today's estimated spend reached ``DAILY_BUDGET_USD``; real-engine generations wait for tomorrow."""

    status = 429
    code = "BUDGET_EXHAUSTED"
    message = "오늘의 이미지 생성 예산을 모두 썼습니다. 예산이 초기화된 뒤 다시 시도해 주세요."


# --- we cannot serve right now ----------------------------------------------


class ServiceUnavailable(AppError):
    status = 503
    code = "ENGINE_NOT_CONFIGURED"
    message = "이미지 생성 엔진이 설정되어 있지 않습니다. 관리자에게 문의해 주세요."


class Busy(ServiceUnavailable):
    status = 429
    code = "BUSY"
    message = "지금은 요청이 많아 처리할 수 없습니다. 잠시 후 다시 시도해 주세요."


class ShuttingDown(ServiceUnavailable):
    status = 503
    code = "SHUTTING_DOWN"
    message = "서버가 재시작 중입니다. 잠시 후 다시 시도해 주세요."


# --- the provider's API said no ---------------------------------------------


class UpstreamError(AppError):
    status = 502
    code = "UPSTREAM_ERROR"
    message = "이미지 생성 서비스와 통신하지 못했습니다. 잠시 후 다시 시도해 주세요."


class UpstreamAuthFailed(UpstreamError):
    code = "UPSTREAM_AUTH_FAILED"
    message = "이미지 생성 서비스가 API 키를 거부했습니다. 관리자에게 API 키 확인을 요청해 주세요."


class UpstreamQuotaExceeded(UpstreamError):
    code = "UPSTREAM_QUOTA_EXCEEDED"
    message = "API 키 할당량 초과: 이미지 생성 서비스의 크레딧이 부족합니다. 관리자에게 문의해 주세요."


class UpstreamRateLimited(UpstreamError):
    status = 429
    code = "UPSTREAM_RATE_LIMITED"
    message = "이미지 생성 서비스의 요청 한도에 도달했습니다. 잠시 후 다시 시도해 주세요."

    @classmethod
    def after(cls, retry_after: str | None, *, log_detail: str) -> UpstreamRateLimited:
        """From a provider's ``Retry-After`` in seconds (absent or a date: we tell clients 10)."""
        given = retry_after is not None and retry_after.strip().isdigit()
        seconds = int(retry_after) if given else 10  # type: ignore[arg-type]
        error = cls(headers={"Retry-After": str(seconds)}, log_detail=log_detail)
        error.retry_after = float(seconds) if given else None
        return error

    retry_after: float | None = None  # what the provider asked for, if it said


# --- the provider tried and failed ------------------------------------------


class GenerationError(AppError):
    status = 502
    code = "GENERATION_FAILED"
    message = "이미지 생성에 실패했습니다. 프롬프트나 이미지를 바꿔 다시 시도해 주세요."


class ContentModerated(GenerationError):
    status = 422
    code = "CONTENT_MODERATED"
    message = "안전성 검사에서 차단되었습니다. 프롬프트나 이미지를 바꿔 다시 시도해 주세요."


class UnprocessableResult(GenerationError):
    code = "UNPROCESSABLE_RESULT"
    message = "처리할 수 없는 결과 타입입니다. 잠시 후 다시 시도해 주세요."


class ClientClosed(AppError):
    """The client went away mid-generation; nobody reads this answer (nginx's 499)."""

    status = 499
    code = "CLIENT_CLOSED"
    message = "요청이 취소되었습니다."


class GenerationTimeout(AppError):
    status = 504
    code = "GENERATION_TIMEOUT"
    message = "이미지 생성 시간이 초과되었습니다. 잠시 후 다시 시도해 주세요."


def limit_phrase(seconds: float) -> str:
    """``120`` -> ``"2분"``, ``90`` -> ``"90초"``: the limit as people say it."""
    if seconds >= 60 and float(seconds).is_integer() and int(seconds) % 60 == 0:
        return f"{int(seconds) // 60}분"
    return f"{seconds:g}초"


def error_body(code: str, message: str, request_id: str | None) -> dict[str, dict[str, str | None]]:
    return {"error": {"code": code, "message": message, "request_id": request_id}}
