"""``loom dataset``: check a dataset file, and the versioned datasets of a data directory (as ``loom model`` does,
directly against the data directory the server uses): import, list, show, apply operators, split, convert,
publish, export, statistics with a base model's tokenizer. The library is modelhub.datasets; the store is
server/db/datasets.py."""

from __future__ import annotations

import enum
import json
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from server.cli.common import AsJson, DataDir, err, fail, out
from server.services import data_dir_from

if TYPE_CHECKING:
    from modelhub.datasets import DatasetStats, LengthFunction
    from server.db.datasets import DatasetStore
    from server.db.models_datasets import DatasetVersionRow

app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)


class FormatChoice(enum.StrEnum):
    AUTO = "auto"
    MESSAGES = "messages"
    CONTEXT_TARGET = "context-target"
    TEXT = "text"


class TargetFormat(enum.StrEnum):
    MESSAGES = "messages"
    CONTEXT_TARGET = "context-target"
    TEXT = "text"


class PartChoice(enum.StrEnum):
    TRAIN = "train"
    VALIDATION = "validation"


Tokenizer = Annotated[Path | None, typer.Option(
    "--tokenizer", help="Local folder of the base model's tokenizer (transformers); default: characters")]
Epochs = Annotated[int | None, typer.Option("--epochs", min=1, help="Planned epochs, for the seeds' advice")]
Version = Annotated[int, typer.Argument(min=1, help="the version's number")]
Part = Annotated[PartChoice | None, typer.Option("--part", help="one part of a split version")]


def _tokenizer(folder: Path) -> LengthFunction:
    from modelhub.datasets import tokenizer_length

    try:
        return tokenizer_length(folder)
    except Exception as exc:  # transformers raises many kinds for a folder without a usable tokenizer
        raise fail(f"{folder}: cannot load a tokenizer from this folder: {exc}", 2) from None


def _print_stats(stats: DatasetStats) -> None:
    err.print(f"{stats.rows} rows, {stats.turns} answers; {stats.unit} per row: median {stats.length_p50}, "
              f"95% {stats.length_p95}, 99% {stats.length_p99}, max {stats.length_max}; "
              f"sequence length needed {stats.context_length}", markup=False)
    err.print(f"lengths: {stats.measure}", markup=False)
    for advice in stats.advice:
        err.print(f"advice: {advice.message}", markup=False)


@app.command()
def check(file: Path,
          fmt: Annotated[FormatChoice, typer.Option("--format", help="Row format; auto: the one most rows are in")]
          = FormatChoice.AUTO,
          as_json: AsJson = False, tokenizer: Tokenizer = None, epochs: Epochs = None) -> None:
    """Check a JSONL or CSV dataset: one line per bad row, `line N: reason`; exit 1 when any row is bad.

    Statistics and advice go to stderr (with --json, everything is one object on stdout:
    {rows, format, bad: [{line, reason}], stats}).
    """
    from modelhub.datasets import (  # imported when the command runs, not by every `loom` command
        DatasetFileError,
        Format,
        check_file,
        compute_stats,
        report,
    )

    if not file.is_file():
        raise fail(f"{file}: no such file", 2)
    length = _tokenizer(tokenizer) if tokenizer is not None else None
    try:
        result = check_file(file, None if fmt == FormatChoice.AUTO else Format(fmt.value))
    except DatasetFileError as exc:
        raise fail(str(exc), 2) from exc
    stats = compute_stats(result.samples, result.format, length, epochs=epochs,
                          measure=f"tokens of the tokenizer in {tokenizer}" if tokenizer else None)
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


# --- the versioned datasets of a data directory --------------------------------------------------------------------

@contextmanager
def _store(data_dir: Path | None) -> Iterator[DatasetStore]:
    """The data directory's dataset store; the store's refusals end the command with their message."""
    from modelhub.datasets import DatasetFileError
    from server.db.datasets import DatasetStore
    from server.errors import ServerError

    store = DatasetStore.for_data_dir(data_dir_from(data_dir))
    try:
        yield store
    except (ServerError, DatasetFileError) as exc:
        raise fail(str(exc)) from None
    finally:
        store.close()


def _version_dict(row: DatasetVersionRow) -> dict[str, Any]:
    from server.api.datasets import VersionPublic

    return VersionPublic.model_validate(row).model_dump(mode="json")


def _made_from(row: DatasetVersionRow) -> str:
    ops = row.operations
    if ops.get("split"):
        return f"split of v{row.parent}: {row.train_rows} train / {row.validation_rows} validation"
    if ops.get("steps"):
        return " → ".join(step["operator"] for step in ops["steps"]) + f" on v{row.parent}"
    if ops.get("convert"):
        return f"v{row.parent} converted from {ops['convert']['from']} to {ops['convert']['to']}"
    return f"imported from {row.source or 'a file'}"


def _report_version(row: DatasetVersionRow, name: str, as_json: bool, verb: str) -> None:
    if as_json:
        print(json.dumps(_version_dict(row), ensure_ascii=False))
        return
    out.print(f"{verb} [bold]{name}[/] v{row.number} ({row.stage}, {row.format or 'no format'}): {row.rows} rows; "
              f"{_made_from(row)}")
    for dropped in row.operations.get("dropped", []):
        out.print(f"dropped line {dropped['line']}: {dropped['reason']}", markup=False)


@app.command("import")
def import_(file: Path,
            name: Annotated[str | None, typer.Option("--name", help="The dataset's name; default the file's name")]
            = None,
            fmt: Annotated[FormatChoice, typer.Option("--format", help="Row format; auto: the one most rows are in")]
            = FormatChoice.AUTO,
            dataset: Annotated[str | None, typer.Option(
                "--dataset", help="Add the file as the next raw version of this existing dataset")] = None,
            data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Import a JSONL or CSV file as a raw version; bad rows are listed (`line N: reason`) and left out."""
    from modelhub.datasets import Format

    if not file.is_file():
        raise fail(f"{file}: no such file", 2)
    with _store(data_dir) as store:
        uploads = store.root / ".uploads"
        uploads.mkdir(parents=True, exist_ok=True)
        copy = uploads / f"{uuid.uuid4().hex}{file.suffix.lower()}"
        shutil.copyfile(file, copy)  # the store keeps the file it is given; the user's stays where it is
        try:
            row = store.import_file(name or (None if dataset else file.stem), copy, file.name,
                                    None if fmt == FormatChoice.AUTO else Format(fmt.value), dataset=dataset)
        finally:
            copy.unlink(missing_ok=True)
        label = store.get_dataset(row.dataset_id).name
    if as_json:
        print(json.dumps(_version_dict(row), ensure_ascii=False))
        return
    for bad in row.report["bad"]:
        out.print(f"line {bad['line']}: {bad['reason']}", markup=False)
    err.print(f"imported {label} v{row.number} (raw, {row.format or 'no format'}): {row.report['rows']} rows, "
              f"{len(row.report['bad'])} bad, {row.rows} kept", markup=False)


@app.command("list")
def list_datasets(data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """List datasets with their versions."""
    with _store(data_dir) as store:
        datasets = store.list_datasets()
    if as_json:
        print(json.dumps({"items": [{"id": d.id, "name": d.name, "versions": [_version_dict(v) for v in versions]}
                                    for d, versions in datasets]}, ensure_ascii=False))
        return
    table = Table("dataset", "version", "stage", "format", "rows", "made from")
    for dataset, versions in datasets:
        for version in versions:
            table.add_row(dataset.name, f"v{version.number}", version.stage, version.format or "",
                          str(version.rows), _made_from(version))
    out.print(table)


@app.command()
def show(name: str,
         version: Annotated[int | None, typer.Option("--version", min=1, help="default the newest")] = None,
         data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """A version's report: its bad rows by line, what made it and dropped, and its statistics with advice."""
    from modelhub.datasets import Advice, DatasetStats

    with _store(data_dir) as store:
        dataset = store.get_dataset(name)
        versions = store.versions(dataset.id)
        if not versions:
            raise fail(f"dataset '{dataset.name}' has no versions")
        row = store.get_version(dataset.id, version) if version else versions[-1]
    if as_json:
        print(json.dumps(_version_dict(row), ensure_ascii=False))
        return
    _report_version(row, dataset.name, False, "dataset")
    for bad in row.report.get("bad", []):
        out.print(f"line {bad['line']}: {bad['reason']}", markup=False)
    data = dict(row.report.get("stats") or {})
    advice = [Advice(**item) for item in data.pop("advice", [])]
    known = set(DatasetStats.__dataclass_fields__)
    _print_stats(DatasetStats(**{k: v for k, v in data.items() if k in known}, advice=advice))


def _steps(ops: list[str]) -> list[tuple[str, dict[str, Any]]]:
    steps: list[tuple[str, dict[str, Any]]] = []
    for op in ops:
        name, _, params = op.partition(":")
        try:
            value = json.loads(params) if params else {}
        except json.JSONDecodeError as exc:
            raise fail(f"--op {name}: parameters are not valid JSON ({exc.msg} at column {exc.colno})", 2) from None
        if not isinstance(value, dict):
            raise fail(f"--op {name}: parameters must be a JSON object, e.g. {name}:{{\"threshold\": 0.9}}", 2)
        steps.append((name.strip(), value))
    return steps


@app.command()
def apply(name: str, version: Version,
          op: Annotated[list[str], typer.Option(
              "--op", help='operator[:JSON parameters], repeatable, in order, e.g. mask_pii:{"kinds": ["phone"]}')],
          data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Run operators over a version's rows: a new processed version; every dropped row is listed by line."""
    with _store(data_dir) as store:
        row = store.apply_operators(name, version, _steps(op))
        label = store.get_dataset(row.dataset_id).name
    _report_version(row, label, as_json, "made")


@app.command()
def operators(as_json: AsJson = False) -> None:
    """The operators `apply` takes, with their parameters."""
    from modelhub.datasets import OPERATORS, operator_params

    items: list[dict[str, Any]] = [{"name": name, "description": (fn.__doc__ or "").strip().split("\n\n")[0],
              "params": operator_params(name)} for name, fn in OPERATORS.items()]
    if as_json:
        print(json.dumps({"items": items}, ensure_ascii=False))
        return
    for item in items:
        params = ", ".join(f"{p['name']}={json.dumps(p['default'])}"
                           + (f" ({'|'.join(map(str, p['choices']))})" if "choices" in p else "")
                           for p in item["params"])
        out.print(f"[bold]{item['name']}[/] {params}\n  {' '.join(str(item['description']).split())}")


@app.command()
def split(name: str, version: Version,
          validation: Annotated[float, typer.Option("--validation", min=0.0, max=1.0, help="validation share")] = 0.1,
          stratify: Annotated[str | None, typer.Option("--stratify", help="a field of the rows to stratify by")]
          = None,
          seed: Annotated[int, typer.Option("--seed", min=0)] = 0,
          data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Split a version's rows into training and validation rows: a new processed version."""
    with _store(data_dir) as store:
        row = store.split(name, version, validation, seed, stratify)
        label = store.get_dataset(row.dataset_id).name
    _report_version(row, label, as_json, "made")


@app.command()
def convert(name: str, version: Version,
            fmt: Annotated[TargetFormat, typer.Option("--format", help="the new version's format")],
            data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Write a version's rows in another format: a new processed version (refused, naming the row, when a row
    cannot convert)."""
    from modelhub.datasets import Format

    with _store(data_dir) as store:
        row = store.convert(name, version, Format(fmt.value))
        label = store.get_dataset(row.dataset_id).name
    _report_version(row, label, as_json, "made")


@app.command()
def publish(name: str, version: Version, data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Freeze a split version: it no longer changes, and fine-tuning jobs can train on it."""
    with _store(data_dir) as store:
        row = store.publish(name, version)
        label = store.get_dataset(row.dataset_id).name
    _report_version(row, label, as_json, "published")


@app.command()
def export(name: str, version: Version,
           fmt: Annotated[TargetFormat | None, typer.Option("--format", help="default the version's own")] = None,
           part: Part = None,
           output: Annotated[Path | None, typer.Option("--output", "-o", help="default: standard output")] = None,
           data_dir: DataDir = None) -> None:
    """Write a version's rows as JSONL, in its format or converted to another."""
    from modelhub.datasets import Format

    with _store(data_dir) as store:
        text = store.export(name, version, Format(fmt.value) if fmt else None, part.value if part else None)
    if output is None:
        print(text, end="")
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise fail(f"{output}: cannot write: {exc.strerror or exc}", 2) from None
    err.print(f"wrote {len(text.splitlines())} rows to {output}", markup=False)


@app.command()
def stats(name: str, version: Version,
          model: Annotated[str | None, typer.Option(
              "--model", help="a registered base model: lengths in its tokenizer's tokens")] = None,
          tokenizer: Tokenizer = None, epochs: Epochs = None, part: Part = None,
          data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Statistics of a version with the length histogram and the seeds' advice, in a base model's tokens
    (--model, or --tokenizer FOLDER) or, without one, in characters (and it says so)."""
    if model and tokenizer:
        raise fail("give --model or --tokenizer, not both", 2)
    length: LengthFunction | None = None
    measure: str | None = None
    if tokenizer is not None:
        length, measure = _tokenizer(tokenizer), f"tokens of the tokenizer in {tokenizer}"
    with _store(data_dir) as store:
        if model:
            length, measure = _model_tokenizer(data_dir, model)
        result = store.stats(name, version, length, measure, epochs, part.value if part else None)
    if as_json:
        print(json.dumps({"model": model, "stats": result.to_dict()}, ensure_ascii=False))
        return
    for bucket in result.histogram:
        if bucket["rows"]:
            upto = f"≤ {bucket['upto']}" if bucket["upto"] is not None else "longer"
            out.print(f"{upto:>10} {bucket['rows']}", markup=False)
    _print_stats(result)


def _model_tokenizer(data_dir: Path | None, model: str) -> tuple[LengthFunction, str]:
    from server.db.datasets import base_model_tokenizer
    from server.db.registry import Registry

    registry = Registry.for_data_dir(data_dir_from(data_dir))
    try:
        return base_model_tokenizer(registry, model)
    finally:
        registry.close()

