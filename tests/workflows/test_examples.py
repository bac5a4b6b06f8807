"""The example workflows end to end with real knowledge bases, sandbox and plugins, and a seed-like model."""

from __future__ import annotations

from typing import Any

import pytest

from engine.events import NodeFinishedEvent
from engine.graph import validate
from engine.runner import RunResult, execute
from engine.spec import Services
from nodes.registry import CATALOG
from tests.doubles.openai_server import ScriptedOpenAI
from tests.workflows.conftest import example

pytestmark = pytest.mark.asyncio(loop_scope="package")


def finished(result: RunResult) -> dict[str, NodeFinishedEvent]:
    return {e.node_id: e for e in result.events if isinstance(e, NodeFinishedEvent)}


async def run(services: Services, name: str, inputs: dict[str, Any], **options: Any) -> RunResult:
    result = await execute(validate(example(name), CATALOG, services), inputs, services, **options)
    assert result.status == "succeeded", result.error
    return result


async def test_teaching_assistant_answers_from_the_question_bank(services: Services) -> None:
    result = await run(services, "teaching-assistant", {"query": "你好，请问《竹里馆》的作者是谁？"})
    nodes = finished(result)
    assert nodes["extract"].outputs["question"] == "《竹里馆》的作者是谁？"
    retrieved = nodes["kb"].outputs["output_list"]
    assert "独坐幽篁里" in retrieved[0]["content"] and retrieved[0]["document"] == "question-bank.docx"
    assert nodes["check"].branch == "found" and nodes["ai"].status == "skipped"
    assert nodes["merge"].inputs == {"str1": nodes["polish"].outputs["text"], "str2": None}
    assert result.outputs["answer"].startswith("根据参考资料：") and "《竹里馆》 唐·王维" in result.outputs["answer"]
    assert "王维" in result.outputs["answer"] and "（此回答由AI生成）" not in result.outputs["answer"]


async def test_teaching_assistant_marks_ai_answers_when_the_bank_has_nothing(services: Services) -> None:
    result = await run(services, "teaching-assistant", {"query": "请问光合作用是什么？"})
    nodes = finished(result)
    assert nodes["kb"].outputs["output_list"] == []
    assert nodes["check"].branch == "else" and nodes["polish"].status == "skipped"
    assert nodes["merge"].inputs["str1"] is None
    assert result.outputs["answer"] == "关于“光合作用是什么？”，这是我的解答。（此回答由AI生成）"


async def test_research_assistant_answers_from_the_academic_kb(services: Services,
                                                               seed_model: ScriptedOpenAI) -> None:
    result = await run(services, "research-assistant", {}, sys={"query": "什么是检索增强生成？", "history": []})
    nodes = finished(result)
    assert nodes["has_doc"].branch == "else" and nodes["read_doc"].status == "skipped"
    assert nodes["found"].branch == "yes" and nodes["general_answer"].status == "skipped"
    assert nodes["kb"].outputs["output_list"][0]["document"] == "rag.md"
    assert nodes["aggregate"].outputs["output"] == nodes["kb_answer"].outputs["text"]
    assert result.outputs["answer"].startswith("## 回答\n\n根据参考资料：# 检索增强生成（RAG）")


async def test_research_assistant_falls_back_to_the_model(services: Services) -> None:
    result = await run(services, "research-assistant", {}, sys={"query": "今天天气怎么样", "history": []})
    nodes = finished(result)
    assert nodes["found"].branch == "else" and nodes["kb_answer"].status == "skipped"
    assert result.outputs["answer"] == "## 回答\n\n这是对“今天天气怎么样”的回答。"


async def test_research_assistant_reads_the_uploaded_document(services: Services) -> None:
    upload = services.files.save("notes.md", "# 研读笔记\n\n本文提出了一种稀疏注意力机制。".encode(), "text/markdown")
    result = await run(services, "research-assistant", {"user_doc": upload, "use_user_doc": True},
                       sys={"query": "这篇文章提出了什么？", "history": []})
    nodes = finished(result)
    assert nodes["has_doc"].branch == "uploaded" and nodes["kb"].status == "skipped"
    assert "稀疏注意力机制" in nodes["read_doc"].outputs["text"]
    assert nodes["aggregate"].outputs["output"].startswith("根据您上传的文档：# 研读笔记")
    assert "稀疏注意力机制" in result.outputs["answer"]


@pytest.mark.parametrize(("query", "matched", "answer"), [
    ("怎么注销掉我的信用卡", "如何删除银行卡", "进入“我的 > 银行卡”，选择要删除的卡片"),
    ("我想看看上个月的账单", "如何查询账单", "进入“我的 > 账单”"),
    ("怎么换信用卡", "NA", "抱歉，暂时没有找到与您的问题相关的解答"),
], ids=["delete-card", "bill", "no-match"])
async def test_faq_intent_routes_matches_and_na(services: Services, query: str, matched: str, answer: str) -> None:
    result = await run(services, "faq-intent", {"query": query})
    nodes = finished(result)
    assert nodes["match"].outputs["text"] == matched
    assert nodes["route"].branch == ("no_match" if matched == "NA" else "else")
    assert result.outputs["answer"].startswith(answer)
