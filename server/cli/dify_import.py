"""``loom import-dify``: a Dify DSL file (YAML) as a Loom workflow JSON file, with the import report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from dify.dsl import check_size
from dify.errors import DifyImportError
from dify.importer import import_dsl
from server.cli.common import DataDir, err, fail, out
from server.services import build_services, data_dir_from

Output = Annotated[Path | None, typer.Option("-o", "--output", help="Write the workflow JSON here (default: stdout)")]
JsonReport = Annotated[bool, typer.Option("--json", help="Print the report as JSON")]


def import_dify(file: Path, output: Output = None, json_report: JsonReport = False, data_dir: DataDir = None) -> None:
    """Import a Dify app (DSL YAML, workflow or advanced-chat) as a Loom workflow and print the import report:
    what mapped to what, what was approximated or dropped, what needs your attention, the secrets kept out.

    With --data-dir, a Dify tool maps to an imported plugin of that data directory with the same name.
    """
    try:
        check_size(file.stat().st_size)
        text = file.read_bytes()
    except OSError as exc:
        raise fail(f"{file}: {exc.strerror or exc}", 2) from None
    except DifyImportError as exc:
        raise fail(f"{file}: {exc}", 1) from None
    tools = build_services(data_dir_from(data_dir)).tools if data_dir else None
    try:
        result = import_dsl(text, tools=tools)
    except DifyImportError as exc:
        raise fail(f"{file}: {exc}", 1) from None
    workflow = json.dumps(result.workflow, ensure_ascii=False, indent=2) + "\n"
    report = result.report.model_dump_json(indent=2) if json_report else result.report.text()
    if output is None:
        print(workflow, end="")
        err.print(report, markup=False)
        return
    output.write_text(workflow, encoding="utf-8")
    out.print(report, markup=False)
    err.print(f"wrote {output}", markup=False)
