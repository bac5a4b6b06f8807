"""HTTPS connections are pooled per host name (a TLS connection is verified for one name), with a bound."""

from __future__ import annotations

import ssl

import httpx
import pytest

from nodes.plugins.pools import HostPools
from tests.ports import free_port


def pinned(host: str | None, port: int) -> httpx.Request:
    """A request as the guard passes it on: to the checked address, the name it was checked for alongside."""
    extensions = {"sni_hostname": host} if host else {}
    return httpx.Request("GET", f"https://127.0.0.1:{port}/", extensions=extensions)


async def test_each_tls_host_name_gets_its_own_pool_and_idle_ones_are_closed_past_the_bound() -> None:
    pools = HostPools(ssl.create_default_context(), max_tls_hosts=2)
    port = free_port()  # nothing listens: each request fails to connect, after its pool was chosen
    try:
        for host in ["a.example", "b.example", "A.example", "c.example"]:
            with pytest.raises(httpx.ConnectError):
                await pools.handle_async_request(pinned(host, port))
        assert pools.tls_hosts == ["a.example", "c.example"]  # one address, two names; b least recently used
        with pytest.raises(httpx.ConnectError, match="without the host name"):
            await pools.handle_async_request(pinned(None, port))
    finally:
        await pools.aclose()
