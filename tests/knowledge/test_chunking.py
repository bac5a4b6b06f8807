"""Cleaning and the three chunking methods."""

from __future__ import annotations

from itertools import pairwise

import pytest

from knowledge.chunking import chunk, split_text
from knowledge.cleaning import clean
from knowledge.embedding import Embedder
from knowledge.errors import ParseError
from knowledge.settings import ChunkingSettings, CleaningSettings
from tests.knowledge.conftest import POEMS


def test_cleaning_collapses_spaces_and_optionally_strips_urls_and_emails() -> None:
    raw = "Hello\t\t world \r\n\r\n\r\n\r\nMail me@example.com or see https://example.com/x?y=1 now\x00"
    assert clean(raw) == "Hello world\n\nMail me@example.com or see https://example.com/x?y=1 now"
    stripped = clean(raw, CleaningSettings(remove_urls=True, remove_emails=True))
    assert "example.com" not in stripped and stripped.endswith("now")


def test_general_chunks_fit_and_chinese_splits_at_sentence_ends() -> None:
    chunks = chunk(POEMS, ChunkingSettings(max_length=30, overlap=0))
    assert all(len(c.content) <= 30 for c in chunks)
    assert [c.position for c in chunks] == list(range(len(chunks)))
    # Sentences stay whole: every chunk ends with Chinese sentence punctuation.
    assert all(c.content[-1] in "。！？；，" for c in chunks)


def test_overlap_repeats_the_tail_of_the_previous_chunk() -> None:
    text = " ".join(f"w{i}" for i in range(60))
    pieces = split_text(text, [" "], max_length=40, overlap=10)
    assert all(len(p) <= 40 for p in pieces)
    for left, right in pairwise(pieces):
        assert left.split()[-1] in right.split()[:4]


def test_text_without_separators_is_cut_hard() -> None:
    pieces = split_text("字" * 250, ["。"], max_length=100)
    assert [len(p) for p in pieces] == [100, 100, 50]


def test_max_length_in_tokens(embedder: Embedder) -> None:
    text = "Photosynthesis converts light energy into chemical energy. " * 20
    settings = ChunkingSettings(max_length=32, overlap=0, unit="tokens")
    chunks = chunk(text, settings, length=embedder.count_tokens)
    assert len(chunks) > 1
    assert all(embedder.count_tokens(c.content) <= 32 for c in chunks)


def test_parent_child_matches_children_and_returns_the_paragraph() -> None:
    chunks = chunk(POEMS, ChunkingSettings(method="parent-child", max_length=20, overlap=0))
    paragraphs = POEMS.split("\n\n")
    assert {c.content for c in chunks} == set(paragraphs)
    for c in chunks:
        assert c.search_text in c.content and len(c.search_text) <= 20
        assert c.content == paragraphs[c.metadata["parent_index"]]


@pytest.mark.parametrize("text", [
    "question,answer\n李白是哪个朝代的？,唐代\n\"Capital of France?\",\"Paris, of course\"\n",
    '{"question": "李白是哪个朝代的？", "answer": "唐代"}\n{"q": "Capital of France?", "a": "Paris, of course"}\n',
    '[{"问题": "李白是哪个朝代的？", "答案": "唐代"}, '
    '{"question": "Capital of France?", "answer": "Paris, of course"}]',
], ids=["csv", "jsonl", "json-array"])
def test_qa_rows_match_on_question_and_return_answer(text: str) -> None:
    chunks = chunk(text, ChunkingSettings(method="qa"))
    assert [(c.search_text, c.content) for c in chunks] == [
        ("李白是哪个朝代的？", "唐代"), ("Capital of France?", "Paris, of course")]


def test_qa_without_rows_fails_with_the_file_name() -> None:
    with pytest.raises(ParseError, match=r"notes\.txt: no question/answer rows"):
        chunk("just some prose", ChunkingSettings(method="qa"), filename="notes.txt")


def test_overlap_must_be_below_max_length() -> None:
    with pytest.raises(ValueError, match="overlap"):
        ChunkingSettings(max_length=50, overlap=50)


def test_chunks_are_matched_with_their_document_title() -> None:
    text = "# 泡泡战士\n\n" + "基于《跑跑卡丁车》与《泡泡堂》上所开发的游戏。" * 10
    chunks = chunk(text, ChunkingSettings(max_length=60, overlap=0))
    assert chunks[0].search_text == chunks[0].content  # already starts with the title
    assert all(c.search_text == "泡泡战士\n" + c.content for c in chunks[1:])
    assert all(c.search_text == c.content for c in chunk(text, ChunkingSettings(max_length=60, overlap=0,
                                                                              title_prefix=False)))
    untitled = chunk("A first sentence that ends.\n\nMore text here.", ChunkingSettings(max_length=20, overlap=0))
    assert all(c.search_text == c.content for c in untitled)
