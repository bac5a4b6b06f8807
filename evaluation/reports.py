"""What a run's results say: aggregates per candidate and metric with bootstrap confidence intervals, per-tag
breakdowns, base-vs-tuned (domain gain against general-set drop, 000 ch. 3) and version-vs-version diffs.

An aggregate is the metric's own corpus score (corpus BLEU, set-level F1, the mean of per-item scores for the
rest; the mean of judge scores; the pairwise score counts a tie as half a win). Its 95% interval is a percentile
bootstrap over items (scipy.stats.bootstrap, 1,000 resamples, seeded, so a report reads the same every time).
A sample whose candidate failed scores as an empty answer for automatic metrics — a candidate that errors is not
let off — and is left out of judge aggregates (``n`` says how many were judged).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np
from scipy.stats import bootstrap

from evaluation.metrics import JUDGE_METRICS, metric
from evaluation.runner import answer_text
from evaluation.schemas import EvalItem, EvalRun, SampleResult

RESAMPLES = 1000
CONFIDENCE = 0.95
SEED = 0


@dataclass(frozen=True)
class ResultTable:
    """A run with its set's items and its results: everything a report is computed from."""

    run: EvalRun
    items: Sequence[EvalItem]
    results: Sequence[SampleResult]

    def result(self, candidate_id: str, item_id: str) -> SampleResult | None:
        return self._index.get((candidate_id, item_id))

    @cached_property
    def _index(self) -> dict[tuple[str, str], SampleResult]:
        return {(r.candidate_id, r.item_id): r for r in self.results}

    def for_tag(self, tag: str) -> ResultTable:
        """The same run restricted to the items with ``tag``."""
        items = [item for item in self.items if tag in item.tags]
        ids = {item.item_id for item in items}
        return ResultTable(self.run, items, [r for r in self.results if r.item_id in ids])

    def tags(self) -> list[str]:
        return sorted({tag for item in self.items for tag in item.tags})

    def metric_keys(self) -> list[str]:
        keys = [spec.key for spec in self.run.metrics]
        if self.run.judge:
            keys.append("judge" if self.run.judge.mode == "score" else "pairwise")
        return keys


@dataclass(frozen=True)
class Aggregate:
    """One candidate's score on one metric over a set (or a tag of it)."""

    candidate_id: str
    metric: str
    value: float | None  # None when nothing could be scored
    ci_low: float | None
    ci_high: float | None
    n: int  # items scored


def _interval(statistic: Callable[[np.ndarray], float], n: int, resamples: int, seed: int) -> tuple[float, float]:
    if n < 2:
        value = statistic(np.arange(n))
        return value, value
    result = bootstrap((np.arange(n),), lambda idx: statistic(idx.astype(int)), vectorized=False,
                       n_resamples=resamples, confidence_level=CONFIDENCE, method="percentile",
                       rng=np.random.default_rng(seed))
    low, high = result.confidence_interval
    return float(low), float(high)


def aggregate(table: ResultTable, candidate_id: str, key: str, resamples: int = RESAMPLES,
              seed: int = SEED) -> Aggregate:
    """The candidate's score on ``key`` (a metric key of the run, or ``judge`` / ``pairwise``) with its interval."""
    if key in JUDGE_METRICS:
        values = np.array([r.scores[key] for item in table.items
                           if (r := table.result(candidate_id, item.item_id)) and key in r.scores])
        if not len(values):
            return Aggregate(candidate_id, key, None, None, None, 0)
        low, high = _interval(lambda idx: float(values[idx].mean()), len(values), resamples, seed)
        return Aggregate(candidate_id, key, float(values.mean()), low, high, len(values))
    spec = next(s for s in table.run.metrics if s.key == key)
    scorer = metric(spec.name)
    preds: list[str] = []
    refs: list[str | None] = []
    for item in table.items:
        if scorer.needs_reference and item.expected() is None:
            continue
        result = table.result(candidate_id, item.item_id)
        if result is None:
            continue  # not generated yet
        preds.append(answer_text(result.output) if result.output is not None else "")
        refs.append(item.expected())
    if not preds:
        return Aggregate(candidate_id, key, None, None, None, 0)

    corpus = scorer.resampler(preds, refs, **spec.params)
    low, high = _interval(corpus, len(preds), resamples, seed)
    return Aggregate(candidate_id, key, corpus(np.arange(len(preds))), low, high, len(preds))


def aggregates(table: ResultTable, resamples: int = RESAMPLES, seed: int = SEED) -> list[Aggregate]:
    """Every candidate × every metric of the run, in the run's order."""
    return [aggregate(table, spec.candidate_id, key, resamples, seed)
            for spec in table.run.candidates for key in table.metric_keys()]


def by_tag(table: ResultTable, resamples: int = RESAMPLES, seed: int = SEED) -> dict[str, list[Aggregate]]:
    """The aggregates of each tag's items."""
    return {tag: aggregates(table.for_tag(tag), resamples, seed) for tag in table.tags()}


Verdict = Literal["ok", "no_gain", "forgetting"]
_ADVICE: dict[Verdict, str] = {
    "ok": "领域能力提升且通用能力只有小幅下降：可以在真实场景试用，或基于该 checkpoint 继续领域微调。",
    "no_gain": "领域能力没有明显提升：检查领域数据中的低质量样本，保证质量后再提高领域数据比例或上采样；"
               "若与训练集同源的评测集得分不高，可适当增加训练轮数。",
    "forgetting": "通用能力下降较为严重：增加通用指令数据的比例（如行业:通用约 1:3），同时提高数据集质量。",
}


@dataclass(frozen=True)
class BaseVsTuned:
    """The tuned model's gain on the domain set against its drop on the general set (000 ch. 3)."""

    metric: str
    domain_base: Aggregate
    domain_tuned: Aggregate
    general_base: Aggregate
    general_tuned: Aggregate
    gain: float  # domain: tuned − base
    drop: float  # general: base − tuned (positive means forgetting)
    verdict: Verdict
    advice: str


def base_vs_tuned(domain: ResultTable, general: ResultTable, base: str, tuned: str, key: str,
                  min_gain: float = 0.0, max_drop: float = 0.05, resamples: int = RESAMPLES,
                  seed: int = SEED) -> BaseVsTuned:
    """``max_drop`` is the general-set drop still called small, relative to the base's general score;
    ``min_gain`` the domain gain needed to call it a gain (absolute, on the metric's scale)."""
    scores = [aggregate(table, cid, key, resamples, seed)
              for table in (domain, general) for cid in (base, tuned)]
    missing = [f"{a.candidate_id} on the {'domain' if i < 2 else 'general'} set" for i, a in enumerate(scores)
               if a.value is None]
    if missing:
        raise ValueError(f"no {key} scores for {', '.join(missing)}")
    d_base, d_tuned, g_base, g_tuned = (a.value or 0.0 for a in scores)
    gain, drop = d_tuned - d_base, g_base - g_tuned
    verdict: Verdict = "ok"
    if drop > max_drop * abs(g_base):
        verdict = "forgetting"
    elif gain <= min_gain:
        verdict = "no_gain"
    return BaseVsTuned(key, scores[0], scores[1], scores[2], scores[3], gain=gain, drop=drop, verdict=verdict,
                       advice=_ADVICE[verdict])


@dataclass
class SampleDiff:
    """Which items got better, worse or stayed the same from one candidate (version) to another."""

    metric: str
    before: str
    after: str
    better: list[str] = field(default_factory=list)
    worse: list[str] = field(default_factory=list)
    same: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # not scored for one side (failed, or no reference)
    values: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)


def diff(table: ResultTable, before: str, after: str, key: str, tolerance: float = 0.0) -> SampleDiff:
    """Per item, the score of ``key`` before and after; a change within ``tolerance`` counts as the same."""
    result = SampleDiff(key, before, after)
    for item in table.items:
        old, new = table.result(before, item.item_id), table.result(after, item.item_id)
        old_value = old.scores.get(key) if old else None
        new_value = new.scores.get(key) if new else None
        result.values[item.item_id] = (old_value, new_value)
        if old_value is None or new_value is None:
            result.missing.append(item.item_id)
        elif new_value - old_value > tolerance:
            result.better.append(item.item_id)
        elif old_value - new_value > tolerance:
            result.worse.append(item.item_id)
        else:
            result.same.append(item.item_id)
    return result
