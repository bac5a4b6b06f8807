"""Reports on known results: aggregates and bootstrap intervals, per-tag breakdowns, base vs tuned, version diffs,
exports, and reviewer agreement (Cohen's kappa worked by hand, Fleiss' kappa on Fleiss's own 1971 example)."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
import sacrebleu
from scipy.stats import bootstrap

from evaluation.export import sample_rows, write_csv, write_jsonl
from evaluation.reports import ResultTable, aggregate, aggregates, base_vs_tuned, by_tag, diff
from evaluation.reviews import agreement, blind_labels, fleiss_kappa, summarize
from evaluation.schemas import EvalItem, EvalRun, MetricSpec, ModelCandidate, Review, SampleResult

REFS = ["李白", "杜甫", "北京", "长江", "王维", "上海", "黄河", "苏轼"]
TAGS = ["领域", "领域", "通用", "通用", "领域", "通用", "通用", "领域"]
BASE = ["李白", "李商隐", "北京", "长江", "王勃", "上海", "黄河", "苏辙"]  # domain 1/4, general 4/4
TUNED = ["李白", "杜甫", "南京", "长江", "王维", "上海", "淮河", "苏轼"]  # domain 4/4, general 2/4
ITEMS = [EvalItem(item_id=f"q{i}", inputs={"query": f"问题{i}"}, reference=ref, tags=[tag])
         for i, (ref, tag) in enumerate(zip(REFS, TAGS, strict=True))]
RUN = EvalRun(run_id="r", set_id="s", candidates=[ModelCandidate(candidate_id="base", model="qwen"),
                                                  ModelCandidate(candidate_id="tuned", model="qwen-lora")],
              metrics=[MetricSpec(name="exact-match"), MetricSpec(name="bleu")])


def table(base: list[str | None] = BASE, tuned: list[str | None] = TUNED) -> ResultTable:  # noqa: B006
    results = []
    for cid, outputs in (("base", base), ("tuned", tuned)):
        for item, output in zip(ITEMS, outputs, strict=True):
            scores = {} if output is None else {"exact-match": float(output == item.reference)}
            results.append(SampleResult(run_id="r", candidate_id=cid, item_id=item.item_id, output=output,
                                        error=None if output is not None else "timeout", scores=scores))
    return ResultTable(RUN, ITEMS, results)


def test_aggregates_with_bootstrap_intervals() -> None:
    found = {(a.candidate_id, a.metric): a for a in aggregates(table())}
    base = found[("base", "exact-match")]
    assert (base.value, base.n) == (5 / 8, 8)
    hits = np.array([float(b == r) for b, r in zip(BASE, REFS, strict=True)])
    expected = bootstrap((np.arange(8),), lambda idx: float(hits[idx.astype(int)].mean()), vectorized=False,
                         n_resamples=1000, method="percentile", rng=np.random.default_rng(0)).confidence_interval
    assert (base.ci_low, base.ci_high) == pytest.approx((expected.low, expected.high))
    assert base.ci_low is not None and base.ci_high is not None and base.ci_low < 5 / 8 < base.ci_high
    assert aggregates(table()) == aggregates(table())  # seeded: the same report every time
    bleu = found[("tuned", "bleu")]
    assert bleu.value == pytest.approx(sacrebleu.corpus_bleu(TUNED, [REFS], tokenize="zh").score)


def test_interval_of_a_known_bernoulli_set() -> None:
    hits = ["a"] * 7 + ["b"] * 3
    items = [EvalItem(item_id=str(i), inputs={"query": "q"}, reference="a") for i in range(10)]
    run = RUN.model_copy(update={"metrics": [MetricSpec(name="exact-match")]})
    results = [SampleResult(run_id="r", candidate_id="base", item_id=str(i), output=out)
               for i, out in enumerate(hits)]
    found = aggregate(ResultTable(run, items, results), "base", "exact-match")
    assert (found.value, found.ci_low, found.ci_high) == pytest.approx((0.7, 0.4, 1.0))
    perfect = aggregate(ResultTable(run, items, [r.model_copy(update={"output": "a"}) for r in results]),
                        "base", "exact-match")
    assert (perfect.value, perfect.ci_low, perfect.ci_high) == (1.0, 1.0, 1.0)


def test_failed_samples_score_as_empty_answers() -> None:
    failing = list(TUNED[:7]) + [None]
    found = aggregate(table(tuned=failing), "tuned", "exact-match")  # type: ignore[arg-type]
    assert (found.value, found.n) == (5 / 8, 8)


def test_per_tag_breakdown() -> None:
    tags = by_tag(table(), resamples=200)
    values = {(tag, a.candidate_id, a.metric): a.value for tag, rows in tags.items() for a in rows}
    assert values[("领域", "base", "exact-match")] == 0.25 and values[("领域", "tuned", "exact-match")] == 1.0
    assert values[("通用", "base", "exact-match")] == 1.0 and values[("通用", "tuned", "exact-match")] == 0.5


def test_base_vs_tuned_domain_gain_against_general_drop() -> None:
    whole = table()
    report = base_vs_tuned(whole.for_tag("领域"), whole.for_tag("通用"), "base", "tuned", "exact-match",
                           resamples=200)
    assert (report.gain, report.drop) == (0.75, 0.5)
    assert report.verdict == "forgetting" and "通用指令数据的比例" in report.advice
    kept = list(TUNED)
    kept[2], kept[6] = "北京", "黄河"  # the tuned model keeps its general answers
    report = base_vs_tuned(table(tuned=kept).for_tag("领域"), table(tuned=kept).for_tag("通用"), "base", "tuned",
                           "exact-match", resamples=200)
    assert (report.gain, report.drop, report.verdict) == (0.75, 0.0, "ok")
    report = base_vs_tuned(table(tuned=BASE).for_tag("领域"), table(tuned=BASE).for_tag("通用"), "base", "tuned",
                           "exact-match", resamples=200)
    assert report.verdict == "no_gain" and "低质量" in report.advice


def test_version_diff_lists_better_worse_and_same_items() -> None:
    found = diff(table(), "base", "tuned", "exact-match")
    assert found.better == ["q1", "q4", "q7"] and found.worse == ["q2", "q6"]
    assert found.same == ["q0", "q3", "q5"] and found.missing == []
    assert found.values["q1"] == (0.0, 1.0)
    assert diff(table(tuned=list(TUNED[:7]) + [None]), "base", "tuned", "exact-match").missing == ["q7"]  # type: ignore[arg-type]


def test_exports() -> None:
    rows = sample_rows(table())
    assert rows[1]["input"] == "问题1" and rows[1]["reference"] == "杜甫"
    assert rows[1]["candidates"]["tuned"]["output"] == "杜甫" and rows[1]["candidates"]["base"]["scores"] == {
        "exact-match": 0.0}
    buffer = io.StringIO()
    assert write_jsonl(table(), buffer) == 8
    assert json.loads(buffer.getvalue().splitlines()[0])["candidates"]["base"]["output"] == "李白"
    buffer = io.StringIO()
    assert write_csv(table(), buffer) == 16
    lines = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    assert lines[2] == {**lines[2], "item_id": "q1", "candidate_id": "base", "output": "李商隐", "exact-match": "0",
                        "tags": "领域"}


def test_blind_labels_are_a_stable_per_item_shuffle() -> None:
    ids = ["base", "tuned", "v2"]
    first = blind_labels("r", "q1", ids)
    assert first == blind_labels("r", "q1", ids) and sorted(first.values()) == sorted(ids)
    assert list(first) == ["A", "B", "C"]
    orders = {tuple(blind_labels("r", f"q{i}", ids).values()) for i in range(20)}
    assert len(orders) > 1  # the order changes between items


def review(reviewer: str, item: str, verdict: str, candidate: str = "base") -> Review:
    return Review(run_id="r", item_id=item, reviewer=reviewer, blind_label="A", candidate_id=candidate,
                  verdict=verdict)  # type: ignore[arg-type]


def test_cohens_kappa_for_two_reviewers() -> None:
    # agree on 8 of 10; each passes half, so chance agreement is 0.5 and kappa = (0.8 - 0.5) / 0.5
    first = "PPPPPFFFFF"
    second = "PPPPFFFFFP"
    names = {"P": "pass", "F": "fail"}
    reviews = [review("张三", f"q{i}", names[v]) for i, v in enumerate(first)]
    reviews += [review("李四", f"q{i}", names[v]) for i, v in enumerate(second)]
    reviews.append(review("张三", "q99", "pass"))  # judged by one reviewer only: not a shared unit
    found = agreement(reviews)
    assert (found.method, found.units, found.reviewers) == ("cohen", 10, ["张三", "李四"])
    assert found.percent == pytest.approx(0.8) and found.kappa == pytest.approx(0.6)


# Fleiss (1971) as Wikipedia works it: 10 subjects, 14 raters, 5 categories; kappa 0.210
FLEISS = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
          [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]


def test_fleiss_kappa_on_the_textbook_example() -> None:
    units = [[str(category) for category, n in enumerate(row) for _ in range(n)] for row in FLEISS]
    assert fleiss_kappa(units) == pytest.approx(0.2099, abs=1e-4)


def test_three_reviewers_use_fleiss() -> None:
    reviews = [review(name, f"q{i}", verdict) for i, votes in enumerate(
        [("pass", "pass", "pass"), ("fail", "fail", "fail"), ("pass", "pass", "fail"), ("fail", "pass", "fail")])
        for name, verdict in zip(("a", "b", "c"), votes, strict=True)]
    found = agreement(reviews)
    assert found.method == "fleiss" and found.units == 4
    assert found.percent == pytest.approx((3 + 3 + 1 + 1) / 12)
    # P_i = 1, 1, 1/3, 1/3 → P̄ = 2/3; pass 6/12, fail 6/12 → P̄e = 1/2; kappa = (2/3 - 1/2) / (1/2)
    assert found.kappa == pytest.approx(1 / 3)


def test_review_summary() -> None:
    reviews = [review("a", "q1", "pass"), review("a", "q2", "fail"),
               Review(run_id="r", item_id="q3", reviewer="a", blind_label="B", candidate_id="base", score=4,
                      flagged=True, note="答案存疑")]
    (summary,) = summarize(reviews, ["base"])
    assert (summary.reviews, summary.pass_rate, summary.mean_score, summary.flagged) == (3, 0.5, 4.0, 1)
