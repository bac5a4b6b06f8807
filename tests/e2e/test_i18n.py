"""The console in Simplified Chinese: the nav, workflows list and editor in Chinese with no English left,
the language from the browser, the switch in the nav (stored, survives a reload), and Chinese text drawn
with a real CJK font (Debian's fonts-noto-cjk, installed by `make browser`)."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LANGUAGE_KEY, UI
from tests.e2e.helpers import select_node

pytestmark = pytest.mark.e2e



def nav_labels(language: str) -> set[str]:
    """The nav's labels as the translation files give them (pages added later come along)."""
    common = UI / "src" / "i18n" / "locales" / language / "common.json"
    return set(json.loads(common.read_text(encoding="utf-8"))["nav"].values())


NAV_ZH = nav_labels("zh-CN")
NAV_EN = nav_labels("en")
# Words that stay as they are in the Chinese console: product and technical names.
KEPT = {"Loom", "LLM", "HTTP", "JSON", "English", "Python", "Jinja", "Dify", "DSL"}


@pytest.fixture
def ui_language() -> str:
    return "zh-CN"


def english_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in KEPT]


def nav_links(page) -> set[str]:
    page.locator("nav.nav a").first.wait_for()
    return {t.strip() for t in page.locator("nav.nav a").all_inner_texts()}


def test_nav_workflows_and_editor_are_chinese(page):
    page.goto("/")
    assert nav_links(page) == NAV_ZH
    assert {"工作流", "知识库", "模型", "智能体"} <= NAV_ZH
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    expect(page.get_by_test_id("new-workflow")).to_have_text("创建工作流")
    assert english_words(page.locator("nav.nav").inner_text()) == []
    assert page.title() == "工作流 · Loom"

    page.get_by_test_id("new-workflow").click()
    page.get_by_test_id("create-name").fill("诗词助手")
    page.get_by_test_id("mode-chat").check()
    expect(page.get_by_test_id("create-form")).to_contain_text("对话流（多轮对话）")
    page.get_by_test_id("create-submit").click()
    expect(page.get_by_test_id("workflow-name")).to_have_text("诗词助手")

    expect(page.get_by_test_id("save-state")).to_have_text("已保存")
    expect(page.get_by_test_id("issue-count")).to_have_text("无错误")
    expect(page.get_by_test_id("tab-run")).to_have_text("运行")
    expect(page.get_by_test_id("tab-publish")).to_have_text("发布")
    toolbar = page.locator("header.toolbar")
    assert english_words(toolbar.inner_text()) == [], toolbar.inner_text()

    select_node(page, "llm")
    panel = page.get_by_test_id("node-panel")
    expect(panel).to_contain_text("输入变量")
    expect(panel).to_contain_text("温度")
    expect(page.get_by_test_id("param-temperature")).to_have_attribute("placeholder", "推荐 0.3；0 表示每次回答相同")
    page.get_by_test_id("param-temperature").fill("5")
    expect(page.get_by_test_id("save-state")).to_have_text("未保存：请修正错误", timeout=10_000)
    expect(panel).to_contain_text("温度：不能大于 2")

    palette = page.get_by_test_id("palette")
    expect(palette).to_contain_text("节点")
    expect(page.get_by_test_id("palette-start")).to_have_text(re.compile("开始"))
    expect(page.get_by_test_id("palette-if-else")).to_have_text(re.compile("条件分支"))
    expect(page.get_by_test_id("palette-knowledge-retrieval")).to_have_attribute("title", "检索知识库 — 拖到画布上")
    assert english_words(palette.inner_text()) == []


def test_switch_changes_language_and_is_remembered(page):
    page.goto("/models")
    expect(page.locator("h1")).to_have_text("模型")
    switch = page.locator("nav.nav select.language-switch")
    expect(switch).to_have_value("zh-CN")

    switch.select_option("en")
    expect(page.locator("h1")).to_have_text("Models")
    assert nav_links(page) == NAV_EN
    assert page.evaluate(f"localStorage.getItem('{LANGUAGE_KEY}')") == "en"
    assert page.evaluate("document.documentElement.lang") == "en"

    page.reload()
    expect(page.locator("h1")).to_have_text("Models")
    expect(page.locator("nav.nav select.language-switch")).to_have_value("en")

    page.locator("nav.nav select.language-switch").select_option("zh-CN")
    expect(page.locator("h1")).to_have_text("模型")
    page.reload()
    assert nav_links(page) == NAV_ZH


@pytest.mark.parametrize(("locale", "nav"),
                         [("zh-CN", NAV_ZH), ("zh-TW", NAV_ZH), ("en-GB", NAV_EN), ("fr-FR", NAV_EN)])
def test_language_comes_from_the_browser_when_none_was_picked(browser, loom_server, locale, nav):
    context = browser.new_context(base_url=loom_server, locale=locale)
    try:
        page = context.new_page()
        page.goto("/")
        expect(page.locator("nav.nav a").first).to_have_text("工作流" if nav is NAV_ZH else "Workflows")
        assert nav_links(page) == nav
        # Detection alone stores nothing: only the switch does.
        assert page.evaluate(f"localStorage.getItem('{LANGUAGE_KEY}')") is None
    finally:
        context.close()


def test_chinese_text_is_drawn_with_a_cjk_font(page):
    page.goto("/")
    link = page.locator("nav.nav a").first
    expect(link).to_have_text("工作流")
    # The fonts Chromium actually used for the link's text (not what CSS asked for).
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "nav.nav a"})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    used = {f["familyName"]: f["glyphCount"] for f in fonts}
    assert any("CJK" in name and count >= 3 for name, count in used.items()), used
    # And drawn as glyphs, not one shared "missing glyph" box: two different characters differ on a canvas.
    differ = page.evaluate("""() => {
        const draw = (ch) => { const c = document.createElement('canvas'); c.width = c.height = 32;
            const g = c.getContext('2d'); g.font = '24px sans-serif'; g.fillText(ch, 2, 26);
            return Array.from(g.getImageData(0, 0, 32, 32).data).join(','); };
        return draw('工') !== draw('流') && draw('工') !== draw('\\uE000');
    }""")
    assert differ
