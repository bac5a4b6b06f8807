"""``loom eval``: evaluation from the command line. ``score`` scores a predictions file against a references
file with one automatic metric (the library is evaluation/; see docs/evaluation.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from server.cli.common import AsJson, fail, out

app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)


@app.command()
def score(metric_name: Annotated[str, typer.Option("--metric", help="Metric name: bleu, rouge-l, f1, …")],
          pred: Annotated[Path, typer.Option("--pred", help="Predictions: JSONL of {\"id\", \"text\"}")],
          ref: Annotated[Path | None, typer.Option(
              "--ref", help="References: JSONL of {\"id\", \"text\"}, matched by id")] = None,
          param: Annotated[list[str] | None, typer.Option(
              "--param", help="Metric parameter name=value (value read as JSON when it is); repeatable")] = None,
          as_json: AsJson = False) -> None:
    """Print the corpus score of one metric (--json: {metric, score, per_item}); exit 2 on bad input."""
    from evaluation.errors import EvaluationError
    from evaluation.metrics import METRICS
    from evaluation.scoring import parse_param, score_files

    try:
        params = dict(parse_param(text) for text in param or [])
        report = score_files(metric_name, pred, ref, params)
    except EvaluationError as exc:
        raise fail(str(exc), 2) from None
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
        return
    scale = "0–100" if METRICS[metric_name].scale == 100 else "0–1"
    out.print(f"{report.metric}: {report.score:.4f} ({len(report.per_item)} items, scale {scale})", markup=False)


from server.cli import eval_runs  # noqa: E402 - sets, run, status, report and export, on this group

eval_runs.register(app)
