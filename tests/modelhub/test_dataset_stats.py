"""Dataset statistics: turns, lengths with a real tokenizer or the character fallback, duplicates, seed advice."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelhub.datasets import (
    Advice,
    Format,
    Sample,
    Turn,
    check_file,
    compute_stats,
    suggested_epochs,
    tokenizer_length,
)
from modelhub.datasets.stats import histogram, percentile

FIXTURES = Path(__file__).parent / "fixtures"


def qa(question: str, answer: str, line: int = 0, system: str | None = None) -> Sample:
    return Sample(line=line, system=system, turns=(Turn("user", question), Turn("assistant", answer)))


def word_tokenizer(folder: Path) -> Path:
    """A word-level tokenizer saved the way ``transformers`` saves one (no download): one token per word."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    words = "the moon river rises over a quiet night".split()
    raw = Tokenizer(models.WordLevel({"[UNK]": 0, **{word: i + 1 for i, word in enumerate(words)}}, unk_token="[UNK]"))
    raw.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    PreTrainedTokenizerFast(tokenizer_object=raw, unk_token="[UNK]").save_pretrained(folder)  # type: ignore[no-untyped-call]
    return folder


def advice_codes(stats_advice: list[Advice]) -> list[str]:
    return [item.code for item in stats_advice]


def test_turns_system_and_thinking_of_the_seed_file() -> None:
    result = check_file(FIXTURES / "seed_context_target.jsonl")
    stats = compute_stats(result.samples, result.format)
    assert stats.rows == 4 and stats.format == "context-target"
    assert stats.turns_per_row == [{"turns": 1, "rows": 2}, {"turns": 2, "rows": 1}, {"turns": 4, "rows": 1}]
    assert stats.turns == 8
    assert stats.with_thinking == 1 and stats.with_system == 0
    assert stats.unit == "characters"
    lengths = sorted(len(sample.joined()) - (len(sample.contents()) - 1) for sample in result.samples)
    assert (stats.length_min, stats.length_max, stats.total_length) == (lengths[0], lengths[-1], sum(lengths))


def test_lengths_with_a_transformers_tokenizer_from_a_local_folder(tmp_path: Path) -> None:
    count = tokenizer_length(word_tokenizer(tmp_path / "tok"))
    assert count("the moon rises over the river") == 6
    samples = [qa("the moon", "rises over the river"), qa("a quiet night", "the moon")]
    stats = compute_stats(samples, Format.CONTEXT_TARGET, count)
    assert stats.unit == "tokens"
    assert (stats.length_min, stats.length_max, stats.total_length) == (5, 6, 11)
    chars = compute_stats(samples, Format.CONTEXT_TARGET)
    assert chars.unit == "characters" and chars.length_max == len("the moon") + len("rises over the river")


def test_tokenizer_folder_that_does_not_exist_fails(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        tokenizer_length(tmp_path / "missing")


def test_histogram_buckets_and_percentiles() -> None:
    buckets = histogram([1, 128, 129, 5000, 200000])
    by_edge = {bucket["upto"]: bucket["rows"] for bucket in buckets}
    assert by_edge[128] == 2 and by_edge[256] == 1 and by_edge[8192] == 1 and by_edge[None] == 1
    assert sum(bucket["rows"] or 0 for bucket in buckets) == 5
    assert percentile(list(range(1, 101)), 0.95) == 95 and percentile([], 0.5) == 0


def test_duplicates_are_reported_by_line() -> None:
    base = "请分析以下内容的情感，只回复积极或者消极。内容：这家餐厅的菜品非常好吃，服务也很周到，下次还会再来。"
    samples = [qa(base, "积极", 1), qa(base + "  ", "积极", 2), qa(base.replace("下次", "以后"), "积极", 3),
               qa("完全不同的问题：今天北京的天气怎么样？", "晴", 4)]
    stats = compute_stats(samples, Format.CONTEXT_TARGET)
    assert stats.exact_duplicates == [[1, 2]]
    assert stats.near_duplicates == [[1, 2, 3]]
    duplicates = next(item for item in stats.advice if item.code == "duplicates")
    assert duplicates.message.startswith("1 exact and 1 near-duplicate rows") and "001" in duplicates.source


def test_context_length_advice_names_the_context_that_holds_95_percent() -> None:
    samples = [qa("问" * 100, "答" * 3000, line) for line in range(19)] + [qa("问", "答" * 9000, 20)]
    stats = compute_stats(samples, Format.CONTEXT_TARGET)
    context = next(item for item in stats.advice if item.code == "context_length")
    assert "95% of rows are at most 3100 characters long and the longest is 9001" in context.message
    assert "a context of 4k holds 95% of rows" in context.message and "the 1 longest rows" in context.message
    assert "give the base model's tokenizer" in context.message
    assert "long_rows" not in advice_codes(stats.advice)
    longer = compute_stats(samples[:15] + [qa("问", "答" * 5000, line) for line in range(5)], Format.CONTEXT_TARGET)
    assert "long_rows" in advice_codes(longer.advice)
    assert "a context of 8k holds 95% of rows" in next(i.message for i in longer.advice if i.code == "context_length")


def test_epoch_guide_follows_the_seed_table() -> None:
    assert [suggested_epochs(rows) for rows in (10, 100, 1000, 10000, 500000)] == [15, 15, 10, 2, 2]
    assert 10 < suggested_epochs(300) < 15 and 2 < suggested_epochs(3000) < 10


def test_too_few_rows_for_this_many_epochs() -> None:
    samples = [qa(f"问题{index}：请介绍一下第{index}座城市", f"回答{index}", index) for index in range(1, 201)]
    stats = compute_stats(samples, Format.CONTEXT_TARGET, epochs=20)
    epochs = next(item for item in stats.advice if item.code == "epochs")
    assert epochs.message.startswith(f"too few rows for 20 epochs: with 200 rows about {suggested_epochs(200)} epochs")
    too_few = next(item for item in stats.advice if item.code == "too_few_rows")
    assert too_few.message.startswith("200 rows: enough for a trial") and "1000" in too_few.source
    fine = compute_stats(samples, Format.CONTEXT_TARGET, epochs=5)
    assert not any(item.message.startswith("too few rows for") for item in fine.advice)
    tiny = compute_stats(samples[:10], Format.CONTEXT_TARGET)
    assert next(item for item in tiny.advice if item.code == "too_few_rows").message.startswith("only 10 rows")


def test_pretraining_text_advice_counts_tokens_not_rows() -> None:
    result = check_file(FIXTURES / "seed_text.jsonl")
    stats = compute_stats(result.samples, result.format)
    assert stats.turns == 0 and stats.turns_per_row == []
    codes = advice_codes(stats.advice)
    assert "too_few_rows" in codes and "epochs" not in codes
    assert "a billion tokens" in next(item.message for item in stats.advice if item.code == "too_few_rows")


def test_empty_dataset_has_no_advice() -> None:
    stats = compute_stats([], None)
    assert stats.rows == 0 and stats.advice == [] and stats.histogram[0] == {"upto": 128, "rows": 0}


def test_context_length_is_the_99th_percentile_rounded_up_to_a_power_of_two() -> None:
    from modelhub.datasets.stats import context_length_for

    assert [context_length_for(n) for n in (0, 1, 128, 129, 1000, 1024, 1025)] == [128, 128, 128, 256, 1024, 1024,
                                                                                     2048]
    samples = [qa("问", "答" * 600, line) for line in range(1, 100)] + [qa("问", "答" * 5000, 100)]
    stats = compute_stats(samples, Format.CONTEXT_TARGET)
    assert (stats.length_p95, stats.length_p99, stats.context_length) == (601, 601, 1024)
    context = next(item for item in stats.advice if item.code == "context_length")
    assert "sequence length of 1024 (the 99th percentile, 601" in context.message


def test_the_measure_says_which_estimate_counted_the_lengths(tmp_path: Path) -> None:
    samples = [qa("the moon", "rises over the river")]
    chars = compute_stats(samples, Format.MESSAGES)
    assert chars.unit == "characters" and chars.measure.startswith("characters, not tokens: no tokenizer")
    tokens = compute_stats(samples, Format.MESSAGES, tokenizer_length(word_tokenizer(tmp_path / "tok")),
                           measure="tokens of tiny's tokenizer")
    assert (tokens.unit, tokens.measure, tokens.length_max) == ("tokens", "tokens of tiny's tokenizer", 6)


def test_tokenizers_are_loaded_once_per_folder(tmp_path: Path) -> None:
    folder = word_tokenizer(tmp_path / "tok")
    assert tokenizer_length(folder) is tokenizer_length(str(folder) + "/")
