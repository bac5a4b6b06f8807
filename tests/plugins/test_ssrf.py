"""The SSRF guard refuses non-public addresses before connecting, on every redirect hop."""

from __future__ import annotations

import ipaddress

import pytest

from nodes.plugins import BlockedAddressError, OutboundError, PluginError, ToolRegistry
from nodes.plugins.http import is_public
from tests.plugins.toy_api import ToyServer


@pytest.mark.parametrize(("address", "public"), [
    ("127.0.0.1", False), ("127.8.9.10", False), ("::1", False), ("10.1.2.3", False), ("172.16.0.1", False),
    ("192.168.1.1", False), ("169.254.169.254", False), ("fe80::1", False), ("0.0.0.0", False),
    ("100.64.0.1", False), ("::ffff:127.0.0.1", False), ("::ffff:10.0.0.1", False), ("fd00::1", False),
    ("224.0.0.1", False), ("240.0.0.1", False), ("255.255.255.255", False),
    ("8.8.8.8", True), ("1.1.1.1", True), ("2606:4700:4700::1111", True),
], ids=str)
def test_address_classification(address: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(address)) is public


BLOCKED_URLS = [
    "http://127.0.0.1:{port}/echo",
    "http://localhost:{port}/echo",
    "http://[::1]:{port}/echo",
    "http://0.0.0.0:{port}/echo",
    "http://[::ffff:127.0.0.1]:{port}/echo",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/",
    "http://192.168.0.10:8080/admin",
    "http://172.16.5.4/",
    "http://100.64.0.1/",
    "http://2130706433:{port}/echo",  # 127.0.0.1 written as one decimal number
]


@pytest.mark.parametrize("url", BLOCKED_URLS, ids=lambda u: u.split("/")[2])
async def test_private_targets_are_refused_without_allow_list(strict_registry: ToolRegistry, toy: ToyServer,
                                                              url: str) -> None:
    before = len(toy.hits)
    with pytest.raises(PluginError) as caught:
        await strict_registry.call("http_request", "http_request", {"url": url.format(port=toy.port)})
    assert isinstance(caught.value, BlockedAddressError) or "cannot resolve" in str(caught.value)
    assert "refused to connect" in str(caught.value) or "cannot resolve" in str(caught.value)
    assert len(toy.hits) == before  # nothing reached the toy API


async def test_blocked_message_names_host_and_address(strict_registry: ToolRegistry) -> None:
    with pytest.raises(BlockedAddressError, match=r"refused to connect to localhost \((127\.0\.0\.1|::1)\)"):
        await strict_registry.call("http_request", "http_request", {"url": "http://localhost:9/"})


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1:70/"],
                         ids=["file", "ftp", "gopher"])
async def test_other_schemes_are_refused(registry: ToolRegistry, url: str) -> None:
    with pytest.raises(BlockedAddressError, match="only http and https URLs are allowed"):
        await registry.call("http_request", "http_request", {"url": url})


async def test_allow_list_admits_only_what_it_names(registry: ToolRegistry, toy: ToyServer) -> None:
    out = await registry.call("http_request", "http_request", {"url": f"{toy.url}/echo"})
    assert out["status"] == 200
    # 127.0.0.1 is allowed, but the metadata address and other private ranges are still refused.
    for url in ("http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://[::1]:9/"):
        with pytest.raises(BlockedAddressError):
            await registry.call("http_request", "http_request", {"url": url})


@pytest.mark.parametrize("target", [
    "http://169.254.169.254/latest/meta-data/iam/",
    "http://10.0.0.1/internal",
    "http://192.168.1.1/",
    "http://[fd00::1]/",
], ids=["metadata", "10.x", "192.168.x", "ula-v6"])
async def test_redirects_to_private_addresses_are_refused(registry: ToolRegistry, toy: ToyServer,
                                                          target: str) -> None:
    with pytest.raises(BlockedAddressError, match="refused to connect"):
        await registry.call("http_request", "http_request", {"url": f"{toy.url}/redirect",
                                                             "query": {"to": target}})


async def test_redirect_to_loopback_is_refused_when_only_the_first_host_is_allowed(
        data_dir, toy: ToyServer) -> None:
    # The allow-list names 127.0.0.1; a redirect to "localhost" resolves to loopback under another name
    # and must be checked again. (::1 is not on the list; 127.0.0.1 is, by address.)
    tools = ToolRegistry(data_dir, allow_hosts=["127.0.0.1"])
    try:
        out = await tools.call("http_request", "http_request", {"url": f"{toy.url}/redirect",
                                                                "query": {"to": f"{toy.url}/echo?hop=1"}})
        assert out["status"] == 200 and out["json"]["query"] == {"hop": "1"}
        with pytest.raises(BlockedAddressError):
            await tools.call("http_request", "http_request", {"url": f"{toy.url}/redirect",
                                                             "query": {"to": f"http://[::1]:{toy.port}/echo"}})
    finally:
        await tools.aclose()


async def test_redirects_are_limited(registry: ToolRegistry, toy: ToyServer) -> None:
    with pytest.raises(OutboundError, match="more than 5 redirects"):
        await registry.call("http_request", "http_request", {"url": f"{toy.url}/loop"})


async def test_env_allow_list(monkeypatch: pytest.MonkeyPatch, data_dir, toy: ToyServer) -> None:
    monkeypatch.setenv("LOOM_PLUGIN_ALLOW_HOSTS", " 127.0.0.0/8 , example.internal")
    tools = ToolRegistry(data_dir)
    try:
        assert tools.allow_hosts == ("127.0.0.0/8", "example.internal")
        out = await tools.call("http_request", "http_request", {"url": f"{toy.url}/echo"})
        assert out["status"] == 200
    finally:
        await tools.aclose()


async def test_credentials_do_not_follow_a_redirect_to_another_origin(registry: ToolRegistry, toy: ToyServer) -> None:
    auth = {"auth_type": "api_key", "auth_token": "k-secret"}
    with ToyServer() as other:
        away = await registry.call("http_request", "http_request", {
            "url": f"{toy.url}/redirect", "query": {"to": f"{other.url}/echo"}, **auth})
        assert away["status"] == 200 and "x-api-key" not in away["json"]["headers"]
    same = await registry.call("http_request", "http_request", {
        "url": f"{toy.url}/redirect", "query": {"to": "/echo"}, **auth})
    assert same["json"]["headers"]["x-api-key"] == "k-secret"
