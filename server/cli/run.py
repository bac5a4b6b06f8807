"""``loom run``: run a workflow (or one node of it) from the command line."""

from __future__ import annotations

import asyncio
import json
import mimetypes
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from engine.debug import run_node
from engine.errors import DefinitionError
from engine.events import NodeFinishedEvent, RunFinishedEvent, TextChunkEvent
from engine.graph import validate
from engine.runner import Run, RunLimits
from nodes.registry import CATALOG
from server.cli.common import read_workflow
from server.services import ServerServices, build_services, close_services, data_dir_from
from server.settings import load_settings
from server.templates import ensure_knowledge, knowledge_bases_of

STATUS_MARK = {"succeeded": "[green]✓[/]", "failed": "[red]✗[/]", "skipped": "[dim]–[/]"}


def parse_inputs(pairs: list[str], inputs_json: str | None) -> dict[str, Any]:
    """``--inputs-json`` first, then each ``--input name=value`` (``name=@path`` names a local file)."""
    values: dict[str, Any] = {}
    if inputs_json:
        try:
            loaded = json.loads(inputs_json)
        except json.JSONDecodeError as exc:
            raise typer.BadParameter(f"--inputs-json is not valid JSON: {exc.msg}") from None
        if not isinstance(loaded, dict):
            raise typer.BadParameter("--inputs-json must be a JSON object")
        values.update(loaded)
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise typer.BadParameter(f"--input expects name=value, got {pair!r}")
        values[name] = _local_file(value[1:]) if value.startswith("@") else value
    return values


def _local_file(path_text: str) -> dict[str, Any]:
    path = Path(path_text).expanduser()
    if not path.is_file():
        raise typer.BadParameter(f"--input file {path_text!r}: no such file")
    return {"name": path.name, "path": str(path.resolve()), "size": path.stat().st_size,
            "mime_type": mimetypes.guess_type(path.name)[0] or "application/octet-stream"}


def _store_files(values: dict[str, Any], services: ServerServices) -> dict[str, Any]:
    """Local files named on the command line go into the data directory's file store, like uploads."""
    store = services.files
    if store is None:
        return values

    def convert(value: Any) -> Any:
        if isinstance(value, dict) and "path" in value and "file_id" not in value:
            return store.save(value["name"], Path(value["path"]).read_bytes(), value.get("mime_type"))
        if isinstance(value, list):
            return [convert(v) for v in value]
        return value
    return {k: convert(v) for k, v in values.items()}


def run(
    file: Path,
    input: Annotated[list[str] | None, typer.Option("--input", "-i", help="name=value (name=@path for a file)")] = None,
    inputs_json: Annotated[str | None, typer.Option("--inputs-json", help="All inputs as one JSON object")] = None,
    node: Annotated[str | None, typer.Option("--node", help="Run only this node with the given inputs")] = None,
    stream: Annotated[bool, typer.Option("--stream", help="Print LLM text as it streams "
                                         "(with --json: every run event as a JSON line)")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="End with the result object as one JSON line")] = False,
    data_dir: Annotated[Path | None, typer.Option("--data-dir", help="Data directory")] = None,
) -> None:
    """Run a workflow; exit 0 exactly when the run succeeded."""
    data = read_workflow(file)
    values = parse_inputs(input or [], inputs_json)
    limits = load_settings().run_limits()  # LOOM_RUN_*, as for the server's runs
    console = Console(stderr=as_json, highlight=False, soft_wrap=True)
    result = asyncio.run(_run(data, values, node, stream, console, data_dir_from(data_dir), limits,
                              event_lines=as_json and stream))
    if as_json:
        print(json.dumps(result, ensure_ascii=False, default=str))
    raise typer.Exit(0 if result["status"] == "succeeded" else 1)


async def _run(data: Any, values: dict[str, Any], node: str | None, stream: bool, console: Console,
               data_dir: Path, limits: RunLimits, *, event_lines: bool = False) -> dict[str, Any]:
    services = build_services(data_dir)
    try:
        values = _store_files(values, services)
        if services.knowledge is not None and isinstance(data, dict):
            for name in await asyncio.to_thread(ensure_knowledge, data, services.knowledge):
                console.print(f"[dim]created knowledge base '{name}' from the bundled documents[/]")
            # Load the embedding model while the first nodes run, not when the knowledge node is reached.
            warming = asyncio.create_task(asyncio.to_thread(services.knowledge.warm, knowledge_bases_of(data)))
            warming.add_done_callback(lambda task: task.cancelled() or task.exception())
        if node is not None:
            return await _run_node(data, node, values, services, stream, console)
        try:
            graph = validate(data, CATALOG, services)
        except DefinitionError as exc:
            for issue in exc.issues:
                console.print(f"[red]{issue}[/]")
            return {"status": "failed", "outputs": {}, "error": str(exc), "elapsed_ms": 0, "usage": {}}
        return await _run_graph(graph, values, services, stream, console, limits, event_lines)
    finally:
        await close_services(services)


async def _run_graph(graph: Any, values: dict[str, Any], services: ServerServices, stream: bool,
                     console: Console, limits: RunLimits, event_lines: bool = False) -> dict[str, Any]:
    sys_values = {"query": values.get("query", ""), "history": []} if graph.workflow.mode == "chat" else {}
    run = Run(graph, values, services, sys=sys_values, limits=limits)
    streaming_node = None
    async for event in run.events():
        if event_lines:
            print(event.model_dump_json(), flush=True)
        if isinstance(event, TextChunkEvent) and stream:
            if streaming_node != event.node_id:
                console.print(f"[dim]{event.node_id} ›[/] ", end="")
                streaming_node = event.node_id
            console.print(event.delta, end="", markup=False)
        elif isinstance(event, NodeFinishedEvent):
            if streaming_node is not None:
                console.print()
                streaming_node = None
            _print_node(console, event)
        elif isinstance(event, RunFinishedEvent):
            _print_outputs(console, event.status, event.outputs, event.error, event.elapsed_ms, event.usage)
            return {"status": event.status, "outputs": event.outputs, "error": event.error,
                    "elapsed_ms": event.elapsed_ms, "usage": event.usage, "run_id": event.run_id}
    raise RuntimeError("run ended without run_finished")


async def _run_node(data: Any, node_id: str, values: dict[str, Any], services: ServerServices, stream: bool,
                    console: Console) -> dict[str, Any]:
    def on_chunk(delta: str) -> None:
        if stream:
            console.print(delta, end="", markup=False)
    try:
        event = await run_node(data, CATALOG, node_id, values, services, on_chunk=on_chunk)
    except DefinitionError as exc:
        for issue in exc.issues:
            console.print(f"[red]{issue}[/]")
        return {"status": "failed", "outputs": {}, "error": str(exc), "elapsed_ms": 0, "usage": {}}
    if stream:
        console.print()
    _print_node(console, event)
    _print_outputs(console, event.status, event.outputs, event.error, event.elapsed_ms, event.usage or {})
    return {"status": event.status, "outputs": event.outputs, "error": event.error,
            "elapsed_ms": event.elapsed_ms, "usage": event.usage or {}}


def _print_node(console: Console, event: NodeFinishedEvent) -> None:
    mark = STATUS_MARK[event.status]
    line = f"{mark} {event.node_id} [dim]({event.node_type}, {event.elapsed_ms:.1f} ms)[/]"
    if event.branch and event.branch != "out":
        line += f" → {event.branch}"
    if event.error:
        line += f" [red]{event.error}[/]" if not event.error_handled else f" [yellow]{event.error} (handled)[/]"
    console.print(line)


def _print_outputs(console: Console, status: str, outputs: dict[str, Any], error: str | None,
                   elapsed_ms: float, usage: dict[str, int]) -> None:
    colour = "green" if status == "succeeded" else "red"
    tokens = f", {usage.get('total_tokens', 0)} tokens" if usage.get("total_tokens") else ""
    console.print(f"[{colour}]{status}[/] in {elapsed_ms:.0f} ms{tokens}")
    if error:
        console.print(f"[red]error:[/] {error}", markup=True)
    for name, value in outputs.items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=2, default=str)
        console.print(f"[bold]{name}[/]: ", end="")
        console.print(text, markup=False)
