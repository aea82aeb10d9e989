"""`make run`: both services with their pages, on the local engines, until Ctrl-C.

The pages are built first (the same files nginx serves in the cluster) and
each backend serves its own page same-origin with its API.  Each service runs
as in its container (uvicorn, one process); engine variables are left to the
environment, so `PPL_ENGINE=replicate make run` works too.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "frontends" / "dist"
SERVICES = [
    # label, app, port, page
    ("PPL", "ppl_backend.main:create_app", 8000, "ppl-gen"),
    ("굿즈", "goods_backend.main:create_app", 8001, "goods-gen"),
]


def main() -> int:
    subprocess.run([sys.executable, "-m", "frontends.build", "--out", str(DIST)], check=True, cwd=ROOT)  # noqa: S603
    procs = []
    for _, target, port, page in SERVICES:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "FRONTEND_DIR": str(DIST / page)}
        cmd = [sys.executable, "-m", "uvicorn", "--factory", target, "--host", "127.0.0.1", "--port", str(port)]
        procs.append(subprocess.Popen(cmd, env=env, cwd=ROOT))  # noqa: S603 - fixed argv
    time.sleep(1.5)
    for label, _, port, page in SERVICES:
        print(f"{label}: http://127.0.0.1:{port}/{page}/", flush=True)
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
