"""``loom eval score``, run as a real process: corpus scores that match the reference implementations, and clear
errors for bad lines and unmatched ids."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sacrebleu

LOOM = [str(Path(sys.executable).with_name("loom"))]
PREDS = ["今天天气很好，适合出去散步。", "我爱北京天安门", "大模型微调需要高质量的数据"]
REFS = ["今天天气不错，适合出门散步。", "我爱北京天安门广场", "微调大模型需要高质量数据"]


def loom(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LOOM, "eval", "score", *map(str, args)], capture_output=True, text=True,
                          env=dict(os.environ), timeout=120)


def jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    # predictions in another order than the references: matched by id, not by line
    preds = jsonl(tmp_path / "pred.jsonl", [{"id": i, "text": t} for i, t in reversed(list(enumerate(PREDS)))])
    refs = jsonl(tmp_path / "ref.jsonl", [{"id": i, "text": t} for i, t in enumerate(REFS)])
    return preds, refs


def test_bleu_json_is_sacrebleus_corpus_bleu(files: tuple[Path, Path]) -> None:
    preds, refs = files
    result = loom("--metric", "bleu", "--pred", preds, "--ref", refs, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["metric"] == "bleu"
    assert data["score"] == pytest.approx(sacrebleu.corpus_bleu(PREDS, [REFS], tokenize="zh").score)
    assert list(data["per_item"]) == ["0", "1", "2"]
    assert data["per_item"]["1"] == pytest.approx(sacrebleu.sentence_bleu(PREDS[1], [REFS[1]], tokenize="zh").score)


def test_plain_output_and_params(files: tuple[Path, Path], tmp_path: Path) -> None:
    preds, refs = files
    result = loom("--metric", "rouge-l", "--pred", preds, "--ref", refs)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("rouge-l: 0.") and "(3 items, scale 0–1)" in result.stdout
    labels = jsonl(tmp_path / "labels.jsonl", [{"id": "a", "text": "积极"}, {"id": "b", "text": "消极"}])
    guesses = jsonl(tmp_path / "guess.jsonl", [{"id": "a", "text": "积极"}, {"id": "b", "text": "积极"}])
    result = loom("--metric", "f1", "--pred", guesses, "--ref", labels, "--param", "average=micro",
                  "--param", 'labels=["积极", "消极"]', "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"metric": "f1", "score": 0.5, "per_item": {"a": 1.0, "b": 0.0}}


def test_format_checks_need_no_references(tmp_path: Path) -> None:
    preds = jsonl(tmp_path / "p.jsonl", [{"id": "1", "text": "有序生活，一盒搞定！"},
                                         {"id": "2", "text": "让时光停下脚步，生活因有序而精彩！"}])
    result = loom("--metric", "length", "--pred", preds, "--param", "min=15", "--param", "max=25", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["per_item"] == {"1": 0.0, "2": 1.0}


def test_bad_lines_are_reported_with_file_and_line(tmp_path: Path, files: tuple[Path, Path]) -> None:
    _, refs = files
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 0, "text": "x"}\n{"id": 1, "text": "y"\n\n{"text": "z"}\n{"id": 0, "text": "w"}\n'
                   '{"id": 2, "text": 3}\n', encoding="utf-8")
    result = loom("--metric", "bleu", "--pred", bad, "--ref", refs)
    assert result.returncode == 2 and result.stdout == ""
    message = " ".join(result.stderr.split())
    assert "bad.jsonl:2: invalid JSON" in message
    assert 'bad.jsonl:4: missing "id"' in message
    assert "bad.jsonl:5: id '0' repeats line 1" in message
    assert 'bad.jsonl:6: "text" must be a string' in message
    assert "Traceback" not in result.stderr


def test_unmatched_ids_and_bad_metric(tmp_path: Path, files: tuple[Path, Path]) -> None:
    preds, refs = files
    partial = jsonl(tmp_path / "partial.jsonl", [{"id": 0, "text": "x"}, {"id": 9, "text": "y"}])
    result = loom("--metric", "bleu", "--pred", partial, "--ref", refs)
    message = " ".join(result.stderr.split())
    assert result.returncode == 2
    assert "2 reference id(s) have no prediction in partial.jsonl: 1, 2" in message
    assert "1 prediction id(s) are not in ref.jsonl: 9" in message
    result = loom("--metric", "blue", "--pred", preds, "--ref", refs)
    assert result.returncode == 2 and "unknown metric 'blue'" in result.stderr
    result = loom("--metric", "judge", "--pred", preds, "--ref", refs)
    assert result.returncode == 2 and "is an LLM judge" in result.stderr
    result = loom("--metric", "bleu", "--pred", preds)
    assert result.returncode == 2 and "give --ref FILE" in result.stderr
    result = loom("--metric", "bleu", "--pred", tmp_path / "none.jsonl", "--ref", refs)
    assert result.returncode == 2 and "none.jsonl: no such file" in result.stderr
    result = loom("--metric", "regex", "--pred", preds, "--param", "pattern")
    assert result.returncode == 2 and "write it as name=value" in result.stderr
