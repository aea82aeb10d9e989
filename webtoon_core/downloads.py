"""Fetching generated images from the provider's delivery hosts, and nowhere else.

A result URL comes from the provider's answer; we download it only when its
host is in ``RESULT_HOSTS`` (the host itself or a subdomain of an entry; IP
literals only when listed exactly), over HTTPS (plain HTTP only for listed
loopback hosts, which is what test fakes use), with no userinfo, following at
most a few redirects that pass the same check, and never more than
``max_bytes``.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import logging
from urllib.parse import urljoin, urlsplit

import httpx

from webtoon_core.errors import UpstreamError

log = logging.getLogger(__name__)

MAX_REDIRECTS = 3
_LOOPBACK_NAMES = {"localhost"}


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    return _is_ip(host) and ipaddress.ip_address(host).is_loopback


def host_allowed(url: str, allowed_hosts: tuple[str, ...]) -> bool:
    """True when ``url`` may be fetched under the rules in the module docstring."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".").lower()
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError:
        return False
    if not host or "@" in parts.netloc or "\\" in url:
        return False
    allowed = {h.strip().lower().rstrip(".") for h in allowed_hosts if h.strip()}
    if _is_ip(host):
        matched = host in allowed
    else:
        matched = any(host == h or (not _is_ip(h) and host.endswith("." + h)) for h in allowed)
    if not matched:
        return False
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and _is_loopback(host)


def decode_data_uri(uri: str, max_bytes: int) -> bytes:
    header, sep, payload = uri.partition(",")
    if not sep or not header.endswith(";base64"):
        raise UpstreamError(log_detail="result data URI is not base64")
    if len(payload) * 3 // 4 > max_bytes:
        raise UpstreamError(log_detail="result data URI exceeds the size cap")
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise UpstreamError(log_detail="result data URI is not valid base64") from None


class ResultFetcher:
    """Downloads result images through the app's shared HTTP client."""

    def __init__(
        self, client: httpx.AsyncClient, allowed_hosts: tuple[str, ...], max_bytes: int
    ) -> None:
        self._client = client
        self._allowed = allowed_hosts
        self._max_bytes = max_bytes

    async def fetch(self, url: str) -> bytes:
        if url.startswith("data:"):
            return decode_data_uri(url, self._max_bytes)
        for _ in range(MAX_REDIRECTS + 1):
            if not host_allowed(url, self._allowed):
                raise UpstreamError(log_detail=f"result host not allowed: {urlsplit(url).hostname!r}")
            try:
                async with self._client.stream("GET", url, follow_redirects=False) as response:
                    if response.is_redirect and "location" in response.headers:
                        url = urljoin(url, response.headers["location"])
                        continue
                    if response.status_code != 200:
                        raise UpstreamError(
                            log_detail=f"result download answered {response.status_code}"
                        )
                    return await self._read_capped(response)
            except httpx.HTTPError as exc:
                raise UpstreamError(
                    log_detail=f"result download failed: {type(exc).__name__}"
                ) from None
        raise UpstreamError(log_detail="result download redirected too many times")

    async def _read_capped(self, response: httpx.Response) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._max_bytes:
            raise UpstreamError(log_detail="result larger than the size cap")
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body.extend(chunk)
            if len(body) > self._max_bytes:
                raise UpstreamError(log_detail="result larger than the size cap")
        return bytes(body)
