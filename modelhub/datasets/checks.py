"""Checking a dataset file: every bad row by line number and reason, and the good rows as samples."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from modelhub.datasets.formats import Format, RowError, Sample, detect_format, parse_row
from modelhub.datasets.io import RawRow, read_rows


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class CheckResult:
    """``format`` is None only when no row could be read as any format (then every row is in ``bad``)."""

    format: Format | None
    samples: list[Sample] = field(default_factory=list)
    bad: list[BadRow] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return len(self.samples) + len(self.bad)

    @property
    def ok(self) -> bool:
        return not self.bad


def choose_format(rows: Iterable[RawRow]) -> Format | None:
    """The format most decoded rows are in (ties go to messages, then context-target, then text)."""
    counts = Counter(found for row in rows if row.error is None and (found := detect_format(row.value)))
    if not counts:
        return None
    order = list(Format)
    return max(counts, key=lambda fmt: (counts[fmt], -order.index(fmt)))


def check_rows(rows: Iterable[RawRow], fmt: Format | None = None) -> CheckResult:
    """Validate decoded rows against ``fmt``, or against the file's own format (:func:`choose_format`) when None."""
    raw = list(rows)
    chosen = fmt or choose_format(raw)
    result = CheckResult(format=chosen)
    for row in raw:
        if row.error is not None:
            result.bad.append(BadRow(row.line, row.error))
        elif chosen is None:
            result.bad.append(BadRow(row.line, "no messages, context/target or text key"))
        else:
            try:
                result.samples.append(parse_row(row.value, chosen, row.line))
            except RowError as exc:
                result.bad.append(BadRow(row.line, str(exc)))
    result.bad.sort(key=lambda bad: bad.line)
    return result


def check_file(path: Path, fmt: Format | None = None) -> CheckResult:
    """Read and check a JSONL or CSV file; :class:`~modelhub.datasets.io.DatasetFileError` if it cannot be read."""
    return check_rows(read_rows(path), fmt)
