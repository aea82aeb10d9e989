"""PPL service settings (environment variables; see the README's table)."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr

from webtoon_core.settings import CommaList, CommonSettings


class PplSettings(CommonSettings):
    ppl_engine: Literal["local", "replicate"] = "local"
    replicate_api_token: SecretStr | None = None
    replicate_base_url: str = "https://api.replicate.com"
    replicate_model: str = Field(
        "flux-kontext-apps/multi-image-kontext-max", pattern=r"^[\w.-]+/[\w.-]+$"
    )
    # Replicate's account limit for every call but creates is 3000/min, shared by all
    # replicas. Each pod polls each prediction every 2 s and never makes more than
    # REPLICATE_API_CALLS_PER_MIN such calls: 3 pods x 900 = 2700/min at worst, the
    # rest left for the dashboard and other tools (the arithmetic: ADR-017 in
    # docs/architecture-decision-record.md).
    replicate_poll_interval_s: float = Field(2.0, gt=0, le=30)
    replicate_api_calls_per_min: int = Field(900, ge=10, le=3000)
    # Creates have their own account limit, 600/min: a third per pod.
    replicate_creates_per_min: int = Field(200, ge=1, le=600)
    # The creating POST (and a file upload) must answer within this, inside the deadline.
    replicate_create_timeout_s: float = Field(30.0, gt=0, le=120)
    # Inputs whose compact encoding is larger go through the Files API instead of a
    # data URI (Replicate recommends data URIs under 1 MB; 700 KB is a ~0.93 MB URI).
    replicate_inline_max_kb: int = Field(700, ge=16, le=4096)
    # Replicate serves prediction outputs from its delivery domain (and subdomains).
    result_hosts: CommaList = ("replicate.delivery",)


@lru_cache
def get_settings() -> PplSettings:
    return PplSettings()
