from __future__ import annotations

import pytest
from starlette.requests import Request

from webtoon_core import errors
from webtoon_core.forms import read_form

BOUNDARY = "xYzBoUnDaRy"
MB = 1024 * 1024


def part_header(name: str, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    return f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode()


def body(*parts: tuple[str, bytes, str | None]) -> bytes:
    out = b"".join(part_header(n, f) + v + b"\r\n" for n, v, f in parts)
    return out + f"--{BOUNDARY}--\r\n".encode()


class CountingReceive:
    """An ASGI receive that hands out a body in chunks and counts what was taken."""

    def __init__(self, data: bytes, chunk: int = 64 * 1024) -> None:
        self.chunks = [data[i : i + chunk] for i in range(0, len(data), chunk)] or [b""]
        self.taken = 0

    async def __call__(self):
        index = self.taken
        self.taken += 1
        return {
            "type": "http.request",
            "body": self.chunks[index],
            "more_body": index + 1 < len(self.chunks),
        }


def request_for(
    receive: CountingReceive, content_length: int | None = None, content_type: str | None = None
) -> Request:
    headers = [
        (b"content-type", (content_type or f"multipart/form-data; boundary={BOUNDARY}").encode())
    ]
    if content_length is not None:
        headers.append((b"content-length", str(content_length).encode()))
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/generate",
        "headers": headers,
        "query_string": b"",
    }
    return Request(scope, receive)


async def test_fields_and_files_are_collected():
    data = body(("prompt", "안녕 hello".encode(), None), ("input_image", b"\x89PNGdata", "a.png"))
    form = await read_form(
        request_for(CountingReceive(data)),
        file_fields=frozenset({"input_image"}),
        max_file_bytes=MB,
    )
    assert form.fields == {"prompt": "안녕 hello"}
    assert form.files == {"input_image": b"\x89PNGdata"}


async def test_oversize_file_stops_the_read_early():
    data = body(("input_image", b"\0" * (6 * MB), "big.jpg"), ("prompt", b"x", None))
    receive = CountingReceive(data)
    with pytest.raises(errors.FileTooLarge) as info:
        await read_form(
            request_for(receive), file_fields=frozenset({"input_image"}), max_file_bytes=5 * MB
        )
    assert info.value.status == 413 and info.value.code == "FILE_TOO_LARGE"
    assert "5MB" in info.value.message
    # 5 MB of 6 read at most: the rest of the body is never consumed.
    assert receive.taken <= len(receive.chunks) - 10


async def test_impossible_content_length_is_refused_before_reading():
    receive = CountingReceive(b"irrelevant")
    with pytest.raises(errors.FileTooLarge):
        await read_form(
            request_for(receive, content_length=50 * MB),
            file_fields=frozenset({"a", "b"}),
            max_file_bytes=5 * MB,
        )
    assert receive.taken == 0


async def test_duplicated_part_is_a_validation_error():
    data = body(("prompt", b"a", None), ("prompt", b"b", None))
    with pytest.raises(errors.InputError) as info:
        await read_form(
            request_for(CountingReceive(data)), file_fields=frozenset(), max_file_bytes=MB
        )
    assert info.value.code == "VALIDATION_ERROR" and "두 번" in info.value.message


async def test_non_multipart_body_is_a_validation_error():
    with pytest.raises(errors.InputError):
        await read_form(
            request_for(CountingReceive(b"{}"), content_type="application/json"),
            file_fields=frozenset(),
            max_file_bytes=MB,
        )


async def test_body_cut_off_before_the_closing_boundary_is_refused():
    data = body(("prompt", b"a", None))
    with pytest.raises(errors.InputError) as info:
        await read_form(
            request_for(CountingReceive(data[:-20])), file_fields=frozenset(), max_file_bytes=MB
        )
    assert info.value.code == "VALIDATION_ERROR"


async def test_overlong_text_field_is_refused():
    data = body(("prompt", b"x" * (70 * 1024), None))
    with pytest.raises(errors.InputError) as info:
        await read_form(
            request_for(CountingReceive(data)), file_fields=frozenset(), max_file_bytes=MB
        )
    assert "prompt" in info.value.message


async def test_field_names_from_the_client_are_bounded_and_escaped_in_messages():
    name = "evil\x1bname-" + "x" * 200
    data = body((name, b"1", None), (name, b"2", None))
    with pytest.raises(errors.InputError) as info:
        await read_form(
            request_for(CountingReceive(data)), file_fields=frozenset(), max_file_bytes=MB
        )
    message = info.value.message
    assert "\x1b" not in message and "evil\\x1bname-" in message
    assert "x" * 41 not in message and len(message) < 120
