"""Knowledge pages: create a KB, upload a document and watch it index, preview chunks, hit-test it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

POEMS = """静夜思 李白
床前明月光，疑是地上霜。举头望明月，低头思故乡。

春晓 孟浩然
春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。

The Road Not Taken by Robert Frost: two roads diverged in a yellow wood.
"""


def test_upload_document_and_hit_test(page, tmp_path):
    doc = tmp_path / "poems.txt"
    doc.write_text(POEMS, encoding="utf-8")
    page.goto("/knowledge")
    page.get_by_test_id("kb-name").fill("poems")
    page.get_by_test_id("kb-max-length").fill("60")
    page.get_by_test_id("kb-create-submit").click()
    expect(page.get_by_test_id("kb-detail")).to_contain_text("poems")

    page.get_by_test_id("kb-preview-file").set_input_files(str(doc))
    expect(page.get_by_test_id("kb-chunks").locator("li").first).to_contain_text("静夜思")

    page.get_by_test_id("kb-upload").set_input_files(str(doc))
    expect(page.get_by_test_id("doc-status-poems.txt")).to_have_text("ready", timeout=120_000)
    expect(page.get_by_test_id("kb-card-poems")).not_to_contain_text("0 chunks")

    page.get_by_test_id("kb-query").fill("春眠不觉晓")
    page.get_by_test_id("kb-mode").select_option("keyword")
    page.get_by_test_id("kb-search").click()
    hits = page.get_by_test_id("kb-hit")
    expect(hits.first).to_contain_text("春眠不觉晓")
    scores = [float(s) for s in page.get_by_test_id("kb-hit-score").all_inner_texts()]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0

    # Hybrid: every stage's score, its fate and its time are shown.
    page.get_by_test_id("kb-mode").select_option("hybrid")
    page.get_by_test_id("kb-search").click()
    expect(page.get_by_test_id("kb-fusion")).to_contain_text("weighted fusion")
    expect(page.get_by_test_id("kb-stage-times")).to_contain_text("vector")
    times = page.get_by_test_id("kb-stage-times").inner_text()
    for stage in ("vector", "keyword", "fusion", "threshold"):
        assert re.search(rf"{stage} \d+\.\d ms", times), times
    for column in ("keyword", "vector", "fused", "rerank"):
        expect(page.get_by_test_id(f"kb-col-{column}")).to_have_text(column)
    first = page.get_by_test_id("kb-hit").first
    expect(first).to_contain_text("春眠不觉晓")
    for column in ("keyword", "vector", "fused"):
        float(first.get_by_test_id(f"kb-hit-{column}").inner_text())  # a number, not a dash
    expect(first.get_by_test_id("kb-hit-rerank")).to_have_text("—")  # no reranker configured
    expect(first.get_by_test_id("kb-hit-stage")).to_have_text("kept")

    # An unrelated query: the default threshold drops what it would have returned, and says which stage did.
    page.get_by_test_id("kb-query").fill("量子计算机的纠错码")
    page.get_by_test_id("kb-search").click()
    expect(page.get_by_test_id("kb-no-hits")).to_be_visible()
    expect(page.get_by_test_id("kb-hit-dropped").first.get_by_test_id("kb-hit-stage")).to_have_text(
        "dropped by threshold")
