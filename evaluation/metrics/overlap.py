"""N-gram overlap metrics: BLEU by sacrebleu, ROUGE by rouge-score.

BLEU uses sacrebleu's own tokenizers; ``zh`` (the default) splits Chinese into characters and treats other text
as sacrebleu's ``13a`` does. The corpus score is sacrebleu's corpus BLEU (n-gram counts summed over the set),
not the mean of sentence scores; the per-item score is sacrebleu's sentence BLEU with effective order.

ROUGE uses rouge-score with a tokenizer that handles Chinese: ``char`` (default) makes every CJK character a
token and every run of Latin letters/digits a lower-cased word; ``jieba`` segments with jieba instead. The
corpus score is the mean of the per-item scores (as rouge-score's aggregator reports it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import sacrebleu
from pydantic import BaseModel, ConfigDict
from rouge_score import rouge_scorer

from evaluation.metrics.base import Metric
from evaluation.metrics.text import char_tokens


class BleuParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tokenize: Literal["zh", "13a", "intl", "char", "none"] = "zh"
    lowercase: bool = False


class Bleu(Metric[BleuParams]):
    name = "bleu"
    description = "BLEU-4 (sacrebleu; 0–100; tokenizer zh by default)"
    params_model = BleuParams
    scale = 100.0

    def item(self, pred: str, ref: str, params: BleuParams) -> float:
        bleu = sacrebleu.BLEU(tokenize=params.tokenize, lowercase=params.lowercase, effective_order=True)
        return float(bleu.sentence_score(pred, [ref]).score)

    def aggregate(self, preds: list[str], refs: list[str], params: BleuParams) -> float:
        bleu = sacrebleu.BLEU(tokenize=params.tokenize, lowercase=params.lowercase)
        return float(bleu.corpus_score(preds, [refs]).score)

    def resampler(self, preds: Sequence[str], refs: Sequence[str | None],
                  **params: Any) -> Callable[[np.ndarray], float]:
        # n-gram statistics per sentence once, summed per resample: how sacrebleu's own paired bootstrap does it
        parsed = self.params(params)
        bleu = sacrebleu.BLEU(tokenize=parsed.tokenize, lowercase=parsed.lowercase)
        stats = np.array(bleu._extract_corpus_statistics(list(preds), [[self._reference(r) for r in refs]]))
        return lambda idx: float(bleu._compute_score_from_stats(stats[idx].sum(axis=0).tolist()).score)


class RougeParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tokenizer: Literal["char", "jieba"] = "char"
    measure: Literal["f", "precision", "recall"] = "f"


class _CharTokenizer:
    def tokenize(self, text: str) -> list[str]:
        return char_tokens(text)


class _JiebaTokenizer:
    def tokenize(self, text: str) -> list[str]:
        import jieba

        jieba.setLogLevel(60)  # its "Building prefix dict" lines are not ours to print
        return [token.lower() for token in jieba.lcut(text) if token.strip() and char_tokens(token)]


@lru_cache(maxsize=8)
def _scorer(rouge_type: str, tokenizer: str) -> rouge_scorer.RougeScorer:
    chosen = _JiebaTokenizer() if tokenizer == "jieba" else _CharTokenizer()
    return rouge_scorer.RougeScorer([rouge_type], tokenizer=chosen)


class _Rouge(Metric[RougeParams]):
    rouge_type = ""
    params_model = RougeParams

    def item(self, pred: str, ref: str, params: RougeParams) -> float:
        result = _scorer(self.rouge_type, params.tokenizer).score(ref, pred)[self.rouge_type]
        return float({"f": result.fmeasure, "precision": result.precision, "recall": result.recall}[params.measure])


class Rouge1(_Rouge):
    name = "rouge-1"
    rouge_type = "rouge1"
    description = "ROUGE-1 F (rouge-score; Chinese by character, or jieba words)"


class Rouge2(_Rouge):
    name = "rouge-2"
    rouge_type = "rouge2"
    description = "ROUGE-2 F (rouge-score; Chinese by character, or jieba words)"


class RougeL(_Rouge):
    name = "rouge-l"
    rouge_type = "rougeL"
    description = "ROUGE-L F, longest common subsequence (rouge-score; Chinese by character, or jieba words)"
