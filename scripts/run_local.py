"""`make run`: both services with their pages, on the local engines, until Ctrl-C.

The pages are built first (the same files nginx serves in the cluster) and
each backend serves its own page same-origin with its API; each also sends
the other generator's path to the other port, so the links between the two
pages work.  Each service runs as in its container (uvicorn, one process);
engine variables are left to the environment, so `PPL_ENGINE=replicate make
run` works too.  The ports are settings: `PPL_PORT`, `GOODS_PORT` (8000,
8001); a port already taken is reported before anything starts.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "frontends" / "dist"
HOST = "127.0.0.1"
SERVICES = [
    # label, app, port variable, default port, page
    ("PPL", "ppl_backend.main:create_app", "PPL_PORT", 8000, "ppl-gen"),
    ("굿즈", "goods_backend.main:create_app", "GOODS_PORT", 8001, "goods-gen"),
]
START_TIMEOUT_S = 60.0


def ports() -> list[int]:
    found = []
    for label, _, variable, default, _ in SERVICES:
        raw = os.environ.get(variable, str(default))
        if not raw.isdigit() or not 1 <= int(raw) <= 65535:
            raise SystemExit(f"{variable}={raw!r}: 1~65535 사이의 포트 번호여야 합니다 ({label})")
        found.append(int(raw))
    if len(set(found)) != len(found):
        raise SystemExit(f"두 서비스의 포트가 같습니다: {found[0]}")
    return found


def taken(port: int) -> bool:
    """Whether something already listens on ``HOST:port`` (or the port cannot be bound)."""
    with socket.socket() as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return True
    return False


def wait_ready(procs: list[subprocess.Popen[bytes]], urls: list[str]) -> bool:
    deadline = time.monotonic() + START_TIMEOUT_S
    pending = list(urls)
    while pending:
        if any(p.poll() is not None for p in procs) or time.monotonic() > deadline:
            return False
        try:
            if httpx.get(pending[0], timeout=1).status_code == 200:
                pending.pop(0)
                continue
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    return True


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM once, as Kubernetes does: each service drains and exits on its own."""
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # `kill` of this script stops the services as Ctrl-C does


# Ctrl-C, `kill`, and a closed terminal (SIGHUP: the services have sessions of their own, so
# only this script hears it) all stop the services. SIGINT is set explicitly too: a script
# started in the background by another script inherits it ignored.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def main() -> int:
    chosen = ports()
    busy = [
        (label, port) for (label, *_), port in zip(SERVICES, chosen, strict=True) if taken(port)
    ]
    if busy:
        for label, port in busy:
            variable = next(v for lbl, _, v, _, _ in SERVICES if lbl == label)
            print(
                f"포트 {port}({label})를 이미 다른 프로그램이 쓰고 있습니다. 그 프로그램을 끄거나 "
                f"다른 포트로 실행하세요: {variable}=<포트> make run",
                file=sys.stderr,
            )
        return 1
    build = [sys.executable, "-m", "frontends.build", "--out", str(DIST)]
    subprocess.run(build, check=True, cwd=ROOT)  # noqa: S603 - a fixed argv
    pages = [
        f"http://{HOST}:{port}/{page}/" for (*_, page), port in zip(SERVICES, chosen, strict=True)
    ]
    procs: list[subprocess.Popen[bytes]] = []
    for index, ((_, target, _, _, page), port) in enumerate(zip(SERVICES, chosen, strict=True)):
        env = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "FRONTEND_DIR": str(DIST / page),
            "SIBLING_PAGE_URL": pages[1 - index],
        }
        cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            target,
            "--host",
            HOST,
            "--port",
            str(port),
        ]
        # A session of their own: Ctrl-C reaches this script only, which stops them once, cleanly.
        procs.append(subprocess.Popen(cmd, env=env, cwd=ROOT, start_new_session=True))  # noqa: S603
    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, _interrupt)
    try:
        if not wait_ready(procs, [f"http://{HOST}:{port}/health" for port in chosen]):
            print("서비스가 시작하지 못했습니다. 위의 로그를 보세요.", file=sys.stderr)
            stop(procs)
            return 1
        for (label, *_), url in zip(SERVICES, pages, strict=True):
            print(f"{label}: {url}", flush=True)
        print("Ctrl-C로 종료합니다.", flush=True)
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
        print("서비스 하나가 멈췄습니다. 위의 로그를 보세요.", file=sys.stderr)
        stop(procs)
        return 1
    except KeyboardInterrupt:
        # After SIGHUP the terminal is gone and writing to it fails: stop the services anyway.
        with contextlib.suppress(OSError):
            print("\n종료합니다…", flush=True)
        stop(procs)
        return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # Ctrl-C while the pages were being built
        sys.exit(130)
