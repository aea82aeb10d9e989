"""Bad input at scale: random multipart bodies against both generate endpoints.

Goal: never a 500, never a hang; every non-image answer is the JSON error shape
with a code.  Real sockets (uvicorn in a thread) with a client timeout, so a
hang fails the test instead of stalling it.
"""

from __future__ import annotations

import io
import json

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from goods_backend.main import create_app as create_goods
from goods_backend.settings import GoodsSettings
from ppl_backend.main import create_app as create_ppl
from ppl_backend.settings import PplSettings
from tests.support import serve

KNOWN_FIELDS = [
    "prompt", "input_image", "input_image_1", "input_image_2", "goods_type", "aspect_ratio",
    "output_format", "safety_tolerance", "seed",
]  # fmt: skip


def tiny_image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (24, 16), (200, 50, 50)).save(out, format=fmt)
    return out.getvalue()


IMAGES = [tiny_image("PNG"), tiny_image("JPEG"), tiny_image("GIF"), tiny_image("BMP")]
values = st.one_of(
    st.text(max_size=50),
    st.sampled_from(
        [
            "1:1",
            "16:9",
            "png",
            "jpeg",
            "webp",
            "mug",
            "tshirt",
            "2",
            "-1",
            "11",
            "",
            "match_input_image",
        ]
    ),
    st.binary(max_size=300),
    st.sampled_from(IMAGES),
    st.builds(lambda b, n: b[:n], st.sampled_from(IMAGES), st.integers(0, 200)),  # truncated images
    st.just("x" * 3000),  # over the prompt limit
)
part = st.tuples(
    st.one_of(
        st.sampled_from(KNOWN_FIELDS),
        st.text(min_size=1, max_size=12).filter(
            lambda s: '"' not in s and "\r" not in s and "\n" not in s
        ),
    ),
    values,
    st.one_of(st.none(), st.sampled_from(["a.png", "b.jpg", "c.txt", "섬네일.png"])),
    st.one_of(
        st.none(),
        st.sampled_from(["image/png", "image/jpeg", "text/plain", "application/octet-stream"]),
    ),
)
content_types = st.sampled_from(
    [
        "multipart/form-data; boundary={b}",
        "multipart/form-data",
        "application/json",
        "text/plain",
        "multipart/form-data; boundary=other",
    ]
)


def encode(parts, boundary: str) -> bytes:
    out = bytearray()
    for name, value, filename, ctype in parts:
        data = value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        if ctype:
            out += f"Content-Type: {ctype}\r\n".encode()
        out += b"\r\n" + data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out)


@pytest.fixture(scope="module", params=["ppl", "goods"])
def endpoint(request):
    if request.param == "ppl":
        app, path = create_ppl(PplSettings(ppl_engine="local")), "/api/ppl-gen/generate"
    else:
        app, path = create_goods(GoodsSettings(goods_engine="local")), "/api/goods-gen/generate"
    with serve(app) as server, httpx.Client(base_url=server.url, timeout=20) as client:
        yield client, path


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    parts=st.lists(part, max_size=8),
    ctype=content_types,
    truncate=st.one_of(st.none(), st.integers(0, 400)),
)
def test_random_multipart_never_500_never_hangs(endpoint, parts, ctype, truncate):
    client, path = endpoint
    boundary = "fuzzBoundary7"
    body = encode(parts, boundary)
    if truncate is not None:
        body = body[:truncate]
    response = client.post(path, content=body, headers={"Content-Type": ctype.format(b=boundary)})
    assert response.status_code != 500
    if response.status_code == 200:
        assert response.headers["content-type"].startswith("image/")
    else:
        assert 400 <= response.status_code < 600
        error = json.loads(response.content)["error"]
        assert error["code"] and error["message"] and error["request_id"]
