"""At most MAX_CONCURRENT_GENERATIONS per process; beyond that, 429 BUSY before reading the upload."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import httpx

from goods_backend.main import SPEC, build_engine
from goods_backend.settings import GoodsSettings
from tests.support import png_bytes, serve
from webtoon_core.app import create_service_app


class GateEngine:
    """The local engine, held until the test opens the gate."""

    name = "local"

    def __init__(self, inner) -> None:
        self.inner = inner
        self.gate = threading.Event()
        self.entered = 0

    def not_ready_reason(self):
        return None

    async def generate(self, params, images, ctx):
        self.entered += 1
        while not self.gate.is_set():  # noqa: ASYNC110 - opened from the test thread
            await asyncio.sleep(0.02)
        return await self.inner.generate(params, images, ctx)

    async def aclose(self):
        return None


def test_busy_beyond_the_limit_answers_at_once_without_reading_the_body():
    engines: list[GateEngine] = []

    def factory(resources):
        engines.append(GateEngine(build_engine(resources)))
        return engines[-1]

    app = create_service_app(SPEC, GoodsSettings(max_concurrent_generations=2), factory)
    with serve(app) as server:
        results: list[int] = []

        def generate() -> None:
            with httpx.Client(timeout=30) as client:
                response = client.post(
                    f"{server.url}/api/goods-gen/generate",
                    data={"goods_type": "badge"},
                    files={"input_image": ("c.png", png_bytes(), "image/png")},
                )
                results.append(response.status_code)

        workers = [threading.Thread(target=generate) for _ in range(2)]
        for w in workers:
            w.start()
        deadline = time.monotonic() + 10
        while engines[0].entered < 2:
            assert time.monotonic() < deadline
            time.sleep(0.02)

        # A third request: headers promise 4 MB, but not one byte of the body is sent.
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(
                b"POST /api/goods-gen/generate HTTP/1.1\r\nHost: test\r\n"
                b"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 4000000\r\n\r\n"
            )
            answer = sock.recv(65536).decode("utf-8", "replace")
        assert answer.startswith("HTTP/1.1 429")
        assert "retry-after: 15" in answer.lower()
        assert '"code":"BUSY"' in answer

        engines[0].gate.set()
        for w in workers:
            w.join(timeout=30)
        assert results == [200, 200]
        metrics = httpx.get(f"{server.url}/metrics").text
    assert 'generation_requests_total{engine="local",outcome="BUSY",service="goods",status="429"} 1.0' in metrics
    assert 'generations_in_flight{service="goods"} 0.0' in metrics
