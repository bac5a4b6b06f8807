"""Datasets for fine-tuning: formats, reading, checking, statistics and operators, as a pure library.

Nothing here touches the database or the server; the versioned dataset store, the HTTP API and the ``loom dataset``
command are built on these functions. The usual path::

    result = check_file(path)                      # every bad row with its line and reason
    stats = compute_stats(result.samples, result.format, tokenizer_length(model_dir))
    cleaned = apply_pipeline(result.samples, [("strip_abnormal", {}), ("mask_pii", {}),
                                              ("remove_near_duplicates", {})])
    split = split_train_validation(cleaned.samples, validation=0.1, seed=0)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from modelhub.datasets.checks import BadRow, CheckResult, check_file, check_rows, choose_format
from modelhub.datasets.formats import (
    ConversionError,
    Format,
    RowError,
    Sample,
    Turn,
    detect_format,
    parse_row,
    split_think,
    to_row,
)
from modelhub.datasets.io import DatasetFileError, RawRow, dumps_jsonl, read_rows, write_jsonl
from modelhub.datasets.operators import (
    OPERATORS,
    Dropped,
    OperatorResult,
    Split,
    apply_pipeline,
    convert_chinese,
    convert_format,
    drop_garbled,
    map_text,
    mask_pii,
    normalize_symbols,
    operator_params,
    remove_exact_duplicates,
    remove_near_duplicates,
    split_train_validation,
    strip_abnormal,
    to_simplified,
    to_traditional,
)
from modelhub.datasets.stats import (
    CHARACTER_ESTIMATE,
    Advice,
    DatasetStats,
    LengthFunction,
    compute_stats,
    count_characters,
    suggested_epochs,
    tokenizer_length,
)


def report(result: CheckResult, stats: DatasetStats) -> dict[str, Any]:
    """The ``loom dataset check --json`` object: ``{rows, format, bad: [{line, reason}], stats}``."""
    return {"rows": result.rows, "format": str(result.format) if result.format else None,
            "bad": [{"line": bad.line, "reason": bad.reason} for bad in result.bad], "stats": stats.to_dict()}


def check_report(path: Path, fmt: Format | None = None, length: LengthFunction | None = None,
                 epochs: int | None = None) -> dict[str, Any]:
    """Check a file and compute its statistics in one call: :func:`report` of both."""
    result = check_file(path, fmt)
    return report(result, compute_stats(result.samples, result.format, length, epochs=epochs))


__all__ = [
    "CHARACTER_ESTIMATE", "OPERATORS", "Advice", "BadRow", "CheckResult", "ConversionError", "DatasetFileError",
    "DatasetStats", "Dropped", "Format", "LengthFunction", "OperatorResult", "RawRow", "RowError", "Sample",
    "Split", "Turn", "apply_pipeline", "check_file", "check_report", "check_rows", "choose_format", "compute_stats",
    "convert_chinese", "convert_format", "count_characters", "detect_format", "drop_garbled", "dumps_jsonl",
    "map_text", "mask_pii", "normalize_symbols", "operator_params", "parse_row", "read_rows", "report",
    "remove_exact_duplicates", "remove_near_duplicates", "split_think", "split_train_validation", "strip_abnormal",
    "suggested_epochs", "to_row", "to_simplified", "to_traditional", "tokenizer_length", "write_jsonl",
]
