"""Building evaluation items from a dataset version or from an uploaded JSONL/CSV file.

From a dataset (the library in modelhub.datasets): each dialogue sample becomes one item; the last assistant turn
(``target`` in context-target rows) is the reference, with its ``<think>`` reasoning removed; the last user turn is
the ``query`` input, earlier turns are ``history`` and the system prompt is ``system``. Pre-training ``text`` rows
have no answer and are reported as bad rows.

Uploaded files, one item per row, may be in a dataset format (as above) or in the evaluation shape:

- JSONL: ``{"id"?, "inputs": {...} | "query": str, "reference"?, "labels"?, "tags"?}``;
- CSV with a header: ``id``, ``reference``, ``labels`` and ``tags`` columns are those fields, an ``inputs`` column
  holds a JSON object; every other column is one input variable (``query``, or a workflow's start variables).

``labels`` and ``tags`` are a JSON list, or one cell split on ``|``, ``,`` or ``，``. A row that cannot be read
is reported with its line and reason (as ``loom dataset check`` does) and the other rows are kept.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from evaluation.errors import SetError
from evaluation.schemas import EvalItem
from modelhub.datasets.checks import BadRow, check_rows
from modelhub.datasets.formats import Sample, detect_format, split_think
from modelhub.datasets.io import DatasetFileError, RawRow, csv_rows, explain_json_error, file_kind, read_rows

FIELD_COLUMNS = ("id", "reference", "labels", "tags", "inputs")
_SPLIT = re.compile(r"[|,，]")


@dataclass
class SetReadResult:
    """The items read, and every row that could not become one."""

    items: list[EvalItem] = field(default_factory=list)
    bad: list[BadRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.bad


def item_from_sample(sample: Sample, item_id: str | None = None) -> EvalItem:
    """The item of one dialogue sample; :class:`SetError` for a pre-training row or one not ending in an answer."""
    if not sample.is_dialogue:
        raise SetError("a pre-training text row has no question and answer to evaluate")
    if not sample.turns or sample.turns[-1].role != "assistant":
        raise SetError("the conversation does not end with an assistant answer to use as the reference")
    *before, question, answer = sample.turns
    inputs: dict[str, Any] = {"query": question.content}
    if before:
        inputs["history"] = [{"role": turn.role, "content": turn.content} for turn in before]
    if sample.system:
        inputs["system"] = sample.system
    extra = dict(sample.extra)
    return EvalItem(item_id=item_id or _id(extra, sample.line), inputs=inputs, reference=split_think(answer.content)[1],
                    labels=_list(extra.get("labels", extra.get("label"))), tags=_list(extra.get("tags")),
                    line=sample.line or None)


def items_from_samples(samples: Iterable[Sample]) -> SetReadResult:
    """Items from the samples of a dataset version (rows that cannot be items are reported by line)."""
    result = SetReadResult()
    for index, sample in enumerate(samples, start=1):
        try:
            item = item_from_sample(sample, None if sample.line else f"{index}")
        except SetError as exc:
            result.bad.append(BadRow(sample.line or index, str(exc)))
            continue
        result.items.append(item)
    return _unique(result)


def read_set_file(path: Path) -> SetReadResult:
    """Items from an uploaded JSONL or CSV file; :class:`SetError` when the file as a whole cannot be read."""
    try:
        kind = file_kind(path)
        with path.open(encoding="utf-8-sig", newline="") as handle:
            if kind == "jsonl":
                rows = list(read_rows(path))
            elif _dataset_header(handle, path):  # messages / context / target columns: the dataset library's CSV
                rows = list(read_rows(path))
            else:
                rows = list(_read_csv(handle, path))
    except DatasetFileError as exc:
        raise SetError(str(exc)) from None
    except UnicodeDecodeError as exc:
        raise SetError(f"{path.name}: not UTF-8 text (byte {exc.start}: {exc.reason})") from None
    return items_from_rows(rows)


def items_from_rows(rows: Iterable[RawRow]) -> SetReadResult:
    """Items from decoded rows (evaluation-shaped or dataset-shaped, row by row)."""
    result = SetReadResult()
    for row in rows:
        if row.error is not None:
            result.bad.append(BadRow(row.line, row.error))
            continue
        try:
            result.items.append(_item(row))
        except SetError as exc:
            result.bad.append(BadRow(row.line, str(exc)))
    return _unique(result)


def _item(row: RawRow) -> EvalItem:
    value = row.value
    if not isinstance(value, dict):
        raise SetError("each row must be a JSON object")
    if "inputs" not in value and "query" not in value and detect_format(value) is not None:
        checked = check_rows([row])
        if checked.bad:
            raise SetError(checked.bad[0].reason)
        return item_from_sample(checked.samples[0])
    unknown = sorted(set(value) - {*FIELD_COLUMNS, "query", "label"})
    if "inputs" in value:
        inputs = value["inputs"]
        if not isinstance(inputs, dict) or not inputs:
            raise SetError("inputs must be a non-empty JSON object")
        if unknown:
            raise SetError(f"unknown keys {', '.join(unknown)} (inputs go inside \"inputs\")")
    elif "query" in value:
        inputs = {"query": value["query"]}
        if unknown:
            raise SetError(f"unknown keys {', '.join(unknown)}; use \"inputs\": {{...}} for several input variables")
    else:
        raise SetError("no inputs: give \"inputs\": {...} or \"query\", or a messages / context-target row")
    reference = value.get("reference")
    if reference is not None and not isinstance(reference, str):
        raise SetError("reference must be a string")
    try:
        return EvalItem(item_id=_id(value, row.line), inputs=inputs, reference=reference,
                        labels=_list(value.get("labels", value.get("label"))), tags=_list(value.get("tags")),
                        line=row.line)
    except ValueError as exc:
        raise SetError(str(exc).splitlines()[-1].strip()) from None


def _id(row: dict[str, Any], line: int) -> str:
    raw = row.get("id")
    if raw is None or raw == "":
        return f"line-{line}"
    text = str(raw).strip()
    if not re.fullmatch(r"[A-Za-z0-9_.:-]{1,128}", text):
        raise SetError(f"id {text!r} may hold only letters, digits and _ . : - (at most 128)")
    return text


def _list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(entry).strip() for entry in value if str(entry).strip()]
    if isinstance(value, str) and value.lstrip().startswith("["):
        try:
            return _list(json.loads(value))
        except json.JSONDecodeError as exc:
            raise SetError(f"labels/tags: {explain_json_error(value, exc)}") from None
    return [part.strip() for part in _SPLIT.split(str(value)) if part.strip()]


def _unique(result: SetReadResult) -> SetReadResult:
    seen: dict[str, int] = {}
    kept = []
    for item in result.items:
        if item.item_id in seen:
            result.bad.append(BadRow(item.line or 0,
                                     f"id {item.item_id!r} repeats the row on line {seen[item.item_id]}"))
            continue
        seen[item.item_id] = item.line or 0
        kept.append(item)
    result.items = kept
    result.bad.sort(key=lambda bad: bad.line)
    return result


DATASET_COLUMNS = {"messages", "context", "target"}


def _delimiter(path: Path) -> str:
    return "\t" if path.suffix.lower() == ".tsv" else ","


def _dataset_header(handle: TextIO, path: Path) -> bool:
    try:
        header = next(csv.reader(handle, delimiter=_delimiter(path)), [])
    except csv.Error:
        header = []
    handle.seek(0)
    return bool(DATASET_COLUMNS & {name.strip() for name in header})


def _read_csv(handle: TextIO, path: Path) -> Iterator[RawRow]:
    return csv_rows(handle, _delimiter(path), _header_problem, _csv_row, SetError)


def _header_problem(names: list[str]) -> str | None:
    if not set(names) - set(FIELD_COLUMNS) and "inputs" not in names:
        return "has no input column (e.g. query or inputs)"
    return None


def _csv_row(line: int, cells: dict[str, str]) -> RawRow:
    row: dict[str, Any] = {key: cells[key] for key in ("id", "labels", "tags") if key in cells}
    if cells.get("reference", "") != "":
        row["reference"] = cells["reference"]
    if "inputs" in cells:
        try:
            row["inputs"] = json.loads(cells["inputs"])
        except json.JSONDecodeError as exc:
            return RawRow(line, error=f"column inputs: {explain_json_error(cells['inputs'], exc)}")
    else:
        row["inputs"] = {name: cell for name, cell in cells.items() if name not in FIELD_COLUMNS}
    return RawRow(line, row)
