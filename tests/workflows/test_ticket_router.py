"""The ticket-router example: a question classifier routes by intent, a parameter extractor takes the order
number and phone from complaints; run in process and through the command line, against the seed-like model."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import pytest_asyncio

from engine.events import NodeFinishedEvent
from engine.graph import validate
from engine.runner import RunResult, execute
from engine.schema import json_schema
from engine.spec import Services
from modelhub.config import EndpointModel
from modelhub.gateway import Gateway
from nodes.registry import CATALOG
from tests.doubles.openai_server import ScriptedOpenAI
from tests.workflows.conftest import example
from tests.workflows.test_cli_examples import loom_run


@pytest_asyncio.fixture
async def model_only(seed_model: ScriptedOpenAI) -> AsyncIterator[Services]:
    gateway = Gateway({"default": EndpointModel(name="default", base_url=seed_model.url, model="seed")})
    yield Services(llm=gateway)
    await gateway.aclose()


async def run(services: Services, query: str) -> tuple[RunResult, dict[str, NodeFinishedEvent]]:
    result = await execute(validate(example("ticket-router"), CATALOG, services), {"query": query}, services)
    assert result.status == "succeeded", result.error
    return result, {e.node_id: e for e in result.events if isinstance(e, NodeFinishedEvent)}


async def test_complaint_with_order_and_phone_is_registered(model_only: Services) -> None:
    result, nodes = await run(model_only, "我要投诉！订单 SO20240518 的退款拖了两周，请联系 13912345678。")
    assert nodes["classify"].branch == "complaint" and nodes["classify"].outputs["class_name"] == "投诉"
    assert nodes["extract"].outputs == {"order_id": "SO20240518", "phone": "13912345678", "__is_success": 1,
                                        "__reason": "", "usage": nodes["extract"].outputs["usage"]}
    skipped = {n for n, e in nodes.items() if e.status == "skipped"}
    assert skipped == {"consult_end", "chase_end", "other_end", "missing_end"}
    assert result.outputs["answer"] == "您的投诉已登记（订单号 SO20240518），专员将在 24 小时内致电 13912345678。"


async def test_complaint_without_details_takes_the_error_branch(model_only: Services) -> None:
    result, nodes = await run(model_only, "我要投诉你们的服务态度！")
    assert nodes["extract"].status == "failed" and nodes["extract"].error_handled
    assert nodes["extract"].error == "missing required parameter(s): order_id, phone"
    assert nodes["complaint_end"].status == "skipped"
    assert result.outputs["answer"] == "为登记您的投诉，请补充订单号和手机号。"


@pytest.mark.parametrize(("query", "branch", "answer"), [
    ("信用卡的还款日怎么修改？", "consult", "您的问题已转给咨询坐席"),
    ("我的工单三天了还没人回复，麻烦催一下", "chase", "已为您催办"),
    ("今天天气不错", "else", "抱歉，暂时无法识别您的诉求"),
], ids=["consult", "chase", "else"])
async def test_other_intents_take_their_branch(model_only: Services, query: str, branch: str, answer: str) -> None:
    result, nodes = await run(model_only, query)
    assert nodes["classify"].branch == branch and nodes["extract"].status == "skipped"
    assert result.outputs["answer"].startswith(answer)


def test_example_matches_the_published_json_schema() -> None:
    schema = json_schema(CATALOG)
    jsonschema.Draft202012Validator(schema).validate(example("ticket-router"))
    variants = {v["title"] for v in schema["$defs"]["NodeDef"]["oneOf"]}
    assert {"question-classifier node", "parameter-extractor node"} <= variants
    bad: dict[str, Any] = example("ticket-router")
    bad["nodes"][1]["config"]["classes"][0].pop("name")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(bad)


def test_ticket_router_from_the_command_line(tmp_path: Path, seed_model: ScriptedOpenAI) -> None:
    events, _ = loom_run("ticket-router", "我要投诉，订单 SO7788，电话 13800001111", tmp_path / "data", seed_model)
    nodes = {e["node_id"]: e for e in events if e.get("type") == "node_finished"}
    assert nodes["classify"]["branch"] == "complaint" and nodes["extract"]["outputs"]["order_id"] == "SO7788"
    assert events[-1]["status"] == "succeeded" and "13800001111" in events[-1]["outputs"]["answer"]
