"""The support-chat example: conversation variables count the turns and keep the questions; the model answers
the first three turns (its reply streams through an answer node) and the fourth hands off to a person."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from engine.graph import validate
from engine.runner import RunResult, execute
from engine.schema import json_schema
from engine.spec import Services
from modelhub.config import EndpointModel
from modelhub.gateway import Gateway
from nodes.registry import CATALOG
from tests.doubles.openai_server import ScriptedOpenAI
from tests.workflows.conftest import example


async def turn(services: Services, query: str, stored: dict[str, Any] | None) -> RunResult:
    graph = validate(example("support-chat"), CATALOG, services)
    result = await execute(graph, {}, services, sys={"query": query, "history": []}, conversation=stored)
    assert result.status == "succeeded", result.error
    return result


async def test_three_model_turns_then_a_handoff(openai_server: ScriptedOpenAI) -> None:
    openai_server.push("请在手机银行“我的-安全中心”修改。", "可以，需要身份证。", "一般一个工作日。")
    gateway = Gateway({"default": EndpointModel(name="default", base_url=openai_server.url, model="m")})
    services = Services(llm=gateway)
    stored: dict[str, Any] | None = None
    replies = []
    for query in ["怎么改手机号？", "柜台能办吗？", "多久生效？", "还是不行"]:
        result = await turn(services, query, stored)
        final = result.events[-1]
        stored = final.conversation
        replies.append(final.answer)
    await gateway.aclose()
    assert replies[:3] == ["请在手机银行“我的-安全中心”修改。", "可以，需要身份证。", "一般一个工作日。"]
    assert replies[3] == ("已为您转接人工客服，请稍候。您本次咨询的问题：\n"
                          "怎么改手机号？\n柜台能办吗？\n多久生效？\n还是不行")
    assert stored == {"turns": 4, "questions": ["怎么改手机号？", "柜台能办吗？", "多久生效？", "还是不行"]}
    assert len(openai_server.requests) == 3  # the fourth turn never called the model


def test_the_example_matches_the_published_json_schema() -> None:
    schema = json_schema(CATALOG)
    jsonschema.Draft202012Validator(schema).validate(example("support-chat"))
    wrong = example("support-chat")
    wrong["nodes"][1]["config"]["items"][0]["operation"] = "multiply"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(wrong)
