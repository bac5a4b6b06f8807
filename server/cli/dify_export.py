"""``loom export-dify``: a workflow JSON file as a Dify DSL (YAML) that Dify can import."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dify.errors import DifyExportError
from dify.exporter import export_dsl
from engine.spec import Services
from nodes.plugins import ToolRegistry
from nodes.registry import CATALOG
from server.cli.common import DataDir, err, fail, read_workflow
from server.services import build_services, data_dir_from

Output = Annotated[Path | None, typer.Option("-o", "--output", help="Write the YAML here (default: stdout)")]


def export_dify(file: Path, output: Output = None, data_dir: DataDir = None) -> None:
    """Export a workflow file as Dify DSL 0.3.x YAML; exit 1 naming each node Dify has no equivalent for.

    With --data-dir, imported plugins of that data directory are known (their output types).
    """
    data = read_workflow(file)
    if not isinstance(data, dict):
        raise fail(f"{file}: a workflow file holds a JSON object", 2)
    services = build_services(data_dir_from(data_dir)) if data_dir else Services(tools=ToolRegistry())
    try:
        text = export_dsl(data, CATALOG, services)
    except DifyExportError as exc:
        err.print(f"[red]error:[/] {file}: cannot export to Dify DSL", markup=True)
        for node_id, reason in exc.problems:
            err.print(f"  node '{node_id}': {reason}" if node_id else f"  {reason}", markup=False)
        raise typer.Exit(1) from None
    if output is None:
        print(text, end="")
        return
    output.write_text(text, encoding="utf-8")
    err.print(f"wrote {output}", markup=False)
