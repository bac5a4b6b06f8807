"""Knowledge management in the console: watch a document index with live counts, browse its chunks, edit one
(found by hit test), disable one (gone from the hit test), add one, delete the document, delete the KB."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

NOTES = ("Photosynthesis turns light, water and carbon dioxide into sugar in plant leaves.\n\n"
         "The Great Wall stretches across northern China for thousands of kilometres.\n\n"
         "Volcanoes erupt when magma rises through cracks in the crust of the earth.\n")


def hit_test(page, query: str) -> None:
    page.get_by_test_id("kb-query").fill(query)
    page.get_by_test_id("kb-mode").select_option("keyword")
    page.get_by_test_id("kb-search").click()


def create_kb_and_upload(page, tmp_path) -> None:
    """The "notes" KB with 90-character chunks, and notes.txt uploaded to it."""
    doc = tmp_path / "notes.txt"
    doc.write_text(NOTES, encoding="utf-8")
    page.goto("/knowledge")
    page.get_by_test_id("kb-name").fill("notes")
    page.get_by_test_id("kb-max-length").fill("90")
    page.get_by_test_id("kb-create-submit").click()
    expect(page.get_by_test_id("kb-detail")).to_contain_text("notes")
    page.get_by_test_id("kb-upload").set_input_files(str(doc))


def test_manage_a_documents_chunks_then_delete_document_and_kb(page, tmp_path):
    create_kb_and_upload(page, tmp_path)
    progress = page.get_by_test_id("doc-progress-notes.txt")
    expect(progress).to_be_visible()
    expect(page.get_by_test_id("doc-status-notes.txt")).to_have_text("ready", timeout=120_000)
    expect(progress).to_have_text(re.compile(r"^3 chunks$"))

    page.get_by_test_id("doc-chunks-notes.txt").click()
    chunks = page.get_by_test_id("kb-chunk")
    expect(chunks).to_have_count(3)
    expect(page.get_by_test_id("kb-chunk-count")).to_have_text("3 chunks")
    page.get_by_test_id("kb-chunk-search").fill("magma")
    page.get_by_test_id("kb-chunk-search-submit").click()
    expect(chunks).to_have_count(1)
    expect(chunks.first).to_contain_text("Volcanoes")
    page.get_by_test_id("kb-chunk-search").fill("")
    page.get_by_test_id("kb-chunk-search-submit").click()
    expect(chunks).to_have_count(3)

    # Edit the first chunk inline: the hit test finds the new text, not the old.
    chunks.nth(0).get_by_test_id("kb-chunk-edit").click()
    page.get_by_test_id("kb-chunk-editor").fill("Axolotls regrow their limbs after losing them.")
    page.get_by_test_id("kb-chunk-save").click()
    expect(chunks.nth(0)).to_contain_text("Axolotls")
    hit_test(page, "axolotls limbs")
    expect(page.get_by_test_id("kb-hit").first).to_contain_text("Axolotls")

    # Disable the Great Wall chunk: still listed, gone from the hit test.
    hit_test(page, "great wall china")
    expect(page.get_by_test_id("kb-hit").first).to_contain_text("Great Wall")
    chunks.nth(1).get_by_test_id("kb-chunk-enabled").click()  # saved, then shown
    expect(chunks.nth(1).get_by_test_id("kb-chunk-disabled")).to_be_visible()
    hit_test(page, "great wall china")
    expect(page.get_by_test_id("kb-no-hits")).to_be_visible()

    # Add a chunk, then delete one with confirmation.
    page.get_by_test_id("kb-chunk-new").fill("Penguins huddle together through the Antarctic winter.")
    page.get_by_test_id("kb-chunk-add").click()
    expect(chunks).to_have_count(4)
    hit_test(page, "penguins antarctic")
    expect(page.get_by_test_id("kb-hit").first).to_contain_text("Penguins")
    page.once("dialog", lambda d: d.accept())
    chunks.nth(2).get_by_test_id("kb-chunk-delete").click()
    expect(chunks).to_have_count(3)
    expect(page.get_by_test_id("kb-chunk-list")).not_to_contain_text("Volcanoes")

    # Delete the document, then the knowledge base, each after a confirmation.
    page.once("dialog", lambda d: d.accept())
    page.get_by_test_id("doc-delete-notes.txt").click()
    expect(page.get_by_test_id("doc-status-notes.txt")).to_have_count(0)
    expect(page.get_by_test_id("kb-doc-chunks")).to_have_count(0)
    expect(page.get_by_test_id("kb-card-notes")).to_contain_text("0 docs")
    page.once("dialog", lambda d: d.dismiss())  # cancelled: nothing happens
    page.get_by_test_id("kb-delete").click()
    expect(page.get_by_test_id("kb-card-notes")).to_be_visible()
    page.once("dialog", lambda d: d.accept())
    page.get_by_test_id("kb-delete").click()
    expect(page.get_by_test_id("kb-card-notes")).to_have_count(0)
    expect(page.get_by_test_id("kb-detail")).to_have_count(0)


def test_settings_editor_saves_retrieval_and_rechunks(page, tmp_path):
    create_kb_and_upload(page, tmp_path)
    expect(page.get_by_test_id("doc-progress-notes.txt")).to_have_text("3 chunks", timeout=120_000)

    page.get_by_test_id("kb-settings").locator("summary").first.click()
    page.get_by_test_id("kb-settings-top-k").fill("3")
    expect(page.get_by_test_id("kb-settings-reindex-note")).to_have_count(0)
    page.get_by_test_id("kb-settings-save").click()
    expect(page.get_by_test_id("kb-settings-message")).to_have_text("Saved")
    expect(page.get_by_test_id("kb-settings")).to_contain_text('"top_k": 3')

    page.get_by_test_id("kb-settings-max-length").fill("500")
    expect(page.get_by_test_id("kb-settings-reindex-note")).to_be_visible()
    page.once("dialog", lambda d: d.accept())
    page.get_by_test_id("kb-settings-save").click()
    expect(page.get_by_test_id("kb-settings-message")).to_have_text("Saved; re-indexing 1 document")
    # Re-indexed in the background: the whole text is one chunk now.
    expect(page.get_by_test_id("doc-progress-notes.txt")).to_have_text("1 chunks", timeout=120_000)
    expect(page.get_by_test_id("kb-card-notes")).to_contain_text("1 chunks")
