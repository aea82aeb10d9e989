"""The ingress, the cluster's edge for /api/, treats request bodies as the frontends' nginx does."""

from __future__ import annotations

import re

from tests.deploy.conftest import ROOT

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
