"""A misbehaving provider on a real socket: resets, drips, lies about sizes and formats.

Used as a BFL whose model name ``<stage>-<fault>`` picks where and how it fails,
e.g. ``create-reset`` or ``result-truncated``:
    POST /v1/<mode>         the create call
    GET  /poll/<mode>       the poll (Ready, result.sample -> /result/<mode>)
    GET  /result/<mode>     the result download
Any other stage answers correctly.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import threading

from tests.support import free_port, png_bytes

GOOD_PNG = png_bytes((64, 64), color=(10, 200, 10))


class FaultServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.AbstractServer | None = None

    def __enter__(self) -> FaultServer:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._handle, "127.0.0.1", self.port), self._loop
        )
        self._server = future.result(5)
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            assert self._server is not None
            self._server.close()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            method, path, _ = head.split(b"\r\n", 1)[0].decode().split(" ", 2)
            length = 0
            for line in head.decode("latin-1").split("\r\n"):
                if line.lower().startswith("content-length:"):
                    length = int(line.split(":", 1)[1])
            if length:
                await reader.readexactly(length)
            await self._answer(method, path, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            if not writer.is_closing():
                writer.close()

    async def _answer(self, method: str, path: str, writer: asyncio.StreamWriter) -> None:
        stage, _, mode = path.strip("/").partition("/")
        stage = {"v1": "create", "poll": "poll", "result": "result"}.get(stage, stage)
        target, _, fault = mode.partition("-")
        if target == stage and fault in FAULTS:
            await FAULTS[fault](self, writer)
        elif stage == "create":
            body = f'{{"id": "t1", "polling_url": "{self.url}/poll/{mode}"}}'.encode()
            await send(writer, 200, body, "application/json")
        elif stage == "poll":
            sample = f"{self.url}/result/{mode}"
            body = f'{{"id": "t1", "status": "Ready", "result": {{"sample": "{sample}"}}}}'.encode()
            await send(writer, 200, body, "application/json")
        else:
            await send(writer, 200, GOOD_PNG, "image/png")


async def send(
    writer: asyncio.StreamWriter, status: int, body: bytes, ctype: str, extra: str = ""
) -> None:
    head = (
        f"HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
        f"{extra}Connection: close\r\n\r\n"
    )
    writer.write(head.encode() + body)
    await writer.drain()


async def reset(server: FaultServer, writer: asyncio.StreamWriter) -> None:
    writer.write(
        b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"id":'
    )
    await writer.drain()
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST, not FIN
    writer.transport.abort()


async def drip(server: FaultServer, writer: asyncio.StreamWriter) -> None:
    writer.write(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
    )
    for _ in range(200):
        writer.write(b" ")
        await writer.drain()
        await asyncio.sleep(0.1)


async def html(server: FaultServer, writer: asyncio.StreamWriter) -> None:
    await send(writer, 200, b"<html><body>Bad gateway</body></html>", "text/html")


async def truncated(server: FaultServer, writer: asyncio.StreamWriter) -> None:
    await send(writer, 200, GOOD_PNG[: len(GOOD_PNG) // 2], "image/png")


async def corrupt(server: FaultServer, writer: asyncio.StreamWriter) -> None:
    await send(writer, 200, GOOD_PNG[:40] + b"\0" * 200 + GOOD_PNG[240:], "image/png")


async def huge(server: FaultServer, writer: asyncio.StreamWriter) -> None:
    size = 50 * 1024 * 1024
    writer.write(
        f"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: {size}\r\n\r\n".encode()
    )
    chunk = b"\0" * 65536
    for _ in range(size // len(chunk)):
        writer.write(chunk)
        await writer.drain()


async def huge_unannounced(server: FaultServer, writer: asyncio.StreamWriter) -> None:
    writer.write(
        b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"\0" * 65536
    for _ in range(800):  # 50 MB, never announced
        writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        await writer.drain()
    writer.write(b"0\r\n\r\n")


async def redirect(server: FaultServer, writer: asyncio.StreamWriter) -> None:
    await send(writer, 302, b"", "text/plain", "Location: https://evil.example/stolen.png\r\n")


FAULTS = {
    "reset": reset,
    "drip": drip,
    "html": html,
    "truncated": truncated,
    "corrupt": corrupt,
    "huge": huge,
    "hugechunked": huge_unannounced,
    "redirect": redirect,
}
