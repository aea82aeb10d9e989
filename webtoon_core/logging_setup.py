"""Logging: one line per event, tagged with the request id, text or JSON.

The message text is the same in both formats, so the runbook's greps
(``생성 요청``, ``✅ 이미지 데이터 직접 반환`` ...) work on either.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

from asgi_correlation_id import CorrelationIdFilter
from pydantic import SecretStr
from pythonjsonlogger.json import JsonFormatter

from webtoon_core.settings import CommonSettings

TEXT_FORMAT = "%(asctime)s %(levelname)s [%(correlation_id)s] %(name)s: %(message)s"
_HANDLER_NAME = "webtoon-core"


REDACTED = "[REDACTED]"


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret value replaced: for provider text we log."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


def secret_values(settings: CommonSettings) -> list[str]:
    values = (getattr(settings, name) for name in type(settings).model_fields)
    return [v.get_secret_value() for v in values if isinstance(v, SecretStr) and v.get_secret_value()]


class RedactSecrets(logging.Filter):
    """Last line of defence: no configured secret leaves through our log handler."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            clean = scrub(message, self.secrets)
            if clean != message:
                record.msg, record.args = clean, ()
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = scrub(record.exc_text, self.secrets)
        return True


def setup_logging(settings: CommonSettings) -> None:
    """Install one stdout handler on the root logger (idempotent)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)

    handler = logging.StreamHandler(sys.stdout)
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(CorrelationIdFilter(default_value="-"))
    handler.addFilter(RedactSecrets(secret_values(settings)))
    if settings.log_format == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s",
                rename_fields={"correlation_id": "request_id", "levelname": "level"},
                json_ensure_ascii=False,
            )
        )
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    # httpx logs every request URL at INFO; provider URLs are ours to log, not its.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
