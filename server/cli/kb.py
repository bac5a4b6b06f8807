"""``loom kb``: create knowledge bases, add documents (with a progress bar), hit-test search, list, remove,
reindex (build the indexes in the configured backend)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Annotated, Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import typer  # noqa: E402
from rich.progress import BarColumn, Progress, TaskID, TaskProgressColumn, TextColumn, TimeElapsedColumn  # noqa: E402
from rich.table import Table  # noqa: E402

from knowledge.errors import KnowledgeError  # noqa: E402
from knowledge.limits import ParseLimits  # noqa: E402
from knowledge.service import KnowledgeService  # noqa: E402
from knowledge.settings import (  # noqa: E402
    DEFAULT_EMBEDDING_MODEL,
    ChunkingSettings,
    EmbeddingSettings,
    KBSettings,
    Mode,
    RetrievalSettings,
)
from modelhub import config as model_config  # noqa: E402
from modelhub.gateway import Gateway  # noqa: E402
from server.cli.common import AsJson, DataDir, err, fail, out  # noqa: E402
from server.db.registry import open_hub  # noqa: E402
from server.knowledge_backend import knowledge_backend  # noqa: E402
from server.knowledge_models import MODELS  # noqa: E402

app = typer.Typer(help="Knowledge bases: create, add documents, search (hit test), list.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)



def _service(data_dir: Path | None) -> KnowledgeService:
    path = Path(data_dir or os.environ.get("LOOM_DATA_DIR") or ".loom").expanduser()
    if (path / "loom.db").is_file() or (path / "loom.toml").is_file() or os.environ.get("LOOM_DATABASE_URL"):
        # registered embedding and rerank models
        MODELS.attach(Gateway(model_config.load(path), registry=open_hub(path)))
    return KnowledgeService(path, ParseLimits.from_env(), knowledge_backend())



@app.command()
def create(
    name: str,
    method: Annotated[str, typer.Option(help="Chunking: general, parent-child or qa")] = "general",
    max_length: Annotated[int, typer.Option(help="Largest chunk (in --unit)")] = 300,
    overlap: Annotated[int, typer.Option(help="Overlap between chunks (in --unit)")] = 30,
    unit: Annotated[str, typer.Option(help="chars or tokens")] = "chars",
    separator: Annotated[list[str] | None,
                         typer.Option(help="Separator, repeatable, in order (\\n is a newline)")] = None,
    embedding_model: Annotated[str, typer.Option(help="multilingual-e5-small (default), all-MiniLM-L6-v2, "
                                                      "a sentence-transformers path or name")
                               ] = DEFAULT_EMBEDDING_MODEL,
    mode: Annotated[Mode, typer.Option(help="Default search mode: vector, keyword or hybrid")] = "hybrid",
    top_k: Annotated[int, typer.Option(help="Default number of results")] = 5,
    rerank_model: Annotated[str | None, typer.Option(help="CrossEncoder model for reranking")] = None,
    description: Annotated[str, typer.Option(help="What the knowledge base holds")] = "",
    data_dir: DataDir = None, as_json: AsJson = False,
) -> None:
    """Create a knowledge base; its settings are fixed from now on."""
    try:
        chunking: dict[str, Any] = {"method": method, "max_length": max_length, "overlap": overlap, "unit": unit}
        if separator:
            chunking["separators"] = [s.encode().decode("unicode_escape") for s in separator]
        settings = KBSettings(description=description, chunking=ChunkingSettings(**chunking),
                              embedding=EmbeddingSettings(model=embedding_model),
                              retrieval=RetrievalSettings(mode=mode, top_k=top_k, rerank_model=rerank_model))
    except ValueError as exc:
        raise fail(f"invalid settings: {exc}", 2) from None
    service = _service(data_dir)
    try:
        info = service.create(name, settings)
    except KnowledgeError as exc:
        raise fail(str(exc)) from None
    if as_json:
        print(json.dumps(info.as_dict(), ensure_ascii=False))
    else:
        out.print(f"created knowledge base [bold]{name}[/] ({method}, max {max_length} {unit}, overlap {overlap})")


@app.command()
def add(name: str, files: list[Path], data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Add documents; each is parsed, chunked, embedded and indexed. Exit 1 if any failed."""
    service = _service(data_dir)
    if not service.exists(name):
        raise fail(f"knowledge base '{name}' does not exist")
    results = []
    with Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn(),
                  console=err, disable=as_json) as bar:
        overall = bar.add_task("documents", total=len(files))
        for path in files:
            task = bar.add_task(path.name, total=1.0)
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise fail(f"{path}: {exc.strerror or exc}") from None

            def report(fraction: float, task: TaskID = task) -> None:
                bar.update(task, completed=fraction)

            info = service.add_document(name, path.name, data, progress=report)
            bar.update(task, completed=1.0)
            bar.advance(overall)
            results.append(info)
    service.close()
    if as_json:
        print(json.dumps([d.as_dict() for d in results], ensure_ascii=False))
    else:
        for d in results:
            if d.status == "ready":
                out.print(f"[green]ready[/]  {d.filename}: {d.chunks} chunks (id {d.document_id})")
            else:
                out.print(f"[red]failed[/] {d.error}")
    if any(d.status != "ready" for d in results):
        raise typer.Exit(1)


@app.command()
def search(
    name: str, query: str,
    mode: Annotated[Mode | None, typer.Option(help="vector, keyword or hybrid (default: the KB's)")] = None,
    top_k: Annotated[int | None, typer.Option("--top-k", help="Number of results")] = None,
    score_threshold: Annotated[float | None, typer.Option(help="Drop results scoring below this")] = None,
    document: Annotated[list[str] | None, typer.Option(help="Only this document id (repeatable)")] = None,
    data_dir: DataDir = None, as_json: AsJson = False,
) -> None:
    """Hit test: the ranked chunks for a query, with scores, document and position."""
    service = _service(data_dir)
    try:
        hits = service.search(name, query, mode=mode, top_k=top_k, score_threshold=score_threshold,
                              document_ids=document)
    except KnowledgeError as exc:
        raise fail(str(exc)) from None
    if as_json:
        print(json.dumps([h.as_dict() for h in hits], ensure_ascii=False))
        return
    table = Table("#", "score", "signals", "document", "pos", "content", show_lines=True)
    for i, h in enumerate(hits, 1):
        signals = " ".join(f"{k}={v:.3f}" for k, v in h.scores.items())
        table.add_row(str(i), f"{h.score:.3f}", signals, h.document, str(h.position), h.content[:300])
    out.print(table if hits else "no results")


@app.command("list")
def list_(data_dir: DataDir = None, as_json: AsJson = False,
          documents: Annotated[str | None, typer.Option(help="List this KB's documents instead")] = None) -> None:
    """List knowledge bases (or one KB's documents with --documents NAME)."""
    service = _service(data_dir)
    try:
        if documents:
            docs = service.documents(documents)
            if as_json:
                print(json.dumps([d.as_dict() for d in docs], ensure_ascii=False))
                return
            table = Table("id", "file", "status", "chunks", "error")
            for d in docs:
                table.add_row(d.document_id, d.filename, d.status, str(d.chunks), d.error or "")
            out.print(table)
            return
        kbs = service.list()
    except KnowledgeError as exc:
        raise fail(str(exc)) from None
    if as_json:
        print(json.dumps([kb.as_dict() for kb in kbs], ensure_ascii=False))
        return
    table = Table("name", "documents", "chunks", "chunking", "mode", "embedding")
    for kb in kbs:
        s = kb.settings
        table.add_row(kb.name, str(kb.documents), str(kb.chunks), f"{s.chunking.method} {s.chunking.max_length}",
                      s.retrieval.mode, s.embedding.model)
    out.print(table if kbs else "no knowledge bases")


@app.command("remove-doc")
def remove_doc(name: str, document: str, data_dir: DataDir = None) -> None:
    """Remove a document (by id, or by file name when unique) and its chunks from both indexes."""
    service = _service(data_dir)
    try:
        docs = service.documents(name)
        ids = {d.document_id for d in docs}
        if document not in ids:
            named = [d.document_id for d in docs if d.filename == document]
            if len(named) > 1:
                raise fail(f"{len(named)} documents are named '{document}'; give the document id")
            document = named[0] if named else document
        service.remove_document(name, document)
        service.close()
    except KnowledgeError as exc:
        raise fail(str(exc)) from None
    out.print(f"removed {document} from {name}")


@app.command()
def reindex(names: Annotated[list[str] | None, typer.Argument(help="KBs to index (default: all)")] = None,
            data_dir: DataDir = None) -> None:
    """Build the KBs' vector and keyword indexes where LOOM_KNOWLEDGE_BACKEND keeps them, from the chunks and
    vectors each KB stores (nothing is embedded again): after switching backends, so that first searches do not
    wait for it. Indexes already current are only checked."""
    service = _service(data_dir)
    try:
        for name in names or service.list_names():
            started = time.perf_counter()
            service.warm([name])
            if not service.exists(name):
                raise fail(f"no knowledge base '{name}'")
            chunks = service.get(name).chunks
            out.print(f"{name}: {chunks} chunks indexed ({service.backend.name}) in "
                      f"{time.perf_counter() - started:.1f}s")
        service.close()
    except KnowledgeError as exc:
        raise fail(str(exc)) from None
