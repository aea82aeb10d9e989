"""`make run`: both services on their local engines, on 127.0.0.1, until Ctrl-C.

Each service runs exactly as in its container (uvicorn, one process); the
engine variables are left to the environment, so `PPL_ENGINE=replicate
make run` works too.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

SERVICES = [
    ("PPL", "ppl_backend.main:app", 8000, "/api/ppl-gen/generate"),
    ("굿즈", "goods_backend.main:app", 8001, "/api/goods-gen/generate"),
]


def main() -> int:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    procs = []
    for label, target, port, _ in SERVICES:
        cmd = [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port)]
        procs.append(subprocess.Popen(cmd, env=env))  # noqa: S603 - fixed argv
        print(f"{label}: http://127.0.0.1:{port}", flush=True)
    for label, _, port, path in SERVICES:
        print(f"  {label} API: POST http://127.0.0.1:{port}{path}", flush=True)
    print("Ctrl-C로 종료합니다.", flush=True)
    try:
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
    return max((p.returncode or 0) for p in procs)


if __name__ == "__main__":
    sys.exit(main())
