"""Streaming multipart reader with limits enforced while the body arrives.

FastAPI's ``UploadFile`` spools the whole body to disk before the endpoint
runs, so a 500 MB upload would be read in full before we could refuse it.
Here python-multipart parses the stream chunk by chunk; a file part that
passes its byte limit stops the read at once with ``FILE_TOO_LARGE``, and a
``Content-Length`` that cannot fit is refused before a byte is read.
Parts stay in memory (bounded by the limits): no temp files to leak.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from webtoon_core.errors import FileTooLarge, InputError
from webtoon_core.logging_setup import safe_text

MAX_TEXT_FIELD_BYTES = 64 * 1024
MAX_PARTS = 32
_HEADROOM = 256 * 1024  # multipart framing and text fields


@dataclass
class ParsedForm:
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)


class _Collector:
    """python-multipart callbacks that gather parts and enforce the limits."""

    def __init__(self, file_fields: frozenset[str], max_file_bytes: int) -> None:
        self.file_fields = file_fields
        self.max_file_bytes = max_file_bytes
        self.form = ParsedForm()
        self.ended = False
        self._parts = 0
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._headers: dict[str, str] = {}
        self._name: str | None = None
        self._shown = ""
        self._is_file = False
        self._buffer = bytearray()

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": lambda d, s, e: self._header_name.extend(d[s:e]),
            "on_header_value": lambda d, s, e: self._header_value.extend(d[s:e]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
            "on_end": self._end,
        }

    def _part_begin(self) -> None:
        self._parts += 1
        if self._parts > MAX_PARTS:
            raise InputError("요청에 항목이 너무 많습니다.")
        self._headers = {}
        self._buffer = bytearray()

    def _header_end(self) -> None:
        name = self._header_name.decode("latin-1").strip().lower()
        self._headers[name] = self._header_value.decode("latin-1").strip()
        self._header_name.clear()
        self._header_value.clear()

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get("content-disposition", ""))
        raw_name = options.get(b"name")
        if raw_name is None:
            raise InputError("요청 형식이 올바르지 않습니다: 이름 없는 항목이 있습니다.")
        name = raw_name.decode("utf-8", "replace")
        self._shown = safe_text(name, 40)  # the client's text: bounded and escaped when echoed
        if name in self.form.fields or name in self.form.files:
            raise InputError(
                f"요청 형식이 올바르지 않습니다: {self._shown} 항목이 두 번 들어 있습니다."
            )
        self._name = name
        self._is_file = name in self.file_fields

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        self._buffer.extend(data[start:end])
        if self._is_file and len(self._buffer) > self.max_file_bytes:
            mb = self.max_file_bytes / (1024 * 1024)
            raise FileTooLarge(
                f"파일이 너무 큽니다 ({self._shown}). {mb:g}MB 이하의 이미지를 올려 주세요."
            )
        if not self._is_file and len(self._buffer) > MAX_TEXT_FIELD_BYTES:
            raise InputError(f"{self._shown} 값이 너무 깁니다.")

    def _part_end(self) -> None:
        assert self._name is not None  # set by _headers_finished
        if self._is_file:
            self.form.files[self._name] = bytes(self._buffer)
        else:
            try:
                self.form.fields[self._name] = self._buffer.decode("utf-8")
            except UnicodeDecodeError:
                raise InputError(f"{self._shown} 값은 UTF-8 텍스트여야 합니다.") from None
        self._buffer = bytearray()

    def _end(self) -> None:
        self.ended = True


async def read_form(
    request: Request, *, file_fields: frozenset[str], max_file_bytes: int
) -> ParsedForm:
    """Read a ``multipart/form-data`` body, refusing oversize files while streaming."""
    content_type, params = parse_options_header(request.headers.get("content-type"))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise InputError("요청은 multipart/form-data 형식이어야 합니다.")

    declared = request.headers.get("content-length")
    limit = max_file_bytes * max(1, len(file_fields)) + _HEADROOM
    if declared is not None and declared.isdigit() and int(declared) > limit:
        mb = max_file_bytes / (1024 * 1024)
        raise FileTooLarge(f"요청이 너무 큽니다. 이미지는 각각 {mb:g}MB 이하로 올려 주세요.")

    collector = _Collector(file_fields, max_file_bytes)
    parser = MultipartParser(boundary, callbacks=collector.callbacks())  # type: ignore[arg-type]
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit:
                raise FileTooLarge("요청이 너무 큽니다. 이미지 크기를 줄여 다시 시도해 주세요.")
            parser.write(chunk)
        parser.finalize()
    except FormParserError:
        raise InputError(
            "요청 형식이 올바르지 않습니다: multipart 본문을 읽을 수 없습니다."
        ) from None
    except ClientDisconnect:
        raise InputError("업로드가 중간에 끊겼습니다. 다시 시도해 주세요.") from None
    if not collector.ended:
        raise InputError("요청 본문이 중간에 끝났습니다. 다시 시도해 주세요.")
    return collector.form
