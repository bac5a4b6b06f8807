"""Connection pools shared by every call of one outbound client, keyed so that reuse never crosses a check.

The guard (``nodes.plugins.http``) sends each request to the address it checked, so a pool keyed by address
only ever reuses a connection to an address this very request was allowed to reach. Plain HTTP needs no more:
the host name travels in each request's ``Host`` header. A TLS connection, though, was verified for one host
name (SNI and certificate), so HTTPS gets one pool per host name: a connection opened and verified for
``a.example`` is never reused for ``b.example`` on the same address. Host pools are bounded; the least
recently used idle one is closed when a new host would exceed the bound.
"""

from __future__ import annotations

import ssl
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable

import httpx

MAX_TLS_HOSTS = 64


class _Pool:
    """One host's transport and how many of its responses are still open."""

    def __init__(self, transport: httpx.AsyncHTTPTransport):
        self.transport = transport
        self.open = 0


class _TrackedStream(httpx.AsyncByteStream):
    """A response body that tells its pool when it is closed (the connection goes back then)."""

    def __init__(self, inner: httpx.AsyncByteStream, done: Callable[[], None]):
        self._inner = inner
        self._done: Callable[[], None] | None = done

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            if self._done is not None:
                self._done()
                self._done = None


class HostPools(httpx.AsyncBaseTransport):
    """Routes a pinned request (URL host = checked address) to its pool: one for HTTP, one per TLS host name.

    ``ssl_context`` is built once and shared: building it (loading the CA bundle) is most of what a new client
    costs.
    """

    def __init__(self, ssl_context: ssl.SSLContext, *, max_tls_hosts: int = MAX_TLS_HOSTS):
        self._ssl = ssl_context
        self._max_tls_hosts = max_tls_hosts
        self._plain = httpx.AsyncHTTPTransport(verify=ssl_context)
        self._tls: OrderedDict[str, _Pool] = OrderedDict()

    @property
    def tls_hosts(self) -> list[str]:
        """The host names that have an HTTPS pool, least recently used first."""
        return list(self._tls)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme != "https":
            return await self._plain.handle_async_request(request)
        host = request.extensions.get("sni_hostname")
        if not isinstance(host, str) or not host:
            raise httpx.ConnectError("an HTTPS request reached the pools without the host name it was checked for",
                                     request=request)
        pool = await self._tls_pool(host.lower())
        pool.open += 1
        try:
            response = await pool.transport.handle_async_request(request)
        except BaseException:
            pool.open -= 1
            raise

        def done() -> None:
            pool.open -= 1
        assert isinstance(response.stream, httpx.AsyncByteStream)
        return httpx.Response(status_code=response.status_code, headers=response.headers,
                              stream=_TrackedStream(response.stream, done), extensions=response.extensions)

    async def _tls_pool(self, host: str) -> _Pool:
        pool = self._tls.get(host)
        if pool is not None:
            self._tls.move_to_end(host)
            return pool
        while len(self._tls) >= self._max_tls_hosts:
            idle = next((name for name, p in self._tls.items() if p.open == 0), None)
            if idle is None:
                break  # every host has a response open; go over the bound rather than cut one off
            await self._tls.pop(idle).transport.aclose()
        pool = self._tls.get(host)  # another request may have made it while a pool was closing
        if pool is None:
            pool = self._tls[host] = _Pool(httpx.AsyncHTTPTransport(verify=self._ssl))
        return pool

    async def aclose(self) -> None:
        pools, self._tls = list(self._tls.values()), OrderedDict()
        for pool in pools:
            await pool.transport.aclose()
        await self._plain.aclose()
