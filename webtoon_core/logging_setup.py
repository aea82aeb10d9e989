"""Logging: one line per event, tagged with the request id, text or JSON.

The message text is the same in both formats, so the runbook's greps
(``생성 요청``, ``✅ 이미지 데이터 직접 반환`` ...) work on either.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable

from asgi_correlation_id import CorrelationIdFilter
from pydantic import SecretStr
from pythonjsonlogger.json import JsonFormatter

from webtoon_core.identity import IdentityLogFilter
from webtoon_core.settings import CommonSettings

TEXT_FORMAT = "%(asctime)s %(levelname)s [%(correlation_id)s %(user)s] %(name)s: %(message)s"
_HANDLER_NAME = "webtoon-core"


REDACTED = "[REDACTED]"
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def safe_text(value: object, limit: int = 200) -> str:
    """Text from outside (a provider's answer, a client's field name) fit to log or show.

    Bounded to ``limit`` characters, lone surrogates replaced (they cannot be
    encoded, and would break a log line or an event stream), control
    characters escaped so one value cannot forge a log line.
    """
    text = value if isinstance(value, str) else repr(value)
    if len(text) > limit:
        text = text[:limit] + "…"
    text = text.encode("utf-8", "replace").decode("utf-8")
    return _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret value replaced: for provider text we log."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


def secret_values(settings: CommonSettings) -> list[str]:
    """Every secret setting, as configured and as sent (stripped of surrounding space)."""
    values = (getattr(settings, name) for name in type(settings).model_fields)
    found: set[str] = set()
    for value in values:
        if isinstance(value, SecretStr):
            found.update(
                v for v in (value.get_secret_value(), value.get_secret_value().strip()) if v
            )
    # Longest first, so a key is never half-redacted by its own stripped copy.
    return sorted(found, key=len, reverse=True)


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


def redact_every_handler(secrets: Iterable[str]) -> None:
    """Put ``RedactSecrets`` on every handler of every logger, uvicorn's included.

    uvicorn's own loggers (``uvicorn.error`` writes "Exception in ASGI
    application" with a traceback) do not propagate to the root logger and
    have handlers of their own; a filter on ours would never see them.
    """
    values = [s for s in secrets if s]
    if not values:
        return
    loggers: list[logging.Logger] = [logging.getLogger()]
    for logger in list(logging.Logger.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger):
            loggers.append(logger)
    for logger in loggers:
        for handler in logger.handlers:
            for existing in handler.filters:
                if isinstance(existing, RedactSecrets):
                    existing.secrets = sorted({*existing.secrets, *values})
                    break
            else:
                handler.addFilter(RedactSecrets(values))


def setup_logging(settings: CommonSettings) -> None:
    """Install one stdout handler on the root logger (idempotent)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)

    handler = logging.StreamHandler(sys.stdout)
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(CorrelationIdFilter(default_value="-"))
    handler.addFilter(IdentityLogFilter())
    handler.addFilter(RedactSecrets(secret_values(settings)))
    if settings.log_format == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s %(user)s",
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
    redact_every_handler(secret_values(settings))
