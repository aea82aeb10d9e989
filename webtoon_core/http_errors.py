"""Rendering every failure as the one JSON error shape (see ``errors``)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from asgi_correlation_id import correlation_id
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from webtoon_core.errors import (
    AppError,
    InputError,
    InternalError,
    MethodNotAllowed,
    NotFound,
    RouteError,
    error_body,
)

log = logging.getLogger("webtoon_core.errors")

_REASONS = {
    "missing": "값이 필요합니다",
    "string_too_short": "비어 있을 수 없습니다",
    "string_too_long": "너무 깁니다 (최대 {max_length}자)",
    "literal_error": "허용되지 않는 값입니다 (허용: {expected})",
    "enum": "허용되지 않는 값입니다 (허용: {expected})",
    "int_parsing": "정수여야 합니다",
    "int_from_float": "정수여야 합니다",
    "int_type": "정수여야 합니다",
    "greater_than_equal": "{ge} 이상이어야 합니다",
    "less_than_equal": "{le} 이하여야 합니다",
    "string_pattern_mismatch": "형식이 올바르지 않습니다",
}


class ErrorDetail(BaseModel):
    code: str
    message: str
    request_id: str | None


class ErrorResponse(BaseModel):
    """The one error shape (OpenAPI): every failure answers it, whatever its status."""

    error: ErrorDetail


# The error answers of the generate route, for the OpenAPI document.
GENERATE_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": description}
    for status, description in {
        400: "EMPTY_FILE, INVALID_IMAGE: 빈 파일, 손상되거나 잘린 이미지",
        408: "UPLOAD_TIMEOUT: 업로드가 제한 시간 안에 끝나지 않음",
        413: "FILE_TOO_LARGE, IMAGE_TOO_LARGE: 바이트·픽셀 한도 초과",
        415: "UNSUPPORTED_IMAGE: PNG/JPEG가 아님",
        422: "VALIDATION_ERROR, IMAGE_TOO_SMALL, IMAGE_TOO_ELONGATED, CONTENT_MODERATED",
        429: "BUSY, UPSTREAM_RATE_LIMITED (Retry-After 포함)",
        502: "UPSTREAM_*, GENERATION_FAILED, UNPROCESSABLE_RESULT: 제공자 오류",
        503: "ENGINE_NOT_CONFIGURED, SHUTTING_DOWN",
        504: "GENERATION_TIMEOUT: 마감 시간 초과",
    }.items()
}


def describe_validation_errors(errors: Iterable[Mapping[str, Any]]) -> str:
    """Korean, one clause per field: ``"prompt: 값이 필요합니다; seed: 정수여야 합니다"``."""
    clauses: list[str] = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "form")]
        field = ".".join(loc) or "요청"
        template = _REASONS.get(str(err.get("type")))
        if err.get("type") == "value_error" and "error" in err.get("ctx", {}):
            reason = str(err["ctx"]["error"])  # our validators' own Korean text
        elif template is None:
            reason = "값이 올바르지 않습니다"
        else:
            try:
                reason = template.format(**err.get("ctx", {}))
            except (KeyError, IndexError):
                reason = template.split(" (")[0]
        clause = f"{field}: {reason}"
        if clause not in clauses:
            clauses.append(clause)
    return "입력 값을 확인해 주세요. " + "; ".join(clauses)


def input_error_from(exc: ValidationError) -> InputError:
    return InputError(describe_validation_errors(exc.errors(include_url=False)))


def _respond(exc: AppError, *, outside_middleware: bool = False) -> JSONResponse:
    request_id = correlation_id.get()
    headers = dict(exc.headers)
    if outside_middleware and request_id:
        # The 500 handler runs outside the request-id middleware, which adds it elsewhere.
        headers["X-Request-ID"] = request_id
    return JSONResponse(
        error_body(exc.code, exc.message, request_id), status_code=exc.status, headers=headers
    )


def error_response(exc: AppError, *, headers: Mapping[str, str] | None = None) -> JSONResponse:
    """The error shape for ``exc``, without logging it.

    For failures already logged where they happened.
    """
    response = _respond(exc)
    response.headers.update(dict(headers or {}))
    return response


def log_app_error(exc: AppError) -> None:
    level = logging.ERROR if exc.status >= 500 else logging.WARNING
    detail = f" ({exc.log_detail})" if exc.log_detail else ""
    log.log(level, "요청 실패 %s %s: %s%s", exc.status, exc.code, exc.message, detail)


async def _app_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    log_app_error(exc)
    return _respond(exc)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return await _app_error(_, InputError(describe_validation_errors(exc.errors())))


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = exc.headers
    if exc.status_code == 404:
        return _respond(NotFound(headers=headers))
    if exc.status_code == 405:
        return _respond(MethodNotAllowed(headers=headers))
    return _respond(RouteError(exc.status_code, headers=headers))


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    # Last resort for bugs only: every known failure is an AppError above.
    # The traceback goes to the log; the user gets the JSON shape, never the text.
    log.error("처리되지 않은 오류", exc_info=exc)
    return _respond(InternalError(), outside_middleware=True)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
