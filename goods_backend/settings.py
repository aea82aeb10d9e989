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
    # The runbook's 1 s x 120; BFL's polls have no published rate limit of their own.
    bfl_poll_interval_s: float = Field(1.0, gt=0, le=30)
    bfl_max_polls: int = Field(120, ge=1, le=1000)
    # BFL signs result URLs on its delivery hosts (delivery-eu1.bfl.ai, ...).
    result_hosts: CommaList = ("bfl.ai", "bfl.ml")
    # --- print files (see goods_backend/print_file) --------------------------------------
    # Spot colour names the shop's RIP recognises: the cut line (Roland, Mimaki and Summa
    # take CutContour; some shops say Cut or Thru-cut) and the white ink (White; some RIPs
    # RDG_WHITE or Spot1). A PDF name and an SVG attribute: letters, digits, _ . - only.
    print_cut_spot_name: str = Field("CutContour", pattern=r"^[A-Za-z0-9_.-]{1,63}$")
    print_white_spot_name: str = Field("White", pattern=r"^[A-Za-z0-9_.-]{1,63}$")
    # Print packages built at once per process (each holds a worker thread ~1 s and up to
    # ~24 B a pixel of its art); more wait their turn within UPLOAD_TIMEOUT_S.
    print_max_concurrent: int = Field(2, ge=1, le=64)

    @property
    def bfl_api_origins(self) -> tuple[str, ...]:
        """Where a ``polling_url`` may point (the key is sent there): BFL's own API.

        The configured base URL's exact origin (scheme, host, port), and HTTPS on
        port 443 to ``bfl.ai``/``bfl.ml`` and their subdomains (the global
        endpoint hands out regional polling URLs such as ``api.eu1.bfl.ai``).
        """
        base = urlsplit(self.bfl_base_url)
        origin = f"{base.scheme}://{base.netloc}" if base.scheme and base.netloc else ""
        return tuple(o for o in (origin, "bfl.ai", "bfl.ml") if o)


@lru_cache
def get_settings() -> GoodsSettings:
    return GoodsSettings()
