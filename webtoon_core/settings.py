"""Settings both services share; each service subclasses ``CommonSettings``.

Values come from the environment (names as in the README's table).  List
settings are comma-separated.  A missing provider key is *not* an error here:
the service starts, reports not-ready and answers 503, so a forgotten Secret
never becomes a CrashLoopBackOff.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
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
    # --- who is asking (see webtoon_core/identity.py) ---------------------------------
    # Behind oauth2-proxy (k8s/components/sso) the user is the forwarded identity; the
    # header is trusted only when this says so, since anyone can send it otherwise.
    trust_forwarded_user: bool = False
    forwarded_user_header: str = Field("X-Auth-Request-Email", pattern=r"^[A-Za-z0-9-]{1,64}$")
    # Proxies in front of the backend that append to X-Forwarded-For (the ingress: 1).
    # 0: the client is the socket's peer. An anonymous client is limited by this address.
    trusted_proxy_hops: int = Field(0, ge=0, le=5)
    # --- what a client may start (see webtoon_core/limits.py) ---------------------------
    # Per user (or client address when anonymous): generations started in any 60 s, and
    # running at once. A client that leaves does not get its place back before its
    # generation's deadline. 0 turns a limit off.
    rate_limit_per_minute: int = Field(12, ge=0, le=10_000)
    rate_limit_in_flight: int = Field(3, ge=0, le=1000)
    # Estimated spend a deployment may start per day (real engines only); unset: no budget.
    daily_budget_usd: float | None = Field(None, gt=0)
    # The day of the budget ends at midnight here.
    budget_timezone: str = "Asia/Seoul"
    # Price per image by "engine/model" (the providers' published prices); the local
    # engines cost nothing. JSON in the environment: PRICES_USD='{"bfl/flux-kontext-max": 0.08}'.
    prices_usd: dict[str, float] = Field(
        default_factory=lambda: {
            "replicate/flux-kontext-apps/multi-image-kontext-max": 0.08,
            "replicate/flux-kontext-apps/multi-image-kontext-pro": 0.04,
            "bfl/flux-kontext-max": 0.08,
            "bfl/flux-kontext-pro": 0.04,
        }
    )
    # --- jobs (see webtoon_core/jobs/) ---------------------------------------------------
    # Where jobs are kept: unset ./data/jobs, file:///abs/path, az://container[/prefix].
    job_store_url: str | None = None
    # Another endpoint for the store (Azurite in tests; plain HTTP only to loopback).
    job_store_endpoint: str | None = None
    azure_storage_account_name: str | None = None
    azure_storage_account_key: SecretStr | None = None
    job_retention_days: float = Field(30, gt=0, le=3650)
    # A running job's replica writes a heartbeat this often; a live replica takes over a
    # job whose heartbeat is older than job_stale_after_s (its replica died).
    job_heartbeat_s: float = Field(5.0, gt=0, le=60)
    job_stale_after_s: float = Field(45.0, gt=0, le=600)
    # At shutdown, how long running jobs may take to finish before they are left (with
    # their provider tasks) to the replica that takes them over.
    job_handover_wait_s: float = Field(10.0, ge=0, le=120)
    # This process's name on the jobs it runs (the pod name in the cluster).
    replica_name: str = Field(default_factory=lambda: socket.gethostname()[:64])
    # Webhooks go only to these hosts (bare host: HTTPS 443 and subdomains; or an origin).
    # Empty: webhooks are off and the webhook_url field is refused.
    webhook_hosts: CommaList = ()
    webhook_secret: SecretStr | None = None
    # --- marking what AI made (see webtoon_core/provenance.py) --------------------------
    # A visible "AI 생성" label on results, for drafts that leave the studio.
    ai_label: bool = False
    ai_label_position: Literal["top-left", "top-right", "bottom-left", "bottom-right"] = (
        "bottom-right"
    )
    ai_label_opacity: float = Field(0.8, ge=0.1, le=1.0)
    # A C2PA manifest signed with this key and certificate chain (PEM); off when unset.
    c2pa_signing_key: SecretStr | None = None
    c2pa_certificate_chain: Path | None = None
    # The built page (frontends/dist/<page>) to serve same-origin, as `make run` does.
    # Unset in the cluster, where nginx serves it.
    frontend_dir: Path | None = None
    # With FRONTEND_DIR: where the other generator's page is when it runs on another port
    # (`make run`), so the pages' links between the two generators work there too.
    # Absolute http(s) URL of that page; unset: the link stays on this origin (nginx, ingress).
    sibling_page_url: str | None = Field(None, pattern=r"^https?://[^\s/?#]+/[^\s?#]*$")

    @field_validator("result_hosts", "cors_origins", "webhook_hosts", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        return _split_commas(value)

    @field_validator("budget_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("prices_usd")
    @classmethod
    def _prices_are_prices(cls, value: dict[str, float]) -> dict[str, float]:
        if any(price < 0 or price > 100 for price in value.values()):
            raise ValueError("prices must be between 0 and 100 USD per image")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    def price_of(self, engine: str, model: str) -> float:
        """Estimated USD per image of ``model`` on ``engine``: 0 for the local engine."""
        return 0.0 if engine == "local" else self.prices_usd.get(f"{engine}/{model}", 0.0)

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def max_result_bytes(self) -> int:
        return int(self.max_result_mb * 1024 * 1024)
