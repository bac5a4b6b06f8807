"""Test double: a scripted OpenAI-compatible server on 127.0.0.1: chat completions, embeddings and rerank.

It speaks the real protocol over real HTTP (JSON and SSE streaming, usage, errors), and answers chat from a
script: a queue of replies, a responder function, or rules matching the last user message. ``/embeddings``
(OpenAI shape) answers deterministic vectors: hashed words and CJK characters, so texts that share words are
close, in a space that depends on the requested model (its dimension from ``dimensions``, default 16);
``/rerank`` (vLLM/Jina/Cohere shape) scores the share of the query's words found in each document. Both take
faults (status, delay) from the same reply queue.

    with ScriptedOpenAI(["hello"]) as server:   # server.url == "http://127.0.0.1:PORT/v1"
        ...
    python -m tests.doubles.openai_server --port 8001 --rules rules.json   # standalone, for e2e tests
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted answer."""

    content: str = ""
    status: int = 200
    delay_s: float = 0.0  # before the first byte
    chunk_delay_s: float = 0.0  # between stream chunks
    chunk_size: int = 3  # characters per stream chunk
    error: str | None = None  # error message sent with a non-200 status
    tool_calls: list[dict[str, Any]] | None = None
    usage: dict[str, int] | None = None
    retry_after: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    # Faults: close the connection after this many content chunks (streaming) or halfway through the body
    # (blocking), with no finish reason and no [DONE]; pause this long after the first content chunk;
    # send these raw ``data:`` payloads right after the opening chunk.
    cut_after: int | None = None
    stall_s: float = 0.0
    raw: list[str] = field(default_factory=list)


Responder = Callable[[dict[str, Any]], "Reply | str"]


def last_user_message(body: dict[str, Any]) -> str:
    for message in reversed(body.get("messages") or []):
        if message.get("role") == "user":
            content = message.get("content")
            return content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    return ""


def rules_responder(rules: list[dict[str, str]], default: str | None = None) -> Responder:
    """Answer with the first rule whose ``match`` regex is found in the last user message (or whole prompt)."""
    compiled = [(re.compile(r["match"], re.S), r["reply"], r.get("scope", "user")) for r in rules]

    def respond(body: dict[str, Any]) -> Reply | str:
        user = last_user_message(body)
        whole = "\n".join(str(m.get("content", "")) for m in body.get("messages") or [])
        for pattern, reply, scope in compiled:
            if pattern.search(whole if scope == "all" else user):
                return reply
        return default if default is not None else f"echo: {user}"
    return respond


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (timeout tests) leaves a broken pipe behind; that is expected here.
        pass


class ScriptedOpenAI:
    """A live OpenAI-compatible server; ``requests`` records every request body it got."""

    def __init__(self, script: list[Reply | str] | Responder | None = None, *, port: int = 0,
                 model: str = "scripted-model", dimensions: dict[str, int] | None = None):
        self.dimensions = dict(dimensions or {})
        self.paths: list[str] = []
        self._queue: list[Reply | str] = list(script) if isinstance(script, list) else []
        self._responder: Responder | None = script if callable(script) else None
        self.model = model
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", port), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> ScriptedOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> ScriptedOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def push(self, *replies: Reply | str) -> None:
        with self._lock:
            self._queue.extend(replies)

    def respond_with(self, responder: Responder) -> None:
        self._responder = responder

    def _next(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            self.requests.append(body)
            item = self._queue.pop(0) if self._queue else None
        if item is None:
            item = self._responder(body) if self._responder else f"echo: {last_user_message(body)}"
        return Reply(content=item) if isinstance(item, str) else item

    def vector(self, model: str, text: str) -> list[float]:
        """The unit vector of ``text`` in ``model``'s space."""
        size = self.dimensions.get(model, 16)
        vector = [0.0] * size
        for word in words(text):
            digest = hashlib.sha256(f"{model}\0{word}".encode()).digest()
            vector[int.from_bytes(digest[:4], "big") % size] += 1.0 if digest[4] % 2 else -1.0
        norm = math.sqrt(sum(x * x for x in vector)) or 1.0
        return [x / norm for x in vector]

    def embeddings(self, body: dict[str, Any]) -> dict[str, Any]:
        model = str(body.get("model", self.model))
        inputs = body.get("input")
        texts = [inputs] if isinstance(inputs, str) else list(inputs or [])
        return {"object": "list", "model": model,
                "data": [{"object": "embedding", "index": i, "embedding": self.vector(model, str(t))}
                         for i, t in enumerate(texts)],
                "usage": {"prompt_tokens": sum(len(words(str(t))) for t in texts), "total_tokens": 0}}

    def rerank(self, body: dict[str, Any]) -> dict[str, Any]:
        query = set(words(str(body.get("query", ""))))
        documents = [d if isinstance(d, str) else str(d.get("text", "")) for d in body.get("documents") or []]
        scored = [(len(query & set(words(d))) / max(len(query), 1), i) for i, d in enumerate(documents)]
        scored.sort(key=lambda s: (-s[0], s[1]))
        top = scored[:int(body.get("top_n") or len(scored))]
        return {"id": "rerank-scripted", "model": body.get("model", self.model),
                "results": [{"index": i, "relevance_score": score, "document": {"text": documents[i]}}
                            for score, i in top]}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        double = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _send_json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models"):
                    self._send_json(200, {"object": "list", "data": [{"id": double.model, "object": "model"}]})
                elif self.path.rstrip("/").endswith("/health"):
                    self._send_json(200, {"status": "ok"})
                else:
                    self._send_json(404, {"error": {"message": f"no route {self.path}"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except json.JSONDecodeError:
                    self._send_json(400, {"error": {"message": "invalid JSON body"}})
                    return
                path = self.path.rstrip("/")
                route = "chat" if path.endswith("/chat/completions") else path.rsplit("/", 1)[-1]
                if route not in ("chat", "embeddings", "rerank"):
                    self._send_json(404, {"error": {"message": f"no route {self.path}"}})
                    return
                with double._lock:
                    double.paths.append(self.path)
                reply = double._next(body)
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                if reply.status == 200 and route == "embeddings":
                    self._send_json(200, double.embeddings(body))
                    return
                if reply.status == 200 and route == "rerank":
                    self._send_json(200, double.rerank(body))
                    return
                if reply.status != 200:
                    headers = dict(reply.headers)
                    if reply.retry_after is not None:
                        headers["Retry-After"] = str(reply.retry_after)
                    self._send_json(reply.status, {"error": {"message": reply.error or "scripted error",
                                                             "type": "scripted"}}, headers)
                    return
                usage = reply.usage or _usage(body, reply.content)
                if body.get("stream"):
                    self._stream(body, reply, usage)
                else:
                    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
                    if reply.tool_calls:
                        message["tool_calls"] = reply.tool_calls
                    if reply.cut_after is not None:
                        self._send_cut({"choices": [{"index": 0, "message": message, "finish_reason": "stop"}]})
                        return
                    self._send_json(200, {
                        "id": "chatcmpl-scripted", "object": "chat.completion", "created": int(time.time()),
                        "model": body.get("model", double.model),
                        "choices": [{"index": 0, "message": message,
                                     "finish_reason": "tool_calls" if reply.tool_calls else "stop"}],
                        "usage": usage})

            def _send_cut(self, payload: dict[str, Any]) -> None:
                """Announce the whole body, send half of it, and hang up."""
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[:len(data) // 2])
                self.wfile.flush()
                self.close_connection = True

            def _stream(self, body: dict[str, Any], reply: Reply, usage: dict[str, int]) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Connection", "close")
                self.end_headers()
                model = body.get("model", double.model)

                def send(payload: dict[str, Any] | str) -> None:
                    data = payload if isinstance(payload, str) else json.dumps(payload)
                    self.wfile.write(f"data: {data}\n\n".encode())
                    self.wfile.flush()

                def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
                    return {"id": "chatcmpl-scripted", "object": "chat.completion.chunk", "model": model,
                            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

                send(chunk({"role": "assistant", "content": ""}))
                for payload in reply.raw:
                    send(payload)
                text, size = reply.content, max(1, reply.chunk_size)
                for n, i in enumerate(range(0, len(text), size)):
                    if n == reply.cut_after:
                        self.close_connection = True
                        return
                    if reply.chunk_delay_s:
                        time.sleep(reply.chunk_delay_s)
                    send(chunk({"content": text[i:i + size]}))
                    if n == 0 and reply.stall_s:
                        time.sleep(reply.stall_s)
                if reply.cut_after is not None:
                    self.close_connection = True
                    return
                if reply.tool_calls:
                    send(chunk({"tool_calls": [{"index": i, **call} for i, call in enumerate(reply.tool_calls)]}))
                send(chunk({}, "tool_calls" if reply.tool_calls else "stop"))
                if (body.get("stream_options") or {}).get("include_usage"):
                    send({"id": "chatcmpl-scripted", "object": "chat.completion.chunk", "model": model,
                          "choices": [], "usage": usage})
                send("[DONE]")
                self.close_connection = True

        return Handler


def words(text: str) -> list[str]:
    """Lower-case words, and each CJK character on its own."""
    return re.findall(r"[\u4e00-\u9fff]|[^\W\u4e00-\u9fff]+", text.lower())


def _usage(body: dict[str, Any], content: str) -> dict[str, int]:
    prompt = sum(len(str(m.get("content", ""))) for m in body.get("messages") or []) // 4 + 1
    completion = len(content) // 4 + 1
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def main() -> None:
    parser = argparse.ArgumentParser(description="Scripted OpenAI-compatible server (test double)")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--rules", help="JSON file: [{match, reply, scope?}], first match wins; default echo")
    parser.add_argument("--seed", action="store_true", help="answer the example workflows like a model would")
    args = parser.parse_args()
    if args.seed:
        from tests.doubles.seed_model import seed_responder
        responder: Responder = seed_responder
    else:
        rules = json.loads(open(args.rules, encoding="utf-8").read()) if args.rules else []
        responder = rules_responder(rules)
    server = ScriptedOpenAI(responder, port=args.port).start()
    print(f"scripted OpenAI-compatible server at {server.url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
