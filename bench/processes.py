"""Child processes of the benchmark: on free 127.0.0.1 ports, probed until healthy, always stopped.

Every child runs in its own session (process group), so stopping it also
stops anything it started; ``ProcessSet.close()`` stops them all (SIGTERM,
then SIGKILL after a bounded wait) and runs on normal exit, on exceptions, on
Ctrl-C and on SIGTERM (see ``bench.run``).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
CLK_TCK = os.sysconf("SC_CLK_TCK")
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
# Only what Python and uvicorn need from the parent environment: no real provider keys leak in.
_PASSED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def child_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: os.environ[k] for k in _PASSED_ENV if k in os.environ}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


def uvicorn_argv(
    target: str, port: int, *, factory: bool = False, quiet: bool = False
) -> list[str]:
    """The deployed command (``uvicorn app --host --port``, one process), on 127.0.0.1."""
    argv = [sys.executable, "-m", "uvicorn", target, "--host", HOST, "--port", str(port)]
    if factory:
        argv.append("--factory")
    if quiet:
        argv += ["--log-level", "warning", "--no-access-log"]
    # Deployed with 130 s (drains a generation); the benchmark stops idle servers.
    argv += ["--timeout-graceful-shutdown", "5"]
    return argv


@dataclass
class Child:
    name: str
    proc: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def read_status_kib(pid: int, key: str) -> int:
    """A ``kB`` field of ``/proc/<pid>/status`` (``VmRSS``, ``VmHWM``)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise KeyError(key)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (all its threads)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


class RssSampler:
    """Samples ``VmRSS`` of one process every ``interval`` seconds in a thread."""

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        self.pid = pid
        self.interval = interval
        self.samples: list[tuple[float, int]] = []  # (monotonic, KiB)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.samples.append((time.monotonic(), read_status_kib(self.pid, "VmRSS")))
            except (OSError, KeyError):
                return
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


@dataclass
class ProcessSet:
    log_dir: Path
    children: list[Child] = field(default_factory=list)

    def start(
        self,
        name: str,
        argv: list[str],
        env: dict[str, str],
        port: int,
        *,
        health_path: str = "/health",
        pin_cpu: str | None = None,
    ) -> Child:
        """Start a server and wait (bounded) until ``health_path`` answers 200."""
        if pin_cpu is not None:
            argv = ["taskset", "-c", pin_cpu, *argv]  # taskset execs: same pid
        log_path = self.log_dir / f"{name}-{port}.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(  # noqa: S603 - argv built here, no shell
                argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        child = Child(name, proc, port, log_path)
        self.children.append(child)
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if not child.alive():
                raise RuntimeError(f"{name} exited at start:\n{child.log_tail()}")
            try:
                if httpx.get(child.url + health_path, timeout=1.0).status_code == 200:
                    return child
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.stop(child)
                raise RuntimeError(
                    f"{name} not healthy after {START_TIMEOUT_S:.0f} s:\n{child.log_tail()}"
                )
            time.sleep(0.1)

    def stop(self, child: Child) -> None:
        if child.alive():
            _signal_group(child.proc, signal.SIGTERM)
            try:
                child.proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                _signal_group(child.proc, signal.SIGKILL)
                child.proc.wait(timeout=STOP_TIMEOUT_S)
        if child in self.children:
            self.children.remove(child)

    def close(self) -> None:
        for child in list(self.children):
            try:
                self.stop(child)
            except Exception as exc:  # noqa: BLE001 - keep stopping the others
                print(
                    f"[bench] could not stop {child.name} (pid {child.pid}): {exc}", file=sys.stderr
                )


def _signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    """Signal the child's own process group (its pid: it was started in a new session)."""
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


class HealthProbe:
    """``bench.probe`` in its own process for the duration of a ``with`` block."""

    def __init__(self, procs: ProcessSet, port: int, *, interval: float = 0.01) -> None:
        self.procs = procs
        self.port = port
        self.interval = interval
        self.samples: list[tuple[float, float, int]] = []
        self._child: Child | None = None

    def __enter__(self) -> HealthProbe:
        log_path = self.procs.log_dir / f"probe-{self.port}.log"
        argv = [
            sys.executable,
            "-m",
            "bench.probe",
            HOST,
            str(self.port),
            "--interval",
            str(self.interval),
        ]
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(  # noqa: S603 - argv built here, no shell
                argv, cwd=ROOT, env=child_env({}), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=log, start_new_session=True,
            )  # fmt: skip
        self._child = Child("probe", proc, 0, log_path)
        self.procs.children.append(self._child)
        time.sleep(0.2)  # the interpreter starts before the load does
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        child = self._child
        if child is None:
            return
        try:
            if exc_type is None:  # on an error or Ctrl-C: no samples wanted, stop at once
                out, _ = child.proc.communicate(b"\n", timeout=120)
                self.samples = [tuple(s) for s in json.loads(out or b"[]")]  # type: ignore[misc]
        finally:
            self.procs.stop(child)
