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
    PreTrainedTokenizerFast(tokenizer_object=raw, unk_token="[UNK]").save_pretrained(tmp_path / "tok")  # type: ignore[no-untyped-call]
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


# --- the versioned datasets of a data directory -------------------------------------------------------------------

def qa_file(path: Path, rows: int = 12) -> Path:
    lines = [json.dumps({"messages": [{"role": "user", "content": f"问题 {n}：我的手机号是1381234{n:04d}"},
                                      {"role": "assistant", "content": f"回答 {n}"}],
                         "label": "a" if n % 2 else "b"}, ensure_ascii=False) for n in range(1, rows + 1)]
    lines.insert(3, '{"messages": [{"role": "user", "content": "only a question"}]}')
    lines.append(lines[0])  # an exact duplicate of line 1, at the end
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_import_apply_split_publish_export_from_the_command_line(tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path / "data")]
    source = qa_file(tmp_path / "support.jsonl")
    imported = loom("import", str(source), *data)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.splitlines() == ["line 4: wrong role order: the last message must be from the assistant"]
    assert "imported support v1 (raw, messages): 14 rows, 1 bad, 13 kept" in imported.stderr
    assert source.is_file()  # the user's file stays where it is
    assert loom("import", str(source), *data).returncode == 1  # the name is taken: refused with the reason

    applied = loom("apply", "support", "1", "--op", "remove_exact_duplicates",
                   "--op", 'mask_pii:{"kinds": ["phone"]}', *data)
    assert applied.returncode == 0, applied.stderr
    assert "made support v2 (processed, messages): 12 rows" in applied.stdout
    assert "dropped line 14: exact duplicate of line 1" in applied.stdout

    split = loom("split", "support", "2", "--validation", "0.25", "--stratify", "label", *data, "--json")
    assert split.returncode == 0, split.stderr
    version = json.loads(split.stdout)
    # stratified by label: 2 of each label's 6 rows
    assert (version["number"], version["train_rows"], version["validation_rows"]) == (3, 8, 4)
    assert version["operations"]["split"]["stratify_by"] == "label"

    published = loom("publish", "support", "3", *data)
    assert published.returncode == 0 and "published support v3 (published" in published.stdout, published.stderr
    again = loom("publish", "support", "3", *data)
    assert again.returncode == 1 and "already published" in again.stderr

    exported = loom("export", "support", "3", "--format", "context-target", "--part", "validation", *data)
    assert exported.returncode == 0, exported.stderr
    rows = [json.loads(line) for line in exported.stdout.splitlines()]
    assert len(rows) == 4 and all("[PHONE]" in row["context"][0] and "target" in row for row in rows)
    out_file = tmp_path / "all.jsonl"
    assert loom("export", "support", "2", "-o", str(out_file), *data).returncode == 0
    assert len(out_file.read_text(encoding="utf-8").splitlines()) == 12

    listed = json.loads(loom("list", *data, "--json").stdout)["items"]
    assert [(v["number"], v["stage"]) for v in listed[0]["versions"]] == [(1, "raw"), (2, "processed"),
                                                                         (3, "published")]
    shown = loom("show", "support", "--version", "1", *data)
    assert shown.returncode == 0, shown.stderr
    assert "line 4: wrong role order" in shown.stdout and "advice: only 13 rows" in shown.stderr
    assert "lengths: characters, not tokens" in shown.stderr


def test_convert_and_refusals_name_the_row(tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path / "data")]
    assert loom("import", str(FIXTURES / "seed_text.jsonl"), "--name", "news", *data).returncode == 0
    refused = loom("convert", "news", "1", "--format", "messages", *data)
    assert refused.returncode == 1 and "line 1: a pre-training text has no question and answer" in refused.stderr
    assert loom("import", str(qa_file(tmp_path / "qa.jsonl")), "--name", "qa", *data).returncode == 0
    converted = loom("convert", "qa", "1", "--format", "context-target", *data, "--json")
    assert converted.returncode == 0, converted.stderr
    assert json.loads(converted.stdout)["format"] == "context-target"
    row = json.loads(loom("export", "qa", "2", *data).stdout.splitlines()[0])
    assert row == {"context": ["问题 1：我的手机号是13812340001"], "target": "回答 1", "label": "a"}

    again = loom("import", str(tmp_path / "qa.jsonl"), "--dataset", "qa", *data)
    assert again.returncode == 0 and "imported qa v3 (raw, messages)" in again.stderr, again.stderr

    bad_op = loom("apply", "qa", "1", "--op", "mask_pii:{kinds}", *data)
    assert bad_op.returncode == 2 and "--op mask_pii: parameters are not valid JSON" in bad_op.stderr
    unknown = loom("apply", "qa", "1", "--op", "shuffle", *data)
    assert unknown.returncode == 1 and "unknown operator 'shuffle'" in unknown.stderr
    missing = loom("show", "nope", *data)
    assert missing.returncode == 1 and "dataset 'nope' not found" in missing.stderr


def test_stats_with_a_registered_base_models_tokenizer(tmp_path: Path) -> None:
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    raw = Tokenizer(models.WordLevel({"[UNK]": 0, "moon": 1}, unk_token="[UNK]"))
    raw.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    PreTrainedTokenizerFast(tokenizer_object=raw, unk_token="[UNK]").save_pretrained(tmp_path / "tiny")  # type: ignore[no-untyped-call]
    data = ["--data-dir", str(tmp_path / "data")]
    file = tmp_path / "moon.jsonl"
    file.write_text(json.dumps({"context": "the moon rises", "target": "over the quiet river"}) + "\n",
                    encoding="utf-8")
    assert loom("import", str(file), *data).returncode == 0
    registered = subprocess.run([*LOOM, "model", "add-base", "tiny", str(tmp_path / "tiny"), *data],
                                capture_output=True, text=True, timeout=120)
    assert registered.returncode == 0, registered.stderr
    result = loom("stats", "moon", "1", "--model", "tiny", "--epochs", "40", *data, "--json")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["model"] == "tiny" and body["stats"]["unit"] == "tokens" and body["stats"]["length_max"] == 7
    assert body["stats"]["measure"] == "tokens of tiny's tokenizer"
    assert any(a["message"].startswith("too few rows for 40 epochs") for a in body["stats"]["advice"])
    text = loom("stats", "moon", "1", *data)
    assert text.returncode == 0 and "≤ 128 1" in text.stdout and "lengths: characters, not tokens" in text.stderr
    unknown = loom("stats", "moon", "1", "--model", "ghost", *data)
    assert unknown.returncode == 1 and "no registered model named 'ghost'" in unknown.stderr
