"""Fetching generated images from the provider's delivery hosts, and nowhere else.

A URL a provider hands us (a result, a polling URL) is used only when it
matches an allow-list entry by scheme, host and port:

- a bare host (``replicate.delivery``) allows HTTPS on port 443 to that host
  and its subdomains;
- an origin (``https://api.eu.bfl.ai``, ``http://127.0.0.1:8123``) allows
  exactly that scheme, host and port.  Plain HTTP is accepted only for
  loopback origins, which is what test fakes use.

The URL is parsed once, with httpx's own parser, and the parsed URL is the
one requested, so the check and the request can never disagree.  URLs with
userinfo, backslashes, non-ASCII or otherwise invalid host names (IDNA
errors, lone surrogates) are refused, as are more than a few redirects and
bodies over ``max_bytes``.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

import httpx

from webtoon_core.errors import UpstreamError

log = logging.getLogger(__name__)

MAX_REDIRECTS = 3
DEFAULT_PORTS = {"https": 443, "http": 80}
_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
)


@dataclass(frozen=True)
class Origin:
    """One allow-list entry: scheme, host and port, and whether subdomains match too."""

    scheme: str
    host: str
    port: int
    subdomains: bool

    def matches(self, url: httpx.URL) -> bool:
        host = _normal_host(url.host)
        if url.scheme != self.scheme or (url.port or DEFAULT_PORTS[url.scheme]) != self.port:
            return False
        return host == self.host or (self.subdomains and host.endswith("." + self.host))


def _normal_host(host: str) -> str:
    return host.rstrip(".").lower()


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _is_loopback(host: str) -> bool:
    return host == "localhost" or (_is_ip(host) and ipaddress.ip_address(host).is_loopback)


def parse_origins(entries: Iterable[str]) -> tuple[Origin, ...]:
    """Allow-list entries as ``Origin``s; ``ValueError`` names an entry that cannot be one."""
    origins: list[Origin] = []
    for raw in entries:
        entry = raw.strip()
        if not entry:
            continue
        if "://" not in entry:
            host = _normal_host(entry)
            if not (_HOSTNAME.match(host) or _is_ip(host)):
                raise ValueError(f"not a host name: {entry!r}")
            origins.append(Origin("https", host, 443, subdomains=not _is_ip(host)))
            continue
        url = parse_url(entry)
        if url is None or url.path not in ("", "/") or url.query or url.fragment:
            raise ValueError(f"not an origin (scheme://host[:port]): {entry!r}")
        host = _normal_host(url.host)
        if url.scheme == "http" and not _is_loopback(host):
            raise ValueError(f"plain http is allowed only for loopback hosts: {entry!r}")
        origins.append(Origin(url.scheme, host, url.port or DEFAULT_PORTS[url.scheme], False))
    return tuple(origins)


def parse_url(url: object) -> httpx.URL | None:
    """``url`` parsed for a request, or None when it is not a plain http(s) URL we may use."""
    if not isinstance(url, str) or len(url) > 4096 or "\\" in url:
        return None
    try:
        parsed = httpx.URL(url)
        host = _normal_host(parsed.host)  # decodes punycode: a malformed label raises here
    except (httpx.InvalidURL, ValueError):  # IDNA errors are ValueErrors (UnicodeError)
        return None
    if parsed.scheme not in DEFAULT_PORTS or parsed.userinfo:
        return None
    if not (_HOSTNAME.match(host) or _is_ip(host)):
        return None
    return parsed


def url_allowed(url: object, origins: tuple[Origin, ...]) -> httpx.URL | None:
    """The parsed ``url`` when it matches an allowed origin, else None."""
    parsed = parse_url(url)
    if parsed is None or not any(origin.matches(parsed) for origin in origins):
        return None
    return parsed


def describe_url(url: object) -> str:
    """A URL for a log line: scheme, host and port only, bounded, never a query (signatures)."""
    parsed = parse_url(url)
    if parsed is None:
        return repr(str(url)[:80]) if isinstance(url, str) else type(url).__name__
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{parsed.host[:100]}{port}"


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

    def __init__(self, client: httpx.AsyncClient, allowed: Iterable[str], max_bytes: int) -> None:
        self._client = client
        self._origins = parse_origins(allowed)
        self._max_bytes = max_bytes

    async def fetch(self, url: str) -> bytes:
        if isinstance(url, str) and url.startswith("data:"):
            return decode_data_uri(url, self._max_bytes)
        current: str = url
        for _ in range(MAX_REDIRECTS + 1):
            target = url_allowed(current, self._origins)
            if target is None:
                raise UpstreamError(log_detail=f"result host not allowed: {describe_url(current)}")
            try:
                async with self._client.stream("GET", target, follow_redirects=False) as response:
                    if response.is_redirect and "location" in response.headers:
                        current = str(target.join(response.headers["location"]))
                        continue
                    if response.status_code != 200:
                        raise UpstreamError(
                            log_detail=f"result download answered {response.status_code}"
                        )
                    return await self._read_capped(response)
            except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
                # ValueError: a Location that httpx cannot join or parse (IDNA, surrogates).
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
