"""Test double: a small HTTP server on 127.0.0.1 that echoes each request back as JSON.

    /anything          {"method", "path", "query" (name → list), "headers" (lower-case), "body", "form",
                        "files" (multipart: field → [{filename, content_type, content}])}
    /status/<code>     that status, with the echo as the body
    /flaky/<key>?fails=N   503 for the first N requests with that key, then the echo
    /text              a plain-text body that is not JSON
    /big?size=N        N bytes of "x"
    /slow?seconds=S    the echo after S seconds
    /redirect?to=URL   302 to URL
    /set-cookie?N=V    the echo, setting cookie N=V
    any path given to ``serve_json(path, data, status)``: that JSON with that status (200 by default)

Run it with ``with EchoServer() as server: server.url``; ``server.requests`` lists what it received.
"""

from __future__ import annotations

import json
import threading
import time
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


def _multipart(content_type: str, body: bytes) -> tuple[dict[str, list[str]], dict[str, list[dict[str, Any]]]]:
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    fields: dict[str, list[str]] = {}
    files: dict[str, list[dict[str, Any]]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is None:
            fields.setdefault(str(name), []).append(payload.decode())
        else:
            files.setdefault(str(name), []).append({"filename": filename, "content_type": part.get_content_type(),
                                                    "content": payload.decode("utf-8", "replace")})
    return fields, files


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args: Any) -> None:
        pass

    def _echo(self) -> dict[str, Any]:
        split = urlsplit(self.path)
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        content_type = self.headers.get("content-type", "")
        echo: dict[str, Any] = {"method": self.command, "path": split.path, "query": parse_qs(split.query),
                                "headers": {k.lower(): v for k, v in self.headers.items()},
                                "body": raw.decode("utf-8", "replace")}
        if content_type.startswith("application/x-www-form-urlencoded"):
            echo["form"] = parse_qs(echo["body"])
        if content_type.startswith("multipart/form-data"):
            echo["form"], echo["files"] = _multipart(content_type, raw)
        self.server.requests.append(echo)
        return echo

    def _send(self, status: int, body: bytes, content_type: str = "application/json",
              extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Echo", "yes")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self) -> None:
        echo = self._echo()
        path, query = echo["path"], echo["query"]
        status = 200
        if path in self.server.routes:
            route_status, data = self.server.routes[path]
            return self._send(route_status, json.dumps(data, ensure_ascii=False).encode())
        if path.startswith("/status/"):
            status = int(path.rsplit("/", 1)[1])
        elif path.startswith("/flaky/"):
            key = path.rsplit("/", 1)[1]
            with self.server.lock:
                self.server.counts[key] = self.server.counts.get(key, 0) + 1
                seen = self.server.counts[key]
            if seen <= int(query.get("fails", ["1"])[0]):
                status = 503
        elif path == "/text":
            return self._send(200, b"plain words, not JSON", "text/plain; charset=utf-8")
        elif path == "/big":
            return self._send(200, b"x" * int(query.get("size", ["1000"])[0]), "text/plain")
        elif path == "/redirect":
            return self._send(302, b"", "text/plain", {"Location": query["to"][0]})
        elif path == "/set-cookie":
            name, values = next(iter(query.items()))
            return self._send(200, json.dumps(echo).encode(), extra={"Set-Cookie": f"{name}={values[0]}; Path=/"})
        elif path == "/slow":
            time.sleep(float(query.get("seconds", ["2"])[0]))
        self._send(status, json.dumps(echo, ensure_ascii=False).encode())

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[dict[str, Any]] = []
        self.counts: dict[str, int] = {}
        self.routes: dict[str, tuple[int, Any]] = {}
        self.lock = threading.Lock()


class EchoServer:
    """The echo server in a background thread; ``url`` is its base URL."""

    def __init__(self) -> None:
        self._server = _Server()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def requests(self) -> list[dict[str, Any]]:
        return self._server.requests

    def serve_json(self, path: str, data: Any, status: int = 200) -> str:
        """Answer ``path`` (any method and query) with ``data`` as JSON; returns the full URL."""
        self._server.routes[path] = (status, data)
        return self.url + path

    def __enter__(self) -> EchoServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
