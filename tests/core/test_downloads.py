from __future__ import annotations

import base64

import httpx
import pytest
import respx

from webtoon_core import errors
from webtoon_core.downloads import ResultFetcher, parse_origins, url_allowed

HOSTS = ("replicate.delivery", "http://127.0.0.1:9")


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://replicate.delivery/x.png", True),
        ("https://pbxt.replicate.delivery/abc/out.png", True),
        ("https://REPLICATE.DELIVERY./x.png", True),
        ("http://replicate.delivery/x.png", False),  # plain HTTP only for loopback test hosts
        ("https://replicate.delivery.evil.com/x.png", False),
        ("https://evilreplicate.delivery/x.png", False),
        ("https://replicate.delivery@evil.com/x.png", False),
        ("https://user:pw@replicate.delivery/x.png", False),
        ("https://10.0.0.5/x.png", False),
        ("https://[::1]/x.png", False),
        ("http://127.0.0.1:9/x.png", True),
        ("http://127.0.0.1:10/x.png", False),  # the port is part of the origin
        ("http://127.0.0.1/x.png", False),
        ("https://replicate.delivery:8443/x.png", False),  # a bare host means port 443
        ("https://replicate.delivery:443/x.png", True),
        ("ftp://replicate.delivery/x.png", False),
        ("https://replicate.delivery:99999/x.png", False),
        ("https://xn--a.replicate.delivery/x.png", False),  # invalid IDNA
        ("https://a\ud800.replicate.delivery/x.png", False),  # lone surrogate
        ("https://ｒｅｐｌｉｃａｔｅ.delivery/x.png", False),  # full-width look-alike
        ("https://replicate.delivery\\@evil.com/x.png", False),
        ("not a url", False),
        (None, False),
        (["https://replicate.delivery/x.png"], False),
    ],
)
def test_allowlist_matches_scheme_host_and_port(url, allowed):
    assert (url_allowed(url, parse_origins(HOSTS)) is not None) is allowed


@pytest.mark.parametrize(
    "entry", ["http://replicate.delivery", "https://api.bfl.ai/v1", "exa mple.com", "https://"]
)
def test_bad_allowlist_entries_are_refused(entry):
    with pytest.raises(ValueError):
        parse_origins([entry])


def test_origin_entries_match_exactly():
    origins = parse_origins(["https://api.eu.bfl.ai", "bfl.ai"])
    assert url_allowed("https://api.eu.bfl.ai/v1/get_result?id=1", origins) is not None
    assert url_allowed("https://api.eu.bfl.ai:8443/v1/get_result?id=1", origins) is None
    assert url_allowed("https://delivery-eu1.bfl.ai/x.png", origins) is not None


@pytest.fixture
async def fetcher():
    async with httpx.AsyncClient() as client:
        yield ResultFetcher(client, HOSTS, max_bytes=1000)


@respx.mock
async def test_download_within_cap(fetcher):
    respx.get("https://replicate.delivery/ok.png").respond(200, content=b"x" * 900)
    assert await fetcher.fetch("https://replicate.delivery/ok.png") == b"x" * 900


@respx.mock
async def test_download_over_cap_is_refused(fetcher):
    respx.get("https://replicate.delivery/big.png").respond(200, content=b"x" * 1001)
    with pytest.raises(errors.UpstreamError):
        await fetcher.fetch("https://replicate.delivery/big.png")


@respx.mock
async def test_redirect_to_a_foreign_host_is_not_followed(fetcher):
    respx.get("https://replicate.delivery/r.png").respond(
        302, headers={"Location": "https://evil.example/x.png"}
    )
    evil = respx.get("https://evil.example/x.png").respond(200, content=b"x")
    with pytest.raises(errors.UpstreamError):
        await fetcher.fetch("https://replicate.delivery/r.png")
    assert not evil.called


@respx.mock
async def test_redirect_within_allowed_hosts_is_followed(fetcher):
    respx.get("https://replicate.delivery/r.png").respond(
        302, headers={"Location": "https://a.replicate.delivery/x.png"}
    )
    respx.get("https://a.replicate.delivery/x.png").respond(200, content=b"img")
    assert await fetcher.fetch("https://replicate.delivery/r.png") == b"img"


@respx.mock
@pytest.mark.parametrize(
    "location", ["https://xn--a.replicate.delivery/x", "https://a\ud800b/x", "http://[::1/x"]
)
async def test_redirect_to_an_invalid_url_is_an_upstream_error(fetcher, location):
    respx.get("https://replicate.delivery/r.png").respond(
        302, headers={"Location": location.encode("utf-8", "surrogatepass")}
    )
    with pytest.raises(errors.UpstreamError):
        await fetcher.fetch("https://replicate.delivery/r.png")


@respx.mock
async def test_error_status_and_network_failure_are_upstream_errors(fetcher):
    respx.get("https://replicate.delivery/gone.png").respond(404)
    respx.get("https://replicate.delivery/down.png").mock(side_effect=httpx.ConnectError("refused"))
    for name in ("gone", "down"):
        with pytest.raises(errors.UpstreamError):
            await fetcher.fetch(f"https://replicate.delivery/{name}.png")


async def test_data_uri_is_decoded_with_the_cap(fetcher):
    payload = base64.b64encode(b"abc").decode()
    assert await fetcher.fetch(f"data:image/png;base64,{payload}") == b"abc"
    with pytest.raises(errors.UpstreamError):
        await fetcher.fetch("data:image/png;base64," + base64.b64encode(b"x" * 2000).decode())
