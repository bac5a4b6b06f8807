"""Fine-tuning datasets: import a JSONL or CSV file (a raw version with every bad row by line), apply operators
(a processed version with what was dropped and why), split into train and validation, publish (frozen; only
published versions train), preview rows, delete. A thin router over ``modelhub.datasets`` and the dataset store."""

from __future__ import annotations

import asyncio
import re
import uuid
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, File, Form, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from knowledge.filenames import safe_filename
from modelhub.datasets import OPERATORS, Format, LengthFunction, operator_params
from server.api.models import Hub
from server.db.datasets import DatasetStore, base_model_tokenizer
from server.db.models_datasets import DatasetRow, DatasetVersionRow
from server.deps import State
from server.errors import PayloadTooLargeError, UnsupportedTypeError

router = APIRouter(prefix="/api/datasets", tags=["datasets"])
FILE_TYPES = (".jsonl", ".ndjson", ".json", ".csv", ".tsv")
Upload = Annotated[UploadFile, File(description="a JSONL or CSV dataset file")]
FormatName = Literal["auto", "messages", "context-target", "text"]


def dataset_store(app: FastAPI) -> DatasetStore:
    """The app's dataset store, made on first use (fine-tuning reads published versions through it too)."""
    store = getattr(app.state, "datasets", None)
    if store is None:
        state = app.state.loom
        store = app.state.datasets = DatasetStore(state.store.engine, state.settings.data_dir / "datasets")
    return store


async def get_datasets(request: Request) -> DatasetStore:
    return dataset_store(request.app)


Datasets = Annotated[DatasetStore, Depends(get_datasets)]


class VersionPublic(BaseModel):
    """One version: its stage, rows, the check report (bad rows by line, statistics with the length histogram
    and advice) and what made it (``operations``: the operator steps and the rows they dropped, or the split)."""

    model_config = ConfigDict(from_attributes=True)

    dataset_id: str
    number: int
    stage: Literal["raw", "processed", "published"]
    parent: int | None
    format: str | None
    source: str | None
    rows: int
    train_rows: int | None
    validation_rows: int | None
    report: dict[str, Any]
    operations: dict[str, Any]
    created_at: float
    published_at: float | None


class DatasetPublic(BaseModel):
    id: str
    name: str
    description: str
    created_at: float
    updated_at: float
    versions: list[VersionPublic]


class DatasetList(BaseModel):
    items: list[DatasetPublic]


class VersionList(BaseModel):
    items: list[VersionPublic]


class OperatorStep(BaseModel):
    model_config = ConfigDict(extra="forbid")

    operator: str = Field(description="an operator's name (GET /api/datasets/operators)")
    params: dict[str, Any] = Field(default_factory=dict)


class OperatorsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    steps: list[OperatorStep] = Field(min_length=1, max_length=32)


class SplitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    validation: float = Field(0.1, gt=0, lt=1, description="the share of rows held out for validation")
    seed: int = Field(0, ge=0, le=2**31)
    stratify_by: str | None = Field(None, max_length=200, description="a field of the rows to stratify by")


class ConvertIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["messages", "context-target", "text"] = Field(description="the format of the new version")


class StatsOut(BaseModel):
    """Statistics of a version's rows; ``stats.unit`` and ``stats.measure`` say whether lengths are tokens of
    ``model``'s tokenizer or the character estimate used without one."""

    model: str | None
    stats: dict[str, Any]


class RowPage(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[dict[str, Any]]  # [{line, row}]


def dataset_public(dataset: DatasetRow, versions: list[DatasetVersionRow]) -> DatasetPublic:
    return DatasetPublic(id=dataset.id, name=dataset.name, description=dataset.description,
                         created_at=dataset.created_at, updated_at=dataset.updated_at,
                         versions=[VersionPublic.model_validate(v) for v in versions])


async def save_upload(state: State, store: DatasetStore, upload: UploadFile) -> tuple[str, Path]:
    name = safe_filename(upload.filename or "", fallback="dataset")
    suffix = Path(name).suffix.lower()
    if suffix not in FILE_TYPES:
        raise UnsupportedTypeError(f"'{name}' is not a dataset file (accepted: {', '.join(FILE_TYPES)})")
    limit = state.settings.max_upload_bytes
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLargeError(f"'{name}' is over the upload limit of {limit:,} bytes")
    folder = store.root / ".uploads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{suffix}"
    await asyncio.to_thread(path.write_bytes, data)
    return name, path


def _format(name: FormatName) -> Format | None:
    return None if name == "auto" else Format(name)


@router.get("", response_model=DatasetList)
def list_datasets(store: Datasets) -> DatasetList:
    return DatasetList(items=[dataset_public(d, v) for d, v in store.list_datasets()])


@router.post("", response_model=VersionPublic, status_code=201)
async def import_dataset(state: State, store: Datasets, file: Upload,
                         name: Annotated[str, Form(min_length=1, max_length=200)],
                         format: Annotated[FormatName, Form()] = "auto",
                         description: Annotated[str, Form(max_length=2000)] = "") -> VersionPublic:
    """A new dataset from a file: its raw version (version 1), with every bad row by line in ``report.bad``."""
    source, path = await save_upload(state, store, file)
    try:
        row = await asyncio.to_thread(store.import_file, name, path, source, _format(format),
                                      description=description)
    finally:
        path.unlink(missing_ok=True)
    return VersionPublic.model_validate(row)


@router.get("/operators")
def list_operators() -> dict[str, Any]:
    """The operators a processed version can apply, with what each does."""
    return {"items": [{"name": name, "description": (fn.__doc__ or "").strip().split("\n\n")[0],
                       "params": operator_params(name)} for name, fn in OPERATORS.items()]}


@router.get("/{dataset}", response_model=DatasetPublic)
def get_dataset(store: Datasets, dataset: str) -> DatasetPublic:
    row = store.get_dataset(dataset)
    return dataset_public(row, store.versions(row.id))


@router.delete("/{dataset}", status_code=204)
def delete_dataset(store: Datasets, dataset: str) -> None:
    store.delete_dataset(dataset)


@router.get("/{dataset}/versions", response_model=VersionList)
def list_versions(store: Datasets, dataset: str) -> VersionList:
    return VersionList(items=[VersionPublic.model_validate(v) for v in store.versions(dataset)])


@router.post("/{dataset}/versions", response_model=VersionPublic, status_code=201)
async def import_version(state: State, store: Datasets, dataset: str, file: Upload,
                         format: Annotated[FormatName, Form()] = "auto") -> VersionPublic:
    """A new raw version of an existing dataset from a file."""
    store.get_dataset(dataset)  # 404 before reading the upload
    source, path = await save_upload(state, store, file)
    try:
        row = await asyncio.to_thread(store.import_file, None, path, source, _format(format), dataset=dataset)
    finally:
        path.unlink(missing_ok=True)
    return VersionPublic.model_validate(row)


Number = Annotated[int, PathParam(ge=1, le=1_000_000, description="the version's number")]


@router.get("/{dataset}/versions/{number}", response_model=VersionPublic)
def get_version(store: Datasets, dataset: str, number: Number) -> VersionPublic:
    return VersionPublic.model_validate(store.get_version(dataset, number))


@router.delete("/{dataset}/versions/{number}", status_code=204)
def delete_version(store: Datasets, dataset: str, number: Number) -> None:
    """Delete a raw or processed version; a published one answers 409 (published versions are immutable)."""
    store.delete_version(dataset, number)


@router.get("/{dataset}/versions/{number}/rows", response_model=RowPage)
def preview_rows(store: Datasets, dataset: str, number: Number,
                 offset: Annotated[int, Query(ge=0)] = 0, limit: Annotated[int, Query(ge=1, le=200)] = 20,
                 part: Literal["train", "validation"] | None = None) -> RowPage:
    """A page of a version's rows in its format, each with its line in the imported file."""
    from modelhub.datasets import to_row

    version = store.get_version(dataset, number)
    samples = store.samples(version, part)
    fmt = Format(version.format) if version.format else Format.TEXT
    page = samples[offset:offset + limit]
    return RowPage(total=len(samples), offset=offset, limit=limit,
                   items=[{"line": s.line, "row": to_row(s, fmt)} for s in page])


@router.post("/{dataset}/versions/{number}/operators", response_model=VersionPublic, status_code=201)
def apply_operators(store: Datasets, dataset: str, number: Number, body: OperatorsIn) -> VersionPublic:
    """A processed version: the operators run in order over this version's rows; ``operations.dropped`` lists
    every row they dropped with its line and why."""
    steps = [(step.operator, step.params) for step in body.steps]
    return VersionPublic.model_validate(store.apply_operators(dataset, number, steps))


@router.post("/{dataset}/versions/{number}/split", response_model=VersionPublic, status_code=201)
def split_version(store: Datasets, dataset: str, number: Number, body: SplitIn) -> VersionPublic:
    """A processed version with this version's rows split into train and validation rows."""
    return VersionPublic.model_validate(store.split(dataset, number, body.validation, body.seed, body.stratify_by))


@router.post("/{dataset}/versions/{number}/publish", response_model=VersionPublic)
def publish_version(store: Datasets, dataset: str, number: Number) -> VersionPublic:
    """Freeze a split version: published versions are immutable and are the only ones a training job takes."""
    return VersionPublic.model_validate(store.publish(dataset, number))


Part = Annotated[Literal["train", "validation"] | None, Query(description="one part of a split version")]


@router.get("/{dataset}/versions/{number}/stats", response_model=StatsOut)
async def version_stats(store: Datasets, hub: Hub, dataset: str, number: Number,
                        model: Annotated[str | None, Query(max_length=200, description=(
                            "a registered base model whose tokenizer counts the lengths; without one, characters"))]
                        = None,
                        epochs: Annotated[int | None, Query(ge=1, le=1000, description="planned epochs")] = None,
                        part: Part = None) -> StatsOut:
    """Statistics with the length histogram and the seeds' advice, counted with a base model's tokenizer."""
    store.get_version(dataset, number)  # 404 before loading a tokenizer
    length: LengthFunction | None = None
    measure: str | None = None
    if model:
        length, measure = await asyncio.to_thread(base_model_tokenizer, hub.registry, model)
    stats = await asyncio.to_thread(store.stats, dataset, number, length, measure, epochs, part)
    return StatsOut(model=model or None, stats=stats.to_dict())


@router.get("/{dataset}/versions/{number}/export", response_class=Response,
            responses={200: {"content": {"application/x-ndjson": {}}}})
def export_version(store: Datasets, dataset: str, number: Number,
                   format: Annotated[Literal["messages", "context-target", "text"] | None, Query(
                       description="the format to write; default the version's own")] = None,
                   part: Part = None) -> Response:
    """The version's rows as a JSONL download, in its own format or converted (400 naming the row that cannot be)."""
    name = store.get_dataset(dataset).name
    body = store.export(dataset, number, Format(format) if format else None, part)
    filename = safe_filename(f"{name}-v{number}{'-' + part if part else ''}.jsonl", fallback="dataset.jsonl")
    plain = re.sub(r"[^A-Za-z0-9._-]", "_", filename)  # headers are latin-1: the UTF-8 name goes in filename*
    return Response(body, media_type="application/x-ndjson", headers={
        "Content-Disposition": f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename)}"})


@router.post("/{dataset}/versions/{number}/convert", response_model=VersionPublic, status_code=201)
def convert_version(store: Datasets, dataset: str, number: Number, body: ConvertIn) -> VersionPublic:
    """A processed version with this version's rows in another format (400 naming the row that cannot convert)."""
    return VersionPublic.model_validate(store.convert(dataset, number, Format(body.format)))
