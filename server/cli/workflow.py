"""``loom schema`` and ``loom validate``: the workflow format, and checking a workflow file against it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from engine.errors import DefinitionError
from engine.graph import validate as validate_graph
from engine.schema import json_schema
from engine.spec import Services
from nodes.plugins import ToolRegistry
from nodes.registry import CATALOG
from server.cli.common import DataDir, err, out, read_workflow
from server.services import build_services, data_dir_from


def schema() -> None:
    """Print the JSON Schema of the workflow format."""
    out.print_json(json.dumps(json_schema(CATALOG)))


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
