"""Server-sent events pass through the project's nginx unbuffered."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from goods_backend.main import SPEC, build_engine
from goods_backend.settings import GoodsSettings
from tests.core.test_backpressure import GateEngine
from tests.frontends.conftest import Nginx, require
from tests.support import ServerThread, png_bytes
from webtoon_core.app import create_service_app


@pytest.fixture
def gated(dist):
    require("nginx")
    engines: list[GateEngine] = []

    def factory(resources):
        engines.append(GateEngine(build_engine(resources)))
        return engines[-1]

    app = create_service_app(SPEC, GoodsSettings(sse_heartbeat_s=0.5), factory)
    with ServerThread(app) as backend:
        server = Nginx("goods-gen", backend.port, dist)
        try:
            server.wait_ready()
            yield server, engines
        finally:
            server.stop()


def test_events_arrive_while_the_generation_is_still_running(gated):
    server, engines = gated
    seen: list[str] = []
    released = False
    with httpx.Client(timeout=30) as client:
        with client.stream(
            "POST",
            server.url + "/api/goods-gen/generate",
            data={"goods_type": "sticker"},
            files={"input_image": ("c.png", png_bytes(), "image/png")},
            headers={"Accept": "text/event-stream"},
        ) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            for line in response.iter_lines():
                if line.startswith("event: "):
                    seen.append(line.removeprefix("event: "))
                if seen == ["accepted", "prepared"] and not released:
                    released = True
                    # Both reached us through nginx while the engine is still held:
                    # nothing buffered them. (The job emits both as it is created, just
                    # before its task enters the engine.)
                    deadline = time.monotonic() + 5
                    while engines[0].entered == 0 and time.monotonic() < deadline:
                        time.sleep(0.01)
                    assert engines[0].entered == 1 and not engines[0].gate.is_set()
                    threading.Timer(1.2, engines[0].gate.set).start()
                if line.startswith(": keep-alive"):
                    seen.append("heartbeat")
    assert seen[:2] == ["accepted", "prepared"]
    assert "heartbeat" in seen  # idle stretches are kept alive through the proxy
    assert seen[-1] == "done"
