"""The one outbound HTTP client every plugin uses: timeouts, a response size cap, limited redirects, and
an SSRF guard that resolves each host (on every redirect hop) and refuses non-public addresses unless the
caller's allow-list names them. Connections go to the address that was checked, so a DNS answer cannot
change between the check and the connect.

One ``SafeHttp`` is meant to live as long as its owner (a tool registry, the nodes' HTTP service): its calls
share connection pools (``nodes.plugins.pools``), one set per event loop, and it keeps no cookies, so nothing
one call's server sets reaches another call.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json as jsonlib
import socket
import ssl
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpx

from nodes.plugins.errors import BlockedAddressError, OutboundError
from nodes.plugins.pools import HostPools

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_ALLOW_KEY = "loom_allow_hosts"
_ORIGIN_KEY = "loom_origin"
_SECRETS_KEY = "loom_secret_headers"
_UNSET: Any = object()


@dataclass(frozen=True)
class HttpLimits:
    """Bounds on one outbound call."""

    timeout_s: float = 30.0
    connect_timeout_s: float = 10.0
    max_response_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5


@dataclass
class HttpResponse:
    """A fully read response."""

    status: int
    headers: dict[str, str]
    content: bytes
    url: str
    encoding: str = "utf-8"
    history: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.content.decode(self.encoding or "utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON, or ``None`` when it is not JSON."""
        try:
            return jsonlib.loads(self.content) if self.content else None
        except ValueError:
            return None


def is_public(ip: IPAddress) -> bool:
    """Whether an address is globally routable (not loopback, private, link-local, reserved, multicast…)."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _parse_ip(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None


def _allowed(host: str, ip: IPAddress, allow_hosts: Iterable[str]) -> bool:
    for entry in allow_hosts:
        entry = entry.strip().lower()
        if not entry:
            continue
        if entry == host.lower():
            return True
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue  # a host name that is not this host
    return False


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (an address literal resolves to itself)."""
    literal = _parse_ip(host)
    if literal is not None:
        return [literal]
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise OutboundError(f"cannot resolve host '{host}': {exc}") from None
    found = [_parse_ip(str(info[4][0])) for info in infos]
    return list(dict.fromkeys(ip for ip in found if ip is not None))


async def check_url(url: httpx.URL, allow_hosts: Sequence[str]) -> IPAddress:
    """Refuse a URL the guard does not allow; return the address to connect to."""
    if url.scheme not in ("http", "https"):
        raise BlockedAddressError(f"only http and https URLs are allowed, not '{url.scheme}:'")
    host = url.host
    if not host:
        raise BlockedAddressError("the URL has no host")
    port = url.port or (443 if url.scheme == "https" else 80)
    addresses = await resolve(host, port)
    if not addresses:
        raise OutboundError(f"host '{host}' resolves to no address")
    for ip in addresses:
        if not is_public(ip) and not _allowed(host, ip, allow_hosts):
            shown = f"{host} ({ip})" if str(ip) != host else host
            raise BlockedAddressError(
                f"refused to connect to {shown}: loopback, private, link-local and reserved addresses are "
                "blocked unless the plugin's allow-list names the host")
    return addresses[0]


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port


class _GuardedTransport(httpx.AsyncBaseTransport):
    """Checks every request (each redirect hop included) and pins the connection to the checked address."""

    def __init__(self, inner: httpx.AsyncBaseTransport):
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        extensions = dict(request.extensions)
        allow_hosts = extensions.pop(_ALLOW_KEY, ())
        origin, secrets = extensions.pop(_ORIGIN_KEY, None), extensions.pop(_SECRETS_KEY, ())
        ip = await check_url(request.url, allow_hosts)
        headers = request.headers.copy()
        if origin is not None and _origin(request.url) != origin:
            for name in secrets:  # httpx drops Authorization on a cross-origin redirect; API-key headers too
                headers.pop(name, None)
        if request.url.scheme == "https":
            extensions["sni_hostname"] = request.url.host  # TLS still verifies the name, not the address
        pinned = httpx.Request(request.method, request.url.copy_with(host=str(ip)), headers=headers,
                               stream=request.stream, extensions=extensions)
        return await self._inner.handle_async_request(pinned)

    async def aclose(self) -> None:
        await self._inner.aclose()


def _no_cookies() -> CookieJar:
    """A jar that stores nothing: a cookie one response sets is never sent on a later (or redirected) request.
    A flow that needs a cookie sends it as a ``Cookie`` header."""
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


class SafeHttp:
    """The outbound client. ``request`` reads the whole (size-capped) response."""

    def __init__(self, limits: HttpLimits | None = None):
        self.limits = limits or HttpLimits()
        self._client: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ssl: ssl.SSLContext | None = None

    def _get_client(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:  # a pool cannot outlive its event loop
            if self._ssl is None:
                self._ssl = httpx.create_ssl_context()
            self._client = httpx.AsyncClient(
                transport=_GuardedTransport(HostPools(self._ssl)), trust_env=False,  # trust_env: no proxies
                follow_redirects=True, max_redirects=self.limits.max_redirects, cookies=_no_cookies(),
                headers={"User-Agent": "Loom-Plugins/0.1"})
            self._loop = loop
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def request(self, method: str, url: str, *, allow_hosts: Sequence[str] = (),
                      headers: dict[str, str] | None = None, params: dict[str, Any] | None = None,
                      json: Any = _UNSET, data: dict[str, Any] | None = None, content: bytes | str | None = None,
                      files: list[tuple[str, tuple[str, bytes, str]]] | None = None,
                      timeout_s: float | None = None, max_bytes: int | None = None,
                      secret_headers: Sequence[str] = ()) -> HttpResponse:
        """Send one request through the guard; raise ``BlockedAddressError`` or ``OutboundError``.

        ``secret_headers`` (credentials) are not forwarded when a redirect leaves the original origin.
        ``files`` are multipart parts ``(field, (filename, content, media_type))``, sent with ``data``.
        Failures that repeat on every attempt (bad URL, oversized response, redirect loop) are not retryable.
        """
        limits = self.limits
        timeout = min(timeout_s or limits.timeout_s, limits.timeout_s)
        cap = max_bytes or limits.max_response_bytes
        try:
            target = httpx.URL(url)
        except (httpx.InvalidURL, TypeError) as exc:
            raise OutboundError(f"invalid URL {url!r}: {exc}", retryable=False) from None
        where = f"{target.scheme}://{target.host}" + (f":{target.port}" if target.port else "")
        client = self._get_client()
        try:
            request = client.build_request(
                method.upper(), target, headers=headers, params=params,
                json=None if json is _UNSET else json, data=data, content=content, files=files,
                timeout=httpx.Timeout(timeout, connect=min(limits.connect_timeout_s, timeout)),
                extensions={_ALLOW_KEY: tuple(allow_hosts), _ORIGIN_KEY: _origin(target),
                            _SECRETS_KEY: tuple(secret_headers)})
            async with asyncio.timeout(timeout):  # a whole-exchange deadline: a slow drip cannot evade it
                response = await client.send(request, stream=True)
                try:
                    body = await _read_capped(response, cap, where)
                finally:
                    await response.aclose()
        except TimeoutError:
            raise OutboundError(f"request to {where} timed out after {timeout:g}s") from None
        except httpx.TooManyRedirects:
            raise OutboundError(f"request to {where}: more than {limits.max_redirects} redirects",
                                retryable=False) from None
        except httpx.TimeoutException:
            raise OutboundError(f"request to {where} timed out after {timeout:g}s") from None
        except httpx.HTTPError as exc:
            raise OutboundError(f"request to {where} failed: {type(exc).__name__}: {exc}") from None
        return HttpResponse(status=response.status_code, headers=dict(response.headers.items()), content=body,
                            url=str(response.url), encoding=response.encoding or "utf-8",
                            history=[str(r.url) for r in response.history])


async def _read_capped(response: httpx.Response, cap: int, where: str) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise OutboundError(f"response from {where} is {int(declared)} bytes; the limit is {cap} bytes",
                            retryable=False)
    chunks, size = [], 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > cap:
            raise OutboundError(f"response from {where} exceeds the limit of {cap} bytes", retryable=False)
        chunks.append(chunk)
    return b"".join(chunks)
