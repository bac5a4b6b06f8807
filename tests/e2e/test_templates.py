"""The shipped example workflows as templates (issue 9): created from the workflows page on a fresh server
(their knowledge bases created and indexed on first use), run through the UI against the seed-like model:
the branch taken, the retrieved chunk, the code node's merge and the final answer."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.doubles.seed_model import seed_responder

pytestmark = pytest.mark.e2e


@pytest.fixture
def seeded(loom_server, model_server) -> str:
    if httpx.get(f"{loom_server}/api/templates", timeout=10).status_code == 404:
        pytest.skip("this server has no /api/templates yet")
    model_server.respond_with(seed_responder)
    return loom_server


def use_template(page, template_id: str) -> None:
    page.goto("/")
    page.get_by_test_id("new-from-template").click()
    page.get_by_test_id(f"use-template-{template_id}").click()
    # Creating a template indexes its bundled knowledge bases first (real embeddings): allow for it.
    expect(page.get_by_test_id("workflow-name")).to_be_visible(timeout=120_000)


def run(page, query: str) -> None:
    page.get_by_test_id("tab-run").click()
    page.get_by_test_id("run-input-query").fill(query)
    page.get_by_test_id("start-run").click()
    expect(page.get_by_test_id("run-status")).to_have_text("succeeded", timeout=60_000)


def status(page, node_id: str, expected: str) -> None:
    expect(page.get_by_test_id(f"node-{node_id}")).to_have_attribute("data-status", expected)


def test_teaching_assistant_template(page, seeded):
    use_template(page, "teaching-assistant")
    run(page, "你好，请问《竹里馆》的作者是谁？")
    for node_id in ("extract", "kb", "check", "polish", "merge", "end"):
        status(page, node_id, "succeeded")
    status(page, "ai", "skipped")
    page.get_by_test_id("trace-kb").locator("summary").click()
    expect(page.get_by_test_id("trace-kb")).to_contain_text("独坐幽篁里")
    page.get_by_test_id("trace-merge").locator("summary").click()
    expect(page.get_by_test_id("trace-merge")).to_contain_text("根据参考资料：")
    outputs = page.get_by_test_id("run-outputs")
    expect(outputs).to_contain_text("根据参考资料：")
    expect(outputs).to_contain_text("王维")
    expect(outputs).not_to_contain_text("此回答由AI生成")


def test_teaching_assistant_template_answers_without_the_bank(page, seeded):
    use_template(page, "teaching-assistant")
    run(page, "请问光合作用是什么？")
    status(page, "polish", "skipped")
    status(page, "ai", "succeeded")
    expect(page.get_by_test_id("run-outputs")).to_contain_text("（此回答由AI生成）")


@pytest.mark.parametrize(("query", "branch_node", "skipped_node", "answer"), [
    ("怎么注销掉我的信用卡", "answer", "fallback", "进入“我的 > 银行卡”，选择要删除的卡片"),
    ("怎么换信用卡", "fallback", "answer", "抱歉，暂时没有找到与您的问题相关的解答"),
], ids=["match", "na"])
def test_faq_intent_template(page, seeded, query, branch_node, skipped_node, answer):
    use_template(page, "faq-intent")
    run(page, query)
    status(page, branch_node, "succeeded")
    status(page, skipped_node, "skipped")
    expect(page.get_by_test_id("run-outputs")).to_contain_text(answer)


def test_research_assistant_template_in_the_chat_preview(page, seeded):
    use_template(page, "research-assistant")
    page.get_by_test_id("tab-chat").click()
    expect(page.get_by_test_id("opening-statement")).to_have_text("我是AI学术助手，请上传文档或提出问题")
    expect(page.get_by_test_id("suggested-question")).to_have_count(3)
    page.get_by_test_id("suggested-question").filter(has_text="什么是检索增强生成？").click()
    answer = page.get_by_test_id("chat-assistant").last
    # The reply is Markdown, rendered: "## 回答" becomes a heading and the answer a paragraph under it.
    expect(answer.get_by_role("heading", name="回答")).to_be_visible(timeout=60_000)
    expect(answer).to_contain_text(re.compile(r"回答\s*根据参考资料：# 检索增强生成（RAG）"))
    page.get_by_text("Show trace of the last answer").click()
    expect(page.get_by_test_id("trace-general_answer")).to_have_class(re.compile("status-skipped"))
    expect(page.get_by_test_id("trace-kb_answer")).to_have_class(re.compile("status-succeeded"))
    page.get_by_test_id("trace-kb").locator("summary").click()
    expect(page.get_by_test_id("trace-kb")).to_contain_text("rag.md")
