"""Exact match, and accuracy / precision / recall / F1 over labels (scikit-learn).

A prediction is read as a label by :func:`read_label`: with ``labels`` given, an output such as
"客户的意图是：一般咨询" reads as 一般咨询 (the one allowed label it contains; the longer of two nested ones,
so 投诉撤销 beats 投诉); an output naming two labels, or none, reads as no label. No label counts as a miss of
the true class and is not a prediction of any class: it lowers recall, not the precision of another class.
Without ``labels`` the allowed labels are the references' own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict
from sklearn.metrics import precision_recall_fscore_support

from evaluation.metrics.base import Metric
from evaluation.metrics.text import normalize

NO_LABEL = "\x00no-label"


class MatchParams(BaseModel):
    """Normalisation applied to both sides before comparing."""

    model_config = ConfigDict(extra="forbid")

    nfkc: bool = True  # full-width → half-width
    lower: bool = False
    punctuation: bool = False  # drop punctuation and symbols
    whitespace: bool = True  # strip ends, collapse inner runs


class ExactMatch(Metric[MatchParams]):
    name = "exact-match"
    description = "1 when the output equals the reference after normalisation"
    params_model = MatchParams

    def item(self, pred: str, ref: str, params: MatchParams) -> float:
        options = params.model_dump()
        return float(normalize(pred, **options) == normalize(ref, **options))


class LabelParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    labels: list[str] | None = None  # the allowed labels; None: those the references use
    average: Literal["macro", "micro"] = "macro"


def _clean(text: str) -> str:
    return normalize(text, punctuation=True, whitespace=True)


def read_label(pred: str, labels: Sequence[str]) -> str:
    """The one allowed label ``pred`` is, or contains; :data:`NO_LABEL` when none or several."""
    text = _clean(pred)
    cleaned = {_clean(label): label for label in labels}
    if text in cleaned:
        return cleaned[text]
    found = [key for key in cleaned if key and key in text]
    found = [key for key in found if not any(key != other and key in other for other in found)]
    return cleaned[found[0]] if len(found) == 1 else NO_LABEL


class _LabelMetric(Metric[LabelParams]):
    params_model = LabelParams
    kind: Literal["accuracy", "precision", "recall", "f1"] = "accuracy"

    def _labels(self, refs: Sequence[str], params: LabelParams) -> list[str]:
        return list(params.labels) if params.labels else sorted({ref.strip() for ref in refs if _clean(ref)})

    def item(self, pred: str, ref: str, params: LabelParams) -> float:
        """1 when the output reads as the reference label (the per-item value of every label metric)."""
        labels = self._labels([ref], params)
        return float(read_label(pred, labels) == read_label(ref, labels) != NO_LABEL)

    def per_item(self, preds: Sequence[str], refs: Sequence[str | None], **params: Any) -> list[float]:
        # the allowed labels are those of the whole set, as in the corpus score
        parsed = self.params(params)
        gold = [self._reference(ref) for ref in refs]
        labels = self._labels(gold, parsed)
        truth = [read_label(ref, labels) for ref in gold]
        return [float(read_label(pred, labels) == t != NO_LABEL) for pred, t in zip(preds, truth, strict=True)]

    def aggregate(self, preds: list[str], refs: list[str], params: LabelParams) -> float:
        return self.resampler(preds, refs, **params.model_dump())(np.arange(len(preds)))

    def resampler(self, preds: Sequence[str], refs: Sequence[str | None],
                  **params: Any) -> Callable[[np.ndarray], float]:
        parsed = self.params(params)
        gold = [self._reference(ref) for ref in refs]
        labels = self._labels(gold, parsed)
        truth = np.array([read_label(ref, labels) for ref in gold], dtype=object)
        guess = np.array([read_label(pred, labels) for pred in preds], dtype=object)

        def score(idx: np.ndarray) -> float:
            t, g = truth[idx], guess[idx]
            if self.kind == "accuracy":
                return float(np.mean((t == g) & (t != NO_LABEL)))
            seen = set(t) | set(g)
            present = [label for label in labels if label in seen]
            precision, recall, f1, _ = precision_recall_fscore_support(
                list(t), list(g), labels=present, average=parsed.average, zero_division=0)
            return float({"precision": precision, "recall": recall, "f1": f1}[self.kind])

        return score


class Accuracy(_LabelMetric):
    name = "accuracy"
    description = "share of outputs that read as the reference label"
    kind = "accuracy"


class Precision(_LabelMetric):
    name = "precision"
    description = "label precision, macro (default) or micro averaged (scikit-learn)"
    kind = "precision"


class Recall(_LabelMetric):
    name = "recall"
    description = "label recall, macro (default) or micro averaged (scikit-learn)"
    kind = "recall"


class F1(_LabelMetric):
    name = "f1"
    description = "label F1, macro (default) or micro averaged (scikit-learn)"
    kind = "f1"
