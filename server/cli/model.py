"""``loom model``: the model registry, deployments and GPUs, against the same data directory as ``serve``.

``start`` launches the server detached and waits until it is ready; it keeps running after the command
exits, and ``loom serve`` re-attaches to it (crash restarts happen while ``loom serve`` supervises it).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import ValidationError
from rich.table import Table

from modelhub.errors import ModelHubError
from modelhub.hub import ModelHub
from modelhub.schemas import (
    AdapterRef,
    BaseModelCreate,
    DeploymentCreate,
    EndpointCreate,
    FinetuneCreate,
    Task,
    Training,
)
from server.cli.common import AsJson, DataDir, fail, out
from server.db.registry import RegistryHub, open_hub
from server.errors import ServerError
from server.services import data_dir_from

app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
T = TypeVar("T")

Params = Annotated[str | None, typer.Option(
    "--params", help='recommended inference params as JSON, e.g. {"temperature": 0.2}')]



def _json_arg(value: str | None, option: str) -> dict[str, Any]:
    if not value:
        return {}
    try:
        data = json.loads(value)
    except json.JSONDecodeError as exc:
        raise fail(f"{option}: invalid JSON at column {exc.colno}: {exc.msg}", 2) from None
    if not isinstance(data, dict):
        raise fail(f"{option}: expected a JSON object", 2)
    return data


def _with_hub(data_dir: Path | None, work: Callable[[RegistryHub], Awaitable[T]]) -> T:
    async def main() -> T:
        hub = open_hub(data_dir_from(data_dir))
        try:
            return await work(hub)
        finally:
            await hub.close()  # servers keep running

    try:
        return asyncio.run(main())
    except (ServerError, ModelHubError, ValidationError) as exc:
        raise fail(str(exc)) from None


def _show(row: Any, as_json: bool, hub: RegistryHub | None = None) -> None:
    data = hub.public(row).model_dump(mode="json") if hub else {
        "name": row.name, "kind": row.kind, "version": row.version, "spec": row.spec}
    if as_json:
        print(json.dumps(data, ensure_ascii=False))
    elif hub:
        out.print(f"deployment [bold]{row.name}[/] ({row.id}): {row.state}"
                  + (f" on port {row.port}" if row.port and row.state == "ready" else "")
                  + (f" — {row.reason}" if row.reason else ""))
    else:
        out.print(f"registered {row.kind} [bold]{row.name}[/] version {row.version}")


@app.command("list")
def list_models(data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """List registered models and deployments."""
    async def work(hub: RegistryHub) -> tuple[list, list]:
        await hub.open()
        return hub.registry.list_models(), [hub.public(d) for d in hub.registry.list_deployments()]

    models, deployments = _with_hub(data_dir, work)
    if as_json:
        print(json.dumps({"models": [{"name": m.name, "kind": m.kind, "version": m.version, "spec": m.spec}
                                     for m in models],
                          "deployments": [d.model_dump(mode="json") for d in deployments]}, ensure_ascii=False))
        return
    table = Table("model", "kind", "version", "details")
    for m in models:
        detail = (m.spec.get("base_url") or m.spec.get("source")
                  or f"base {m.spec.get('base')}, rank {m.spec.get('rank')}")
        table.add_row(m.name, m.kind, str(m.version), str(detail))
    out.print(table)
    table = Table("deployment", "backend", "state", "port", "adapters", "reason")
    for d in deployments:
        adapters = ", ".join(a.name for a in d.adapters)
        table.add_row(d.name, d.backend, d.state, str(d.port or ""), adapters, d.reason or "")
    out.print(table)


TaskOption = Annotated[Task, typer.Option(help="chat, embedding or rerank")]


@app.command("add-endpoint")
def add_endpoint(name: str, base_url: str, model: str,
                 api_key_env: Annotated[str | None, typer.Option(help="env variable holding the key")] = None,
                 params: Params = None, task: TaskOption = "chat",
                 max_batch_size: Annotated[int, typer.Option(help="embedding/rerank: inputs per request")] = 64,
                 data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Register an OpenAI-compatible endpoint (chat, embedding or rerank)."""
    async def work(hub: RegistryHub) -> Any:
        return hub.registry.add_endpoint(EndpointCreate(name=name, base_url=base_url, model=model,
                                                        api_key_env=api_key_env, params=_json_arg(params, "--params"),
                                                        task=task, max_batch_size=max_batch_size))
    _show(_with_hub(data_dir, work), as_json)


@app.command("add-base")
def add_base(name: str, source: Annotated[str, typer.Argument(help="local directory or hub id")],
             context_length: Annotated[int | None, typer.Option(help="context length in tokens")] = None,
             chat_template: Annotated[str | None, typer.Option()] = None,
             license_note: Annotated[str, typer.Option("--license")] = "", task: TaskOption = "chat",
             data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Register a base model (embedding and rerank: a local sentence-transformers folder)."""
    async def work(hub: RegistryHub) -> Any:
        return hub.registry.add_base(BaseModelCreate(name=name, source=source, context_length=context_length,
                                                     chat_template=chat_template, license=license_note, task=task))
    _show(_with_hub(data_dir, work), as_json)


@app.command("add-finetune")
def add_finetune(name: str, base: str,
                 adapter: Annotated[str | None, typer.Option(help="LoRA adapter directory")] = None,
                 merged: Annotated[str | None, typer.Option(help="merged weights directory")] = None,
                 dataset: Annotated[str, typer.Option(help="training data set")] = "",
                 training_params: Annotated[str | None, typer.Option(help="training params as JSON")] = None,
                 prompt_template: Annotated[str | None, typer.Option(help="prompt template used in training")] = None,
                 params: Params = None,
                 scores: Annotated[str | None,
                                   typer.Option(help='evaluation scores as JSON, e.g. {"bleu": 31}')] = None,
                 data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Register a fine-tuned model (a new version when the name exists)."""
    async def work(hub: RegistryHub) -> Any:
        return hub.registry.add_finetune(FinetuneCreate(
            name=name, base=base, adapter_path=adapter, merged_path=merged, prompt_template=prompt_template,
            training=Training(dataset=dataset, params=_json_arg(training_params, "--training-params")),
            params=_json_arg(params, "--params"), eval_scores=_json_arg(scores, "--scores")))
    _show(_with_hub(data_dir, work), as_json)


def _adapter(value: str) -> AdapterRef:
    name, sep, path = value.partition("=")
    return AdapterRef(name=name, path=path) if sep else AdapterRef(finetune=value)


@app.command()
def deploy(name: str, base: Annotated[str, typer.Argument(help="registered base model, or a local path / hub id")],
           backend: Annotated[str, typer.Option(help="vllm or transformers")] = "vllm",
           adapter: Annotated[list[str] | None,
                              typer.Option(help="fine-tuned model name, or NAME=DIR (repeatable)")] = None,
           gpus: Annotated[str | None, typer.Option(help="GPU ids, e.g. 0,1")] = None,
           port: int | None = None, max_model_len: int | None = None,
           gpu_memory_utilization: float | None = None, tensor_parallel_size: int | None = None,
           max_lora_rank: int | None = None,
           start: Annotated[bool, typer.Option(help="start it and wait until it is ready")] = False,
           data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Create a deployment of a base model plus adapters."""
    async def work(hub: RegistryHub) -> Any:
        spec = DeploymentCreate.model_validate(dict(  # validates --backend, a plain string on the command line
            name=name, backend=backend, base_model=base, adapters=[_adapter(a) for a in adapter or []],
            gpu_ids=[int(g) for g in gpus.split(",")] if gpus else None, port=port, max_model_len=max_model_len,
            gpu_memory_utilization=gpu_memory_utilization, tensor_parallel_size=tensor_parallel_size,
            max_lora_rank=max_lora_rank))
        row = hub.registry.create_deployment(spec)
        return await _start(hub, row.id) if start else row, hub

    row, hub = _with_hub(data_dir, work)
    _show(row, as_json, hub)
    if row.state == "failed":
        raise typer.Exit(1)


async def _start(hub: RegistryHub, ident: str) -> Any:
    await hub.open()
    row = await hub.deployments.start(ident)
    while row.state == "starting":
        await asyncio.sleep(0.5)
        row = hub.registry.get_deployment(row.id)
    return row


@app.command()
def start(deployment: str, data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Start a deployment and wait until it is ready (or failed)."""
    async def work(hub: RegistryHub) -> Any:
        return await _start(hub, deployment), hub
    row, hub = _with_hub(data_dir, work)
    _show(row, as_json, hub)
    if row.state != "ready":
        raise typer.Exit(1)


@app.command()
def stop(deployment: str, data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Stop a deployment (SIGTERM, then SIGKILL after the grace period)."""
    async def work(hub: RegistryHub) -> Any:
        return await hub.deployments.stop(deployment), hub
    row, hub = _with_hub(data_dir, work)
    _show(row, as_json, hub)


@app.command()
def logs(deployment: str, lines: Annotated[int, typer.Option("--lines", "-n")] = 100, data_dir: DataDir = None) -> None:
    """Print the end of a deployment's server log."""
    async def work(hub: RegistryHub) -> list[str]:
        return hub.logs(deployment, lines)
    for line in _with_hub(data_dir, work):
        print(line)


@app.command()
def gpus(as_json: AsJson = False) -> None:
    """Show the GPUs (name, memory) a deployment can be placed on."""
    found = ModelHub.gpus()
    if as_json:
        print(json.dumps(found, ensure_ascii=False))
        return
    if not found["gpus"]:
        out.print(found["message"])
        return
    table = Table("index", "name", "memory used / total (MiB)")
    for g in found["gpus"]:
        table.add_row(str(g["index"]), g["name"], f"{g['memory_used_mib']} / {g['memory_total_mib']}")
    out.print(table)
