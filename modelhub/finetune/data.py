"""Dataset rows → token ids and labels for supervised fine-tuning.

Dialogue rows (``messages`` and ``context-target``) go through the tokenizer's chat template (or the registry's
override); the loss is on the assistant turns only: every token of the rendered conversation whose text lies in an
assistant reply (with the template's end-of-turn marker) keeps its id as label, every other token (system, user,
role headers, the whitespace after the end-of-turn marker) gets -100. A pre-training ``text`` row is trained on
in full, with the end-of-sequence token appended.

The assistant spans are found on the rendered text: rendering the conversation up to turn *i* with the generation
prompt gives where reply *i* starts, rendering it through turn *i* gives where it ends; the tokenizer's offset
mapping turns those character spans into token positions. This works with any template that renders a conversation's
beginning the same way as the whole (all common ones do); one that does not is reported by name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelhub.datasets.formats import Format, RowError, Sample, parse_row
from modelhub.datasets.io import read_rows

IGNORE = -100


class DataError(ValueError):
    """The training data cannot be turned into token ids (a bad row, a template that does not fit)."""


@dataclass(frozen=True)
class Encoded:
    input_ids: list[int]
    labels: list[int]

    @property
    def trained_tokens(self) -> int:
        return sum(1 for label in self.labels if label != IGNORE)


def load_samples(path: Path, fmt: str) -> list[Sample]:
    """The valid samples of a published dataset file; a bad row is an error (published versions were checked)."""
    samples: list[Sample] = []
    for raw in read_rows(path):
        if raw.error is not None:
            raise DataError(f"{path.name} line {raw.line}: {raw.error}")
        try:
            samples.append(parse_row(raw.value, Format(fmt), raw.line))
        except RowError as exc:
            raise DataError(f"{path.name} line {raw.line}: {exc}") from exc
    return samples


def to_messages(sample: Sample, system_prompt: str | None = None) -> list[dict[str, str]]:
    """A dialogue sample as chat messages; ``system_prompt`` fills in when the row has no system message."""
    system = sample.system or system_prompt
    messages = [{"role": "system", "content": system}] if system else []
    return messages + [{"role": turn.role, "content": turn.content} for turn in sample.turns]


def _render(tokenizer: Any, messages: Sequence[dict[str, str]], template: str | None, *, prompt: bool) -> str:
    text = tokenizer.apply_chat_template(list(messages), tokenize=False, add_generation_prompt=prompt,
                                         chat_template=template)
    return str(text)


def assistant_spans(tokenizer: Any, messages: Sequence[dict[str, str]],
                    template: str | None = None) -> tuple[str, list[tuple[int, int]]]:
    """The rendered conversation and the character spans of its assistant replies."""
    full = _render(tokenizer, messages, template, prompt=False)
    spans: list[tuple[int, int]] = []
    for index, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        before = _render(tokenizer, messages[:index], template, prompt=True)
        through = _render(tokenizer, messages[: index + 1], template, prompt=False)
        if not full.startswith(before) or not full.startswith(through) or len(through) <= len(before):
            raise DataError("the chat template renders the start of a conversation differently from the whole "
                            "conversation, so the assistant replies cannot be located for assistant-only loss; "
                            "set a chat template override on the base model")
        spans.append((len(before), len(through.rstrip())))  # the reply and its end-of-turn marker, not the newline
    return full, spans


def encode_dialogue(tokenizer: Any, messages: Sequence[dict[str, str]], max_length: int,
                    template: str | None = None) -> Encoded:
    """Token ids of the templated conversation; labels are the ids on assistant tokens and -100 elsewhere."""
    text, spans = assistant_spans(tokenizer, messages, template)
    encoding = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    ids: list[int] = list(encoding["input_ids"])
    labels = [IGNORE] * len(ids)
    for position, (start, _end) in enumerate(encoding["offset_mapping"]):
        if any(low <= start < high for low, high in spans):
            labels[position] = ids[position]
    return Encoded(ids[:max_length], labels[:max_length])


def encode_text(tokenizer: Any, text: str, max_length: int) -> Encoded:
    """A pre-training row: every token is trained on, ending with the end-of-sequence token."""
    ids: list[int] = list(tokenizer(text, add_special_tokens=False)["input_ids"])
    if tokenizer.eos_token_id is not None:
        ids.append(int(tokenizer.eos_token_id))
    ids = ids[:max_length]
    return Encoded(ids, list(ids))


def encode_samples(tokenizer: Any, samples: Iterable[Sample], max_length: int, *, template: str | None = None,
                   system_prompt: str | None = None) -> tuple[list[Encoded], int]:
    """Encoded rows and the number dropped because truncation to ``max_length`` left no token to train on."""
    encoded: list[Encoded] = []
    dropped = 0
    for sample in samples:
        if sample.is_dialogue:
            row = encode_dialogue(tokenizer, to_messages(sample, system_prompt), max_length, template)
        else:
            row = encode_text(tokenizer, sample.text or "", max_length)
        if row.trained_tokens == 0:
            dropped += 1
        else:
            encoded.append(row)
    return encoded, dropped
