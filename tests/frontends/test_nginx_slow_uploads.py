"""Slow uploads stop at nginx: the backend only sees complete requests, real sockets throughout.

A client that sends an upload's headers and then drips its body a byte at a time used to
be streamed straight to the backend, where it held a generation place for as long as it
dripped: a handful of them stalled every upload, 32 made every request 429 BUSY.
"""

from __future__ import annotations

import re
import select
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ppl_backend.main import create_app as create_ppl
from ppl_backend.settings import PplSettings
from tests.frontends.conftest import Nginx, require
from tests.support import ServerThread, jpeg_bytes, png_bytes

PLACES = 2  # the guarded backend's max_concurrent_generations
DRIP_EVERY_S = 0.5
# Short enough to keep the test quick, well above DRIP_EVERY_S so drippers are not dropped.
BODY_TIMEOUT_S = 3
BOUNDARY = "drip"
OPENING = (
    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="prompt"\r\n\r\nThe character'
).encode()


class Dripper:
    """A raw client: an upload's headers and first bytes, then (if started) a byte at a time."""

    def __init__(self, port: int, declared: int = 1_000_000) -> None:
        self.declared = declared
        self.sent = 0
        self.failed: OSError | None = None
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        head = (
            "POST /api/ppl-gen/generate HTTP/1.1\r\n"
            "Host: 127.0.0.1\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
            f"Content-Length: {declared}\r\n"
            "\r\n"
        )
        self.sock.sendall(head.encode())
        self.send(OPENING)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._drip, daemon=True)

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)
        self.sent += len(data)

    def start_dripping(self) -> Dripper:
        self._thread.start()
        return self

    def _drip(self) -> None:
        while not self._stop.wait(DRIP_EVERY_S):
            try:
                self.send(b"a")
            except OSError as exc:  # dropped by the server: the test looks at this
                self.failed = exc
                return

    def heard_back(self) -> bool:
        """Whether the server has answered or closed the connection (without waiting)."""
        readable, _, _ = select.select([self.sock], [], [], 0)
        return bool(readable)

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self.sock.close()


Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class Recorder:
    """A bare ASGI backend that notes when a request reaches it and what body it got.

    uvicorn calls it as soon as the request's headers arrive, so ``started`` counts
    requests the proxy has passed on, complete or not.
    """

    def __init__(self) -> None:
        self.started = 0
        self.bodies: list[bytes] = []

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        self.started += 1
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.bodies.append(body)
        headers = [(b"content-length", b"2")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"ok"})


def behind_nginx(app, dist: Path) -> Iterator[Nginx]:
    require("nginx")
    with ServerThread(app) as backend:
        env = {"CLIENT_BODY_TIMEOUT": f"{BODY_TIMEOUT_S}s"}
        server = Nginx("ppl-gen", backend.port, dist, env=env)
        try:
            server.wait_ready()
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="module")
def guarded(dist) -> Iterator[Nginx]:
    """The real PPL backend (local engine) with only PLACES generation places, behind nginx."""
    app = create_ppl(PplSettings(ppl_engine="local", max_concurrent_generations=PLACES))
    yield from behind_nginx(app, dist)


@pytest.fixture(scope="module")
def recorded(dist) -> Iterator[tuple[Nginx, Recorder]]:
    recorder = Recorder()
    for server in behind_nginx(recorder, dist):
        yield server, recorder


def test_dripping_uploads_do_not_take_the_backends_places(guarded):
    drippers = [Dripper(guarded.port).start_dripping() for _ in range(2 * PLACES)]
    try:
        time.sleep(1.0)  # streamed through, they would have reached the backend by now
        response = httpx.post(
            guarded.url + "/api/ppl-gen/generate",
            data={"prompt": "The character holds the product", "aspect_ratio": "1:1", "seed": "11"},
            files={
                "input_image_1": ("character.png", png_bytes((400, 600)), "image/png"),
                "input_image_2": ("product.jpg", jpeg_bytes((300, 300)), "image/jpeg"),
            },
            timeout=30,
        )
        assert response.status_code == 200, response.text[:300]
        assert response.headers["content-type"] == "image/png"
        # nginx did not make room by dropping them: they are all still dripping, unanswered.
        for dripper in drippers:
            assert dripper.failed is None and not dripper.heard_back()
            assert dripper.sent > len(OPENING)
    finally:
        for dripper in drippers:
            dripper.close()


def test_the_backend_sees_a_request_only_once_its_body_is_complete(recorded):
    server, recorder = recorded
    before = recorder.started
    dripper = Dripper(server.port, declared=len(OPENING) + 50)
    try:
        for _ in range(4):
            time.sleep(DRIP_EVERY_S)
            dripper.send(b"a")
        assert recorder.started == before  # 2 s in, the backend has not heard of it
        dripper.send(b"a" * (dripper.declared - dripper.sent))
        dripper.sock.settimeout(10)
        answer = dripper.sock.recv(4096)
    finally:
        dripper.close()
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    assert recorder.started == before + 1
    assert recorder.bodies[-1] == OPENING + b"a" * (dripper.declared - len(OPENING))


def test_a_client_that_stops_sending_is_dropped_and_never_reaches_the_backend(recorded):
    server, recorder = recorded
    before = recorder.started
    dripper = Dripper(server.port)  # headers and a few bytes, then silence
    started = time.monotonic()
    try:
        readable, _, _ = select.select([dripper.sock], [], [], BODY_TIMEOUT_S + 7)
        waited = time.monotonic() - started
        assert readable, f"nginx still holds a silent client after {waited:.1f}s"
        try:
            leftover = dripper.sock.recv(4096)
        except ConnectionResetError:  # reset_timedout_connection: freed at once
            leftover = b""
    finally:
        dripper.close()
    assert BODY_TIMEOUT_S - 0.5 <= waited <= BODY_TIMEOUT_S + 5, waited
    assert leftover == b"" or leftover.startswith(b"HTTP/1.1 408"), leftover[:200]
    assert recorder.started == before


def test_an_oversize_body_without_a_length_is_a_json_413_the_backend_never_sees(recorded):
    server, recorder = recorded
    before = recorder.started

    def chunks() -> Iterator[bytes]:  # chunked: nginx learns the size only by reading
        for _ in range(13):
            yield b"x" * (1024 * 1024)

    response = httpx.post(
        server.url + "/api/ppl-gen/generate",
        content=chunks(),
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
        timeout=30,
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "FILE_TOO_LARGE"
    assert recorder.started == before


def test_production_defaults_buffer_bodies_and_drop_silent_clients_after_30s(nginx):
    """What the container renders without CLIENT_BODY_TIMEOUT (the session nginx sets none)."""
    conf = (nginx["ppl-gen"].tmp / "nginx.conf").read_text()
    names = ("client_body_timeout", "client_body_buffer_size", "proxy_request_buffering")
    pattern = rf"^\s*({'|'.join(names)}|client_max_body_size)\s+(\S+);"
    directives = dict(re.findall(pattern, conf, re.M))
    assert directives == {
        "client_body_timeout": "30s",
        "client_body_buffer_size": "128k",
        "proxy_request_buffering": "on",
        "client_max_body_size": "12m",
    }
