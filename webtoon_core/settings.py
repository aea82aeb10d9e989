"""Settings both services share; each service subclasses ``CommonSettings``.

Values come from the environment (names as in the README's table).  List
settings are comma-separated.  A missing provider key is *not* an error here:
the service starts, reports not-ready and answers 503, so a forgotten Secret
never becomes a CrashLoopBackOff.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

CommaList = Annotated[tuple[str, ...], NoDecode]


def _split_commas(value: object) -> object:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


class CommonSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    generation_timeout_s: float = Field(120.0, gt=0, le=900)
    max_upload_mb: float = Field(5.0, gt=0, le=50)
    max_image_side: int = Field(1024, ge=64, le=4096)
    # Decompression-bomb guard: width x height of an upload, checked before decoding.
    max_image_pixels: int = Field(40_000_000, ge=1_000_000)
    # Longest side any image may have (uploads and provider results), read from the header
    # before decoding. 16383 px is WebP's own limit, so every accepted result can still be
    # re-encoded as WebP; a 300 dpi A1 print (9933 px) fits. It also caps what Pillow spends
    # per row (a 1 x 40,000,000 strip is 40 M row pointers, 0.9 GB) and the resize buffers.
    max_image_axis: int = Field(16383, ge=1024, le=65500)
    # Memory all image decodes of one process may hold at once (uploads and results share
    # it), estimated from each header before decoding: a decode estimated above it is
    # refused, the others wait their turn. 448 MiB lets the largest upload the other
    # limits allow through (a 40 MP RGBA or palette PNG: estimated 404 MiB, measured
    # 357 MiB) or a dozen or more ordinary ones at once (a 12 MP camera JPEG 34 MiB, a
    # 1024 px PNG 19 MiB, a 1024 px result made WebP 47 MiB), and leaves a 1 Gi pod
    # ~450 MiB for the interpreter (~100 MiB) and the buffers of its 32 generations.
    decode_memory_mb: int = Field(448, ge=64, le=8192)
    max_result_mb: float = Field(30.0, gt=0)
    # Generations one process holds at once; beyond it, 429 BUSY before reading the
    # upload. Each holds at most two 5 MB uploads, their normalised copies and a
    # result: 32 stays well inside the pod's 1 Gi (see docs/benchmarks.md).
    max_concurrent_generations: int = Field(32, ge=1, le=1000)
    # Of those, how many may be reading and normalising their uploads at once.
    max_concurrent_uploads: int = Field(4, ge=1, le=64)
    # An upload that takes longer is dropped, so a stalled client cannot hold a slot.
    upload_timeout_s: float = Field(60.0, gt=0, le=600)
    # Comment lines on an idle event stream, so proxies don't close it.
    sse_heartbeat_s: float = Field(10.0, gt=0, le=60)
    result_hosts: CommaList = ()
    cors_origins: CommaList = ()
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    # The built page (frontends/dist/<page>) to serve same-origin, as `make run` does.
    # Unset in the cluster, where nginx serves it.
    frontend_dir: Path | None = None

    @field_validator("result_hosts", "cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        return _split_commas(value)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def max_result_bytes(self) -> int:
        return int(self.max_result_mb * 1024 * 1024)
