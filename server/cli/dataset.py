"""``loom dataset``: check a dataset file before it is imported or trained on (the library is modelhub.datasets)."""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import Annotated

import typer

from server.cli.common import AsJson, err, fail, out

app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)


class FormatChoice(enum.StrEnum):
    AUTO = "auto"
    MESSAGES = "messages"
    CONTEXT_TARGET = "context-target"
    TEXT = "text"


@app.command()
def check(file: Path,
          fmt: Annotated[FormatChoice, typer.Option("--format", help="Row format; auto: the one most rows are in")]
          = FormatChoice.AUTO,
          as_json: AsJson = False,
          tokenizer: Annotated[Path | None, typer.Option(
              "--tokenizer", help="Local folder of the base model's tokenizer (transformers); default: characters")]
          = None,
          epochs: Annotated[int | None, typer.Option("--epochs", min=1, help="Planned epochs, for the seeds' advice")]
          = None) -> None:
    """Check a JSONL or CSV dataset: one line per bad row, `line N: reason`; exit 1 when any row is bad.

    Statistics and advice go to stderr (with --json, everything is one object on stdout:
    {rows, format, bad: [{line, reason}], stats}).
    """
    from modelhub.datasets import (  # imported when the command runs, not by every `loom` command
        DatasetFileError,
        Format,
        LengthFunction,
        check_file,
        compute_stats,
        report,
        tokenizer_length,
    )

    if not file.is_file():
        raise fail(f"{file}: no such file", 2)
    length: LengthFunction | None = None
    if tokenizer is not None:
        try:
            length = tokenizer_length(tokenizer)
        except (OSError, ValueError) as exc:
            raise fail(f"{tokenizer}: cannot load a tokenizer from this folder: {exc}", 2) from exc
    try:
        result = check_file(file, None if fmt == FormatChoice.AUTO else Format(fmt.value))
    except DatasetFileError as exc:
        raise fail(str(exc), 2) from exc
    stats = compute_stats(result.samples, result.format, length, epochs=epochs)
    if as_json:
        print(json.dumps(report(result, stats), ensure_ascii=False))
    else:
        for bad in result.bad:
            out.print(str(bad), markup=False)
        err.print(f"{result.rows} rows, {len(result.bad)} bad, format {result.format or 'unknown'}; "
                  f"{stats.turns} answers, {stats.unit} per row: median {stats.length_p50}, 95% {stats.length_p95}, "
                  f"max {stats.length_max}", markup=False)
        for advice in stats.advice:
            err.print(f"advice: {advice.message}", markup=False)
    if result.bad:
        raise typer.Exit(1)
