"""The gateway reads an upstream stream as server-sent events: comments (keep-alive pings), ids and event
names between chunks change nothing, and a data payload split over several ``data:`` lines is one chunk."""

from __future__ import annotations

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
