"""Each metric on fixed examples with known values: BLEU and ROUGE against sacrebleu and rouge-score called
directly, label metrics against values worked out by hand on the seeds' intent-classification case (000 ch. 3,
催收意图识别) and sentiment rows (000 ch. 3.2.7), format checks on the seeds' constraint-following examples
(000 ch. 1: 电商文案, 字数要求20个字左右; ch. 5: the question extractor's JSON)."""

from __future__ import annotations

import json

import pytest
import sacrebleu
from rouge_score import rouge_scorer

from evaluation.errors import MetricError
from evaluation.metrics import METRICS, metric
from evaluation.metrics.labels import NO_LABEL, read_label

PREDS = ["今天天气很好，适合出去散步。", "我爱北京天安门", "大模型微调需要高质量的数据"]
REFS = ["今天天气不错，适合出门散步。", "我爱北京天安门广场", "微调大模型需要高质量数据"]


class CharList:
    """The simplest Chinese tokenizer: every character (the texts here have no Latin words or punctuation)."""

    def tokenize(self, text: str) -> list[str]:
        return [char for char in text if char.strip()]


def test_bleu_is_sacrebleus_corpus_bleu_with_the_zh_tokenizer() -> None:
    expected = sacrebleu.corpus_bleu(PREDS, [REFS], tokenize="zh").score
    assert metric("bleu").corpus(PREDS, REFS) == pytest.approx(expected)
    sentences = metric("bleu").per_item(PREDS, REFS)
    assert sentences == pytest.approx(
        [sacrebleu.sentence_bleu(p, [r], tokenize="zh").score for p, r in zip(PREDS, REFS, strict=True)])
    # corpus BLEU pools n-gram counts; it is not the mean of sentence scores
    assert metric("bleu").corpus(PREDS, REFS) != pytest.approx(sum(sentences) / len(sentences))


def test_bleu_identical_text_is_100_and_tokenizer_matters() -> None:
    assert metric("bleu").corpus(REFS, REFS) == pytest.approx(100.0)
    # with 13a a Chinese sentence without spaces is one token: the same pair scores differently
    assert metric("bleu").corpus(PREDS, REFS, tokenize="13a") == pytest.approx(
        sacrebleu.corpus_bleu(PREDS, [REFS], tokenize="13a").score)


@pytest.mark.parametrize(("name", "rouge_type"), [("rouge-1", "rouge1"), ("rouge-2", "rouge2"), ("rouge-l", "rougeL")])
def test_rouge_matches_rouge_score_by_character(name: str, rouge_type: str) -> None:
    scorer = rouge_scorer.RougeScorer([rouge_type], tokenizer=CharList())
    pairs = [(p.replace("，", "").replace("。", ""), r.replace("，", "").replace("。", ""))
             for p, r in zip(PREDS, REFS, strict=True)]
    expected = [scorer.score(r, p)[rouge_type].fmeasure for p, r in pairs]
    assert metric(name).per_item([p for p, _ in pairs], [r for _, r in pairs]) == pytest.approx(expected)
    assert metric(name).corpus([p for p, _ in pairs], [r for _, r in pairs]) == pytest.approx(
        sum(expected) / len(expected))


def test_rouge_l_by_hand() -> None:
    # LCS of 今天天气很好 / 今天天气不错 is 今天天气: 4 of 6 characters on each side
    assert metric("rouge-l").score("今天天气很好", "今天天气不错") == pytest.approx(2 / 3)
    assert metric("rouge-l").score("今天天气很好", "今天天气不错", measure="recall") == pytest.approx(4 / 6)
    # Latin words count as one token each, lower-cased
    assert metric("rouge-1").score("LoRA 微调", "lora微调") == pytest.approx(1.0)


def test_rouge_jieba_segments_words() -> None:
    # jieba: 今天天气/很/好 vs 今天天气/不错 → 1 shared word, P=1/3, R=1/2, F=0.4 (by character it is 2/3)
    assert metric("rouge-1").score("今天天气很好", "今天天气不错", tokenizer="jieba") == pytest.approx(0.4)


# 000 ch. 3 调优案例: six intents; row 2 is the failure the seed describes (a complaint read as 投诉)
INTENTS = ["咨询", "投诉", "表扬", "建议", "催复", "投诉撤销"]
TRUTH = ["咨询", "咨询", "投诉", "投诉", "表扬", "建议", "催复", "投诉撤销", "咨询", "咨询"]
OUTPUT = ["咨询", "投诉", "投诉", "投诉。", "表扬", "咨询", "催复", "投诉撤销", "客户的意图是：咨询", "无法判断"]


@pytest.mark.parametrize(("name", "average", "expected"), [
    ("accuracy", "macro", 7 / 10),
    # per class (P, R): 咨询 (2/3, 2/4), 投诉 (2/3, 1), 表扬/催复/投诉撤销 (1, 1), 建议 (0, 0)
    ("precision", "macro", (2 / 3 + 2 / 3 + 1 + 0 + 1 + 1) / 6),
    ("recall", "macro", (2 / 4 + 1 + 1 + 0 + 1 + 1) / 6),
    ("f1", "macro", (4 / 7 + 4 / 5 + 1 + 0 + 1 + 1) / 6),
    # 7 right of 9 labelled answers ("无法判断" names no intent) and of 10 items
    ("precision", "micro", 7 / 9),
    ("recall", "micro", 7 / 10),
    ("f1", "micro", 14 / 19),
], ids=lambda v: str(v) if isinstance(v, str) else "")
def test_label_metrics_on_the_intent_rows(name: str, average: str, expected: float) -> None:
    assert metric(name).corpus(OUTPUT, TRUTH, labels=INTENTS, average=average) == pytest.approx(expected)


def test_label_reading() -> None:
    assert read_label("客户的意图是：一般咨询", ["投资咨询", "财务分析", "交易操作", "一般咨询"]) == "一般咨询"
    assert read_label("投诉撤销", INTENTS) == "投诉撤销"  # the longer of two nested labels
    assert read_label("不是投诉，是咨询", INTENTS) == NO_LABEL  # two labels: no answer
    assert metric("accuracy").per_item(OUTPUT, TRUTH, labels=INTENTS) == [1, 0, 1, 1, 1, 0, 1, 1, 1, 0]


def test_sentiment_rows_without_a_label_list() -> None:
    # 000 ch. 3.2.7: the answer must be 积极 or 消极; "这段内容xxx" is the seed's low-quality target
    preds, refs = ["积极", "消极", "积极", "这段内容xxx"], ["积极", "积极", "消极", "消极"]
    # 积极: P 1/2 R 1/2; 消极: P 0/1 R 0/2
    assert metric("f1").corpus(preds, refs) == pytest.approx((0.5 + 0) / 2)
    assert metric("accuracy").corpus(preds, refs) == pytest.approx(0.25)


@pytest.mark.parametrize(("pred", "ref", "params", "expected"), [
    ("北京", "北京", {}, 1.0),
    ("  北京 ", "北京", {}, 1.0),
    ("ＡＢＣ１２３", "ABC123", {}, 1.0),  # full-width folds to ASCII
    ("ＡＢＣ１２３", "ABC123", {"nfkc": False}, 0.0),
    ("Beijing", "beijing", {}, 0.0),
    ("Beijing", "beijing", {"lower": True}, 1.0),
    ("北京。", "北京", {}, 0.0),
    ("北京。", "北京", {"punctuation": True}, 1.0),
], ids=["same", "spaces", "full-width", "no-nfkc", "case", "lower", "punct", "no-punct"])
def test_exact_match(pred: str, ref: str, params: dict[str, bool], expected: float) -> None:
    assert metric("exact-match").score(pred, ref, **params) == expected


# 000 ch. 1 示例2: 电商文案, 字数要求20个字左右 (read here as 15–25 characters)
COPY = ["有序生活，一盒搞定！", "让时光停下脚步，生活因有序而精彩！", "把生活的偏爱和惊喜，统统装入我们的收纳盒。",
        "收纳盒，你的生活整理师。"]


def test_length_limits_in_chinese_characters() -> None:
    lengths = [10, 17, 21, 12]  # counted by hand, punctuation included
    per_item = metric("length").per_item(COPY, [None] * 4, min=15, max=25)
    assert per_item == [float(15 <= n <= 25) for n in lengths] == [0, 1, 1, 0]
    assert metric("length").corpus(COPY, [None] * 4, min=15, max=25) == 0.5
    assert metric("length").score("双11狂欢，爆款直降！Buy now", None, max=10, unit="words") == 1.0  # 10 words
    assert metric("length").score("双11狂欢，爆款直降！Buy now", None, max=16) == 0.0  # 17 characters


QUESTION_SCHEMA = {"type": "object", "properties": {"question": {"type": "string"}}, "required": ["question"]}


@pytest.mark.parametrize(("output", "expected"), [
    ('{"question": "《静夜思》的作者是谁？"}', 1.0),
    ('```json\n{"question": "《静夜思》的作者是谁？"}\n```', 1.0),
    ('{"question": 3}', 0.0),
    ('{"q": "x"}', 0.0),
    ("问题：《静夜思》的作者是谁？", 0.0),
], ids=["object", "fenced", "wrong-type", "missing", "not-json"])
def test_json_schema(output: str, expected: float) -> None:
    assert metric("json-schema").score(output, None, schema=QUESTION_SCHEMA) == expected
    assert metric("json-schema").score(output, None, schema=json.dumps(QUESTION_SCHEMA)) == expected


def test_regex() -> None:
    assert metric("regex").score("客户的意图是：一般咨询", None, pattern=r"意图是：\S+") == 1.0
    assert metric("regex").score("客户的意图是：一般咨询", None, pattern=r"一般咨询", mode="fullmatch") == 0.0
    assert metric("regex").score("OK", None, pattern="ok", ignore_case=True) == 1.0


@pytest.mark.parametrize(("call", "message"), [
    (lambda: metric("nope"), "unknown metric 'nope'; known: bleu"),
    (lambda: metric("judge"), "is an LLM judge"),
    (lambda: metric("regex").score("x", None, pattern="("), "pattern: not a regular expression"),
    (lambda: metric("length").score("x", None), "give min, max or both"),
    (lambda: metric("length").score("x", None, min=5, max=2), "min (5) is greater than max (2)"),
    (lambda: metric("bleu").score("x", None), "needs a reference answer"),
    (lambda: metric("bleu").score("x", "y", tokenizer="zh"), "tokenizer: Extra inputs"),
    (lambda: metric("json-schema").score("{}", None, schema={"type": 5}), "not a valid JSON Schema"),
    (lambda: metric("f1").corpus(["a"], ["a", "b"]), "1 predictions but 2 references"),
    (lambda: metric("f1").corpus([], []), "nothing to score"),
], ids=["unknown", "judge", "regex", "length-none", "length-order", "no-ref", "extra", "schema", "lengths", "empty"])
def test_metric_errors_name_the_problem(call: object, message: str) -> None:
    with pytest.raises(MetricError, match=None) as info:
        call()  # type: ignore[operator]
    assert message in str(info.value)


def test_every_metric_has_a_description_and_scores_its_own_reference() -> None:
    params = {"regex": {"pattern": "."}, "length": {"max": 100}, "json-schema": {}}
    for name, cls in METRICS.items():
        assert cls.description
        value = metric(name).score('{"a": 1}', '{"a": 1}', **params.get(name, {}))
        assert value == pytest.approx(cls.scale), name


def test_resampler_at_every_index_is_the_corpus_score() -> None:
    # the bootstrap's shortcut (per-item work once, then index) must agree with the plain corpus score
    import numpy as np

    cases = {"bleu": (PREDS, REFS, {}), "rouge-l": (PREDS, REFS, {}), "exact-match": (PREDS, REFS, {}),
             "f1": (OUTPUT, TRUTH, {"labels": INTENTS}), "precision": (OUTPUT, TRUTH, {"average": "micro"}),
             "accuracy": (OUTPUT, TRUTH, {}), "length": (COPY, [None] * 4, {"max": 20})}
    for name, (preds, refs, params) in cases.items():
        resample = metric(name).resampler(preds, refs, **params)
        assert resample(np.arange(len(preds))) == pytest.approx(metric(name).corpus(preds, refs, **params)), name
        twice = np.array([0, 0, 1, 2])
        assert resample(twice) == pytest.approx(metric(name).corpus(
            [preds[i] for i in twice], [refs[i] for i in twice], **params)), name
