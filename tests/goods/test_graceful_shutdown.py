"""SIGTERM mid-generation: all in flight finish with 200, new work is refused, the process exits."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from tests.goods.conftest import goods_form
from tests.goods.fake_bfl import FakeBfl
from tests.support import CANARY_TOKEN, free_port, serve

ROOT = Path(__file__).resolve().parents[2]


def container_command(port: int) -> list[str]:
    """Dockerfile.goods's CMD, on a free port."""
    import json
    import re

    text = (ROOT / "Dockerfile.goods").read_text()
    argv = json.loads(re.search(r"^CMD (\[.*\])$", text, re.M).group(1))
    argv[argv.index("--port") + 1] = str(port)
    argv[argv.index("--host") + 1] = "127.0.0.1"
    return argv


def test_five_in_flight_generations_survive_sigterm(tmp_path):
    fake = FakeBfl(ready_after_s=2.5)
    with serve(fake.app()) as provider:
        port = free_port()
        env = {
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
            "GOODS_ENGINE": "bfl",
            "BFL_API_KEY": CANARY_TOKEN,
            "BFL_BASE_URL": provider.url,
            "BFL_POLL_INTERVAL_S": "0.2",
            "RESULT_HOSTS": provider.url,
            # Five at once from one client: per-client limits off, this is about the drain.
            "RATE_LIMIT_IN_FLIGHT": "0",
        }
        log_path = tmp_path / "goods.log"
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                container_command(port), env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
            )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    httpx.get(url + "/health", timeout=1)
                    break
                except httpx.HTTPError:
                    assert proc.poll() is None and time.monotonic() < deadline, log_path.read_text()
                    time.sleep(0.1)

            statuses: list[int] = []
            data, files = goods_form()

            def generate() -> None:
                with httpx.Client(timeout=60) as client:
                    statuses.append(
                        client.post(
                            url + "/api/goods-gen/generate", data=data, files=files
                        ).status_code
                    )

            workers = [threading.Thread(target=generate) for _ in range(5)]
            for w in workers:
                w.start()
            while len(fake.created) < 5:
                assert time.monotonic() < deadline + 20
                time.sleep(0.05)

            proc.send_signal(signal.SIGTERM)
            time.sleep(0.3)
            try:  # the listening socket is closed: nothing new gets in
                refused = httpx.get(url + "/ready", timeout=2).status_code
            except httpx.HTTPError:
                refused = None
            assert refused in (None, 503)

            for w in workers:
                w.join(timeout=60)
            assert statuses == [200] * 5
            assert proc.wait(timeout=30) in (0, -signal.SIGTERM)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    output = log_path.read_text()
    assert "SIGTERM" in output and "진행 중인 5건" in output
    assert output.count("✅ 이미지 데이터 직접 반환") == 5
    assert CANARY_TOKEN not in output
