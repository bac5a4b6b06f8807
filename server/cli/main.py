"""The ``loom`` command line: rich output for people, ``--json`` for scripts. One module per command group;
this one puts them together."""

from __future__ import annotations

import sys

import typer

from server.cli import dataset, dify_export, dify_import, kb, migrate, model, plugin, run, serve, worker, workflow
from server.cli import eval as eval_cli
from server.cli.common import err
from server.settings import SettingsError

app = typer.Typer(help="Loom: visual agent/workflow builder with RAG.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
app.command()(workflow.schema)
app.command()(workflow.validate)
app.command()(run.run)
app.command()(serve.serve)
app.command()(worker.worker)
app.command()(migrate.migrate)
app.command("export-dify")(dify_export.export_dify)
app.command("import-dify")(dify_import.import_dify)
app.add_typer(kb.app, name="kb", help="Knowledge bases: create, add documents, search (hit test), list.")
app.add_typer(plugin.app, name="plugin", help="Plugins: list tools, call a tool, import OpenAPI.")
app.add_typer(model.app, name="model", help="Models: registry, deployments (vLLM / transformers), GPUs.")
app.add_typer(dataset.app, name="dataset",
              help="Datasets: check, import, operators, split, convert, publish, export, stats.")
app.add_typer(eval_cli.app, name="eval", help="Evaluation: sets, runs, reports, export; score a predictions file.")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except SettingsError as exc:
        err.print(f"[red]error:[/] {exc}", markup=True)
        sys.exit(2)
