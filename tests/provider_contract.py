"""What Replicate and BFL refuse, written once from /work/shared/reference/upstream-apis.md.

Every fake of a provider (the socket fakes under ``tests/``, ``bench/fakes.py``,
respx routes in unit tests) runs its create request through these checks, so a
request the real API would refuse fails a test instead of passing silently.

Each ``check_*`` takes the request as ``(headers, body)`` (any mapping of
headers, matched case-insensitively, and the raw body bytes) and returns None
when the real API would accept it, otherwise the ``httpx.Response`` the real
API answers, whose body names what was wrong.  Adapters:

- ``check_request(check, request)``: run a check on an ``httpx.Request``;
- ``enforce(check, then)``: a respx side effect (the refusal, else ``then``);
- ``to_starlette(response)``: the refusal as a Starlette/FastAPI response.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable, Mapping
from fractions import Fraction
from typing import Any
from urllib.parse import urlsplit

import httpx
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.responses import Response as StarletteResponse

Headers = Mapping[str, str]
Check = Callable[[Headers, bytes], "httpx.Response | None"]

# -- limits --------------------------------------------------------------------------------

# Replicate recommends data URIs only for files under 1 MB and enforces a request-size limit
# whose number is not published; 1,000,000 characters of the URI is our reading of "1 MB",
# and 10 MB for the whole JSON body is a generous stand-in for the unpublished limit.
REPLICATE_MAX_DATA_URI_CHARS = 1_000_000
REPLICATE_MAX_BODY_BYTES = 10_000_000
# The Files API takes uploads of up to 100 MB.
REPLICATE_MAX_FILE_BYTES = 100_000_000
# Prefer: wait=N takes 1..60 seconds (60 is also the default of a bare "wait").
REPLICATE_MAX_WAIT_S = 60
# Cancel-After shorter than this is refused.
REPLICATE_MIN_CANCEL_AFTER_S = 5.0

REPLICATE_ASPECT_RATIOS = (
    "match_input_image", "1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3",
    "4:5", "5:4", "21:9", "9:21", "2:1", "1:2",
)  # fmt: skip
REPLICATE_OUTPUT_FORMATS = ("jpg", "png")  # "jpeg" is NOT accepted
REPLICATE_INPUT_FIELDS = frozenset(
    {"prompt", "input_image_1", "input_image_2", "aspect_ratio", "seed", "output_format",
     "safety_tolerance"}
)  # fmt: skip
# Top-level body fields the create call takes besides ``input`` (the official client's set).
REPLICATE_BODY_FIELDS = frozenset(
    {"input", "webhook", "webhook_completed", "webhook_events_filter", "stream"}
)

BFL_OUTPUT_FORMATS = ("jpeg", "png")  # webp exists only for FLUX.2 endpoints; "jpg" is refused
BFL_MAX_SEED = 2**32 - 1
BFL_SAFETY_TOLERANCE = (0, 6)
BFL_MIN_RATIO = Fraction(9, 21)
BFL_MAX_RATIO = Fraction(21, 9)
BFL_IMAGE_FIELDS = ("input_image", "input_image_2", "input_image_3", "input_image_4")
BFL_FIELDS = frozenset(
    {"prompt", *BFL_IMAGE_FIELDS, "seed", "aspect_ratio", "output_format", "safety_tolerance",
     "prompt_upsampling", "webhook_url", "webhook_secret"}
)  # fmt: skip
BFL_URL_MAX_CHARS = 2083  # pydantic's HttpUrl limit; BFL's API is FastAPI + pydantic

# Replicate's problem documents carry no published type URIs: "about:blank" is RFC 7807's own
# value for "no more than the status code says".
PROBLEM_TYPE = "about:blank"
PROBLEM_JSON = "application/problem+json"

_DATA_URI = re.compile(r"data:image/(png|jpeg|gif|webp);base64,([A-Za-z0-9+/]*={0,2})", re.S)
_BEARER = re.compile(r"Bearer ([A-Za-z0-9._~+/=-]+)")
_PREFER = re.compile(r"wait(?:=(\d+))?")
_GO_DURATION = re.compile(r"(?:\d+(?:\.\d+)?(?:h|m|s))+")
_GO_PART = re.compile(r"(\d+(?:\.\d+)?)(h|m|s)")
_RATIO = re.compile(r"(\d+):(\d+)")
_UNIT_S = {"h": 3600.0, "m": 60.0, "s": 1.0}


# -- shared helpers ------------------------------------------------------------------------


def _lower(headers: Headers) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def is_int(value: object) -> bool:
    """A JSON integer: ``True`` is a bool to the real schemas, not 1."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_http_url(value: object, max_chars: int | None = None) -> bool:
    if not isinstance(value, str) or (max_chars is not None and len(value) > max_chars):
        return False
    if any(c.isspace() for c in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _b64_decodes(text: str) -> bool:
    if not text:
        return False
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def parse_go_duration(text: str) -> float | None:
    """Seconds of a Go-style duration (``30s``, ``2m``, ``1m30s``, ``1.5h``), None if garbage."""
    text = text.strip()
    if not _GO_DURATION.fullmatch(text):
        return None
    return sum(float(n) * _UNIT_S[unit] for n, unit in _GO_PART.findall(text))


def parse_prefer_wait(value: str) -> int | None:
    """Seconds asked for by a valid ``Prefer`` header (``wait`` means 60), None if invalid."""
    match = _PREFER.fullmatch(value.strip())
    if match is None:
        return None
    if match.group(1) is None:
        return REPLICATE_MAX_WAIT_S
    seconds = int(match.group(1))
    return seconds if 1 <= seconds <= REPLICATE_MAX_WAIT_S else None


def bearer_token(headers: Headers) -> str | None:
    match = _BEARER.fullmatch(_lower(headers).get("authorization", "").strip())
    return match.group(1) if match else None


# -- Replicate -----------------------------------------------------------------------------


def problem(status: int, title: str, detail: str, **extra: Any) -> httpx.Response:
    """An RFC 7807 answer, as Replicate's API gives for every error."""
    body = {"type": PROBLEM_TYPE, "title": title, "status": status, "detail": detail, **extra}
    return httpx.Response(status, json=body, headers={"content-type": PROBLEM_JSON})


def replicate_unauthenticated(headers: Headers, token: str | None = None) -> httpx.Response | None:
    """401 without a well-formed ``Authorization: Bearer <token>`` (or with another token than
    ``token``, when it is given)."""
    raw = _lower(headers).get("authorization")
    sent = bearer_token(headers)
    if raw is None:
        detail = "Missing Authorization header: send 'Authorization: Bearer <token>'"
    elif sent is None:
        detail = "Malformed Authorization header: expected 'Bearer <token>'"
    elif token is not None and sent != token:
        detail = "Invalid token"
    else:
        return None
    return problem(
        401, "Unauthenticated", f"You did not pass a valid authentication token. {detail}"
    )


def _replicate_headers(headers: Headers) -> httpx.Response | None:
    lowered = _lower(headers)
    if "prefer" in lowered and parse_prefer_wait(lowered["prefer"]) is None:
        return problem(
            400,
            "Invalid Prefer header",
            f"Prefer must be 'wait' or 'wait=N' with N in 1..{REPLICATE_MAX_WAIT_S}, "
            f"got {lowered['prefer']!r}",
        )
    if "cancel-after" in lowered:
        seconds = parse_go_duration(lowered["cancel-after"])
        if seconds is None or seconds < REPLICATE_MIN_CANCEL_AFTER_S:
            return problem(
                400,
                "Invalid Cancel-After header",
                "Cancel-After must be a duration such as '30s', '2m' or '1m30s', at least "
                f"{REPLICATE_MIN_CANCEL_AFTER_S:g}s, got {lowered['cancel-after']!r}",
            )
    return None


def _image_problem(field: str, value: object) -> tuple[str, str] | None:
    """(kind, description) of what is wrong with a Replicate image input, None if fine."""
    if value is None:
        return "required", f"{field} is required"
    if not isinstance(value, str):
        return "invalid_type", f"Invalid type. Expected: string, given: {_json_type(value)}"
    if value.startswith("data:"):
        match = _DATA_URI.fullmatch(value)
        if match is None:
            return (
                "format",
                "Does not match format 'uri': a data URI must be "
                "data:image/(png|jpeg|gif|webp);base64,<data>",
            )
        if not _b64_decodes(match.group(2)):
            return "format", "Does not match format 'uri': the data URI's base64 does not decode"
        return None
    if is_http_url(value):
        return None
    return (
        "format",
        "Does not match format 'uri': expected an http(s) URL or a data URI "
        "(raw base64 without 'data:image/...;base64,' is refused)",
    )


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _input_validation_failed(invalid: list[tuple[str, str, str]]) -> httpx.Response:
    # Replicate lists every invalid field: "- input.<field>: <description>" per line.
    detail = "".join(f"- {field}: {description}\n" for field, _, description in invalid)
    fields = [{"type": kind, "field": f, "description": d} for f, kind, d in invalid]
    return problem(422, "Input validation failed", detail, invalid_fields=fields)


def replicate_input_problems(model_input: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """Every (field, kind, description) wrong with a multi-image-kontext ``input`` object."""
    invalid: list[tuple[str, str, str]] = []

    def bad(name: str, kind: str, description: str) -> None:
        invalid.append((f"input.{name}", kind, description))

    prompt = model_input.get("prompt")
    if "prompt" not in model_input:
        bad("prompt", "required", "prompt is required")
    elif not isinstance(prompt, str):
        bad(
            "prompt", "invalid_type", f"Invalid type. Expected: string, given: {_json_type(prompt)}"
        )
    for name in ("input_image_1", "input_image_2"):
        wrong = _image_problem(name, model_input.get(name))
        if wrong is not None:
            bad(name, *wrong)
    if "aspect_ratio" in model_input and model_input["aspect_ratio"] not in REPLICATE_ASPECT_RATIOS:
        allowed = ", ".join(f'"{v}"' for v in REPLICATE_ASPECT_RATIOS)
        bad("aspect_ratio", "enum", f"aspect_ratio must be one of the following: {allowed}")
    if (
        "output_format" in model_input
        and model_input["output_format"] not in REPLICATE_OUTPUT_FORMATS
    ):
        bad(
            "output_format",
            "enum",
            'output_format must be one of the following: "jpg", "png" '
            f"(got {model_input['output_format']!r})",
        )
    if "safety_tolerance" in model_input:
        value = model_input["safety_tolerance"]
        if not is_int(value):
            given = _json_type(value)
            bad(
                "safety_tolerance",
                "invalid_type",
                f"Invalid type. Expected: integer, given: {given}",
            )
        elif not 0 <= value <= 2:
            bad(
                "safety_tolerance",
                "number_one_of",
                f"Must be between 0 and 2 (2 is the most allowed with input images), got {value}",
            )
    if "seed" in model_input and not is_int(model_input["seed"]):
        given = _json_type(model_input["seed"])
        bad("seed", "invalid_type", f"Invalid type. Expected: integer, given: {given}")
    for name in sorted(set(model_input) - REPLICATE_INPUT_FIELDS):
        bad(name, "additional_property_not_allowed", f"Additional property {name} is not allowed")
    return invalid


def check_replicate_create(
    headers: Headers, body: bytes, *, token: str | None = None
) -> httpx.Response | None:
    """``POST /v1/models/{owner}/{name}/predictions`` for multi-image-kontext-max/-pro.

    ``token``: when given, any other bearer token is refused too (a fake that knows the key).
    """
    if len(body) > REPLICATE_MAX_BODY_BYTES:
        return problem(
            413,
            "Request entity too large",
            f"The request body is {len(body)} bytes, over the {REPLICATE_MAX_BODY_BYTES}-byte "
            "limit: upload large files with the Files API and pass their URL",
        )
    refused = replicate_unauthenticated(headers, token) or _replicate_headers(headers)
    if refused is not None:
        return refused
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        return problem(422, "Invalid JSON", f"The request body is not valid JSON: {exc}")
    if not isinstance(data, dict):
        return problem(422, "Invalid request", "The request body must be a JSON object")
    if not isinstance(data.get("input"), dict):
        got = "missing" if "input" not in data else _json_type(data["input"])
        return problem(422, "Invalid request", f"The request body needs an 'input' object ({got})")
    extra = sorted(set(data) - REPLICATE_BODY_FIELDS)
    if extra:
        return problem(422, "Invalid request", f"Unknown body fields: {', '.join(extra)}")
    model_input: dict[str, Any] = data["input"]
    for name in ("input_image_1", "input_image_2"):
        value = model_input.get(name)
        if (
            isinstance(value, str)
            and value.startswith("data:")
            and len(value) > REPLICATE_MAX_DATA_URI_CHARS
        ):
            return problem(
                413,
                "Request entity too large",
                f"input.{name} is a data URI of {len(value)} characters, over "
                f"{REPLICATE_MAX_DATA_URI_CHARS}: data URIs are for files under 1 MB, upload "
                "larger files with the Files API (POST /v1/files) and pass file.urls['get']",
            )
    invalid = replicate_input_problems(model_input)
    return _input_validation_failed(invalid) if invalid else None


def parse_multipart(
    headers: Headers, body: bytes
) -> dict[str, tuple[dict[str, str], bytes]] | None:
    """``{name: (part headers, data)}`` of a ``multipart/form-data`` body, None if it is not one."""
    content_type, params = parse_options_header(_lower(headers).get("content-type", ""))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        return None
    parts: list[tuple[dict[str, str], bytearray]] = []
    field = bytearray()
    value = bytearray()

    def on_part_begin() -> None:
        parts.append(({}, bytearray()))

    def on_header_field(data: bytes, start: int, end: int) -> None:
        field.extend(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        value.extend(data[start:end])

    def on_header_end() -> None:
        parts[-1][0][field.decode("latin-1").lower()] = value.decode("latin-1")
        field.clear()
        value.clear()

    def on_part_data(data: bytes, start: int, end: int) -> None:
        parts[-1][1].extend(data[start:end])

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_part_data": on_part_data,
        },
    )
    try:
        parser.write(body)
        parser.finalize()
    except Exception:  # noqa: BLE001 - any parser error means "not a multipart body"
        return None
    named: dict[str, tuple[dict[str, str], bytes]] = {}
    for part_headers, data in parts:
        _, disposition = parse_options_header(part_headers.get("content-disposition", ""))
        name = disposition.get(b"name")
        if name is None:
            return None
        filename = disposition.get(b"filename")
        if filename is not None:
            part_headers = {**part_headers, "filename": filename.decode("utf-8", "replace")}
        named[name.decode("utf-8", "replace")] = (part_headers, bytes(data))
    return named


def check_replicate_file_upload(
    headers: Headers, body: bytes, *, token: str | None = None
) -> httpx.Response | None:
    """``POST /v1/files``: multipart with a ``content`` file part (optional: filename, type,
    metadata)."""
    refused = replicate_unauthenticated(headers, token)
    if refused is not None:
        return refused
    if len(body) > REPLICATE_MAX_FILE_BYTES:
        return problem(
            413,
            "Request entity too large",
            f"The upload is {len(body)} bytes, over the {REPLICATE_MAX_FILE_BYTES}-byte limit",
        )
    parts = parse_multipart(headers, body)
    if parts is None:
        return problem(422, "Invalid request", "The body must be multipart/form-data")
    if "content" not in parts or "filename" not in parts["content"][0]:
        return problem(422, "Invalid request", "A 'content' file part is required")
    if len(parts["content"][1]) > REPLICATE_MAX_FILE_BYTES:
        return problem(413, "Request entity too large", "The file is over 100 MB")
    unknown = sorted(set(parts) - {"content", "filename", "type", "metadata"})
    if unknown:
        return problem(422, "Invalid request", f"Unknown form fields: {', '.join(unknown)}")
    if "metadata" in parts:
        try:
            metadata = json.loads(parts["metadata"][1])
        except (ValueError, UnicodeDecodeError):
            metadata = None
        if not isinstance(metadata, dict):
            return problem(422, "Invalid request", "metadata must be a JSON object")
    return None


# -- BFL -----------------------------------------------------------------------------------


def bfl_validation_error(errors: list[dict[str, Any]]) -> httpx.Response:
    """BFL's 422 (FastAPI's): ``{"detail": [{"loc": [...], "msg": ..., "type": ...}]}``."""
    return httpx.Response(422, json={"detail": errors})


def _bfl_error(field: str, kind: str, msg: str) -> dict[str, Any]:
    return {"loc": ["body", field], "msg": msg, "type": kind}


def bfl_unauthenticated(headers: Headers, key: str | None = None) -> httpx.Response | None:
    """403 without an ``x-key`` header (401 for another key than ``key``, when it is given)."""
    sent = _lower(headers).get("x-key", "").strip()
    if not sent:
        return httpx.Response(403, json={"detail": "Not authenticated - x-key header missing"})
    if key is not None and sent != key:
        return httpx.Response(401, json={"detail": "Not authenticated - Invalid Authentication"})
    return None


def _bfl_image_error(field: str, value: object) -> dict[str, Any] | None:
    if not isinstance(value, str):
        return _bfl_error(field, "string_type", "Input should be a valid string")
    if value.startswith("data:"):
        return _bfl_error(
            field,
            "value_error",
            "Value error, expected raw base64 or an http(s) URL; remove the "
            "'data:image/...;base64,' prefix",
        )
    if is_http_url(value):
        return None
    if value.startswith(("http:", "https:")) or not _b64_decodes(value):
        return _bfl_error(
            field, "value_error", "Value error, not decodable base64 nor an http(s) URL"
        )
    return None


def _ratio_error(value: object) -> dict[str, Any] | None:
    if not isinstance(value, str):
        return _bfl_error("aspect_ratio", "string_type", "Input should be a valid string")
    match = _RATIO.fullmatch(value)
    if match is None or int(match.group(1)) == 0 or int(match.group(2)) == 0:
        return _bfl_error(
            "aspect_ratio", "value_error", f"Value error, aspect ratio must be 'W:H', got {value!r}"
        )
    ratio = Fraction(int(match.group(1)), int(match.group(2)))
    if not BFL_MIN_RATIO <= ratio <= BFL_MAX_RATIO:
        return _bfl_error(
            "aspect_ratio",
            "value_error",
            f"Value error, aspect ratio {value} is outside the range 21:9 to 9:21",
        )
    return None


def bfl_body_errors(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every 422 error item for a flux-kontext-max body (a JSON object)."""
    errors: list[dict[str, Any]] = []
    for name in ("prompt", "input_image"):
        if name not in data:
            errors.append(_bfl_error(name, "missing", "Field required"))
    if "prompt" in data and not isinstance(data["prompt"], str):
        errors.append(_bfl_error("prompt", "string_type", "Input should be a valid string"))
    for name in BFL_IMAGE_FIELDS:
        # input_image_2..4 are "string | null"; input_image itself must be an image.
        if name in data and (name == "input_image" or data[name] is not None):
            error = _bfl_image_error(name, data[name])
            if error is not None:
                errors.append(error)
    seed = data.get("seed")
    if seed is not None:
        if not is_int(seed):
            errors.append(_bfl_error("seed", "int_type", "Input should be a valid integer"))
        elif not 0 <= seed <= BFL_MAX_SEED:
            errors.append(
                _bfl_error(
                    "seed",
                    "less_than_equal" if seed > 0 else "greater_than_equal",
                    f"Input should be between 0 and {BFL_MAX_SEED}",
                )
            )
    if data.get("aspect_ratio") is not None:
        error = _ratio_error(data["aspect_ratio"])
        if error is not None:
            errors.append(error)
    if data.get("output_format") is not None and data["output_format"] not in BFL_OUTPUT_FORMATS:
        errors.append(
            _bfl_error(
                "output_format",
                "enum",
                f"Input should be 'jpeg' or 'png' (got {data['output_format']!r})",
            )
        )
    if "safety_tolerance" in data:
        value = data["safety_tolerance"]
        low, high = BFL_SAFETY_TOLERANCE
        if not is_int(value):
            errors.append(
                _bfl_error("safety_tolerance", "int_type", "Input should be a valid integer")
            )
        elif not low <= value <= high:
            errors.append(
                _bfl_error(
                    "safety_tolerance",
                    "less_than_equal" if value > high else "greater_than_equal",
                    f"Input should be between {low} and {high}",
                )
            )
    if "prompt_upsampling" in data and not isinstance(data["prompt_upsampling"], bool):
        errors.append(
            _bfl_error("prompt_upsampling", "bool_type", "Input should be a valid boolean")
        )
    if data.get("webhook_url") is not None and not is_http_url(
        data["webhook_url"], BFL_URL_MAX_CHARS
    ):
        errors.append(_bfl_error("webhook_url", "url_parsing", "Input should be a valid URL"))
    if data.get("webhook_secret") is not None and not isinstance(data["webhook_secret"], str):
        errors.append(_bfl_error("webhook_secret", "string_type", "Input should be a valid string"))
    for name in sorted(set(data) - BFL_FIELDS):
        errors.append(_bfl_error(name, "extra_forbidden", "Extra inputs are not permitted"))
    return errors


def check_bfl_create(
    headers: Headers, body: bytes, *, key: str | None = None
) -> httpx.Response | None:
    """``POST /v1/flux-kontext-max`` (and -pro): x-key, then the JSON body's schema."""
    refused = bfl_unauthenticated(headers, key)
    if refused is not None:
        return refused
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        position = getattr(exc, "pos", 0)
        return bfl_validation_error(
            [{"loc": ["body", position], "msg": "JSON decode error", "type": "json_invalid"}]
        )
    if not isinstance(data, dict):
        return bfl_validation_error(
            [
                {
                    "loc": ["body"],
                    "msg": "Input should be a valid dictionary or object",
                    "type": "model_attributes_type",
                }
            ]
        )
    errors = bfl_body_errors(data)
    return bfl_validation_error(errors) if errors else None


# -- adapters ------------------------------------------------------------------------------


def check_request(check: Check, request: httpx.Request) -> httpx.Response | None:
    """Run a check on an ``httpx.Request`` (what respx hands a side effect)."""
    return check(request.headers, request.read())


def enforce(
    check: Check,
    then: httpx.Response | Callable[[httpx.Request], httpx.Response] | Iterable[httpx.Response],
) -> Callable[[httpx.Request], httpx.Response]:
    """A respx side effect: the real API's refusal, else ``then`` (a response, a callable, or
    responses handed out in turn, like respx's own list side effects)::

        respx.post(CREATE_URL).mock(side_effect=enforce(check_bfl_create, created()))
    """
    if isinstance(then, httpx.Response) or callable(then):
        queue = None
    else:
        queue = iter(list(then))

    def side_effect(request: httpx.Request) -> httpx.Response:
        refused = check_request(check, request)
        if refused is not None:
            return refused
        if queue is not None:
            return next(queue)
        if isinstance(then, httpx.Response):
            return then
        return then(request)  # type: ignore[operator]

    return side_effect


def to_starlette(response: httpx.Response) -> StarletteResponse:
    """An ``httpx.Response`` made by a check, as the socket fakes' answer."""
    return StarletteResponse(
        content=response.content,
        status_code=response.status_code,
        media_type=response.headers.get("content-type", "application/json"),
    )


def refusal_text(response: httpx.Response) -> str:
    """What a refusal says was wrong, for assertion messages."""
    return f"{response.status_code} {response.text}"
