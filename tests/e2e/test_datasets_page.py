"""Datasets page: import a file with a bad row and a duplicate, read the error by its line and the statistics,
remove the duplicate with an operator, split, publish, and see the published version frozen."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def chat(question: str, answer: str) -> str:
    return json.dumps({"messages": [{"role": "user", "content": question},
                                    {"role": "assistant", "content": answer}]}, ensure_ascii=False)


ROWS = [chat("What is LoRA?", "A low-rank adapter trained beside frozen weights."),
        chat("How many epochs for 500 rows?", "Start with about five and watch the validation loss."),
        '{"messages": [{"role": "user", "content": "hello"}, {"role": "assistant"]}',  # not JSON
        chat("What is LoRA?", "A low-rank adapter trained beside frozen weights."),
        chat("Why hold out validation rows?", "To see overfitting when validation loss rises."),
        chat("What does the chat template do?", "It formats turns the way the model was trained.")]


def test_upload_bad_row_deduplicate_and_publish(page, tmp_path):
    data = tmp_path / "faq.jsonl"
    data.write_text("\n".join(ROWS) + "\n", encoding="utf-8")
    page.goto("/datasets")
    page.get_by_test_id("dataset-name").fill("faq")
    page.get_by_test_id("dataset-file").set_input_files(str(data))
    page.get_by_test_id("dataset-import-submit").click()

    detail = page.get_by_test_id("dataset-detail")
    expect(detail).to_contain_text("faq")
    bad = page.get_by_test_id("bad-row")
    expect(bad).to_have_count(1)
    expect(bad.first).to_contain_text("line 3")
    expect(bad.first).to_contain_text("invalid JSON")
    expect(page.get_by_test_id("stats-duplicates")).to_contain_text("1 duplicate groups")
    expect(page.get_by_test_id("histogram-bar").first).to_be_visible()
    expect(page.get_by_test_id("preview-row")).to_have_count(5)

    page.get_by_test_id("operator-remove_exact_duplicates").check()
    page.get_by_test_id("operators-apply").click()
    expect(page.get_by_test_id("version-2")).to_contain_text("processed")
    expect(page.get_by_test_id("version-2")).to_contain_text("4 rows")
    expect(page.get_by_test_id("dropped-row")).to_contain_text("line 4: exact duplicate of line 1")
    expect(page.get_by_test_id("preview-row")).to_have_count(4)

    page.get_by_test_id("split-validation").fill("0.25")
    page.get_by_test_id("split-submit").click()
    expect(page.get_by_test_id("version-3")).to_contain_text("3 train / 1 validation")
    page.get_by_test_id("publish-submit").click()
    expect(page.get_by_test_id("version-3").get_by_test_id("version-stage")).to_have_text("published")
    expect(page.get_by_test_id("published-note")).to_be_visible()
    expect(page.get_by_test_id("publish-submit")).to_have_count(0)
    expect(page.get_by_test_id("version-delete")).to_have_count(0)
    expect(page.get_by_test_id("dataset-card-faq")).to_contain_text("published")
