"""Goods service settings (environment variables; see the README's table)."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr

from webtoon_core.settings import CommaList, CommonSettings


class GoodsSettings(CommonSettings):
    goods_engine: Literal["local", "bfl"] = "local"
    bfl_api_key: SecretStr | None = None
    bfl_base_url: str = "https://api.bfl.ai"
    bfl_model: str = Field("flux-kontext-max", pattern=r"^[\w.-]+$")
    bfl_poll_interval_s: float = Field(1.0, gt=0, le=30)
    bfl_max_polls: int = Field(120, ge=1, le=1000)
    # BFL signs result URLs on its delivery hosts (delivery-eu1.bfl.ai, ...).
    result_hosts: CommaList = ("bfl.ai", "bfl.ml")

    @property
    def bfl_api_hosts(self) -> tuple[str, ...]:
        """Hosts a ``polling_url`` may name (the key is sent there): BFL's own."""
        base_host = urlsplit(self.bfl_base_url).hostname or ""
        return tuple(h for h in (base_host, "bfl.ai", "bfl.ml") if h)


@lru_cache
def get_settings() -> GoodsSettings:
    return GoodsSettings()
