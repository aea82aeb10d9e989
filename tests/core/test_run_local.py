"""`make run` tells the truth: taken ports, cross-page links, a clean Ctrl-C, run-only installs."""

from __future__ import annotations

import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.support import free_port

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "run_local.py"


def launch(ppl: int, goods: int, *, sigint_ignored: bool = False) -> subprocess.Popen[str]:
    env = {**os.environ, "PPL_PORT": str(ppl), "GOODS_PORT": str(goods)}

    def ignore_sigint() -> None:  # as a shell does for a command it starts with `&`
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    return subprocess.Popen(  # noqa: S603 - fixed argv
        [sys.executable, str(SCRIPT)], cwd=ROOT, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        preexec_fn=ignore_sigint if sigint_ignored else None,
    )  # fmt: skip


def wait_started(proc: subprocess.Popen[str]) -> tuple[list[str], threading.Thread]:
    """Read the script's output until it says how to stop it; the reader keeps reading."""
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if "Ctrl-C로 종료합니다." in line:
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert ready.wait(120), "".join(lines)
    return lines, reader


def assert_stopped_cleanly(proc, lines: list[str], ports: tuple[int, ...]) -> None:
    out = "".join(lines)
    assert proc.returncode == 0, out
    assert "Traceback" not in out and "KeyboardInterrupt" not in out and "CancelledError" not in out
    for port in ports:  # the services are gone, not orphaned
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)


def test_a_taken_port_is_named_and_nothing_starts():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        proc = launch(taken, free_port())
        output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert f"포트 {taken}(PPL)를 이미 다른 프로그램이 쓰고 있습니다" in output
    assert "PPL_PORT=<포트> make run" in output
    assert "http://" not in output  # no address printed for a service that is not there


def test_both_pages_link_to_each_other_and_ctrl_c_stops_cleanly():
    ppl, goods = free_port(), free_port()
    proc = launch(ppl, goods)
    try:
        lines, reader = wait_started(proc)
        out = "".join(lines)
        assert (
            f"PPL: http://127.0.0.1:{ppl}/ppl-gen/" in out
            and f"굿즈: http://127.0.0.1:{goods}/goods-gen/" in out
        )
        assert httpx.get(f"http://127.0.0.1:{ppl}/ppl-gen/").status_code == 200
        # The header's link to the other generator, followed on each port, lands on its page.
        for here, there, page in ((ppl, goods, "goods-gen"), (goods, ppl, "ppl-gen")):
            moved = httpx.get(f"http://127.0.0.1:{here}/{page}/")
            assert (
                moved.status_code == 302
                and moved.headers["location"] == f"http://127.0.0.1:{there}/{page}/"
            )
            landed = httpx.get(f"http://127.0.0.1:{here}/{page}/", follow_redirects=True)
            assert landed.status_code == 200 and "text/html" in landed.headers["content-type"]
    finally:
        proc.send_signal(signal.SIGINT)  # what Ctrl-C sends to the foreground script
        proc.wait(timeout=60)
    reader.join(timeout=10)
    assert_stopped_cleanly(proc, lines, (ppl, goods))


def test_make_run_installs_only_what_running_needs(tmp_path):
    make = shutil.which("make")
    if make is None:
        pytest.fail("make is required")
    planned = subprocess.run(  # noqa: S603
        [make, "-n", "run", f"VENV={tmp_path / 'venv'}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "pip install --quiet -e ." in planned and "[dev]" not in planned
    tests = subprocess.run(  # noqa: S603
        [make, "-n", "test", f"VENV={tmp_path / 'venv'}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "-e '.[dev]'" in tests


@pytest.mark.parametrize(
    ("stop_signal", "sigint_ignored"),
    [(signal.SIGHUP, False), (signal.SIGINT, True)],
    ids=["terminal-closed", "ctrl-c-started-from-a-script"],
)
def test_a_closed_terminal_or_a_backgrounded_run_still_stops_the_services(
    stop_signal, sigint_ignored
):
    ppl, goods = free_port(), free_port()
    proc = launch(ppl, goods, sigint_ignored=sigint_ignored)
    try:
        lines, reader = wait_started(proc)
        assert httpx.get(f"http://127.0.0.1:{goods}/health").status_code == 200
    finally:
        proc.send_signal(stop_signal)
        proc.wait(timeout=60)
    reader.join(timeout=10)
    assert_stopped_cleanly(proc, lines, (ppl, goods))


def test_a_terminal_that_is_gone_does_not_keep_the_services_running():
    """Closing the terminal: SIGHUP, and every write to the terminal fails from then on."""
    ppl, goods = free_port(), free_port()
    master, slave = os.openpty()
    env = {**os.environ, "PPL_PORT": str(ppl), "GOODS_PORT": str(goods)}
    proc = subprocess.Popen(  # noqa: S603 - fixed argv
        [sys.executable, str(SCRIPT)], cwd=ROOT, env=env,
        stdin=slave, stdout=slave, stderr=slave,
    )  # fmt: skip
    os.close(slave)
    seen = b""
    try:
        deadline = time.monotonic() + 120
        while "Ctrl-C로 종료합니다.".encode() not in seen:
            assert time.monotonic() < deadline, seen.decode(errors="replace")
            ready, _, _ = select.select([master], [], [], 1)
            if ready:
                seen += os.read(master, 65536)
        assert httpx.get(f"http://127.0.0.1:{ppl}/health").status_code == 200
    finally:
        os.close(master)  # the terminal window is closed
        proc.send_signal(signal.SIGHUP)
        proc.wait(timeout=60)
    for port in (ppl, goods):  # stopped, not orphaned holding the ports
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
