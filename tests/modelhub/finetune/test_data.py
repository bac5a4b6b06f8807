"""Dataset rows → token ids and labels: the loss is on assistant tokens only, on every token of a text row."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelhub.datasets.formats import Format, Sample, Turn, parse_row
from modelhub.finetune.data import IGNORE, DataError, encode_dialogue, encode_samples, encode_text, load_samples


@pytest.fixture(scope="module")
def tokenizer(tiny_lm: Path) -> object:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_lm)


MULTI_TURN = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
              {"role": "assistant", "content": "Hello there."}, {"role": "user", "content": "Capital of France?"},
              {"role": "assistant", "content": "<think>Easy.</think>Paris."}]


def test_labels_are_exactly_the_assistant_tokens(tokenizer: object) -> None:
    encoded = encode_dialogue(tokenizer, MULTI_TURN, max_length=512)
    # The template marks assistant replies with {% generation %}: transformers' own mask is the oracle.
    oracle = tokenizer.apply_chat_template(MULTI_TURN, return_assistant_tokens_mask=True, return_dict=True)  # type: ignore[attr-defined]
    assert encoded.input_ids == list(oracle["input_ids"])
    trained = [label != IGNORE for label in encoded.labels]
    assert trained == [bool(flag) for flag in oracle["assistant_masks"]]
    assert all(label in (IGNORE, token) for label, token in zip(encoded.labels, encoded.input_ids, strict=True))
    decoded = tokenizer.decode([t for t, keep in zip(encoded.input_ids, trained, strict=True) if keep])  # type: ignore[attr-defined]
    assert decoded == "Hello there.<|im_end|><think>Easy.</think>Paris.<|im_end|>"


def test_a_template_override_is_used_and_system_prompt_fills_in(tokenizer: object) -> None:
    template = ("{% for m in messages %}[{{ m['role'] }}]{{ m['content'] }}<|im_end|>{% endfor %}"
                "{% if add_generation_prompt %}[assistant]{% endif %}")
    sample = Sample(line=1, turns=(Turn("user", "Q"), Turn("assistant", "A.")))
    rows, dropped = encode_samples(tokenizer, [sample], 512, template=template, system_prompt="Sys")
    assert dropped == 0
    text = tokenizer.decode(rows[0].input_ids)  # type: ignore[attr-defined]
    assert text == "[system]Sys<|im_end|>[user]Q<|im_end|>[assistant]A.<|im_end|>"
    kept = tokenizer.decode([t for t, label in zip(rows[0].input_ids, rows[0].labels, strict=True) if label != IGNORE])  # type: ignore[attr-defined]
    assert kept == "A.<|im_end|>"


def test_context_target_rows_train_on_the_target(tokenizer: object) -> None:
    sample = parse_row({"context": ["Q1", "A1", "Q2"], "target": "A2"}, Format.CONTEXT_TARGET, 1)
    rows, _ = encode_samples(tokenizer, [sample], 512)
    kept = tokenizer.decode([t for t, label in zip(rows[0].input_ids, rows[0].labels, strict=True) if label != IGNORE])  # type: ignore[attr-defined]
    assert kept == "A1<|im_end|>A2<|im_end|>"


def test_text_rows_train_on_everything_and_end_with_eos(tokenizer: object) -> None:
    encoded = encode_text(tokenizer, "The quick brown fox.", max_length=512)
    assert encoded.labels == encoded.input_ids
    assert encoded.input_ids[-1] == tokenizer.eos_token_id  # type: ignore[attr-defined]


def test_truncation_that_leaves_no_answer_drops_the_row(tokenizer: object) -> None:
    long_prompt = Sample(line=1, turns=(Turn("user", "word " * 200), Turn("assistant", "ok")))
    short = Sample(line=2, turns=(Turn("user", "hi"), Turn("assistant", "ok")))
    rows, dropped = encode_samples(tokenizer, [long_prompt, short], max_length=32)
    assert (len(rows), dropped) == (1, 1)
    assert all(len(row.input_ids) <= 32 for row in rows)


def test_a_bad_row_in_a_published_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    path.write_text(json.dumps({"messages": [{"role": "user", "content": "hi"}]}) + "\n{oops\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"train.jsonl line 1"):
        load_samples(path, "messages")
