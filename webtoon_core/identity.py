"""Who is asking: the signed-in user the SSO proxy forwards, or an anonymous client address.

In the cluster, oauth2-proxy (k8s/components/sso) signs users in with the
company's identity provider and the ingress forwards the user's e-mail in
``FORWARDED_USER_HEADER``.  That header is believed only when
``TRUST_FORWARDED_USER`` is on (the SSO component turns it on): anyone can
send it otherwise.  Without a trusted user the caller is ``anonymous``, and
limits count by client address: the socket's peer, or the entry
``TRUSTED_PROXY_HOPS`` from the right of ``X-Forwarded-For`` (the address the
last trusted proxy saw).

The identity of the request in hand is in a context variable, so every log
line names its user (``IdentityLogFilter``), as the request id does.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from contextvars import ContextVar
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from webtoon_core.settings import CommonSettings

ANONYMOUS = "anonymous"
# What an e-mail-like user name may look like: no spaces, no control characters, bounded.
_USER = re.compile(r"^[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9.-]{1,190}$")


@dataclass(frozen=True)
class Identity:
    user: str  # the signed-in user's e-mail (lower case), or "anonymous"
    signed_in: bool
    address: str  # the client's address as far as we can tell

    @property
    def client_key(self) -> str:
        """What per-client limits count by: the user when signed in, else the address."""
        return f"user:{self.user}" if self.signed_in else f"addr:{self.address}"

    @property
    def label(self) -> str:
        """For metrics: never the user (unbounded cardinality), only whether one signed in."""
        return "signed_in" if self.signed_in else "anonymous"


# Outside a request (start-up, background work): nobody in particular.
UNKNOWN = Identity(user="-", signed_in=False, address="-")
current_identity: ContextVar[Identity] = ContextVar("current_identity", default=UNKNOWN)


def _header(scope: Scope, name: str) -> str | None:
    wanted = name.lower().encode("latin-1")
    for key, value in scope.get("headers", []):
        if key == wanted:
            return str(value.decode("latin-1"))
    return None


def client_address(scope: Scope, trusted_hops: int) -> str:
    """The client's address: the peer, or the one the last trusted proxy saw."""
    peer = scope.get("client")
    address = str(peer[0]) if peer else "-"
    forwarded = _header(scope, "x-forwarded-for") if trusted_hops else None
    if forwarded:
        hops = [part.strip() for part in forwarded.split(",") if part.strip()]
        if len(hops) >= trusted_hops:
            candidate = hops[-trusted_hops]
            try:
                address = str(ipaddress.ip_address(candidate))
            except ValueError:
                pass  # not an address: keep the peer
    return address


def identify(scope: Scope, settings: CommonSettings) -> Identity:
    address = client_address(scope, settings.trusted_proxy_hops)
    if settings.trust_forwarded_user:
        raw = (_header(scope, settings.forwarded_user_header) or "").strip()
        if _USER.match(raw):
            return Identity(user=raw.lower(), signed_in=True, address=address)
    return Identity(user=ANONYMOUS, signed_in=False, address=address)


class IdentityMiddleware:
    """Sets ``current_identity`` (and ``request.state.identity``) for every HTTP request."""

    def __init__(self, app: ASGIApp, settings: CommonSettings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        identity = identify(scope, self.settings)
        scope.setdefault("state", {})["identity"] = identity
        token = current_identity.set(identity)
        try:
            await self.app(scope, receive, send)
        finally:
            current_identity.reset(token)


class IdentityLogFilter(logging.Filter):
    """Adds ``user`` to every record: who the line is about."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.user = current_identity.get().user
        return True
