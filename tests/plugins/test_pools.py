"""HTTPS connections are pooled per host name (a TLS connection is verified for one name), with a bound."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from nodes.plugins.errors import OutboundError
from nodes.plugins.http import SafeHttp
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


class _PortEcho(BaseHTTPRequestHandler):
    """Answers with the client's port: the same port twice means one kept-alive connection."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        body = str(self.client_address[1]).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    """An HTTPS server on 127.0.0.1 whose self-signed certificate names only ``localhost``."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make the test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                   check=True, capture_output=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PortEcho)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], cert
    server.shutdown()
    server.server_close()


async def test_a_connection_verified_for_one_name_is_not_reused_for_another_on_the_same_address(
        tls_server: tuple[int, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    port, cert = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the client trusts the test certificate
    http = SafeHttp()
    try:
        ports = {(await http.request("GET", f"https://localhost:{port}/", allow_hosts=["127.0.0.1"])).text
                 for _ in range(3)}
        assert len(ports) == 1  # kept alive and reused for the name it was verified for
        with pytest.raises(OutboundError, match="CERTIFICATE_VERIFY_FAILED"):
            await http.request("GET", f"https://127.0.0.1:{port}/", allow_hosts=["127.0.0.1"])
    finally:
        await http.aclose()
