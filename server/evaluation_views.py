"""What the evaluation API shows of a run: the per-sample table (input, reference, each candidate's answer with
its scores and judge reasons), its CSV/JSONL export, and the blind review (stable shuffled labels per reviewer
and item, reviews mapped back to candidates, agreement across reviewers)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import string
from collections import defaultdict
from collections.abc import Sequence
from itertools import combinations
from typing import Any

from evaluation.schemas import EvalItem, EvalRun, Review, SampleResult


def sample_rows(run: EvalRun, items: Sequence[EvalItem], results: Sequence[SampleResult]) -> list[dict[str, Any]]:
    """One row per item, in the set's order: its input, reference, tags and every candidate's answer."""
    by_key = {(r.candidate_id, r.item_id): r for r in results}
    rows = []
    for item in items:
        answers: dict[str, Any] = {}
        for spec in run.candidates:
            found = by_key.get((spec.candidate_id, item.item_id))
            answers[spec.candidate_id] = None if found is None else {
                "output": found.output, "error": found.error, "scores": found.scores,
                "judge_reasons": found.judge_reasons, "tokens_in": found.tokens_in, "tokens_out": found.tokens_out,
                "latency_s": round(found.latency_s, 4),
                "pairwise": found.pairwise.model_dump() if found.pairwise else None}
        rows.append({"item_id": item.item_id, "inputs": item.inputs, "reference": item.expected(),
                     "labels": item.labels, "tags": item.tags, "candidates": answers})
    return rows


def score_keys(run: EvalRun, results: Sequence[SampleResult]) -> list[str]:
    """The score columns of a run: its metrics' keys, then the judge's when any sample has one."""
    keys = [spec.key for spec in run.metrics]
    extra = sorted({k for r in results for k in r.scores} - set(keys))
    return keys + extra


def to_jsonl(rows: Sequence[dict[str, Any]]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def to_csv(run: EvalRun, rows: Sequence[dict[str, Any]], keys: Sequence[str]) -> str:
    """One line per item; per candidate: its output, error, each score and the judge's reasons."""
    header = ["item_id", "input", "reference", "tags"]
    for spec in run.candidates:
        cid = spec.candidate_id
        header += [f"{cid}.output", f"{cid}.error", *(f"{cid}.{k}" for k in keys), f"{cid}.judge_reason"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        inputs = row["inputs"]
        shown = inputs["query"] if set(inputs) == {"query"} else json.dumps(inputs, ensure_ascii=False)
        line = [row["item_id"], shown, row["reference"] or "", "|".join(row["tags"])]
        for spec in run.candidates:
            answer = row["candidates"][spec.candidate_id] or {}
            scores = answer.get("scores") or {}
            reasons = answer.get("judge_reasons") or {}
            line += [answer.get("output") or "", answer.get("error") or "",
                     *("" if scores.get(k) is None else scores[k] for k in keys), "\n".join(reasons.values())]
        writer.writerow(line)
    return buffer.getvalue()


# -- blind review -------------------------------------------------------------------------------------------
def blind_labels(run_id: str, item_id: str, reviewer: str, candidate_ids: Sequence[str]) -> dict[str, str]:
    """Label ("A", "B", …) → candidate_id, shuffled per (run, item, reviewer) and the same on every request."""
    seed = int.from_bytes(hashlib.sha256(f"{run_id}\0{item_id}\0{reviewer}".encode()).digest()[:8], "big")
    order = list(candidate_ids)
    random.Random(seed).shuffle(order)
    return {label: cid for label, cid in zip(string.ascii_uppercase, order, strict=False)}


def review_page(run: EvalRun, items: Sequence[EvalItem], results: Sequence[SampleResult], reviewer: str,
                reviews: Sequence[Review]) -> list[dict[str, Any]]:
    """Every item with its answers under blind labels (no candidate names) and this reviewer's verdicts."""
    by_key = {(r.candidate_id, r.item_id): r for r in results}
    mine = {(r.item_id, r.candidate_id): r for r in reviews if r.reviewer == reviewer}
    ids = [spec.candidate_id for spec in run.candidates]
    page = []
    for item in items:
        answers = []
        for label, cid in blind_labels(run.run_id, item.item_id, reviewer, ids).items():
            found = by_key.get((cid, item.item_id))
            review = mine.get((item.item_id, cid))
            answers.append({"label": label, "output": None if found is None else found.output,
                            "review": None if review is None else {
                                "verdict": review.verdict, "score": review.score, "flagged": review.flagged,
                                "note": review.note}})
        page.append({"item_id": item.item_id, "inputs": item.inputs, "reference": item.expected(),
                     "answers": answers})
    return page


def agreement(run: EvalRun, reviews: Sequence[Review]) -> dict[str, Any]:
    """How often reviewers agree: pairwise agreement on pass/fail over answers two or more reviewers judged,
    Cohen's kappa when exactly two reviewers did, and per candidate the pass rate and flags (names shown here)."""
    verdicts: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for review in reviews:
        if review.verdict is not None:
            verdicts[(review.item_id, review.candidate_id)][review.reviewer] = review.verdict
    pairs = agreed = 0
    for judged in verdicts.values():
        for a, b in combinations(sorted(judged), 2):
            pairs += 1
            agreed += judged[a] == judged[b]
    reviewers = sorted({r.reviewer for r in reviews})
    per_candidate: dict[str, Any] = {}
    for spec in run.candidates:
        mine = [r for r in reviews if r.candidate_id == spec.candidate_id]
        judged = [r for r in mine if r.verdict is not None]
        scored = [r.score for r in mine if r.score is not None]
        passed = sum(r.verdict == "pass" for r in judged)
        per_candidate[spec.candidate_id] = {
            "reviews": len(mine), "pass_rate": passed / len(judged) if judged else None,
            "mean_score": sum(scored) / len(scored) if scored else None, "flagged": sum(r.flagged for r in mine)}
    return {"reviewers": reviewers, "pairs": pairs, "agreement": agreed / pairs if pairs else None,
            "kappa": _kappa(verdicts, reviewers) if len(reviewers) == 2 else None, "candidates": per_candidate}


def _kappa(verdicts: dict[tuple[str, str], dict[str, str]], reviewers: list[str]) -> float | None:
    first, second = reviewers
    both = [(v[first], v[second]) for v in verdicts.values() if first in v and second in v]
    if not both:
        return None
    observed = sum(a == b for a, b in both) / len(both)
    p1 = sum(a == "pass" for a, _ in both) / len(both)
    p2 = sum(b == "pass" for _, b in both) / len(both)
    expected = p1 * p2 + (1 - p1) * (1 - p2)
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)
