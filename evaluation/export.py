"""The per-sample table of a run, for the results page and for download.

``sample_rows`` gives one row per item with every candidate's answer, scores and judge reasons (JSONL export
writes these rows). CSV cannot nest, so ``write_csv`` writes one line per item and candidate, with a column per
score.
"""

from __future__ import annotations

import csv
import json
from typing import Any, TextIO

from evaluation.judges import question_text
from evaluation.reports import ResultTable


def sample_rows(table: ResultTable) -> list[dict[str, Any]]:
    """One dict per item: its input, reference, tags and, by candidate_id, what each candidate answered."""
    rows = []
    for item in table.items:
        candidates: dict[str, Any] = {}
        for spec in table.run.candidates:
            result = table.result(spec.candidate_id, item.item_id)
            candidates[spec.candidate_id] = None if result is None else {
                "output": result.output, "error": result.error, "scores": result.scores,
                "judge_reasons": result.judge_reasons, "tokens_in": result.tokens_in,
                "tokens_out": result.tokens_out, "latency_s": result.latency_s,
                "pairwise": result.pairwise.model_dump() if result.pairwise else None}
        rows.append({"item_id": item.item_id, "input": question_text(item), "inputs": item.inputs,
                     "reference": item.reference, "labels": item.labels, "tags": item.tags,
                     "candidates": candidates})
    return rows


def write_jsonl(table: ResultTable, handle: TextIO) -> int:
    """Writes :func:`sample_rows` as JSONL (UTF-8 text, not escapes); returns the row count."""
    rows = sample_rows(table)
    for row in rows:
        handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(rows)


def write_csv(table: ResultTable, handle: TextIO) -> int:
    """One CSV line per item and candidate; returns the line count (header not counted)."""
    keys = table.metric_keys()
    names = {spec.candidate_id: spec.name or spec.candidate_id for spec in table.run.candidates}
    writer = csv.writer(handle)
    writer.writerow(["item_id", "input", "reference", "tags", "candidate_id", "candidate", "output", "error",
                     "tokens_in", "tokens_out", "latency_s", *keys, "judge_reason"])
    count = 0
    for item in table.items:
        for spec in table.run.candidates:
            result = table.result(spec.candidate_id, item.item_id)
            if result is None:
                continue
            reason = result.judge_reasons.get("judge", result.judge_reasons.get("pairwise", ""))
            writer.writerow([item.item_id, question_text(item), item.reference or "", "|".join(item.tags),
                             spec.candidate_id, names[spec.candidate_id], result.output or "", result.error or "",
                             result.tokens_in, result.tokens_out, f"{result.latency_s:.3f}",
                             *[_number(result.scores.get(key)) for key in keys], reason])
            count += 1
    return count


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"
