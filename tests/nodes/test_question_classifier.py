"""The question classifier against the scripted OpenAI-compatible server, with the seed docs' intent sets."""

from __future__ import annotations

from typing import Any

import pytest

from engine.debug import run_node
from engine.errors import DefinitionError
from engine.graph import validate
from engine.runner import RunResult, execute
from engine.spec import Services
from modelhub.config import EndpointModel
from modelhub.gateway import Gateway
from nodes.question_classifier import QuestionClass, pick_class
from nodes.registry import CATALOG
from tests.doubles.openai_server import Reply, ScriptedOpenAI
from tests.helpers import edge, end, node, start, workflow

# Seed 000 §1.3.1: FAQ intent matching (standard questions).
FAQ = [{"id": "bind", "name": "如何绑定银行卡"}, {"id": "delete", "name": "如何删除银行卡"}]
# Seed 000: ticket intents of the work-order classification case.
TICKET = [{"id": "consult", "name": "咨询", "description": "一般性问题询问或请求客服帮助解决问题"},
          {"id": "complaint", "name": "投诉", "description": "明确要求作为投诉问题来处理"},
          {"id": "praise", "name": "表扬"}, {"id": "suggestion", "name": "建议"},
          {"id": "chase", "name": "催复"}, {"id": "withdraw", "name": "投诉撤销"}]
# Seed 000: collection (催收) intents.
COLLECTION = [{"id": "change_date", "name": "询问更改还款日"}, {"id": "penalty", "name": "询问是否有罚息"},
              {"id": "minimum", "name": "询问最低还款额"}]


def classes(spec: list[dict[str, str]]) -> list[QuestionClass]:
    return [QuestionClass.model_validate(c) for c in spec]


@pytest.mark.parametrize(("reply", "expected"), [
    ('{"class_id": "delete", "class_name": "如何删除银行卡"}', "delete"),
    ('```json\n{"class_name": "如何绑定银行卡"}\n```', "bind"),
    ('好的，结果如下：{"category": "如何删除银行卡"}', "delete"),
    ("如何删除银行卡", "delete"),
    ("“如何删除银行卡”。", "delete"),
    ("「如何绑定银行卡」", "bind"),
    ("2", "delete"),
    ("1. 如何绑定银行卡", "bind"),
    ("delete", "delete"),
    ("客户想要注销信用卡，最匹配的标准问题是：如何删除银行卡。", "delete"),
    ("如何注销银行卡", None),
    ("NA", None),
    ('{"class_id": "else", "class_name": ""}', None),
], ids=["json", "fenced", "json-in-prose", "bare-name", "chinese-quotes", "corner-quotes", "number", "numbered-name",
        "bare-id", "sentence", "invented-option", "na", "json-else"])
def test_faq_replies_in_many_shapes(reply: str, expected: str | None) -> None:
    found = pick_class(reply, classes(FAQ))
    assert (found.id if found else None) == expected


@pytest.mark.parametrize(("reply", "expected"), [
    ("投诉撤销", "withdraw"),
    ("意图：投诉撤销", "withdraw"),
    ("客户要撤回之前的投诉，属于投诉撤销。", "withdraw"),
    ("不是投诉，是咨询", "consult"),
    ("Complaint? No — this is 催复.", "chase"),
], ids=["longer-name", "labelled", "longer-name-in-prose", "last-named-wins", "mixed-language"])
def test_ticket_intents_prefer_the_whole_name(reply: str, expected: str) -> None:
    found = pick_class(reply, classes(TICKET))
    assert found is not None and found.id == expected


def test_collection_intent_after_reasoning_block() -> None:
    reply = ("<think>\n意图列表是：[询问更改还款日, 询问是否有罚息, 询问最低还款额, 都不符合]。B没有提到罚息。\n"
             "最终选择：询问更改还款日。\n</think>\n\n意图:询问更改还款日")
    found = pick_class(reply, classes(COLLECTION))
    assert found is not None and found.id == "change_date"
    assert pick_class("<think>询问是否有罚息?</think>意图:都不符合", classes(COLLECTION)) is None


def gateway(url: str) -> Gateway:
    return Gateway({"default": EndpointModel(name="default", base_url=url, model="scripted", timeout_s=5.0,
                                             max_retries=0)}, backoff_s=0.01)


def router(config: dict[str, Any] | None = None, **node_fields: Any) -> dict[str, Any]:
    """start → classify → a branch end per collection intent, plus else."""
    config = {"classes": COLLECTION, "instructions": "对话记录中B是客户：{{query}}", **(config or {})}
    nodes = [start("query"), node("classify", "question-classifier", {"query": "start.query"}, config=config,
                                  **node_fields)]
    edges = [edge("start", "classify")]
    for handle in ("change_date", "penalty", "minimum", "else"):
        nodes.append(end(f"end_{handle}", picked="classify.class_name", id="classify.class_id"))
        edges.append(edge("classify", f"end_{handle}", handle))
    return workflow(nodes, edges)


async def run_router(server: ScriptedOpenAI, data: dict[str, Any], query: str) -> RunResult:
    gw = gateway(server.url)
    try:
        return await execute(validate(data, CATALOG), {"query": query}, Services(llm=gw))
    finally:
        await gw.aclose()


def statuses(result: RunResult) -> dict[str, str]:
    return {e.node_id: e.status for e in result.events if e.type == "node_finished"}


async def test_picked_class_takes_its_branch_and_the_others_are_skipped(openai_server: ScriptedOpenAI) -> None:
    openai_server.push('{"class_id": "penalty", "class_name": "询问是否有罚息"}')
    result = await run_router(openai_server, router(), "逾期了会有罚息吗？")
    assert result.status == "succeeded", result.error
    assert result.outputs == {"picked": "询问是否有罚息", "id": "penalty"}
    assert statuses(result) == {"start": "succeeded", "classify": "succeeded", "end_penalty": "succeeded",
                                "end_change_date": "skipped", "end_minimum": "skipped", "end_else": "skipped"}
    body = openai_server.requests[0]
    assert body["response_format"] == {"type": "json_object"} and body["stream"] is False
    system = body["messages"][0]["content"]
    assert '2. class_id "penalty", class_name "询问是否有罚息"' in system
    assert "对话记录中B是客户：逾期了会有罚息吗？" in system
    assert body["messages"][-1] == {"role": "user", "content": "逾期了会有罚息吗？"}
    finished = next(e for e in result.events if e.type == "node_finished" and e.node_id == "classify")
    assert finished.branch == "penalty" and finished.usage["total_tokens"] > 0
    assert finished.outputs["usage"]["total_tokens"] == finished.usage["total_tokens"]


async def test_no_matching_class_takes_else(openai_server: ScriptedOpenAI) -> None:
    openai_server.push("意图:都不符合")
    result = await run_router(openai_server, router(), "你们的客服电话是多少？")
    assert result.outputs == {"picked": "", "id": "else"}
    assert statuses(result)["end_else"] == "succeeded" and statuses(result)["end_penalty"] == "skipped"


async def test_few_shot_examples_become_turns(openai_server: ScriptedOpenAI) -> None:
    openai_server.push("询问最低还款额")
    data = router({"examples": [{"input": "这个月最少还多少？", "class_id": "minimum"},
                                {"input": "今天天气不错", "class_id": "else"}]})
    result = await run_router(openai_server, data, "最低要还多少钱")
    assert result.outputs["id"] == "minimum"
    messages = openai_server.requests[0]["messages"]
    assert messages[1:5] == [
        {"role": "user", "content": "这个月最少还多少？"},
        {"role": "assistant", "content": '{"class_id": "minimum", "class_name": "询问最低还款额"}'},
        {"role": "user", "content": "今天天气不错"},
        {"role": "assistant", "content": '{"class_id": "else", "class_name": ""}'}]


async def test_model_without_json_mode_is_asked_again_in_plain_text(openai_server: ScriptedOpenAI) -> None:
    def responder(body: dict[str, Any]) -> Reply | str:
        if "response_format" in body:
            return Reply(status=400, error="response_format is not supported by this model")
        return "意图:询问更改还款日"
    openai_server.respond_with(responder)
    result = await run_router(openai_server, router(), "能改还款日吗")
    assert result.outputs["id"] == "change_date"
    assert [("response_format" in b) for b in openai_server.requests] == [True, False]


async def test_json_mode_off_sends_no_response_format(openai_server: ScriptedOpenAI) -> None:
    openai_server.push("1")
    result = await run_router(openai_server, router({"json_mode": False}), "能改还款日吗")
    assert result.outputs["id"] == "change_date" and "response_format" not in openai_server.requests[0]


async def test_error_default_outputs_pick_their_class(openai_server: ScriptedOpenAI) -> None:
    openai_server.push(Reply(status=400, error="bad request"))
    data = router(on_error={"strategy": "default", "default_outputs": {"class_id": "minimum", "class_name": "?"}})
    result = await run_router(openai_server, data, "x")
    assert result.status == "succeeded" and statuses(result)["end_minimum"] == "succeeded"


def issues_of(data: dict[str, Any]) -> list[str]:
    with pytest.raises(DefinitionError) as exc:
        validate(data, CATALOG)
    return [str(i) for i in exc.value.issues]


def test_validation_names_node_and_field() -> None:
    data = router({"classes": [{"id": "a", "name": "咨询"}, {"id": "a", "name": "咨询 "}, {"id": "else", "name": "x"},
                               {"id": "b"}],
                   "examples": [{"input": "hi", "class_id": "nope"}], "instructions": "{{missing}}"})
    data["edges"] = [e for e in data["edges"] if e.get("source_handle") in (None, "else")]
    data["nodes"] = [n for n in data["nodes"] if n["id"] in ("start", "classify", "end_else")]
    found = issues_of(data)
    assert "classify.config.classes.2.id: 'else' is reserved; choose another class id" in found
    assert "classify.config.classes.3.name: field required" in found
    data["nodes"][1]["config"]["classes"] = data["nodes"][1]["config"]["classes"][:2]
    found = issues_of(data)
    assert "classify.config.classes[1].id: duplicate class id 'a'" in found
    assert "classify.config.classes[1].name: duplicate class name '咨询'" in found
    assert "classify.config.examples[0].class_id: no class with id 'nope' (use a class id or 'else')" in found
    assert any(f.startswith("classify.config.instructions: ") and "missing" in f for f in found)


def test_no_classes_and_no_query_input() -> None:
    data = router({"classes": []})
    assert any(f.startswith("classify.config.classes: ") for f in issues_of(data))
    data = router()
    data["nodes"][1]["inputs"] = {"text": {"ref": "start.query"}}
    assert "classify.inputs.query: add an input named 'query' holding the text to classify" in issues_of(data)


def test_edge_from_unknown_class_handle_is_refused() -> None:
    data = router()
    data["edges"].append(edge("classify", "end_else", "refund"))
    assert any("refund" in f for f in issues_of(data))


async def test_single_node_debug(openai_server: ScriptedOpenAI) -> None:
    openai_server.push("询问是否有罚息")
    gw = gateway(openai_server.url)
    try:
        event = await run_node(router(), CATALOG, "classify", {"query": "有罚息吗"}, Services(llm=gw))
    finally:
        await gw.aclose()
    assert event.status == "succeeded" and event.branch == "penalty"
    assert event.outputs["class_name"] == "询问是否有罚息"
