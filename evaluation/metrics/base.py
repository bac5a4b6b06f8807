"""The metric interface: a per-item ``score`` and a corpus-level ``corpus``, with typed parameters.

Each metric reports on the scale of the library that computes it, so its numbers can be checked against that
library: BLEU 0–100 (sacrebleu), every other metric 0–1.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Generic, TypeVar

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError

from evaluation.errors import MetricError


class NoParams(BaseModel):
    """A metric without parameters."""

    model_config = ConfigDict(extra="forbid")


P = TypeVar("P", bound=BaseModel)


class Metric(ABC, Generic[P]):
    """One automatic metric. Subclasses set the class attributes and implement :meth:`item`."""

    name: ClassVar[str]
    description: ClassVar[str]
    params_model: ClassVar[type[BaseModel]] = NoParams
    needs_reference: ClassVar[bool] = True
    scale: ClassVar[float] = 1.0  # the best score: 1.0, or 100.0 for BLEU

    def params(self, raw: Mapping[str, Any]) -> P:
        """The parameters, validated; a :class:`MetricError` names the bad one."""
        try:
            return self.params_model.model_validate(dict(raw))  # type: ignore[return-value]
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'params'}: "
                                 f"{e['msg'].removeprefix('Value error, ')}" for e in exc.errors())
            raise MetricError(f"metric {self.name!r}: {problems}") from None

    def score(self, pred: str, ref: str | None, **params: Any) -> float:
        """The item's score."""
        return self.item(pred, self._reference(ref), self.params(params))

    def corpus(self, preds: Sequence[str], refs: Sequence[str | None], **params: Any) -> float:
        """The score of the whole set (the mean of item scores unless the metric says otherwise)."""
        if len(preds) != len(refs):
            raise MetricError(f"metric {self.name!r}: {len(preds)} predictions but {len(refs)} references")
        if not preds:
            raise MetricError(f"metric {self.name!r}: nothing to score")
        parsed = self.params(params)
        return self.aggregate(list(preds), [self._reference(ref) for ref in refs], parsed)

    def per_item(self, preds: Sequence[str], refs: Sequence[str | None], **params: Any) -> list[float]:
        parsed = self.params(params)
        return [self.item(pred, self._reference(ref), parsed) for pred, ref in zip(preds, refs, strict=True)]

    def resampler(self, preds: Sequence[str], refs: Sequence[str | None],
                  **params: Any) -> Callable[[np.ndarray], float]:
        """The corpus score as a function of item indexes (with repeats), the per-item work done once: what a
        bootstrap calls a thousand times. The default suits metrics whose corpus score is the item mean."""
        values = np.array(self.per_item(preds, refs, **params), dtype=float)
        return lambda idx: float(values[idx].mean())

    @abstractmethod
    def item(self, pred: str, ref: str, params: P) -> float: ...

    def aggregate(self, preds: list[str], refs: list[str], params: P) -> float:
        scores = [self.item(pred, ref, params) for pred, ref in zip(preds, refs, strict=True)]
        return sum(scores) / len(scores)

    def _reference(self, ref: str | None) -> str:
        if ref is None:
            if self.needs_reference:
                raise MetricError(f"metric {self.name!r} needs a reference answer; the item has none")
            return ""
        return ref
