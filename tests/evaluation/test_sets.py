"""Evaluation sets from the dataset library's samples and from uploaded JSONL/CSV files, bad rows by line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evaluation.errors import SetError
from evaluation.sets import items_from_samples, read_set_file
from modelhub.datasets import check_file

SEED_FIXTURES = Path(__file__).parents[1] / "modelhub" / "fixtures"


def test_items_from_a_dataset_version() -> None:
    checked = check_file(SEED_FIXTURES / "seed_context_target.jsonl")
    result = items_from_samples(checked.samples)
    assert result.ok and len(result.items) == len(checked.samples)
    first = result.items[0]
    assert first.item_id == "line-1" and first.line == 1
    assert first.inputs["query"] == "可以把这个笑话改成xxxx"
    assert first.inputs["history"][0] == {"role": "user", "content": "你是谁?"} and len(first.inputs["history"]) == 6
    assert first.reference == "好的, 以下是修改后的xxxx"
    rewrite = result.items[2]  # a chain-of-thought target: the reference is the answer after </think>
    assert rewrite.reference is not None and "近年来，无人驾驶技术发展迅速" in rewrite.reference
    assert "<think>" not in rewrite.reference


def test_pre_training_rows_are_reported_not_items() -> None:
    result = items_from_samples(check_file(SEED_FIXTURES / "seed_text.jsonl").samples)
    assert result.items == [] and [bad.line for bad in result.bad] == [1, 2]
    assert "pre-training text row has no question and answer" in result.bad[0].reason


def test_uploaded_jsonl_in_every_shape(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    rows = [
        {"id": "c1", "query": "我想了解下最近股市的走势", "reference": "一般咨询", "tags": ["金融", "意图"]},
        {"inputs": {"query": "静夜思的作者", "grade": "三年级"}, "reference": "李白", "tags": "语文|古诗"},
        {"messages": [{"role": "system", "content": "你是客服"}, {"role": "user", "content": "你好"},
                      {"role": "assistant", "content": "您好，请问有什么可以帮您？"}], "labels": ["问候"]},
        {"context": ["请分析以下内容的情感, 回复积极或者消极\n内容: 很好用"], "target": "积极", "id": "s1"},
        {"id": "c2", "query": "不是着急用啊的钱。", "labels": "咨询"},
    ]
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    result = read_set_file(path)
    assert result.ok, result.bad
    first, second, third, fourth, fifth = result.items
    assert (first.item_id, first.inputs, first.reference, first.tags) == (
        "c1", {"query": "我想了解下最近股市的走势"}, "一般咨询", ["金融", "意图"])
    assert (second.item_id, second.inputs["grade"], second.tags) == ("line-2", "三年级", ["语文", "古诗"])
    assert (third.inputs, third.reference, third.labels) == (
        {"query": "你好", "system": "你是客服"}, "您好，请问有什么可以帮您？", ["问候"])
    assert (fourth.item_id, fourth.reference) == ("s1", "积极")
    assert fifth.reference is None and fifth.labels == ["咨询"] and fifth.expected() == "咨询"


def test_bad_rows_are_reported_by_line_and_the_rest_kept(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join([
        '{"id": "a", "query": "好"}',
        '{"id": "b", "query": "坏"',
        '{"reference": "只有答案"}',
        '{"id": "a", "query": "重复"}',
        '{"query": "x", "answer": "y"}',
        '{"inputs": [], "reference": "y"}',
        '{"context": ["问"]}',
        '{"id": "有空格 的id", "query": "x"}',
        '[1, 2]',
    ]) + "\n", encoding="utf-8")
    result = read_set_file(path)
    assert [item.item_id for item in result.items] == ["a"]
    reasons = {bad.line: bad.reason for bad in result.bad}
    assert reasons[2].startswith("invalid JSON")
    assert reasons[3].startswith("no inputs")
    assert reasons[4] == "id 'a' repeats the row on line 1"
    assert "unknown keys answer" in reasons[5]
    assert reasons[6] == "inputs must be a non-empty JSON object"
    assert reasons[7] == "missing key 'target'"
    assert "may hold only letters" in reasons[8]
    assert reasons[9] == "each row must be a JSON object"


def test_uploaded_csv(tmp_path: Path) -> None:
    path = tmp_path / "set.csv"
    path.write_text("id,query,reference,labels,tags\n"
                    "q1,客户说：我要投诉你们的服务,投诉,,意图|投诉\n"
                    "q2,\"多行\n问题\",咨询,咨询,意图\n"
                    "q3,只有两格\n", encoding="utf-8")
    result = read_set_file(path)
    assert [item.item_id for item in result.items] == ["q1", "q2"]
    assert result.items[0].inputs == {"query": "客户说：我要投诉你们的服务"}
    assert result.items[0].tags == ["意图", "投诉"]
    assert result.items[1].inputs == {"query": "多行\n问题"} and result.items[1].labels == ["咨询"]
    assert [(bad.line, bad.reason) for bad in result.bad] == [(5, "2 CSV cells where the header has 5")]


def test_csv_in_a_dataset_format_uses_the_dataset_reader() -> None:
    result = read_set_file(SEED_FIXTURES / "context_target.csv")
    assert result.items and all(item.reference for item in result.items)


@pytest.mark.parametrize(("name", "content", "message"), [
    ("set.txt", "x", "unknown file type .txt"),
    ("set.csv", "id,reference\n1,x\n", "has no input column"),
    ("set.jsonl", '[{"query": "x"}]', "a JSON array"),
], ids=["extension", "csv-no-input", "json-array"])
def test_unreadable_files(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SetError, match=None) as info:
        read_set_file(path)
    assert message in str(info.value)
