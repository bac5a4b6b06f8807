"""Reading JSONL and CSV files into decoded rows with their line numbers, and writing samples back.

Reading never stops at a bad row: each :class:`RawRow` carries either the decoded object or the reason it could
not be decoded, so a check can report every bad row of a file in one pass.

CSV files have a header row. Columns named like the JSON keys make the row: ``messages`` (a JSON list),
``context`` (a string, or a JSON list for a multi-turn context), ``target``, ``system``, ``text``; other columns are
kept as extra fields. A CSV row's line is the line its record starts on.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from modelhub.datasets.formats import Format, Sample, to_row

CURLY_DOUBLE = "“”„‟〝〞＂"
JSON_COLUMNS = ("messages",)


class DatasetFileError(ValueError):
    """The file as a whole cannot be read (unknown extension, not UTF-8, a CSV without a header)."""


@dataclass(frozen=True)
class RawRow:
    line: int
    value: Any = None
    error: str | None = None


def file_kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".json", ".ndjson"):
        return "jsonl"
    if suffix in (".csv", ".tsv"):
        return "csv"
    raise DatasetFileError(f"{path.name}: unknown file type {suffix or '(none)'}; use .jsonl or .csv")


def read_rows(path: Path) -> Iterator[RawRow]:
    """The rows of a JSONL or CSV file, by its extension."""
    kind = file_kind(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            if kind == "jsonl":
                first = handle.read(1)
                while first.isspace():
                    first = handle.read(1)
                if first == "[":
                    raise DatasetFileError(f"{path.name}: a JSON array; write one JSON object per line (JSONL)")
                handle.seek(0)
                yield from read_jsonl(handle)
            else:
                yield from read_csv(handle, delimiter="\t" if path.suffix.lower() == ".tsv" else ",")
    except UnicodeDecodeError as exc:
        raise DatasetFileError(f"{path.name}: not UTF-8 text (byte {exc.start}: {exc.reason})") from exc


def read_jsonl(lines: Iterable[str]) -> Iterator[RawRow]:
    """One :class:`RawRow` per non-blank line; a line that is not JSON gets the parser's reason and column."""
    for number, line in enumerate(lines, start=1):
        text = line.rstrip("\r\n")
        if not text.strip():
            continue
        try:
            yield RawRow(number, json.loads(text))
        except json.JSONDecodeError as exc:
            yield RawRow(number, error=explain_json_error(text, exc))


def explain_json_error(text: str, exc: json.JSONDecodeError) -> str:
    """The decoder's message with its column, and the likely cause when it is a common hand-editing slip."""
    if exc.msg.startswith("Unterminated string"):
        reason = f"invalid JSON: the string that starts at column {exc.colno} is never closed"
    else:
        reason = f"invalid JSON at column {exc.colno}: {exc.msg}"
    curly = _curly_quote_fix(text)
    if len(curly) == 1:
        return f"{reason}; the curly quote {text[curly[0]]} at column {curly[0] + 1} stands where a straight quote " \
               "(\") must close or open a string"
    if curly:
        where = ", ".join(f"{text[index]} at column {index + 1}" for index in curly[:6])
        return f"{reason}; the curly quotes {where}{' …' if len(curly) > 6 else ''} stand where straight quotes (\") " \
               "must close or open strings"
    if exc.msg.startswith("Expecting ',' delimiter") and text[:exc.pos].rstrip().endswith('"'):
        return f"{reason}; a string ends just before: a quote is missing earlier, or a straight quote (\") inside " \
               "the text must be escaped as \\\" (or written as “ ”)"
    if exc.msg.startswith("Extra data"):
        return f"{reason}; more than one JSON value on the line (one object per line)"
    return reason


def _curly_quote_fix(text: str, tries: int = 40) -> list[int]:
    """The curly quotes that, made straight, make the line valid JSON: the one such quote (searching from the end),
    else every curly quote outside a straight-quoted string when straightening them all does it; else none."""
    positions = [index for index, char in enumerate(text) if char in CURLY_DOUBLE]
    for index in reversed(positions[-tries:]):
        try:
            json.loads(text[:index] + '"' + text[index + 1:])
        except json.JSONDecodeError:
            continue
        return [index]
    outside = _outside_strings(text, positions)
    if len(outside) > 1:
        chars = list(text)
        for index in outside:
            chars[index] = '"'
        try:
            json.loads("".join(chars))
        except json.JSONDecodeError:
            return []
        return outside
    return []


def _outside_strings(text: str, positions: list[int]) -> list[int]:
    """Those of ``positions`` that are not inside a straight-quoted JSON string."""
    inside, escaped, wanted, found = False, False, set(positions), []
    for index, char in enumerate(text):
        if inside:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                inside = False
        elif char == '"':
            inside = True
        elif index in wanted:
            found.append(index)
    return found


CSV_FIELD_LIMIT = 1 << 24  # a cell may hold a 128k-token conversation; the csv module's default stops at 128 KiB


def read_csv(handle: TextIO, delimiter: str = ",") -> Iterator[RawRow]:
    return csv_rows(handle, delimiter, _dataset_header_problem, _csv_row)


def csv_rows(handle: TextIO, delimiter: str, header_problem: Callable[[list[str]], str | None],
             to_row: Callable[[int, dict[str, str]], RawRow],
             error: type[Exception] = DatasetFileError) -> Iterator[RawRow]:
    """The rows of a CSV file with a header line: blank lines are skipped, malformed lines and lines of another width
    than the header come back as bad rows with their line number; ``header_problem`` names what is wrong with a
    header (raised as ``error``), ``to_row`` turns one line's cells, by column name, into a row."""
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
    reader = csv.reader(handle, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise error(f"line 1: cannot read the CSV header: {exc}") from None
    names = [name.strip() for name in header]
    problem = header_problem(names)
    if problem:
        raise error(f"line 1: the CSV header ({', '.join(names)}) {problem}")
    start = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield RawRow(start, error=f"invalid CSV: {exc}")
            start = reader.line_num + 1
            continue
        line, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(names):
            yield RawRow(line, error=f"{len(cells)} CSV cells where the header has {len(names)}")
            continue
        yield to_row(line, dict(zip(names, cells, strict=True)))


def _dataset_header_problem(names: list[str]) -> str | None:
    if any(name in ("messages", "context", "target", "text") for name in names):
        return None
    return "has none of the columns messages, context and target, or text"


def _csv_row(line: int, cells: dict[str, str]) -> RawRow:
    row: dict[str, Any] = {}
    for name, cell in cells.items():
        if name == "system" and not cell.strip():
            continue  # an empty system column means "no system prompt", not an empty one
        if name in JSON_COLUMNS or (name == "context" and cell.lstrip().startswith("[")):
            try:
                row[name] = json.loads(cell)
            except json.JSONDecodeError as exc:
                return RawRow(line, error=f"column {name}: {explain_json_error(cell, exc)}")
        else:
            row[name] = cell
    return RawRow(line, row)


def write_jsonl(samples: Iterable[Sample], fmt: Format, handle: TextIO) -> int:
    """Write the samples as JSONL rows of ``fmt`` (UTF-8 text, not ASCII escapes); returns the row count."""
    count = 0
    for sample in samples:
        handle.write(json.dumps(to_row(sample, fmt), ensure_ascii=False) + "\n")
        count += 1
    return count


def dumps_jsonl(samples: Iterable[Sample], fmt: Format) -> str:
    buffer = io.StringIO()
    write_jsonl(samples, fmt, buffer)
    return buffer.getvalue()
