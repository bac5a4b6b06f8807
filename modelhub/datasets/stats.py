"""Statistics of a checked dataset and the seed documents' advice on it.

Lengths are counted by a pluggable *length function* (``str -> int``): the base model's tokenizer
(:func:`tokenizer_length` loads a ``transformers`` tokenizer from a local directory), or, when none is given,
:func:`count_characters`, which counts characters and says so (``unit == "characters"``): one token is 1-1.7 Chinese
characters or 0.75-0.88 English words (Pangu FAQ 1.2), so for Chinese a character count is a rough upper bound.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from modelhub.datasets.duplicates import NEAR_THRESHOLD, exact_duplicate_groups, near_duplicate_groups
from modelhub.datasets.formats import THINK_OPEN, Format, Sample

LengthFunction = Callable[[str], int]

# Upper edges of the length histogram; the context sizes the seeds' models come in (4k, 8k, 32k, 128k) are edges.
HISTOGRAM_EDGES = (128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072)
CONTEXT_SIZES = (4096, 8192, 32768, 131072)
# Volcengine/Baidu practice (seed 003): 100 rows -> 15 epochs, 1,000 -> 10, 10,000 -> 2.
EPOCH_GUIDE = ((100, 15), (1000, 10), (10000, 2))
MIN_TRIAL_ROWS = 50       # seed 004: start with a small set of 50-100 rows
MIN_SFT_ROWS = 1000       # seed 002: SFT from 1,000 rows; seed 003: about 1,000 for models under 20B
MIN_PRETRAIN_TOKENS = 10**9  # seed 002: post-pretrain from 1 billion tokens


def count_characters(text: str) -> int:
    """The fallback length: characters, not tokens."""
    return len(text)


CHARACTER_ESTIMATE = ("characters, not tokens: no tokenizer was given. One token is about 1-1.7 Chinese characters "
                      "or 0.75-0.88 English words (Pangu FAQ 1.2), so for Chinese text this over-counts")


def tokenizer_length(path: str | Path) -> LengthFunction:
    """A length function counting the tokens of the tokenizer saved in a local directory (no download).

    Loaded once per resolved folder and kept (:func:`_load_tokenizer`); loading is slow, so a server calls this in
    a worker thread."""
    return _load_tokenizer(str(Path(path).expanduser().resolve()))


@lru_cache(maxsize=8)
def _load_tokenizer(folder: str) -> LengthFunction:
    from transformers import AutoTokenizer  # heavy import: only when a tokenizer is asked for

    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)

    def count(text: str) -> int:
        return len(tokenizer.encode(text, add_special_tokens=False))

    return count


def context_length_for(length: int, smallest: int = 128) -> int:
    """The power of two at or above ``length`` (at least ``smallest``): the sequence length that holds it."""
    return max(smallest, 1 << max(0, length - 1).bit_length())


@dataclass(frozen=True)
class Advice:
    code: str      # stable identifier for the UI: "context_length", "too_few_rows", "epochs", "duplicates", ...
    message: str
    source: str    # the seed document and section the advice comes from


@dataclass
class DatasetStats:
    format: str | None
    rows: int
    unit: str                                   # "tokens" or "characters"
    measure: str = ""                           # what was counted: the tokenizer, or the character estimate
    turns: int = 0                              # assistant answers over all dialogue rows
    turns_per_row: list[dict[str, int]] = field(default_factory=list)  # [{"turns": 2, "rows": 10}, ...]
    with_system: int = 0
    with_thinking: int = 0
    length_min: int = 0
    length_mean: float = 0.0
    length_p50: int = 0
    length_p95: int = 0
    length_p99: int = 0
    length_max: int = 0
    context_length: int = 0                     # the p99 length rounded up to a power of two
    total_length: int = 0
    histogram: list[dict[str, int | None]] = field(default_factory=list)  # [{"upto": edge or None, "rows": n}]
    exact_duplicates: list[list[int]] = field(default_factory=list)     # groups of line numbers
    near_duplicates: list[list[int]] = field(default_factory=list)
    advice: list[Advice] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def percentile(sorted_values: Sequence[int], fraction: float) -> int:
    """The nearest-rank percentile of an ascending list (0 for an empty one)."""
    if not sorted_values:
        return 0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def histogram(lengths: Sequence[int], edges: Sequence[int] = HISTOGRAM_EDGES) -> list[dict[str, int | None]]:
    """Rows per bucket ``(previous edge, edge]``; the last bucket (``upto: None``) holds what is above every edge."""
    counts = [0] * (len(edges) + 1)
    for length in lengths:
        counts[next((index for index, edge in enumerate(edges) if length <= edge), len(edges))] += 1
    return [{"upto": edge, "rows": count} for edge, count in zip([*edges, None], counts, strict=True)]


def suggested_epochs(rows: int) -> int:
    """Epochs for a row count, interpolated (log scale) through seed 003's 100→15, 1,000→10, 10,000→2."""
    if rows <= EPOCH_GUIDE[0][0]:
        return EPOCH_GUIDE[0][1]
    for (low_rows, low_epochs), (high_rows, high_epochs) in zip(EPOCH_GUIDE, EPOCH_GUIDE[1:], strict=False):
        if rows <= high_rows:
            position = math.log(rows / low_rows) / math.log(high_rows / low_rows)
            return round(low_epochs + (high_epochs - low_epochs) * position)
    return EPOCH_GUIDE[-1][1]


def compute_stats(samples: Sequence[Sample], fmt: Format | None, length: LengthFunction | None = None,
                  unit: str | None = None, epochs: int | None = None,
                  near_threshold: float = NEAR_THRESHOLD, measure: str | None = None) -> DatasetStats:
    """Statistics and advice; ``epochs`` (the planned number) adds the "too few rows for this many epochs" check.

    ``measure`` says what ``length`` counts (e.g. "tokens of Qwen2-0.5B's tokenizer"); without a length function
    the statistics count characters and say so."""
    count = length or count_characters
    stats = DatasetStats(format=str(fmt) if fmt else None, rows=len(samples),
                         unit=unit or ("tokens" if length else "characters"),
                         measure=(measure or "tokens of the given tokenizer") if length else CHARACTER_ESTIMATE)
    lengths = sorted(sum(count(part) for part in sample.contents()) for sample in samples)
    turns = Counter(sum(1 for turn in sample.turns if turn.role == "assistant")
                    for sample in samples if sample.is_dialogue)
    stats.turns = sum(count * rows for count, rows in turns.items())
    stats.turns_per_row = [{"turns": count, "rows": rows} for count, rows in sorted(turns.items())]
    stats.with_system = sum(1 for sample in samples if sample.system)
    stats.with_thinking = sum(1 for sample in samples if any(THINK_OPEN in turn.content for turn in sample.turns))
    if lengths:
        stats.length_min, stats.length_max = lengths[0], lengths[-1]
        stats.total_length = sum(lengths)
        stats.length_mean = round(stats.total_length / len(lengths), 1)
        stats.length_p50, stats.length_p95 = percentile(lengths, 0.5), percentile(lengths, 0.95)
        stats.length_p99 = percentile(lengths, 0.99)
        stats.context_length = context_length_for(stats.length_p99)
    stats.histogram = histogram(lengths)
    stats.exact_duplicates = [[samples[index].line for index in group] for group in exact_duplicate_groups(samples)]
    stats.near_duplicates = [[samples[index].line for index in group]
                             for group in near_duplicate_groups(samples, near_threshold)]
    stats.advice = advise(stats, lengths, epochs)
    return stats


def advise(stats: DatasetStats, lengths: Sequence[int], epochs: int | None = None) -> list[Advice]:
    """The seeds' advice for these statistics (``lengths`` ascending, in ``stats.unit``)."""
    advice: list[Advice] = []
    if not stats.rows:
        return advice
    unit = stats.unit
    rough = " (counted in characters; give the base model's tokenizer for token counts)" if unit == "characters" else ""
    fits = next((size for size in CONTEXT_SIZES if size >= stats.length_p95), None)
    longer = sum(1 for length in lengths if length > stats.length_p95)
    over_4k = sum(1 for length in lengths if length > 4096)
    holds = f"a context of {fits // 1024}k holds 95% of rows. " if fits else "not even 128k holds 95% of rows. "
    message = (f"95% of rows are at most {stats.length_p95} {unit} long and the longest is {stats.length_max}{rough}; "
               + holds
               + f"The data needs a sequence length of {stats.context_length} (the 99th percentile, "
               + f"{stats.length_p99}, rounded up to a power of two); set the maximum sequence length to at least "
               + f"{stats.length_max}"
               + (f" or the {longer} longest rows are cut or dropped." if longer else "."))
    advice.append(Advice("context_length", message,
                         "003 Baidu Qianfan practice: 如果数据集长度(95%以上)在4k以内:考虑使用4k模型; "
                         "002 Qianfan slides: 序列长度 建议根据最长训练语料的长度设置"))
    if over_4k * 5 >= stats.rows and over_4k:
        advice.append(Advice("long_rows", f"{over_4k} of {stats.rows} rows ({over_4k * 100 // stats.rows}%) are "
                             f"longer than 4096 {unit}: use a model version with an 8k or longer context{rough}.",
                             "003 Baidu Qianfan practice: 如果超过4k的数据较多(20%以上)或需长文本处理:使用8k版本模型"))
    if stats.format == Format.TEXT:
        if stats.total_length < MIN_PRETRAIN_TOKENS:
            advice.append(Advice("too_few_rows", f"{stats.total_length} {unit} of pre-training text; continued "
                                 "pre-training wants about a billion tokens. With less, turn the documents into "
                                 "question-answer rows and fine-tune instead.",
                                 "002 Qianfan slides: Post-pretrain中建议10亿tokens语料起; "
                                 "001 Pangu FAQ 2.5: 无监督的领域知识数据，量级无法支持增量预训练"))
    else:
        if stats.rows < MIN_TRIAL_ROWS:
            advice.append(Advice("too_few_rows", f"only {stats.rows} rows: even a first trial fine-tune wants 50-100 "
                                 "good rows, and a full one about 1,000.",
                                 "004 Volcengine SFT practice: 先用少量数据（50条~100条）对模型做 SFT"))
        elif stats.rows < MIN_SFT_ROWS:
            advice.append(Advice("too_few_rows", f"{stats.rows} rows: enough for a trial, but fine-tuning usually "
                                 "starts from about 1,000 rows; expand the data (rules, a model, or labelling) rather "
                                 "than repeating rows, which overfits.",
                                 "002 Qianfan slides: SFT训练中建议使用1000条语料起; 001 Pangu FAQ 2.3: 数据量很少"))
        suggested = suggested_epochs(stats.rows)
        if epochs is not None and epochs > suggested:
            advice.append(Advice("epochs", f"too few rows for {epochs} epochs: with {stats.rows} rows about "
                                 f"{suggested} epochs is the usual setting; more makes the model memorise the data "
                                 "(overfitting: validation loss rises while training loss falls).",
                                 "003 Baidu Qianfan practice: 100条数据时, Epoch为15,1000条数据时, Epoch为10,"
                                 "10000条数据时, Epoch为2; 001 Pangu FAQ 2.3: 过拟合"))
        elif epochs is None:
            advice.append(Advice("epochs", f"with {stats.rows} rows about {suggested} epochs is the usual setting.",
                                 "003 Baidu Qianfan practice: 100条数据时, Epoch为15,1000条数据时, Epoch为10,"
                                 "10000条数据时, Epoch为2"))
    exact = sum(len(group) - 1 for group in stats.exact_duplicates)
    near = sum(len(group) - 1 for group in stats.near_duplicates) - exact
    if exact or near:
        advice.append(Advice("duplicates", f"{exact} exact and {max(near, 0)} near-duplicate rows: remove them; "
                             "repeated rows make a fine-tuned model repeat itself and overfit.",
                             "001 Pangu FAQ 2.10: 请检查训练数据中是否存在文本重复的异常数据; "
                             "000 Pangu best practices 4.1.2: 同质数据处理 去除重复度过高的数据"))
    return advice
