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
    replicate_model: str = Field("flux-kontext-apps/multi-image-kontext-max", pattern=r"^[\w.-]+/[\w.-]+$")
    replicate_poll_interval_s: float = Field(1.0, gt=0, le=30)
    # Replicate serves prediction outputs from its delivery domain (and subdomains).
    result_hosts: CommaList = ("replicate.delivery",)


@lru_cache
def get_settings() -> PplSettings:
    return PplSettings()
