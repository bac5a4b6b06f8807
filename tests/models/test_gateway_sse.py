"""The gateway reads an upstream stream as server-sent events: comments (keep-alive pings), ids and event
names between chunks change nothing, and a data payload split over several ``data:`` lines is one chunk; an
answer that is not an event stream is retried, then fails saying so."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from modelhub.gateway import ModelError
from tests.doubles.openai_server import Reply, ScriptedOpenAI
from tests.nodes.test_llm import gateway

ANSWER = "明月来相照。"


async def test_pings_ids_and_multi_line_data_in_an_upstream_stream(openai_server: ScriptedOpenAI) -> None:
    # The double writes each raw payload as ``data: <payload>\n\n``: the newlines inside add lines to that frame.
    openai_server.push(Reply(ANSWER, raw=['{"choices": []}\n: keep-alive\nid: 7\nevent: chunk',
                                          '{"choices":\ndata: [{"delta": {"content": "<"}}]}',
                                          '{"choices": []}\n\n: ping']))
    deltas: list[str] = []
    result = await gateway(openai_server.url).chat("default", [{"role": "user", "content": "q"}],
                                                   on_delta=deltas.append)
    assert result.text == "<" + ANSWER and "".join(deltas) == result.text
    assert result.finish_reason == "stop" and len(openai_server.requests) == 1


class JsonToStreams(BaseHTTPRequestHandler):
    """A server that answers a stream request with a whole JSON completion (``application/json``)."""

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps({"choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"},
                                        "finish_reason": "stop"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


async def test_an_answer_that_is_not_an_event_stream_is_retried_then_fails() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), JsonToStreams)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(ModelError) as failure:
            await gateway(f"http://127.0.0.1:{server.server_address[1]}/v1").chat(
                "default", [{"role": "user", "content": "q"}], on_delta=lambda _: None)
    finally:
        server.shutdown()
    message = str(failure.value)
    assert "not an event stream" in message and "'application/json'" in message and "after 3 attempt(s)" in message
