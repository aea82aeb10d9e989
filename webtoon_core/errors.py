"""The error table: every failure we answer on purpose, one class per code.

Every failure answers one JSON shape::

    {"error": {"code": "GENERATION_TIMEOUT",
               "message": "이미지 생성 시간이 초과되었습니다 ...",
               "request_id": "3f2c..."}}

The hierarchy (code, status)::

    AppError
    ├── InputError                VALIDATION_ERROR 422   a wrong request; the provider saw nothing
    │   ├── EmptyFile             EMPTY_FILE 400
    │   ├── InvalidImage          INVALID_IMAGE 400
    │   ├── UnsupportedImage      UNSUPPORTED_IMAGE 415
    │   ├── FileTooLarge          FILE_TOO_LARGE 413
    │   ├── ImageTooLarge         IMAGE_TOO_LARGE 413
    │   ├── ImageTooSmall         IMAGE_TOO_SMALL 422
    │   ├── ImageTooElongated     IMAGE_TOO_ELONGATED 422
    │   ├── PrintResolutionTooLow PRINT_RESOLUTION_TOO_LOW 422   (print files: under 150 ppi)
    │   ├── PrintBackgroundNotRemovable PRINT_BACKGROUND_NOT_REMOVABLE 422
    │   └── UploadTimeout         UPLOAD_TIMEOUT 408
    ├── Refused                   CROSS_SITE_FORBIDDEN 403   this client may not start this now
    │   ├── RateLimited           RATE_LIMITED 429
    │   └── BudgetExhausted       BUDGET_EXHAUSTED 429
    ├── ServiceUnavailable        ENGINE_NOT_CONFIGURED 503   we cannot serve right now
    │   ├── Busy                  BUSY 429
    │   ├── ShuttingDown          SHUTTING_DOWN 503
    │   ├── StoreUnavailable      STORE_UNAVAILABLE 503
    │   └── BackendUnavailable    BACKEND_UNAVAILABLE 503    (answered by the frontend nginx)
    ├── JobError                  JOB_NOT_FOUND 404   about a kept job
    │   ├── JobNotFinished        JOB_NOT_FINISHED 409
    │   ├── JobCanceled           JOB_CANCELED 409
    │   ├── JobForbidden          JOB_FORBIDDEN 403
    │   └── JobInterrupted        JOB_INTERRUPTED 503
    ├── UpstreamError             UPSTREAM_ERROR 502   the provider refused (key, limits, outage)
    │   ├── UpstreamAuthFailed    UPSTREAM_AUTH_FAILED 502
    │   ├── UpstreamQuotaExceeded UPSTREAM_QUOTA_EXCEEDED 502
    │   └── UpstreamRateLimited   UPSTREAM_RATE_LIMITED 429
    ├── GenerationError           GENERATION_FAILED 502   the provider tried and failed
    │   ├── ContentModerated      CONTENT_MODERATED 422
    │   └── UnprocessableResult   UNPROCESSABLE_RESULT 502
    ├── GenerationTimeout         GENERATION_TIMEOUT 504   the one deadline passed
    │   └── PollsExhausted        GENERATION_TIMEOUT 504   (the poll cap, same answer)
    ├── ClientClosed              CLIENT_CLOSED 499   the client left (nobody reads the answer)
    ├── RouteError                HTTP_ERROR (status given)   no such route or method
    │   ├── NotFound              NOT_FOUND 404
    │   └── MethodNotAllowed      METHOD_NOT_ALLOWED 405
    └── InternalError             INTERNAL_ERROR 500   a bug: the traceback is logged
        └── ProvenanceFailed      PROVENANCE_FAILED 500   AI output could not be marked

A raise site passes only what varies: a message naming the field or the
limit, ``headers`` (``Retry-After``), ``log_detail``.  ``message`` is Korean
and tells the user what to do; it never carries raw exception text,
upstream URLs or secrets.  ``log_detail`` is for operators and is logged,
never sent.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping


class AppError(Exception):
    """A failure answered on purpose (not raised itself: raise the class of its code)."""

    status: int = 500
    code: str = "INTERNAL_ERROR"
    message: str = "알 수 없는 오류가 발생했습니다. 잠시 후 다시 시도해 주세요."

    def __init__(
        self,
        message: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        log_detail: str | None = None,
    ) -> None:
        self.message = message or type(self).message
        self.headers = dict(headers or {})
        self.log_detail = log_detail
        super().__init__(f"{self.code}: {self.message}")


# --- the request was wrong -------------------------------------------------


class InputError(AppError):
    """A field is missing or out of range, or the body is not the form we take."""

    status = 422
    code = "VALIDATION_ERROR"
    message = "요청 값이 올바르지 않습니다. 입력 항목을 확인해 주세요."


class EmptyFile(InputError):
    """An uploaded file has no bytes."""

    status = 400
    code = "EMPTY_FILE"
    message = "업로드된 파일이 비어 있습니다. 이미지 파일을 다시 선택해 주세요."


class InvalidImage(InputError):
    """The bytes claim to be an image but are corrupt or truncated."""

    status = 400
    code = "INVALID_IMAGE"
    message = "이미지 파일이 손상되었거나 잘려 있습니다. 다른 파일로 다시 시도해 주세요."


class UnsupportedImage(InputError):
    """The content is not PNG or JPEG (judged by the bytes, not the name)."""

    status = 415
    code = "UNSUPPORTED_IMAGE"
    message = "PNG 또는 JPEG 이미지만 업로드할 수 있습니다."


class FileTooLarge(InputError):
    """A file, or the whole body, is over ``MAX_UPLOAD_MB``."""

    status = 413
    code = "FILE_TOO_LARGE"
    message = "파일이 너무 큽니다."


class ImageTooLarge(InputError):
    """Too many pixels, too long a side, or too much memory to decode (judged from the header)."""

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
    message = "이미지가 너무 길쭉합니다. 긴 변이 짧은 변의 8배 이하가 되도록 잘라서 올려 주세요."


class PrintResolutionTooLow(InputError):
    """Print-file art under 150 ppi at the asked size, and accept_low_resolution is off."""

    status = 422
    code = "PRINT_RESOLUTION_TOO_LOW"
    message = (
        "이미지 해상도가 인쇄하기에 너무 낮습니다 (150ppi 미만). "
        "더 큰 이미지를 올리거나 인쇄 크기를 줄여 주세요."
    )


class PrintBackgroundNotRemovable(InputError):
    """A print file's art has no transparency and a border too busy to remove as background."""

    status = 422
    code = "PRINT_BACKGROUND_NOT_REMOVABLE"
    message = (
        "배경을 지울 수 없습니다: 이미지 테두리가 한 가지 색의 배경이 아닙니다. "
        "배경이 투명한 PNG로 올려 주세요."
    )


class UploadTimeout(InputError):
    """The upload was not read and checked within ``UPLOAD_TIMEOUT_S`` of admission."""

    status = 408
    code = "UPLOAD_TIMEOUT"
    message = "업로드가 너무 오래 걸려 중단했습니다. 네트워크를 확인하고 다시 시도해 주세요."


# --- this client may not start this now --------------------------------------


class Refused(AppError):
    """A browser request from another site than ours or ``CORS_ORIGINS``."""

    status = 403
    code = "CROSS_SITE_FORBIDDEN"
    message = "다른 사이트에서 보낸 생성 요청은 받지 않습니다. 생성기 화면에서 직접 시도해 주세요."


class RateLimited(Refused):
    """This user (or client address) started too many generations, or runs too many at once."""

    status = 429
    code = "RATE_LIMITED"
    message = "생성 요청이 너무 많습니다. 잠시 후 다시 시도해 주세요."


class BudgetExhausted(Refused):
    """Today's estimated spend reached ``DAILY_BUDGET_USD``; real engines wait for the next day."""

    status = 429
    code = "BUDGET_EXHAUSTED"
    message = "오늘의 이미지 생성 예산을 모두 썼습니다. 예산이 초기화된 뒤 다시 시도해 주세요."


# --- we cannot serve right now ----------------------------------------------


class ServiceUnavailable(AppError):
    """The selected engine is not configured (a missing or malformed key, a bad API address)."""

    status = 503
    code = "ENGINE_NOT_CONFIGURED"
    message = "이미지 생성 엔진이 설정되어 있지 않습니다. 관리자에게 문의해 주세요."


class Busy(ServiceUnavailable):
    """The process holds ``MAX_CONCURRENT_GENERATIONS`` already; refused before reading."""

    status = 429
    code = "BUSY"
    message = "지금은 요청이 많아 처리할 수 없습니다. 잠시 후 다시 시도해 주세요."


class ShuttingDown(ServiceUnavailable):
    """The process got SIGTERM: it finishes what it has and takes nothing new."""

    status = 503
    code = "SHUTTING_DOWN"
    message = "서버가 재시작 중입니다. 잠시 후 다시 시도해 주세요."


class StoreUnavailable(ServiceUnavailable):
    """The job store cannot be reached: no generation starts whose result we could not keep."""

    status = 503
    code = "STORE_UNAVAILABLE"
    message = "생성 결과를 저장할 수 없어 지금은 생성할 수 없습니다. 잠시 후 다시 시도해 주세요."


class BackendUnavailable(ServiceUnavailable):
    """The frontend nginx cannot reach its backend (its own JSON answer; never raised here)."""

    status = 503
    code = "BACKEND_UNAVAILABLE"
    message = "이미지 생성 서버에 연결할 수 없습니다. 잠시 후 다시 시도해 주세요."


# --- about a kept job ----------------------------------------------------------


class JobError(AppError):
    """No job with this id (never made, deleted, or past its retention)."""

    status = 404
    code = "JOB_NOT_FOUND"
    message = "작업을 찾을 수 없습니다. 삭제되었거나 보관 기간이 지났을 수 있습니다."


class JobNotFinished(JobError):
    """The job has no result yet."""

    status = 409
    code = "JOB_NOT_FINISHED"
    message = "아직 생성 중인 작업입니다. 끝난 뒤 다시 받아 주세요."


class JobCanceled(JobError):
    """The job was cancelled before it finished."""

    status = 409
    code = "JOB_CANCELED"
    message = "취소된 작업입니다. 다시 생성하려면 같은 설정으로 다시 시도해 주세요."


class JobForbidden(JobError):
    """Someone else's job: only its owner may change it."""

    status = 403
    code = "JOB_FORBIDDEN"
    message = "다른 사용자의 작업은 취소하거나 삭제할 수 없습니다."


class JobInterrupted(JobError):
    """The replica running the job stopped and the job could not be resumed elsewhere."""

    status = 503
    code = "JOB_INTERRUPTED"
    message = "생성 중 서버가 재시작되어 작업을 이어서 할 수 없었습니다. 다시 시도해 주세요."


# --- the provider's API said no ---------------------------------------------


class UpstreamError(AppError):
    """The provider failed, answered garbage, or sent a result we may not or cannot fetch."""

    status = 502
    code = "UPSTREAM_ERROR"
    message = "이미지 생성 서비스와 통신하지 못했습니다. 잠시 후 다시 시도해 주세요."


class UpstreamAuthFailed(UpstreamError):
    """The provider refused our key (401/403)."""

    code = "UPSTREAM_AUTH_FAILED"
    message = "이미지 생성 서비스가 API 키를 거부했습니다. 관리자에게 API 키 확인을 요청해 주세요."


class UpstreamQuotaExceeded(UpstreamError):
    """The provider's account has no credit (402)."""

    code = "UPSTREAM_QUOTA_EXCEEDED"
    message = (
        "API 키 할당량 초과: 이미지 생성 서비스의 크레딧이 부족합니다. 관리자에게 문의해 주세요."
    )


class UpstreamRateLimited(UpstreamError):
    """The provider's rate or active-task limit (429), still there after our retries."""

    status = 429
    code = "UPSTREAM_RATE_LIMITED"
    message = "이미지 생성 서비스의 요청 한도에 도달했습니다. 잠시 후 다시 시도해 주세요."
    retry_after: float | None = None  # what the provider asked for, if it said

    @classmethod
    def after(cls, retry_after: str | None, *, log_detail: str) -> UpstreamRateLimited:
        """From a provider's ``Retry-After`` in seconds (absent or a date: we tell clients 10)."""
        seconds = int(retry_after) if retry_after and retry_after.strip().isdigit() else None
        error = cls(headers={"Retry-After": str(seconds or 10)}, log_detail=log_detail)
        error.retry_after = float(seconds) if seconds is not None else None
        return error


# --- the provider tried and failed ------------------------------------------


class GenerationError(AppError):
    """The provider ran the generation and it failed."""

    status = 502
    code = "GENERATION_FAILED"
    message = "이미지 생성에 실패했습니다. 프롬프트나 이미지를 바꿔 다시 시도해 주세요."


class ContentModerated(GenerationError):
    """The provider's safety check blocked the input or the output."""

    status = 422
    code = "CONTENT_MODERATED"
    message = "안전성 검사에서 차단되었습니다. 프롬프트나 이미지를 바꿔 다시 시도해 주세요."


class UnprocessableResult(GenerationError):
    """The output is neither a URL nor a list of them."""

    code = "UNPROCESSABLE_RESULT"
    message = "처리할 수 없는 결과 타입입니다. 잠시 후 다시 시도해 주세요."


class GenerationTimeout(AppError):
    """The one deadline of the generation passed (or the provider could not start in time)."""

    status = 504
    code = "GENERATION_TIMEOUT"
    message = "이미지 생성 시간이 초과되었습니다. 잠시 후 다시 시도해 주세요."


class PollsExhausted(GenerationTimeout):
    """``max_polls`` answers came back unfinished: the same answer as the deadline."""


class ClientClosed(AppError):
    """The client went away mid-generation; nobody reads this answer (nginx's 499)."""

    status = 499
    code = "CLIENT_CLOSED"
    message = "요청이 취소되었습니다."


# --- no such route ------------------------------------------------------------


class RouteError(AppError):
    """A route or method error other than the two below; ``status`` is the router's."""

    code = "HTTP_ERROR"
    message = "요청을 처리할 수 없습니다. 주소와 요청 방식을 확인해 주세요."

    def __init__(self, status: int, *, headers: Mapping[str, str] | None = None) -> None:
        self.status = status
        super().__init__(headers=headers)


class NotFound(RouteError):
    """No route at this address."""

    status = 404
    code = "NOT_FOUND"
    message = "요청한 주소를 찾을 수 없습니다. 주소를 확인해 주세요."

    def __init__(self, *, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(404, headers=headers)


class MethodNotAllowed(RouteError):
    """The address exists, not with this method."""

    status = 405
    code = "METHOD_NOT_ALLOWED"
    message = "이 주소에서 지원하지 않는 요청 방식입니다."

    def __init__(self, *, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(405, headers=headers)


# --- ours ---------------------------------------------------------------------


class InternalError(AppError):
    """A bug: the user gets this shape, the log gets the traceback."""


class ProvenanceFailed(InternalError):
    """A real engine's result could not be marked as AI-made, so it is not sent."""

    code = "PROVENANCE_FAILED"
    message = (
        "생성된 이미지에 AI 생성 표시(출처 정보)를 넣지 못해 결과를 보낼 수 없습니다. "
        "관리자에게 문의해 주세요."
    )


def error_classes() -> Iterator[type[AppError]]:
    """Every class of the table, depth first from ``AppError`` (the base itself excluded)."""
    stack = list(reversed(AppError.__subclasses__()))
    while stack:
        cls = stack.pop()
        yield cls
        stack.extend(reversed(cls.__subclasses__()))


def limit_phrase(seconds: float) -> str:
    """``120`` -> ``"2분"``, ``90`` -> ``"90초"``: the limit as people say it."""
    if seconds >= 60 and float(seconds).is_integer() and int(seconds) % 60 == 0:
        return f"{int(seconds) // 60}분"
    return f"{seconds:g}초"


def error_body(code: str, message: str, request_id: str | None) -> dict[str, dict[str, str | None]]:
    return {"error": {"code": code, "message": message, "request_id": request_id}}
