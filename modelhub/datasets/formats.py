"""The dataset formats and the one in-memory shape every row is read into.

Three formats, as the seed documents write them:

- ``messages`` (OpenAI-style, Volcengine SFT): ``{"messages": [{"role": ..., "content": ...}, ...]}``; an optional
  ``system`` message first, then ``user`` and ``assistant`` alternating, ending with ``assistant``.
- ``context-target`` (Pangu): ``{"system"?: str, "context": str | [str, ...], "target": str}``; a multi-turn
  context is ``[Q1, A1, ..., Qn]`` and the target is ``An``.
- ``text`` (pre-training): ``{"text": str}``.

A chain-of-thought target or assistant message holds its reasoning as ``<think>…</think>`` before the answer.

Every row becomes a :class:`Sample`; :func:`parse_row` says why a row is not one (the reasons the ``check`` report
prints), and :func:`to_row` writes a sample back in any format it fits.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class Format(enum.StrEnum):
    MESSAGES = "messages"
    CONTEXT_TARGET = "context-target"
    TEXT = "text"


ROLES = ("system", "user", "assistant")
THINK_OPEN, THINK_CLOSE = "<think>", "</think>"
_FORMAT_KEYS: dict[Format, tuple[str, ...]] = {
    Format.MESSAGES: ("messages",),
    Format.CONTEXT_TARGET: ("context", "target"),
    Format.TEXT: ("text",),
}


class RowError(ValueError):
    """A row that is not a valid sample of its format; ``str()`` is the reason shown to people."""


@dataclass(frozen=True)
class Turn:
    role: str  # "user" or "assistant"
    content: str


@dataclass(frozen=True)
class Sample:
    """One valid row. ``turns`` is empty for a pre-training ``text`` row, ``text`` is None for a dialogue.

    ``line`` is the row's line in the file it came from (1-based; 0 when it was made in memory); ``extra`` holds the
    row's other top-level keys (a label or an industry to stratify a split by, an id).
    """

    line: int
    system: str | None = None
    turns: tuple[Turn, ...] = ()
    text: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_dialogue(self) -> bool:
        return self.text is None

    def contents(self) -> list[str]:
        """Every piece of text in the row, in order: system, turns, or the pre-training text."""
        if self.text is not None:
            return [self.text]
        return ([self.system] if self.system else []) + [turn.content for turn in self.turns]

    def joined(self) -> str:
        return "\n".join(self.contents())


def detect_format(row: Any) -> Format | None:
    """The format whose keys a JSON object has (``messages`` before ``context``/``target`` before ``text``)."""
    if not isinstance(row, Mapping):
        return None
    if "messages" in row:
        return Format.MESSAGES
    if "context" in row or "target" in row:
        return Format.CONTEXT_TARGET
    if "text" in row:
        return Format.TEXT
    return None


def split_think(content: str) -> tuple[str | None, str]:
    """``(reasoning, answer)`` of a chain-of-thought content; reasoning is None when there is no ``<think>`` block."""
    start = content.find(THINK_OPEN)
    if start < 0:
        return None, content
    end = content.find(THINK_CLOSE, start)
    return content[start + len(THINK_OPEN):end].strip(), content[end + len(THINK_CLOSE):].strip()


def check_think(content: str, where: str) -> None:
    """A ``<think>`` block must be opened once, closed once, come first and be followed by an answer."""
    opens, closes = content.count(THINK_OPEN), content.count(THINK_CLOSE)
    if opens == 0 and closes == 0:
        return
    if opens != 1 or closes != 1:
        raise RowError(f"{where}: {THINK_OPEN} and {THINK_CLOSE} must appear once each "
                       f"(found {opens} and {closes})")
    start, end = content.find(THINK_OPEN), content.find(THINK_CLOSE)
    if end < start:
        raise RowError(f"{where}: {THINK_CLOSE} comes before {THINK_OPEN}")
    if content[:start].strip():
        raise RowError(f"{where}: text before {THINK_OPEN}; the reasoning block must come first")
    if not content[end + len(THINK_CLOSE):].strip():
        raise RowError(f"{where}: no answer after {THINK_CLOSE}")


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise RowError(f"{where} must be a string, not {_kind(value)}")
    if not value.strip():
        raise RowError(f"{where} is empty")
    return value


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", type(None): "null", bool: "a boolean", str: "a string",
             int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)


def _system(row: Mapping[str, Any]) -> str | None:
    if "system" not in row or row["system"] is None:
        return None
    return _text(row["system"], "system")


def _extra(row: Mapping[str, Any], fmt: Format) -> dict[str, Any]:
    known = {*_FORMAT_KEYS[fmt], "system"}
    return {key: value for key, value in row.items() if key not in known}


def _parse_messages(row: Mapping[str, Any], line: int) -> Sample:
    messages = row["messages"]
    if not isinstance(messages, list):
        raise RowError(f"messages must be a list, not {_kind(messages)}")
    if not messages:
        raise RowError("messages is empty")
    system: str | None = None
    turns: list[Turn] = []
    for index, message in enumerate(messages):
        where = f"messages[{index}]"
        if not isinstance(message, Mapping):
            raise RowError(f"{where} must be an object, not {_kind(message)}")
        for key in ("role", "content"):
            if key not in message:
                raise RowError(f"{where}: missing key '{key}'")
        role = message["role"]
        if role not in ROLES:
            raise RowError(f"{where}: unknown role {role!r} (expected one of {', '.join(ROLES)})")
        content = _text(message["content"], f"{where}.content")
        if role == "system":
            if index != 0:
                raise RowError(f"{where}: a system message may only come first")
            system = content
            continue
        expected = "user" if not turns or turns[-1].role == "assistant" else "assistant"
        if role != expected:
            raise RowError(f"{where}: wrong role order: expected {expected}, got {role} "
                           "(user and assistant must alternate, starting with user)")
        if role == "assistant":
            check_think(content, f"{where}.content")
        turns.append(Turn(role, content))
    if not turns:
        raise RowError("messages has no user message")
    if turns[-1].role != "assistant":
        raise RowError("wrong role order: the last message must be from the assistant")
    return Sample(line=line, system=system, turns=tuple(turns), extra=_extra(row, Format.MESSAGES))


def _parse_context_target(row: Mapping[str, Any], line: int) -> Sample:
    for key in ("context", "target"):
        if key not in row:
            raise RowError(f"missing key '{key}'")
    context = row["context"]
    if isinstance(context, str):
        questions_and_answers = [_text(context, "context")]
    elif isinstance(context, list):
        if not context:
            raise RowError("context is an empty list")
        questions_and_answers = [_text(item, f"context[{index}]") for index, item in enumerate(context)]
        if len(questions_and_answers) % 2 == 0:
            raise RowError(f"context has {len(context)} items; a multi-turn context is [question, answer, ..., "
                           "question], an odd number, with the last answer in target")
    else:
        raise RowError(f"context must be a string or a list of strings, not {_kind(context)}")
    target = _text(row["target"], "target")
    for index, item in enumerate(questions_and_answers):
        if index % 2 == 1:
            check_think(item, f"context[{index}]")
        elif THINK_OPEN in item or THINK_CLOSE in item:
            raise RowError(f"context[{index}] is a question but holds a {THINK_OPEN} block")
    check_think(target, "target")
    turns = [Turn("user" if index % 2 == 0 else "assistant", item) for index, item in enumerate(questions_and_answers)]
    turns.append(Turn("assistant", target))
    return Sample(line=line, system=_system(row), turns=tuple(turns), extra=_extra(row, Format.CONTEXT_TARGET))


def _parse_text(row: Mapping[str, Any], line: int) -> Sample:
    return Sample(line=line, text=_text(row["text"], "text"), extra=_extra(row, Format.TEXT))


def parse_row(row: Any, fmt: Format, line: int = 0) -> Sample:
    """The sample a decoded JSON row holds in format ``fmt``, or :class:`RowError` with the reason."""
    if not isinstance(row, Mapping):
        raise RowError(f"a row must be a JSON object, not {_kind(row)}")
    found = detect_format(row)
    if found is None:
        raise RowError(f"missing key '{_FORMAT_KEYS[fmt][0]}' (keys: {', '.join(map(str, row)) or 'none'})")
    if found != fmt:
        raise RowError(f"row is in the {found} format, the file in the {fmt} format")
    if fmt == Format.MESSAGES:
        return _parse_messages(row, line)
    if fmt == Format.CONTEXT_TARGET:
        return _parse_context_target(row, line)
    return _parse_text(row, line)


class ConversionError(ValueError):
    """A sample that cannot be written in the asked format (a pre-training text has no answer to train on)."""


def to_row(sample: Sample, fmt: Format) -> dict[str, Any]:
    """The JSON object of ``sample`` in format ``fmt``; ``extra`` keys are kept.

    A dialogue becomes pre-training text as its contents joined by newlines (system first); a pre-training text has
    no question and answer, so it cannot become a dialogue.
    """
    extra = dict(sample.extra)
    where = f"line {sample.line}: " if sample.line else ""
    # another format's key left in a row would make it read back as that format
    clash = [key for keys in _FORMAT_KEYS.values() for key in keys if key in extra]
    if clash:
        raise ConversionError(f"{where}the row's own field '{clash[0]}' would clash with the {fmt} format's keys; "
                              "rename or remove it first")
    if fmt == Format.TEXT:
        return {"text": sample.joined(), **extra}
    if sample.text is not None:
        raise ConversionError(f"{where}a pre-training text has no question and answer to write as {fmt}")
    if fmt == Format.MESSAGES:
        messages = ([{"role": "system", "content": sample.system}] if sample.system else []) + [
            {"role": turn.role, "content": turn.content} for turn in sample.turns]
        return {"messages": messages, **extra}
    *history, last = sample.turns
    row: dict[str, Any] = {"system": sample.system} if sample.system else {}
    row["context"] = [turn.content for turn in history]
    row["target"] = last.content
    return {**row, **extra}


_WHITESPACE = re.compile(r"\s+")


def canonical(sample: Sample) -> str:
    """The sample's text with whitespace runs made single spaces: rows equal under it are exact duplicates."""
    parts = [f"system:{sample.system or ''}"] if sample.is_dialogue else []
    parts += [f"{turn.role}:{turn.content}" for turn in sample.turns] if sample.is_dialogue else [sample.text or ""]
    return _WHITESPACE.sub(" ", "\x1f".join(parts)).strip()
