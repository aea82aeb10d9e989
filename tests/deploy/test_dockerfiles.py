"""The three Dockerfiles: lint-clean, multi-stage, numeric non-root user, the CMD really runs."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.deploy.conftest import ROOT
from tests.support import free_port

DOCKERFILES = {
    "ppl": ROOT / "Dockerfile.ppl",
    "goods": ROOT / "Dockerfile.goods",
    "frontend": ROOT / "frontends" / "Dockerfile",
}


def instructions(path: Path) -> list[tuple[str, str]]:
    text = re.sub(r"\\\n\s*", " ", path.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def cmd_of(path: Path) -> list[str]:
    (cmd,) = [rest for word, rest in instructions(path) if word == "CMD"]
    return json.loads(cmd)


@pytest.mark.parametrize("name", DOCKERFILES)
def test_hadolint_passes(name):
    tool = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    result = subprocess.run([tool, str(DOCKERFILES[name])], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", DOCKERFILES)
def test_multi_stage_numeric_non_root_user_and_exec_form_cmd(name):
    steps = instructions(DOCKERFILES[name])
    assert sum(1 for word, _ in steps if word == "FROM") >= 2
    (user,) = [rest for word, rest in steps if word == "USER"]
    uid = user.split(":")[0]
    assert uid.isdigit() and int(uid) > 0
    assert cmd_of(DOCKERFILES[name])  # JSON exec form: one process, signals reach it


def test_frontend_stops_gracefully_and_runs_the_tested_entrypoint():
    steps = instructions(DOCKERFILES["frontend"])
    assert ("STOPSIGNAL", "SIGQUIT") in steps
    (target,) = cmd_of(DOCKERFILES["frontend"])
    copies = [rest for word, rest in steps if word == "COPY" and rest.endswith(target)]
    assert (
        copies and "frontends/nginx/entrypoint.sh" in copies[0]
    )  # the script tests/frontends runs


@pytest.mark.parametrize(("name", "port"), [("ppl", 8000), ("goods", 8001)])
def test_backend_cmd_serves_and_drains_on_sigterm(name, port, tmp_path):
    argv = cmd_of(DOCKERFILES[name])
    assert argv[0] == "uvicorn" and argv[argv.index("--port") + 1] == str(port)
    timeout = float(argv[argv.index("--timeout-graceful-shutdown") + 1])
    assert timeout > 120  # above the generation deadline
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    env.pop("PPL_ENGINE", None)
    env.pop("GOODS_ENGINE", None)
    # The container's own command, on a free port: on a shared machine the product's
    # ports may be taken, and the health check would then ask somebody else's server.
    port = free_port()
    argv[argv.index("--port") + 1] = str(port)
    log = (tmp_path / "server.log").open("wb")
    proc = subprocess.Popen(argv, env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.HTTPError:
                assert proc.poll() is None, (tmp_path / "server.log").read_text()
                assert time.monotonic() < deadline, "the CMD did not start serving"
                time.sleep(0.2)
        assert health.json() == {"status": "ok"}
        assert httpx.get(f"http://127.0.0.1:{port}/ready").status_code == 200
        proc.send_signal(signal.SIGTERM)
        # uvicorn re-raises the signal once it has shut down cleanly.
        assert proc.wait(timeout=20) in (0, -signal.SIGTERM)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    output = (tmp_path / "server.log").read_text()
    assert "CORS" in output
    assert "Application shutdown complete" in output
