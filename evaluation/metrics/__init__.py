"""The automatic metrics, by name. LLM judges are not here: they are the run's judge (evaluation.judges).

=============  ==========================================================  ==========
name           what                                                        corpus
=============  ==========================================================  ==========
bleu           BLEU-4, sacrebleu, tokenizer ``zh`` by default (0–100)      corpus BLEU
rouge-1/2/l    ROUGE F, rouge-score, Chinese by character (or jieba)      mean
exact-match    equal after normalisation                                   mean
accuracy       output reads as the reference label                         mean
precision      label precision, macro or micro (scikit-learn)              set-level
recall         label recall, macro or micro (scikit-learn)                 set-level
f1             label F1, macro or micro (scikit-learn)                     set-level
regex          output matches a pattern                                    pass rate
json-schema    output is JSON, valid against a schema                      pass rate
length         output length within limits (characters or words)          pass rate
=============  ==========================================================  ==========
"""

from __future__ import annotations

from typing import Any

from evaluation.errors import MetricError
from evaluation.metrics.base import Metric
from evaluation.metrics.formats import JsonSchemaValid, LengthLimit, RegexMatch
from evaluation.metrics.labels import F1, Accuracy, ExactMatch, Precision, Recall
from evaluation.metrics.overlap import Bleu, Rouge1, Rouge2, RougeL

METRICS: dict[str, type[Metric[Any]]] = {
    cls.name: cls
    for cls in (Bleu, Rouge1, Rouge2, RougeL, ExactMatch, Accuracy, Precision, Recall, F1, RegexMatch,
                JsonSchemaValid, LengthLimit)
}
JUDGE_METRICS = ("judge", "pairwise")  # filled by the run's LLM judge, not computable from text alone


def metric(name: str) -> Metric[Any]:
    """The metric called ``name``; a :class:`MetricError` lists the known ones."""
    if name in JUDGE_METRICS:
        raise MetricError(f"{name!r} is an LLM judge, not an automatic metric; set it as the run's judge")
    try:
        return METRICS[name]()
    except KeyError:
        raise MetricError(f"unknown metric {name!r}; known: {', '.join(METRICS)}") from None


__all__ = ["JUDGE_METRICS", "METRICS", "Metric", "metric"]
