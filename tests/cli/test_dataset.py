"""``loom dataset check``, run as a real process on the seed documents' examples (tests/modelhub/fixtures)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

LOOM = [str(Path(sys.executable).with_name("loom"))]
FIXTURES = Path(__file__).parents[1] / "modelhub" / "fixtures"


def loom(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LOOM, "dataset", *args], capture_output=True, text=True, env=dict(os.environ), timeout=120)


def test_check_prints_one_line_per_bad_row_and_exits_1() -> None:
    result = loom("check", str(FIXTURES / "seed_context_target.jsonl"))
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["line 4", "line 5", "line 6", "line 7", "line 9"]
    assert lines[0] == "line 4: missing key 'target'"
    assert lines[2] == "line 6: invalid JSON: the string that starts at column 39 is never closed"
    assert "the curly quote ” at column" in lines[3]
    assert "9 rows, 5 bad, format context-target" in result.stderr
    assert "advice: only 4 rows" in result.stderr


def test_check_good_file_exits_0_with_nothing_on_stdout() -> None:
    result = loom("check", str(FIXTURES / "seed_text.jsonl"))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and "2 rows, 0 bad, format text" in result.stderr


def test_check_json_is_one_object_with_rows_bad_and_stats() -> None:
    result = loom("check", str(FIXTURES / "bad_messages.jsonl"), "--json", "--epochs", "30")
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert data["rows"] == 13 and data["format"] == "messages"
    assert [bad["line"] for bad in data["bad"]] == [2, 3, 4, 5, 6, 7, 9, 10, 12, 13, 14]
    assert data["bad"][1] == {"line": 3, "reason": "messages[1].content is empty"}
    stats = data["stats"]
    assert stats["rows"] == 2 and stats["unit"] == "characters" and stats["with_thinking"] == 1
    assert sum(bucket["rows"] for bucket in stats["histogram"]) == 2
    assert any(advice["message"].startswith("too few rows for 30 epochs") for advice in stats["advice"])


def test_check_forced_format_and_csv() -> None:
    forced = loom("check", str(FIXTURES / "seed_text.jsonl"), "--format", "messages")
    assert forced.returncode == 1
    assert forced.stdout.splitlines() == ["line 1: row is in the text format, the file in the messages format",
                                          "line 2: row is in the text format, the file in the messages format"]
    csv = loom("check", str(FIXTURES / "context_target.csv"), "--format", "context-target", "--json")
    assert [bad["line"] for bad in json.loads(csv.stdout)["bad"]] == [6, 7, 8]


def test_check_with_a_local_tokenizer_counts_tokens(tmp_path: Path) -> None:
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    raw = Tokenizer(models.WordLevel({"[UNK]": 0, "moon": 1}, unk_token="[UNK]"))
    raw.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    PreTrainedTokenizerFast(tokenizer_object=raw, unk_token="[UNK]").save_pretrained(tmp_path / "tok")
    data = tmp_path / "data.jsonl"
    row = {"context": "the moon rises", "target": "over the quiet river"}
    data.write_text(json.dumps(row) + "\n", encoding="utf-8")
    result = loom("check", str(data), "--tokenizer", str(tmp_path / "tok"), "--json")
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)["stats"]
    assert stats["unit"] == "tokens" and stats["length_max"] == 7


def test_check_unreadable_inputs_exit_2_with_the_reason(tmp_path: Path) -> None:
    missing = loom("check", str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 2 and "no such file" in missing.stderr
    (tmp_path / "data.txt").write_text("x", encoding="utf-8")
    wrong_type = loom("check", str(tmp_path / "data.txt"))
    assert wrong_type.returncode == 2 and "unknown file type .txt; use .jsonl or .csv" in wrong_type.stderr
    no_tokenizer = loom("check", str(FIXTURES / "seed_text.jsonl"), "--tokenizer", str(tmp_path))
    assert no_tokenizer.returncode == 2 and "cannot load a tokenizer from this folder" in no_tokenizer.stderr
