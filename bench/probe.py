"""A /health prober in its own process, so the load generator's event loop never delays it.

    python -m bench.probe HOST PORT [--path /health] [--interval S]

Like a kubelet probe: a new TCP connection per request (a plain socket, so
the client's own cost stays in the tens of microseconds).  Probes until a line
(or EOF) arrives on stdin, or ``--max-seconds`` pass, then prints one JSON
list of ``[start_monotonic, latency_s, status]`` to stdout (status 0: failed).
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import threading
import time


def probe_once(host: str, port: int, path: str, timeout: float) -> int:
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode()
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(request)
        response = bytearray()
        while chunk := sock.recv(65536):
            response.extend(chunk)
    return int(response.split(b" ", 2)[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--path", default="/health")
    parser.add_argument("--interval", type=float, default=0.01)
    parser.add_argument("--max-seconds", type=float, default=600)
    args = parser.parse_args()

    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.readline(), stop.set()), daemon=True).start()
    samples: list[tuple[float, float, int]] = []
    ends = time.monotonic() + args.max_seconds
    while not stop.is_set() and time.monotonic() < ends:
        started = time.monotonic()
        try:
            status = probe_once(args.host, args.port, args.path, timeout=60)
        except (OSError, ValueError, IndexError):
            status = 0
        samples.append((started, time.monotonic() - started, status))
        stop.wait(args.interval)
    json.dump(samples, sys.stdout)


if __name__ == "__main__":
    main()
