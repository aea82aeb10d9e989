"""The ingress, the cluster's edge for /api/, treats request bodies as the frontends' nginx does."""

from __future__ import annotations

import re

from tests.deploy.conftest import ROOT
from webtoon_core.settings import CommonSettings

PREFIX = "nginx.ingress.kubernetes.io/"
# Annotations ingress-nginx reads that touch bodies, timeouts and limits (its
# docs/user-guide/nginx-configuration/annotations-risk.md). Anything else under the
# prefix, e.g. client-body-timeout (a ConfigMap key only), would be silently ignored.
SUPPORTED = {
    "client-body-buffer-size", "proxy-body-size", "proxy-buffer-size", "proxy-buffering",
    "proxy-buffers-number", "proxy-connect-timeout", "proxy-http-version",
    "proxy-max-temp-file-size", "proxy-next-upstream", "proxy-next-upstream-timeout",
    "proxy-next-upstream-tries", "proxy-read-timeout", "proxy-request-buffering",
    "proxy-send-timeout", "limit-connections", "limit-rate", "limit-rate-after", "limit-rpm",
    "limit-rps", "use-port-in-redirects",
    # The edge: HTTPS only, the per-address limit's burst, and (SSO overlay) external auth.
    "ssl-redirect", "force-ssl-redirect", "limit-burst-multiplier",
    "auth-url", "auth-signin", "auth-response-headers",
}  # fmt: skip


def frontend_directives() -> dict[str, str]:
    """Directives with a literal value in the frontends' nginx template (first occurrence)."""
    text = (ROOT / "frontends" / "nginx" / "page.conf.template").read_text()
    found: dict[str, str] = {}
    for name, value in re.findall(r"^\s*([a-z_]+)\s+([^\s;$]+);", text, re.M):
        found.setdefault(name, value)
    return found


def ingress_annotations(by_kind) -> dict[str, str]:
    ingress = by_kind["Ingress"]["multi-app-gateway-ingress"]
    annotations = ingress["metadata"]["annotations"]
    return {k.removeprefix(PREFIX): v for k, v in annotations.items() if k.startswith(PREFIX)}


def test_every_annotation_is_one_ingress_nginx_reads(by_kind):
    assert set(ingress_annotations(by_kind)) <= SUPPORTED


def test_the_ingress_buffers_request_bodies_as_the_frontends_do(by_kind):
    annotations = ingress_annotations(by_kind)
    nginx = frontend_directives()
    # A dripping upload must never reach a backend's generation place.
    assert annotations["proxy-request-buffering"] == "on" == nginx["proxy_request_buffering"]
    assert annotations["client-body-buffer-size"] == nginx["client_body_buffer_size"]
    assert annotations["proxy-body-size"] == nginx["client_max_body_size"]


def test_the_ingress_timeouts_match_the_frontends(by_kind):
    annotations = ingress_annotations(by_kind)
    nginx = frontend_directives()
    for name in ("read", "send", "connect"):
        assert f"{annotations[f'proxy-{name}-timeout']}s" == nginx[f"proxy_{name}_timeout"], name


# --- the edge in front of the paths: one host, HTTPS only, a per-address first line ------

# A studio office: its artists reach the ingress from one NAT address.
OFFICE_ARTISTS = 40
# Requests of both pages loaded cold: HTML, CSS, the scripts, /info and the goods types.
COLD_PAGE_REQUESTS = 15
DNS_NAME = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


def test_the_ingress_serves_one_host_over_https_only(by_kind: dict[str, dict[str, dict]]) -> None:
    ingress = by_kind["Ingress"]["multi-app-gateway-ingress"]
    (rule,) = ingress["spec"]["rules"]
    (tls,) = ingress["spec"]["tls"]
    # The one value a site changes; the certificate is for exactly that name.
    assert DNS_NAME.fullmatch(rule["host"]), rule["host"]
    assert tls["hosts"] == [rule["host"]]
    assert tls["secretName"]
    annotations = ingress["metadata"]["annotations"]
    assert annotations["cert-manager.io/cluster-issuer"]
    edge = ingress_annotations(by_kind)
    assert edge["ssl-redirect"] == edge["force-ssl-redirect"] == "true"
    # HSTS is the controller's (hsts "true" on TLS hosts); no snippet adds headers, since
    # snippets are disabled by default and would be silently dropped.
    assert not [k for k in annotations if k.endswith("-snippet")]
    others = {k for k in annotations if not k.startswith(PREFIX)}
    assert others == {"cert-manager.io/cluster-issuer"}


def test_a_per_address_limit_comes_first_and_fits_a_studio_behind_one_nat(
    by_kind: dict[str, dict[str, dict]],
) -> None:
    edge = ingress_annotations(by_kind)
    rpm = int(edge["limit-rpm"])
    burst = rpm * int(edge.get("limit-burst-multiplier", "5"))  # the controller's default is 5
    per_user = CommonSettings.model_fields["rate_limit_per_minute"].default
    # Never tighter than the backends' own per-user limit for a whole office...
    assert rpm >= OFFICE_ARTISTS * per_user
    # ...and the whole office opening both pages at once passes.
    assert burst >= OFFICE_ARTISTS * COLD_PAGE_REQUESTS
    # No second, tighter per-address limit beside it.
    assert "limit-rps" not in edge and "limit-connections" not in edge
