"""Reading and checking dataset files: every bad row by line and reason, with the seed documents' own examples.

The ``seed_*.jsonl`` fixtures are lines copied from the seed documents (shared/seeds), broken ones included:
``seed_messages.jsonl`` line 3 is Volcengine's e-commerce example whose content holds unescaped quotes,
``seed_context_target.jsonl`` holds Pangu's examples with a missing target, missing quotes, several objects on one
line, and the chain-of-thought example that ends with a curly quote where its closing quote should be.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelhub.datasets import (
    DatasetFileError,
    Format,
    RowError,
    check_file,
    check_report,
    detect_format,
    parse_row,
    read_rows,
    split_think,
)

FIXTURES = Path(__file__).parent / "fixtures"


def reasons(path: Path, fmt: Format | None = None) -> dict[int, str]:
    return {bad.line: bad.reason for bad in check_file(path, fmt).bad}


def test_seed_messages_file_reports_the_unescaped_quotes_row_only() -> None:
    result = check_file(FIXTURES / "seed_messages.jsonl")
    assert result.format == Format.MESSAGES
    assert result.rows == 8 and len(result.samples) == 7
    assert [str(bad) for bad in result.bad] == [
        "line 3: invalid JSON at column 99: Expecting ',' delimiter; a string ends just before: a quote is missing "
        "earlier, or a straight quote (\") inside the text must be escaped as \\\" (or written as “ ”)"]
    first, second = result.samples[0], result.samples[1]
    assert first.line == 1 and first.system is None and [t.role for t in first.turns] == ["user", "assistant"]
    assert second.system == "请根据古诗内容，仅回复作者的名字。" and second.turns[-1].content == "李群玉"


def test_seed_context_target_file_every_broken_example_by_line() -> None:
    result = check_file(FIXTURES / "seed_context_target.jsonl")
    assert result.format == Format.CONTEXT_TARGET
    bad = {bad.line: bad.reason for bad in result.bad}
    assert sorted(bad) == [4, 5, 6, 7, 9]
    assert bad[4] == "missing key 'target'"
    assert bad[5].startswith("invalid JSON at column 49: Expecting ',' delimiter")
    assert bad[6] == "invalid JSON: the string that starts at column 39 is never closed"
    assert bad[7].startswith("invalid JSON: the string that starts at column 178 is never closed; ")
    assert "the curly quote ” at column" in bad[7] and "must close or open a string" in bad[7]
    assert "more than one JSON value on the line" in bad[9]
    assert [sample.line for sample in result.samples] == [1, 2, 3, 8]


def test_curly_quote_column_points_at_the_quote_that_breaks_the_row() -> None:
    line = (FIXTURES / "seed_context_target.jsonl").read_text(encoding="utf-8").splitlines()[6]
    reason = reasons(FIXTURES / "seed_context_target.jsonl")[7]
    column = int(reason.split("the curly quote ” at column ")[1].split()[0])
    assert line[column - 1] == "”" and line[column:] == "}"


def test_multi_turn_context_becomes_alternating_turns() -> None:
    sample = check_file(FIXTURES / "seed_context_target.jsonl").samples[0]
    assert [turn.role for turn in sample.turns] == ["user", "assistant"] * 4
    assert sample.turns[0].content == "你是谁?" and sample.turns[-1].content == "好的, 以下是修改后的xxxx"


def test_chain_of_thought_target_is_split_into_reasoning_and_answer() -> None:
    sample = check_file(FIXTURES / "seed_context_target.jsonl").samples[2]
    reasoning, answer = split_think(sample.turns[-1].content)
    assert reasoning is not None and reasoning.startswith("好的，我现在需要处理用户的请求")
    assert answer.startswith("\\n\\n近年来")  # the seed writes its line breaks as escaped backslashes


def test_bad_messages_each_with_its_reason() -> None:
    bad = reasons(FIXTURES / "bad_messages.jsonl")
    assert bad == {
        2: "messages[0]: wrong role order: expected user, got assistant (user and assistant must alternate, "
           "starting with user)",
        3: "messages[1].content is empty",
        4: "messages[1]: a system message may only come first",
        5: "wrong role order: the last message must be from the assistant",
        6: "messages[1]: unknown role 'bot' (expected one of system, user, assistant)",
        7: "messages[0]: missing key 'content'",
        9: "messages[1].content: no answer after </think>",
        10: "messages[1].content: <think> and </think> must appear once each (found 1 and 0)",
        12: "row is in the context-target format, the file in the messages format",
        13: "a row must be a JSON object, not a list",
        14: "missing key 'messages' (keys: prompt, response)",
    }


def test_forced_format_reports_rows_of_another_format() -> None:
    bad = reasons(FIXTURES / "seed_text.jsonl", Format.MESSAGES)
    assert bad == {1: "row is in the text format, the file in the messages format",
                   2: "row is in the text format, the file in the messages format"}
    assert reasons(FIXTURES / "seed_text.jsonl") == {}


def test_csv_rows_with_json_list_context_multiline_cells_and_line_numbers() -> None:
    result = check_file(FIXTURES / "context_target.csv")
    assert result.format == Format.CONTEXT_TARGET
    assert [sample.line for sample in result.samples] == [2, 3, 4]
    assert result.samples[0].system == "你是一名金融客服" and result.samples[0].extra == {"label": "invest"}
    assert len(result.samples[1].turns) == 4 and result.samples[1].system is None
    assert result.samples[2].turns[0].content == "第一行\n第二行：请总结"
    bad = {bad.line: bad.reason for bad in result.bad}
    assert bad[6] == "context is empty"
    assert bad[7].startswith("context has 2 items; a multi-turn context is [question, answer, ..., question]")
    assert bad[8].startswith("column context: invalid JSON at column")


def test_csv_without_known_columns_and_unknown_extension_fail_as_a_whole(tmp_path: Path) -> None:
    csv_file = tmp_path / "data.csv"
    csv_file.write_text("question,answer\n你好,您好\n", encoding="utf-8")
    with pytest.raises(DatasetFileError, match="line 1: the CSV header \\(question, answer\\) has none of"):
        check_file(csv_file)
    with pytest.raises(DatasetFileError, match="unknown file type .txt"):
        check_file(tmp_path / "data.txt")
    array = tmp_path / "data.json"
    array.write_text('\n [{"text": "a"}]', encoding="utf-8")
    with pytest.raises(DatasetFileError, match="data.json: a JSON array; write one JSON object per line"):
        check_file(array)


def test_tsv_and_json_extension_files(tmp_path: Path) -> None:
    tsv = tmp_path / "data.tsv"
    tsv.write_text("context\ttarget\n你好, 在吗\t在的\n\t空问题\n", encoding="utf-8")
    result = check_file(tsv)
    assert result.samples[0].turns[0].content == "你好, 在吗"
    assert [str(b) for b in result.bad] == ["line 3: context is empty"]
    long_cell = tmp_path / "long.csv"
    long_cell.write_text(f"text\n\"{'长' * 300_000}\"\n", encoding="utf-8")
    assert len(check_file(long_cell).samples[0].joined()) == 300_000
    jsonl = tmp_path / "data.json"
    jsonl.write_text('{"text": "a"}\n{"text": ""}\n', encoding="utf-8")
    assert [str(b) for b in check_file(jsonl).bad] == ["line 2: text is empty"]


def test_not_utf8_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "gbk.jsonl"
    path.write_bytes('{"text": "中文"}\n'.encode("gbk"))
    with pytest.raises(DatasetFileError, match="not UTF-8"):
        list(read_rows(path))


def test_auto_detection_takes_the_majority_format(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text('{"text": "a"}\n{"context": "q", "target": "a"}\n{"context": "q2", "target": "a2"}\n',
                    encoding="utf-8")
    result = check_file(path)
    assert result.format == Format.CONTEXT_TARGET
    assert [str(bad) for bad in result.bad] == [
        "line 1: row is in the text format, the file in the context-target format"]


def test_blank_lines_are_skipped_and_a_file_of_garbage_has_no_format(tmp_path: Path) -> None:
    path = tmp_path / "junk.jsonl"
    path.write_text("\n\nnot json\n{\"a\": 1}\n", encoding="utf-8")
    result = check_file(path)
    assert result.format is None and result.rows == 2
    assert [bad.line for bad in result.bad] == [3, 4]
    assert result.bad[1].reason == "no messages, context/target or text key"


@pytest.mark.parametrize(("row", "reason"), [
    ({"context": [], "target": "a"}, "context is an empty list"),
    ({"context": "q", "target": ""}, "target is empty"),
    ({"context": 3, "target": "a"}, "context must be a string or a list of strings, not a number"),
    ({"context": ["q", 1, "q"], "target": "a"}, "context[1] must be a string, not a number"),
    ({"context": "q", "target": "a", "system": ["x"]}, "system must be a string, not a list"),
    ({"context": ["<think>x</think>q"], "target": "a"}, "context[0] is a question but holds a <think> block"),
    ({"context": "q", "target": "答案</think>"}, "target: <think> and </think> must appear once each (found 0 and 1)"),
    ({"context": "q", "target": "前言<think>x</think>答"},
     "target: text before <think>; the reasoning block must come first"),
])
def test_context_target_reasons(row: dict[str, object], reason: str) -> None:
    with pytest.raises(RowError) as caught:
        parse_row(row, Format.CONTEXT_TARGET, 1)
    assert str(caught.value) == reason


def test_messages_edge_cases() -> None:
    with pytest.raises(RowError, match="messages is empty"):
        parse_row({"messages": []}, Format.MESSAGES)
    with pytest.raises(RowError, match="messages has no user message"):
        parse_row({"messages": [{"role": "system", "content": "s"}]}, Format.MESSAGES)
    with pytest.raises(RowError, match="messages must be a list, not a string"):
        parse_row({"messages": "hi"}, Format.MESSAGES)
    row = {"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "q"},
                        {"role": "assistant", "content": "<think>r</think>a"}], "id": 7}
    sample = parse_row(row, Format.MESSAGES, 5)
    assert sample.system == "s" and sample.extra == {"id": 7} and sample.line == 5
    assert split_think(sample.turns[-1].content) == ("r", "a")


def test_detect_format() -> None:
    assert detect_format({"messages": []}) == Format.MESSAGES
    assert detect_format({"target": "a"}) == Format.CONTEXT_TARGET
    assert detect_format({"text": "t"}) == Format.TEXT
    assert detect_format({"prompt": "p"}) is None and detect_format([1]) is None


def test_check_report_is_the_json_the_command_prints() -> None:
    data = check_report(FIXTURES / "seed_context_target.jsonl")
    assert data["rows"] == 9 and data["format"] == "context-target"
    assert [bad["line"] for bad in data["bad"]] == [4, 5, 6, 7, 9]
    assert data["bad"][0] == {"line": 4, "reason": "missing key 'target'"}
    assert data["stats"]["rows"] == 4 and data["stats"]["unit"] == "characters"
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data


def test_curly_quotes_used_as_a_pair_of_json_quotes_are_both_named(tmp_path: Path) -> None:
    path = tmp_path / "pair.jsonl"
    path.write_text('{"context": "他说“你好”", "target": “好的”}\n', encoding="utf-8")
    reason = reasons(path, Format.CONTEXT_TARGET)[1]
    assert reason.endswith("the curly quotes “ at column 33, ” at column 36 stand where straight quotes (\") "
                           "must close or open strings")  # the pair inside the straight-quoted context is left alone
