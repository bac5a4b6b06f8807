"""Datasets page: import a file with a bad row and a duplicate, read the error by its line and the statistics,
remove the duplicate with an operator, split, publish, and see the published version frozen; count lengths with a
registered base model's tokenizer, run operators with their parameters, export in another format and convert."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
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


PII_ROWS = [chat("Call me at 13812345678 or mail li@example.com", "Noted, we will call."),
            chat("“ＡＢＣ” plan: what is it?", "The basic plan."),
            chat("What is LoRA?", "A low-rank adapter trained beside frozen weights."),
            chat("How long is training?", "About an hour on one GPU for this size.")]


def tiny_tokenizer(folder: Path) -> Path:
    """A word-level tokenizer saved as transformers saves one (no download): one token per word."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    raw = Tokenizer(models.WordLevel({"[UNK]": 0, "plan": 1}, unk_token="[UNK]"))
    raw.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    PreTrainedTokenizerFast(tokenizer_object=raw, unk_token="[UNK]").save_pretrained(folder)
    (folder / "config.json").write_text(json.dumps({"model_type": "llama"}), encoding="utf-8")
    return folder


def test_tokenizer_statistics_operator_parameters_conversion_and_export(page, loom_server, tmp_path):
    response = httpx.post(f"{loom_server}/api/models", json={"kind": "base", "name": "tiny",
                                                              "source": str(tiny_tokenizer(tmp_path / "tiny"))})
    assert response.status_code == 201, response.text
    data = tmp_path / "support.jsonl"
    data.write_text("\n".join(PII_ROWS) + "\n", encoding="utf-8")
    page.goto("/datasets")
    page.get_by_test_id("dataset-file").set_input_files(str(data))
    page.get_by_test_id("dataset-import-submit").click()
    expect(page.get_by_test_id("version-1")).to_contain_text("4 rows")

    # statistics: the character estimate says so; a base model's tokenizer counts words here
    measure = page.get_by_test_id("stats-measure")
    expect(measure).to_contain_text("characters, not tokens")
    page.get_by_test_id("stats-model").select_option("tiny")
    page.get_by_test_id("stats-epochs").fill("40")
    page.get_by_test_id("stats-submit").click()
    expect(measure).to_contain_text("tokens of tiny's tokenizer", timeout=90_000)  # transformers loads once
    expect(page.get_by_test_id("stats-lengths")).to_contain_text("min 8 · mean 10.5 · p95 13 · p99 13 · max 13")
    expect(page.get_by_test_id("stats-context")).to_contain_text("needs a sequence length of 128")
    expect(page.get_by_test_id("advice-epochs")).to_contain_text("too few rows for 40 epochs")
    expect(page.get_by_test_id("histogram-bar")).to_have_count(1)

    # operators with their parameters: symbols (width, quotes), PII without e-mail, near duplicates (threshold)
    page.get_by_test_id("operator-normalize_symbols").check()
    page.get_by_test_id("param-normalize_symbols-width").select_option("all")
    page.get_by_test_id("param-normalize_symbols-quotes").check()
    page.get_by_test_id("operator-mask_pii").check()
    page.get_by_test_id("param-mask_pii-kinds-email").uncheck()
    page.get_by_test_id("operator-remove_near_duplicates").check()
    page.get_by_test_id("param-remove_near_duplicates-threshold").fill("")
    page.get_by_test_id("operators-apply").click()
    expect(page.get_by_test_id("operators-error")).to_contain_text(
        "remove_near_duplicates: threshold must be a number")
    page.get_by_test_id("param-remove_near_duplicates-threshold").fill("0.95")
    page.get_by_test_id("operators-apply").click()
    expect(page.get_by_test_id("version-2")).to_contain_text(
        "normalize_symbols → mask_pii → remove_near_duplicates on v1")
    preview = page.get_by_test_id("dataset-preview")
    expect(preview).to_contain_text("Call me at [PHONE] or mail li@example.com")
    expect(preview).to_contain_text('\\"ABC\\" plan')
    expect(preview).not_to_contain_text("“")
    expect(page.get_by_test_id("operators-error")).to_have_count(0)

    # export version 2 converted to context/target
    page.get_by_test_id("convert-format").select_option("context-target")
    with page.expect_download() as download:
        page.get_by_test_id("export-submit").click()
    rows = [json.loads(line) for line in Path(download.value.path()).read_text(encoding="utf-8").splitlines()]
    assert download.value.suggested_filename == "support-v2.context-target.jsonl"
    assert rows[0] == {"context": ["Call me at [PHONE] or mail li@example.com"], "target": "Noted, we will call."}
    assert len(rows) == 4

    # convert into a new processed version; pre-training text cannot go back, and the refusal names the row
    page.get_by_test_id("convert-format").select_option("text")
    page.get_by_test_id("convert-submit").click()
    expect(page.get_by_test_id("version-3")).to_contain_text("v2 converted from messages to text")
    expect(page.get_by_test_id("version-panel")).to_contain_text("v3 · processed · text")
    expect(preview).to_contain_text("Noted, we will call.")
    page.get_by_test_id("convert-format").select_option("messages")
    page.get_by_test_id("convert-submit").click()
    expect(page.get_by_test_id("dataset-action-error")).to_contain_text(
        "line 1: a pre-training text has no question and answer")

    # a second file becomes the next raw version of the same dataset
    page.get_by_test_id("new-version-file").set_input_files(str(data))
    page.get_by_test_id("new-version-submit").click()
    expect(page.get_by_test_id("version-4")).to_contain_text("imported from support.jsonl")
    expect(page.get_by_test_id("version-4").get_by_test_id("version-stage")).to_have_text("raw")
    expect(page.get_by_test_id("dataset-action-error")).to_have_count(0)
