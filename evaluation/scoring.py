"""Scoring prediction files against reference files with one metric, without a run (``loom eval score``).

Both files are JSONL, one ``{"id": ..., "text": ...}`` object a line, matched by id; the predictions are scored
in the order of the references. Every bad line is reported with its file and line number.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evaluation.errors import SetError
from evaluation.metrics import metric
from modelhub.datasets.io import explain_json_error, read_jsonl


@dataclass(frozen=True)
class ScoreReport:
    metric: str
    score: float
    per_item: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "score": self.score, "per_item": self.per_item}


def read_texts(path: Path) -> dict[str, str]:
    """id → text of a JSONL file; :class:`SetError` listing every bad line (``file:line: reason``)."""
    try:
        with path.open(encoding="utf-8-sig") as handle:
            rows = list(read_jsonl(handle))
    except FileNotFoundError:
        raise SetError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise SetError(f"{path}: not UTF-8 text (byte {exc.start}: {exc.reason})") from None
    except OSError as exc:
        raise SetError(f"{path}: {exc.strerror or exc}") from None
    texts: dict[str, str] = {}
    lines: dict[str, int] = {}
    problems: list[str] = []
    for row in rows:
        reason = row.error or _problem(row.value, texts, lines)
        if reason:
            problems.append(f"{path.name}:{row.line}: {reason}")
            continue
        key = str(row.value["id"])
        texts[key], lines[key] = row.value["text"], row.line
    if problems:
        raise SetError("\n".join(problems))
    if not texts:
        raise SetError(f"{path.name}: no rows")
    return texts


def _problem(value: Any, texts: Mapping[str, str], lines: Mapping[str, int]) -> str | None:
    if not isinstance(value, dict):
        return "each line must be a JSON object {\"id\": ..., \"text\": ...}"
    if "id" not in value or value["id"] in (None, ""):
        return "missing \"id\""
    if not isinstance(value["id"], str | int) or isinstance(value["id"], bool):
        return "\"id\" must be a string or an integer"
    if "text" not in value:
        return "missing \"text\""
    if not isinstance(value["text"], str):
        return "\"text\" must be a string"
    key = str(value["id"])
    if key in texts:
        return f"id {key!r} repeats line {lines[key]}"
    return None


def parse_param(text: str) -> tuple[str, Any]:
    """``k=v`` from the command line; ``v`` is read as JSON when it is JSON (numbers, true, lists, objects)."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise SetError(f"--param {text!r}: write it as name=value")
    try:
        value: Any = json.loads(raw)
    except json.JSONDecodeError as exc:
        if raw.lstrip()[:1] in ("[", "{"):
            raise SetError(f"--param {key}: {explain_json_error(raw, exc)}") from None
        value = raw
    return key.strip(), value


def score_files(name: str, predictions: Path, references: Path | None, params: Mapping[str, Any]) -> ScoreReport:
    """The corpus score and per-item scores of ``name`` for the predictions matched to the references by id.
    Without a reference file (for regex, JSON Schema and length checks) every prediction is scored."""
    scorer = metric(name)
    preds = read_texts(predictions)
    if references is None:
        if scorer.needs_reference:
            raise SetError(f"metric {name!r} compares with references: give --ref FILE")
        ids = list(preds)
        refs: list[str | None] = [None] * len(ids)
    else:
        gold = read_texts(references)
        missing = [key for key in gold if key not in preds]
        extra = [key for key in preds if key not in gold]
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"{len(missing)} reference id(s) have no prediction in {predictions.name}: "
                             f"{_ids(missing)}")
            if extra:
                parts.append(f"{len(extra)} prediction id(s) are not in {references.name}: {_ids(extra)}")
            raise SetError("; ".join(parts))
        ids = list(gold)
        refs = [gold[key] for key in ids]
    texts = [preds[key] for key in ids]
    per_item = scorer.per_item(texts, refs, **params)
    return ScoreReport(name, scorer.corpus(texts, refs, **params), dict(zip(ids, per_item, strict=True)))


def _ids(ids: list[str], shown: int = 10) -> str:
    return ", ".join(ids[:shown]) + (f" and {len(ids) - shown} more" if len(ids) > shown else "")
