"""At most MAX_CONCURRENT_GENERATIONS per process; beyond it, 429 BUSY before reading the upload."""

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
    assert (
        'generation_requests_total{engine="local",outcome="BUSY",service="goods",status="429"} 1.0'
        in metrics
    )
    assert 'generations_in_flight{service="goods"} 0.0' in metrics


def test_uploads_wait_unread_beyond_the_intake_limit():
    """With MAX_CONCURRENT_UPLOADS=1, a second upload is not read while the first still arrives."""
    from concurrent.futures import ThreadPoolExecutor

    app = create_service_app(SPEC, GoodsSettings(max_concurrent_uploads=1), build_engine)
    boundary = "b0undary"
    image = png_bytes()
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="goods_type"\r\n\r\nbadge\r\n'
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="input_image"; filename="c.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + image
        + f"\r\n--{boundary}--\r\n".encode()
    )
    head = (
        "POST /api/goods-gen/generate HTTP/1.1\r\nHost: t\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    with serve(app) as server, ThreadPoolExecutor(max_workers=1) as pool:
        slow = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        slow.sendall(head + body[:100])  # the first upload stalls half-way
        time.sleep(0.3)
        second = pool.submit(
            httpx.post,
            f"{server.url}/api/goods-gen/generate",
            data={"goods_type": "badge"},
            files={"input_image": ("c.png", image, "image/png")},
            timeout=30,
        )
        time.sleep(1.0)
        assert not second.done()  # held back: its body is not being read
        slow.sendall(body[100:])
        first = slow.recv(65536).decode("latin-1")
        slow.close()
        assert first.startswith("HTTP/1.1 200")
        assert second.result(timeout=30).status_code == 200


def test_a_stalled_upload_is_dropped_and_frees_its_place():
    app = create_service_app(
        SPEC, GoodsSettings(max_concurrent_uploads=1, upload_timeout_s=1), build_engine
    )
    with serve(app) as server:
        stalled = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        stalled.sendall(
            b"POST /api/goods-gen/generate HTTP/1.1\r\nHost: t\r\n"
            b"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 5000\r\n\r\n--x\r\n"
        )
        answer = stalled.recv(65536).decode("utf-8", "replace")
        stalled.close()
        assert answer.startswith("HTTP/1.1 408") and '"code":"UPLOAD_TIMEOUT"' in answer
        ok = httpx.post(
            f"{server.url}/api/goods-gen/generate",
            data={"goods_type": "badge"},
            files={"input_image": ("c.png", png_bytes(), "image/png")},
            timeout=30,
        )
        assert ok.status_code == 200


def test_event_streams_hold_their_place_from_admission():
    """Streams still uploading count against the limit: a burst cannot slip past it."""
    app = create_service_app(
        SPEC, GoodsSettings(max_concurrent_generations=2, max_concurrent_uploads=1), build_engine
    )
    head = (
        b"POST /api/goods-gen/generate HTTP/1.1\r\nHost: t\r\nAccept: text/event-stream\r\n"
        b"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 5000\r\n\r\n--x\r\n"
    )
    with serve(app) as server:
        uploading = [
            socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(2)
        ]
        for sock in uploading:
            sock.sendall(head)  # admitted, then stalled mid-upload (one reading, one waiting)
        time.sleep(0.5)
        third = httpx.post(
            f"{server.url}/api/goods-gen/generate",
            data={"goods_type": "badge"},
            files={"input_image": ("c.png", png_bytes(), "image/png")},
            headers={"Accept": "text/event-stream"},
            timeout=10,
        )
        for sock in uploading:
            sock.close()
        # Refused before any stream starts: the real status and Retry-After, as without the header.
        assert third.status_code == 429
        assert third.headers["retry-after"] == "15"
        assert third.json()["error"]["code"] == "BUSY"
        time.sleep(0.5)
        metrics = httpx.get(f"{server.url}/metrics").text
        assert app.state.runner.active == 0  # the abandoned uploads gave their places back
    assert 'generations_in_flight{service="goods"} 0.0' in metrics


def test_uploads_waiting_for_an_intake_place_time_out_from_admission():
    """A request queued behind a dripping upload is bounded too: it cannot wait forever."""
    app = create_service_app(
        SPEC,
        GoodsSettings(max_concurrent_uploads=1, upload_timeout_s=1.5, max_concurrent_generations=3),
        build_engine,
    )
    head = (
        b"POST /api/goods-gen/generate HTTP/1.1\r\nHost: t\r\n"
        b"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 5000\r\n\r\n--x\r\n"
    )
    with serve(app) as server:
        drips = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(3)]
        started = time.monotonic()
        for sock in drips:
            sock.sendall(head)  # one reads (and stalls), two wait for the intake place
        answers = []
        for sock in drips:
            answers.append(sock.recv(65536).decode("utf-8", "replace"))
            sock.close()
        elapsed = time.monotonic() - started
        assert all(
            a.startswith("HTTP/1.1 408") and '"code":"UPLOAD_TIMEOUT"' in a for a in answers
        ), answers
        assert elapsed < 5  # all three within the 1.5 s bound, not one after another
        ok = httpx.post(
            f"{server.url}/api/goods-gen/generate",
            data={"goods_type": "badge"},
            files={"input_image": ("c.png", png_bytes(), "image/png")},
            timeout=30,
        )
        assert ok.status_code == 200
        assert app.state.runner.active == 0
