"""The fine-tuning dataset store: datasets and their versions in the database, their rows as files.

A version's rows are written once, when the version is made, under ``<root>/<dataset id>/v<number>/``:
``rows.jsonl`` (or ``train.jsonl`` and ``validation.jsonl`` once split) in the dataset's format, each with a
``.lines.json`` beside it holding every row's line in the imported file, so a duplicate dropped three versions
later is still named by the line a person can find. A raw version also keeps the uploaded file as it came.
Nothing here rewrites a version's files; a published version cannot be deleted either.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from modelhub.datasets import (
    OPERATORS,
    ConversionError,
    DatasetStats,
    Format,
    LengthFunction,
    Sample,
    apply_pipeline,
    check_file,
    compute_stats,
    convert_format,
    report,
    split_train_validation,
    tokenizer_length,
    write_jsonl,
)
from modelhub.datasets.checks import CheckResult
from modelhub.finetune.repository import TrainingFiles
from modelhub.repository import ModelRepository
from server import datadir
from server.db import migrate
from server.db.models_datasets import DatasetRow, DatasetVersionRow
from server.db.registry import is_local
from server.db.store import open_engine
from server.errors import ConflictError, InvalidRequestError, NotFoundError
from server.settings import load_settings

STAGES = ("raw", "processed", "published")
PARTS = ("train", "validation")


def new_id() -> str:
    return uuid.uuid4().hex


class DatasetStore:
    """Datasets and versions over an already migrated engine; rows under ``root``."""

    def __init__(self, engine: Engine, root: Path):
        self.root = root
        self.engine = engine
        self._session = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> DatasetStore:
        """The store of a data directory (its database migrated), as the server opens it: for ``loom dataset``."""
        datadir.prepare(data_dir)
        engine = open_engine(load_settings(data_dir=data_dir).database_url)
        migrate.upgrade(engine)
        return cls(engine, data_dir / "datasets")

    def close(self) -> None:
        self.engine.dispose()

    # -- datasets ------------------------------------------------------------------------------------
    def list_datasets(self) -> list[tuple[DatasetRow, list[DatasetVersionRow]]]:
        with self._session() as s:
            datasets = list(s.scalars(select(DatasetRow).order_by(DatasetRow.created_at)))
            versions = list(s.scalars(select(DatasetVersionRow).order_by(DatasetVersionRow.number)))
        return [(d, [v for v in versions if v.dataset_id == d.id]) for d in datasets]

    def get_dataset(self, ident: str) -> DatasetRow:
        """By id or by name."""
        with self._session() as s:
            row = s.get(DatasetRow, ident) or s.scalars(select(DatasetRow).where(DatasetRow.name == ident)).first()
        if row is None:
            raise NotFoundError("dataset", ident)
        return row

    def delete_dataset(self, ident: str) -> None:
        """The dataset with every version, published ones included, and their files."""
        dataset = self.get_dataset(ident)
        with self._session.begin() as s:
            s.execute(delete(DatasetVersionRow).where(DatasetVersionRow.dataset_id == dataset.id))
            s.execute(delete(DatasetRow).where(DatasetRow.id == dataset.id))
        shutil.rmtree(self.root / dataset.id, ignore_errors=True)

    # -- versions ------------------------------------------------------------------------------------
    def versions(self, ident: str) -> list[DatasetVersionRow]:
        dataset = self.get_dataset(ident)
        with self._session() as s:
            return list(s.scalars(select(DatasetVersionRow).where(DatasetVersionRow.dataset_id == dataset.id)
                                  .order_by(DatasetVersionRow.number)))

    def get_version(self, ident: str, number: int) -> DatasetVersionRow:
        dataset = self.get_dataset(ident)
        with self._session() as s:
            row = s.scalars(select(DatasetVersionRow).where(DatasetVersionRow.dataset_id == dataset.id,
                                                            DatasetVersionRow.number == number)).first()
        if row is None:
            raise NotFoundError("dataset version", f"{dataset.name} v{number}")
        return row

    def import_file(self, name: str | None, path: Path, source: str, fmt: Format | None = None,
                    dataset: str | None = None, description: str = "") -> DatasetVersionRow:
        """A raw version from an uploaded file (moved into the store): a new dataset named ``name``, or the next
        version of ``dataset``. Bad rows are reported in the version, not refused; an unreadable file raises
        :class:`~modelhub.datasets.DatasetFileError` before anything is saved."""
        result = check_file(path, fmt)  # DatasetFileError: the file as a whole cannot be read
        now = time.time()
        with self._session.begin() as s:
            if dataset is None:
                if not name or not name.strip():
                    raise InvalidRequestError("a new dataset needs a name")
                if s.scalar(select(DatasetRow.id).where(DatasetRow.name == name.strip())):
                    raise ConflictError(f"a dataset named '{name.strip()}' already exists")
                row = DatasetRow(id=new_id(), name=name.strip(), description=description, created_at=now,
                                 updated_at=now)
                s.add(row)
                dataset_id = row.id
        if dataset is not None:
            dataset_id = self.get_dataset(dataset).id
        folder = self._new_folder(dataset_id)
        try:
            kept = folder / ("source" + path.suffix.lower())
            shutil.move(str(path), kept)
            self._write(folder, "rows", result.samples, result.format)
            return self._add_version(dataset_id, folder, "raw", None, result, result.samples,
                                     {"imported": source}, source=source)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise

    def apply_operators(self, ident: str, number: int, steps: Sequence[tuple[str, dict[str, Any]]]
                        ) -> DatasetVersionRow:
        """A processed version: ``steps`` (operator names with parameters) run over version ``number``'s rows."""
        if not steps:
            raise InvalidRequestError("no operators given")
        for name, params in steps:
            if name not in OPERATORS:
                raise InvalidRequestError(f"unknown operator '{name}'; operators: {', '.join(OPERATORS)}")
            if not isinstance(params, dict):
                raise InvalidRequestError(f"operator '{name}': parameters must be an object")
        parent = self.get_version(ident, number)
        samples = self.samples(parent)
        try:
            result = apply_pipeline(samples, steps)
        except (TypeError, ValueError, KeyError) as exc:
            raise InvalidRequestError(f"operators could not run as asked: {exc}") from None
        fmt = Format(parent.format) if parent.format else None
        folder = self._new_folder(parent.dataset_id)
        try:
            self._write(folder, "rows", result.samples, fmt)
            operations = {"steps": [{"operator": name, "params": params} for name, params in steps],
                          "dropped": [{"line": d.line, "reason": d.reason} for d in result.dropped]}
            return self._add_version(parent.dataset_id, folder, "processed", parent.number,
                                     CheckResult(fmt, result.samples), result.samples, operations)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise

    def split(self, ident: str, number: int, validation: float = 0.1, seed: int = 0,
              stratify_by: str | None = None) -> DatasetVersionRow:
        """A processed version with version ``number``'s rows split into training and validation rows."""
        parent = self.get_version(ident, number)
        samples = self.samples(parent)
        if len(samples) < 2:
            raise InvalidRequestError(f"version {number} has {len(samples)} good row(s); a split needs at least 2")
        try:
            split = split_train_validation(samples, validation=validation, seed=seed, stratify_by=stratify_by or None)
        except ValueError as exc:
            raise InvalidRequestError(str(exc)) from None
        fmt = Format(parent.format) if parent.format else None
        folder = self._new_folder(parent.dataset_id)
        try:
            self._write(folder, "train", split.train, fmt)
            self._write(folder, "validation", split.validation, fmt)
            operations = {"split": {"validation": validation, "seed": seed, "stratify_by": stratify_by or None},
                          "dropped": []}
            return self._add_version(parent.dataset_id, folder, "processed", parent.number,
                                     CheckResult(fmt, samples), samples, operations,
                                     train_rows=len(split.train), validation_rows=len(split.validation))
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise

    def publish(self, ident: str, number: int) -> DatasetVersionRow:
        """Freeze a split version as published: from now on it cannot change or be deleted, and it can train."""
        version = self.get_version(ident, number)
        if version.stage == "published":
            raise ConflictError(f"version {number} is already published")
        if version.train_rows is None:
            raise ConflictError(f"version {number} has no train/validation split; split it, then publish the split")
        if not version.train_rows:
            raise ConflictError(f"version {number} has no training rows")
        with self._session.begin() as s:
            row = s.get(DatasetVersionRow, version.id)
            assert row is not None
            if row.stage == "published":  # published meanwhile
                raise ConflictError(f"version {number} is already published")
            row.stage, row.published_at = "published", time.time()
            dataset = s.get(DatasetRow, row.dataset_id)
            if dataset is not None:
                dataset.updated_at = row.published_at
        return row

    def delete_version(self, ident: str, number: int) -> None:
        version = self.get_version(ident, number)
        if version.stage == "published":
            raise ConflictError(f"version {number} is published and cannot be deleted (delete the dataset instead)")
        with self._session.begin() as s:
            s.execute(delete(DatasetVersionRow).where(DatasetVersionRow.id == version.id))
        shutil.rmtree(self._folder(version.dataset_id, number), ignore_errors=True)

    # -- rows ----------------------------------------------------------------------------------------
    def samples(self, version: DatasetVersionRow, part: str | None = None) -> list[Sample]:
        """A version's rows with their lines in the imported file; ``part`` (train or validation) of a split one."""
        folder = self._folder(version.dataset_id, version.number)
        if version.train_rows is None:
            if part is not None:
                raise InvalidRequestError(f"version {version.number} is not split into train and validation")
            return self._read(folder, "rows", version.format)
        if part is not None:
            if part not in PARTS:
                raise InvalidRequestError(f"part must be one of {', '.join(PARTS)}")
            return self._read(folder, part, version.format)
        both = self._read(folder, "train", version.format) + self._read(folder, "validation", version.format)
        return sorted(both, key=lambda sample: sample.line)

    def file(self, version: DatasetVersionRow, part: str = "train") -> Path:
        """The JSONL file a training job reads (published versions only)."""
        if version.stage != "published":
            raise ConflictError(f"version {version.number} is not published; only published versions train")
        return self._folder(version.dataset_id, version.number) / f"{part}.jsonl"

    def convert(self, ident: str, number: int, fmt: Format) -> DatasetVersionRow:
        """A processed version with version ``number``'s rows written in format ``fmt`` (a split stays split).
        A row that cannot be written in ``fmt`` (pre-training text as a dialogue) refuses it, naming the line."""
        parent = self.get_version(ident, number)
        if parent.format == fmt:
            raise InvalidRequestError(f"version {number} is already in the {fmt} format")
        parts = [None] if parent.train_rows is None else list(PARTS)
        converted: dict[str, list[Sample]] = {}
        for part in parts:
            samples = self.samples(parent, part)
            try:
                convert_format(samples, fmt)
            except ConversionError as exc:
                raise InvalidRequestError(f"version {number} cannot be converted to {fmt}: {exc}") from None
            converted[part or "rows"] = samples
        folder = self._new_folder(parent.dataset_id)
        try:
            for part_name, samples in converted.items():
                self._write(folder, part_name, samples, fmt)
            every = sorted((s for samples in converted.values() for s in samples), key=lambda sample: sample.line)
            operations = {"convert": {"from": parent.format, "to": str(fmt)}, "dropped": []}
            return self._add_version(parent.dataset_id, folder, "processed", parent.number,
                                     CheckResult(fmt, every), every, operations,
                                     train_rows=parent.train_rows, validation_rows=parent.validation_rows)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise

    def export(self, ident: str, number: int, fmt: Format | None = None, part: str | None = None) -> str:
        """Version ``number``'s rows as JSONL in format ``fmt`` (its own by default); ``part`` of a split one."""
        version = self.get_version(ident, number)
        samples = self.samples(version, part)
        target = fmt or (Format(version.format) if version.format else Format.TEXT)
        try:
            rows = convert_format(samples, target)
        except ConversionError as exc:
            raise InvalidRequestError(f"version {number} cannot be exported as {target}: {exc}") from None
        return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)

    def stats(self, ident: str, number: int, length: LengthFunction | None = None, measure: str | None = None,
              epochs: int | None = None, part: str | None = None) -> DatasetStats:
        """Statistics of a version's rows with a length function (a base model's tokenizer) and planned epochs;
        without one, lengths are characters and ``measure`` says so."""
        version = self.get_version(ident, number)
        fmt = Format(version.format) if version.format else None
        return compute_stats(self.samples(version, part), fmt, length, epochs=epochs, measure=measure)

    def training_files(self, ident: str, number: int) -> TrainingFiles:
        """A published version's training and validation files for a fine-tuning job (dataset by id or name).

        Raises ValueError naming the dataset and version when either does not exist or the version is not
        published (only published versions train)."""
        try:
            dataset = self.get_dataset(ident)
        except NotFoundError:
            raise ValueError(f"dataset '{ident}' does not exist") from None
        try:
            version = self.get_version(dataset.id, number)
        except NotFoundError:
            raise ValueError(f"dataset '{dataset.name}' has no version {number}") from None
        if version.stage != "published" or version.train_rows is None or version.format is None:
            raise ValueError(f"dataset '{dataset.name}' version {number} is {version.stage}, not published; "
                             "only published versions train")
        folder = self._folder(dataset.id, number)
        validation = folder / "validation.jsonl"
        return TrainingFiles(train=folder / "train.jsonl",
                             validation=validation if version.validation_rows else None,
                             format=version.format, rows=version.train_rows)

    # -- internals -----------------------------------------------------------------------------------
    def _folder(self, dataset_id: str, number: int) -> Path:
        return self.root / dataset_id / f"v{number}"

    def _next_number(self, dataset_id: str) -> int:
        with self._session() as s:
            latest = s.scalar(select(func.max(DatasetVersionRow.number))
                              .where(DatasetVersionRow.dataset_id == dataset_id)) or 0
        return latest + 1

    def _new_folder(self, dataset_id: str) -> Path:
        """A fresh folder for the next version (its number is fixed when the row is added)."""
        folder = self.root / dataset_id / f".new-{new_id()}"
        folder.mkdir(parents=True)
        return folder

    def _add_version(self, dataset_id: str, folder: Path, stage: str, parent: int | None, result: CheckResult,
                     samples: Sequence[Sample], operations: dict[str, Any], source: str | None = None,
                     train_rows: int | None = None, validation_rows: int | None = None) -> DatasetVersionRow:
        stats = compute_stats(samples, result.format)
        now = time.time()
        for _ in range(5):  # two versions made at once race for a number; the unique constraint decides
            number = self._next_number(dataset_id)
            target = self._folder(dataset_id, number)
            if target.exists():
                continue
            row = DatasetVersionRow(
                id=new_id(), dataset_id=dataset_id, number=number, stage=stage, parent=parent,
                format=str(result.format) if result.format else None, source=source, rows=len(samples),
                train_rows=train_rows, validation_rows=validation_rows, report=report(result, stats),
                operations=operations, created_at=now, published_at=None)
            folder.rename(target)
            try:
                with self._session.begin() as s:
                    s.add(row)
                    dataset = s.get(DatasetRow, dataset_id)
                    if dataset is None:
                        raise NotFoundError("dataset", dataset_id)
                    dataset.updated_at = now
            except BaseException:
                target.rename(folder)
                raise
            return row
        raise ConflictError("could not number the new version; try again")

    @staticmethod
    def _write(folder: Path, part: str, samples: Sequence[Sample], fmt: Format | None) -> None:
        with (folder / f"{part}.jsonl").open("w", encoding="utf-8") as handle:
            if fmt is not None:
                write_jsonl(samples, fmt, handle)
        (folder / f"{part}.lines.json").write_text(json.dumps([sample.line for sample in samples]))

    @staticmethod
    def _read(folder: Path, part: str, fmt: str | None) -> list[Sample]:
        if fmt is None:
            return []
        result = check_file(folder / f"{part}.jsonl", Format(fmt))
        if result.bad:  # written by this store from valid samples: a bad row means the files were edited
            raise ConflictError(f"{folder.name}/{part}.jsonl was changed on disk ({result.bad[0]})")
        lines = json.loads((folder / f"{part}.lines.json").read_text())
        return [dataclasses.replace(sample, line=line) for sample, line in zip(result.samples, lines, strict=True)]


def base_model_tokenizer(registry: ModelRepository, name: str) -> tuple[LengthFunction, str]:
    """The token counter of a registered model's tokenizer (a base model, or a fine-tune's base) and what it is
    called in the statistics. Loads the tokenizer from the model's local folder, offline; slow the first time."""
    row = registry.find_model(name)
    if row is None:
        raise InvalidRequestError(f"no registered model named '{name}'; register the base model first")
    if row.kind == "finetune" and row.spec.get("base"):
        return base_model_tokenizer(registry, str(row.spec["base"]))
    if row.kind != "base":
        raise InvalidRequestError(f"model '{name}' is {row.kind!r}, not a base model with local weights; "
                                  "its tokenizer cannot be loaded")
    source = str(row.spec.get("source") or "")
    if not is_local(source) or not Path(source).expanduser().is_dir():
        raise InvalidRequestError(f"base model '{name}' has no local folder ({source or 'no source'}); "
                                  "its tokenizer cannot be loaded offline")
    try:
        length = tokenizer_length(source)
    except Exception as exc:  # transformers raises many kinds for a folder that holds no usable tokenizer
        raise InvalidRequestError(f"base model '{name}': cannot load a tokenizer from {source}: {exc}") from None
    return length, f"tokens of {name}'s tokenizer"
