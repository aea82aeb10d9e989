"""Security headers on every answer, and the refusal of cross-site generation requests.

The CSP is the one frontends/nginx/security-headers.conf sends; a test keeps
the two equal.  HSTS is sent on every answer: browsers honour it only over
HTTPS (the ingress terminates TLS), and it keeps a returning browser off
plain HTTP.

A generation costs money, so any web page must not be able to make its
visitors' browsers start one (a plain cross-site form POST needs no CORS
permission).  Browsers say where a request comes from (``Origin``, and
``Sec-Fetch-Site``); a request that says it comes from elsewhere than our own
origin or ``CORS_ORIGINS`` is refused.  Requests without those headers (curl,
scripts, the runbook's smoke test) are not browsers and pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from webtoon_core.errors import Refused

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
    (b"strict-transport-security", b"max-age=31536000; includeSubDomains"),
)
# Sec-Fetch-Site values of requests our own pages (or a person typing a URL) make.
SAME_SITE = frozenset({"same-origin", "none"})


def _host_port(origin: str) -> str | None:
    try:
        parts = urlsplit(origin)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    default = 443 if parts.scheme == "https" else 80
    return f"{parts.hostname.lower()}:{port or default}"


def _same_host(origin: str, host_header: str, proto: str) -> bool:
    """Does ``Origin`` name the host this request was sent to (``Host``, as forwarded)?"""
    mine = _host_port(f"{proto}://{host_header}")
    theirs = _host_port(origin)
    if mine is None or theirs is None:
        return False
    if mine == theirs:
        return True
    # TLS ends at the ingress: the browser's https origin arrives as plain http here.
    their_host, _, their_port = theirs.rpartition(":")
    my_host, _, my_port = mine.rpartition(":")
    return their_host == my_host and {their_port, my_port} == {"443", "80"}


def refuse_cross_site(headers: Mapping[str, str], allowed_origins: Iterable[str]) -> None:
    """Raise ``Refused`` (403 CROSS_SITE_FORBIDDEN) for a browser request from another site."""
    origin = headers.get("origin")
    if origin is not None:
        if origin in set(allowed_origins):
            return
        proto = headers.get("x-forwarded-proto", "http").split(",")[0].strip() or "http"
        if _same_host(origin, headers.get("host", ""), proto):
            return
        raise Refused(log_detail=f"cross-site request from origin {origin[:100]!r}")
    site = headers.get("sec-fetch-site")
    if site is not None and site.lower() not in SAME_SITE:
        raise Refused(log_detail=f"cross-site request (Sec-Fetch-Site: {site[:40]!r})")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in HEADERS if n not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)
