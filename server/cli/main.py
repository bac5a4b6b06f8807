"""The ``loom`` command line: rich output for people, ``--json`` for scripts."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console

from engine.errors import DefinitionError
from engine.graph import validate as validate_graph
from engine.schema import json_schema
from engine.spec import Services
from nodes.plugins import ToolRegistry
from nodes.registry import CATALOG
from server import cli_kb, cli_model, cli_plugin, cli_run
from server.services import build_services, data_dir_from
from server.settings import SettingsError

app = typer.Typer(help="Loom: visual agent/workflow builder with RAG.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

DataDir = Annotated[Optional[Path], typer.Option("--data-dir", help="Data directory (env LOOM_DATA_DIR, default ./.loom)")]


def read_workflow(path: Path) -> Any:
    """Load a workflow JSON file, exiting with a clear message when it cannot be read."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        err.print(f"[red]error:[/] {path}: no such file")
    except json.JSONDecodeError as exc:
        err.print(f"[red]error:[/] {path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}")
    except (OSError, UnicodeDecodeError) as exc:
        err.print(f"[red]error:[/] {path}: {exc}")
    raise typer.Exit(2)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the workflow format."""
    out.print_json(json.dumps(json_schema(CATALOG)))


@app.command()
def validate(file: Path, data_dir: DataDir = None,
             as_json: Annotated[bool, typer.Option("--json", help="Print issues as JSON")] = False) -> None:
    """Validate a workflow file: one line per problem, `<node_id>.<field>: <message>`; exit 1 on errors.

    With --data-dir, knowledge bases and imported plugins of that data directory are checked too.
    """
    data = read_workflow(file)
    # Without a data directory, check against the built-in plugins only (knowledge bases are not checked).
    services = build_services(data_dir_from(data_dir)) if data_dir else Services(tools=ToolRegistry())
    try:
        graph = validate_graph(data, CATALOG, services)
    except DefinitionError as exc:
        if as_json:
            print(json.dumps({"valid": False, "issues": [i.as_dict() for i in exc.issues + exc.warnings]},
                             ensure_ascii=False))
        else:
            for issue in exc.issues:
                print(str(issue))
            for warning in exc.warnings:
                err.print(f"warning: {warning}")
        raise typer.Exit(1) from None
    if as_json:
        print(json.dumps({"valid": True, "issues": [i.as_dict() for i in graph.warnings]}, ensure_ascii=False))
    else:
        for warning in graph.warnings:
            err.print(f"warning: {warning}")
        out.print(f"[green]valid[/]: {file} ({len(graph.nodes)} nodes, {len(graph.workflow.edges)} edges)")


app.command(name="run")(cli_run.run)


@app.command()
def serve(host: Annotated[str, typer.Option(help="Interface to bind")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="Port")] = 8000, data_dir: DataDir = None) -> None:
    """Start the Loom server (UI, console API, public API)."""
    from server.cli_serve import serve as start

    start(host, port, data_dir_from(data_dir))


app.add_typer(cli_kb.app, name="kb", help="Knowledge bases: create, add documents, search (hit test), list.")
app.add_typer(cli_plugin.app, name="plugin", help="Plugins: list tools, call a tool, import OpenAPI.")
app.add_typer(cli_model.app, name="model", help="Models: registry, deployments (vLLM / transformers), GPUs.")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except SettingsError as exc:
        err.print(f"[red]error:[/] {exc}", markup=True)
        sys.exit(2)
