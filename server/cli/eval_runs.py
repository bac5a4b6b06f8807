"""``loom eval`` sets, runs and their reports, directly against the data directory the server uses (as ``loom
dataset`` does): ``sets`` (list, or import a JSONL/CSV file), ``run`` (models, workflows at a version or the
draft, agent apps over a set, run here to the end; ``--resume`` goes on with a stored run), ``status``, ``report``
(aggregates with bootstrap intervals, per tag) and ``export`` (CSV/JSONL). Registered on ``loom eval``'s group
next to ``score`` (server/cli/eval.py)."""

from __future__ import annotations

import asyncio
import enum
import io
import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, fields
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from server.cli.common import AsJson, DataDir, err, fail, out
from server.services import data_dir_from

if TYPE_CHECKING:
    from evaluation.schemas import CandidateSpec, EvalRun
    from server.db.evaluation import EvalStore

class ExportFormat(enum.StrEnum):
    CSV = "csv"
    JSONL = "jsonl"


RunId = Annotated[str, typer.Argument(help="the evaluation run's id")]
ImportFile = Annotated[Path | None, typer.Option("--import", help="Add a set from a JSONL or CSV file")]
SetName = Annotated[str | None, typer.Option("--name", help="The imported set's name (default: the file's)")]
SetId = Annotated[str | None, typer.Option("--set", help="The evaluation set's id")]
Models = Annotated[list[str] | None, typer.Option("--model", help="A deployment or endpoint name; repeatable")]
Workflows = Annotated[list[str] | None, typer.Option(
    "--workflow", help="A workflow id, with @VERSION for a published version (else its draft); repeatable")]
Agents = Annotated[list[str] | None, typer.Option(
    "--agent", help="An agent app id, with @VERSION for the published one (else its draft); repeatable")]
Metrics = Annotated[list[str] | None, typer.Option("--metric", help="A metric (exact-match, bleu, …); repeatable")]
Judge = Annotated[str | None, typer.Option("--judge", help="The judge model's name (scores 1–5)")]
Rubric = Annotated[Path | None, typer.Option("--rubric", help="A text file with the judge's rubric")]
Concurrency = Annotated[int, typer.Option("--concurrency", min=1, max=64, help="Samples in flight at once")]
Resume = Annotated[str | None, typer.Option("--resume", help="Go on with this stored run instead")]
Format = Annotated[ExportFormat, typer.Option("--format", help="jsonl: a line per item; csv: per item and candidate")]
Output = Annotated[Path | None, typer.Option("--out", help="Write here (default: standard output)")]


@contextmanager
def _store(data_dir: Path | None) -> Iterator[EvalStore]:
    from server.db.evaluation import EvalStore
    from server.db.store import Store
    from server.settings import Settings

    store = Store(Settings(data_dir=data_dir_from(data_dir)).database_url)
    store.migrate()
    try:
        yield EvalStore(store.engine)
    finally:
        store.close()


def _run_of(store: EvalStore, run_id: str) -> EvalRun:
    run = store.get_run(run_id)
    if run is None:
        raise fail(f"no evaluation run {run_id!r} (loom eval status lists them)", 2)
    return run


def sets(import_file: ImportFile = None, name: SetName = None, data_dir: DataDir = None,
         as_json: AsJson = False) -> None:
    """List the evaluation sets, or import one from a file (rows that cannot be items are reported by line)."""
    from evaluation.errors import SetError
    from evaluation.schemas import EvalSet
    from evaluation.sets import read_set_file

    with _store(data_dir) as store:
        if import_file is not None:
            try:
                read = read_set_file(import_file)
            except (SetError, OSError) as exc:
                raise fail(str(exc), 2) from None
            for bad in read.bad:
                err.print(f"{import_file}:{bad.line}: {bad.reason}", markup=False)
            if not read.items:
                raise fail(f"{import_file}: no evaluation items could be read", 2)
            stored = store.save_set(EvalSet(set_id=uuid.uuid4().hex, name=name or import_file.stem,
                                            source="upload", created_at=time.time()), read.items)
            if as_json:
                print(json.dumps(stored.model_dump(), ensure_ascii=False))
            else:
                out.print(f"set {stored.set_id}: {stored.name} ({stored.item_count} items)", markup=False)
            return
        found = store.list_sets()
    if as_json:
        print(json.dumps([s.model_dump() for s in found], ensure_ascii=False))
        return
    table = Table("id", "name", "items", "source")
    for entry in found:
        source = f"dataset {entry.dataset_id} v{entry.dataset_version}" if entry.source == "dataset" else "upload"
        table.add_row(entry.set_id, entry.name, str(entry.item_count), source)
    out.print(table)


def _candidates(models: list[str], workflows: list[str], agents: list[str]) -> list[CandidateSpec]:
    from evaluation.schemas import AgentCandidate, ModelCandidate, WorkflowCandidate

    specs: list[CandidateSpec] = []
    for index, name in enumerate(models):
        specs.append(ModelCandidate(candidate_id=f"m{index + 1}", name=name, model=name))
    for index, ref in enumerate(workflows):
        workflow_id, _, version = ref.partition("@")
        if version and not version.isdigit():
            raise fail(f"--workflow {ref}: the version after @ must be a number (or leave it out for the draft)", 2)
        specs.append(WorkflowCandidate(candidate_id=f"w{index + 1}", name=ref, workflow_id=workflow_id,
                                       version=int(version) if version else None))
    for index, ref in enumerate(agents):
        app_id, _, version = ref.partition("@")
        specs.append(AgentCandidate(candidate_id=f"a{index + 1}", name=ref, app_id=app_id,
                                    version=int(version) if version.isdigit() else None))
    return specs


def run(set_id: SetId = None, model: Models = None, workflow: Workflows = None, agent: Agents = None,
        metric: Metrics = None, judge: Judge = None, rubric: Rubric = None, concurrency: Concurrency = 4,
        resume: Resume = None, data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Run an evaluation here to its end, printing progress; exit 1 when it does not succeed."""
    from evaluation.schemas import EvalRun, JudgeConfig, MetricSpec

    with _store(data_dir) as store:
        if resume is not None:
            stored = _run_of(store, resume)
        else:
            if set_id is None or store.get_set(set_id) is None:
                raise fail(f"--set: no evaluation set {set_id!r} (loom eval sets lists them)", 2)
            specs = _candidates(model or [], workflow or [], agent or [])
            if not specs:
                raise fail("give at least one candidate: --model, --workflow or --agent", 2)
            try:
                judge_config = None if judge is None else JudgeConfig(
                    model=judge, rubric=rubric.read_text(encoding="utf-8") if rubric else None)
                stored = store.save_run(EvalRun(
                    run_id=uuid.uuid4().hex, set_id=set_id, candidates=specs, concurrency=concurrency,
                    metrics=[MetricSpec(name=name) for name in metric or []], judge=judge_config,
                    created_at=time.time()))
            except (ValueError, OSError) as exc:
                raise fail(str(exc), 2) from None
        final = asyncio.run(_execute(data_dir_from(data_dir), store, stored, as_json))
    if as_json:
        print(json.dumps(final.model_dump(), ensure_ascii=False))
    else:
        _print_run(final)
    raise typer.Exit(0 if final.status == "succeeded" else 1)


async def _execute(data_dir: Path, store: EvalStore, stored: EvalRun, quiet: bool) -> EvalRun:
    """The run on a state of this process (its own run manager and jobs) over the data directory's services."""
    from evaluation.runner import EvalRunner
    from nodes.registry import CATALOG
    from server.db.store import Store
    from server.evaluation_candidates import GatewayJudge, ServerCandidates, gateway_of
    from server.jobs import Jobs
    from server.metrics import Metrics
    from server.runs import RunManager
    from server.services import build_services, close_services
    from server.settings import Settings
    from server.state import AppState

    settings = Settings(data_dir=data_dir)
    services = build_services(data_dir)
    db = Store(settings.database_url)
    jobs = Jobs()
    runs = RunManager(db, services, Metrics(), jobs, settings.run_limits())
    parts: dict[str, Any] = {"settings": settings, "store": db, "services": services, "catalog": CATALOG,
                             "jobs": jobs, "metrics": Metrics(), "runs": runs}
    if "files" in {f.name for f in fields(AppState)}:  # the app's upload store, where the state holds it
        parts["files"] = services.files
    state = AppState(**parts)  # not AppState.open: a server on this data directory keeps its runs
    try:
        judge = GatewayJudge(gateway_of(state), stored.judge.model) if stored.judge else None

        def progress(run: EvalRun) -> None:
            if not quiet:
                err.print(f"\r{run.progress.done + run.progress.failed}/{run.progress.total}", end="")

        final = await EvalRunner(store, ServerCandidates(state), judge, on_progress=progress).run(stored.run_id)
        if not quiet:
            err.print("")
        return final
    finally:
        await jobs.shutdown()
        runs.close()
        await close_services(services)
        db.close()


def _print_run(run: EvalRun) -> None:
    out.print(f"run {run.run_id} on set {run.set_id}: {run.status} "
              f"({run.progress.done}/{run.progress.total} done, {run.progress.failed} failed)", markup=False)
    if run.error:
        out.print(f"error: {run.error}", markup=False)
    table = Table("candidate", "samples", "errors", "tokens in", "tokens out", "latency s")
    for spec in run.candidates:
        cost = run.cost.get(spec.candidate_id)
        if cost is not None:
            table.add_row(f"{spec.candidate_id} ({spec.name})" if spec.name else spec.candidate_id, str(cost.samples),
                          str(cost.errors), str(cost.tokens_in), str(cost.tokens_out), f"{cost.latency_s:.2f}")
    out.print(table)


def status(run_id: Annotated[str | None, typer.Argument(help="A run's id; none: list the runs")] = None,
           data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """One run's status, progress and cost per candidate, or every run."""
    with _store(data_dir) as store:
        found = [_run_of(store, run_id)] if run_id else list(store.list_runs())
    if as_json:
        print(json.dumps([r.model_dump() for r in found] if run_id is None else found[0].model_dump(),
                         ensure_ascii=False))
    elif run_id:
        _print_run(found[0])
    else:
        table = Table("id", "set", "status", "progress", "candidates")
        for entry in found:
            table.add_row(entry.run_id, entry.set_id, entry.status, f"{entry.progress.done}/{entry.progress.total}",
                          ", ".join(c.candidate_id for c in entry.candidates))
        out.print(table)


def report(run_id: RunId, data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Per candidate and metric: the score with its 95% bootstrap interval, overall and per tag."""
    from evaluation import reports

    with _store(data_dir) as store:
        table = reports.ResultTable(found := _run_of(store, run_id), store.set_items(found.set_id),
                                    store.results(run_id))
    overall = reports.aggregates(table)
    per_tag = reports.by_tag(table)
    if as_json:
        print(json.dumps({"run_id": run_id, "aggregates": [asdict(a) for a in overall],
                          "by_tag": {t: [asdict(a) for a in found] for t, found in per_tag.items()}},
                         ensure_ascii=False))
        return
    view = Table("tag", "candidate", "metric", "score", "95% CI", "n")
    for tag, aggregates in [("(all)", overall), *per_tag.items()]:
        for a in aggregates:
            interval = "" if a.ci_low is None or a.ci_high is None else f"{a.ci_low:.4f}–{a.ci_high:.4f}"
            view.add_row(tag, a.candidate_id, a.metric, "" if a.value is None else f"{a.value:.4f}", interval,
                         str(a.n))
    out.print(view)


def export(run_id: RunId, fmt: Format = ExportFormat.JSONL, output: Output = None, data_dir: DataDir = None) -> None:
    """The per-sample results as JSONL (a line per item) or CSV."""
    from evaluation import export as exporter
    from evaluation.reports import ResultTable

    with _store(data_dir) as store:
        table = ResultTable(found := _run_of(store, run_id), store.set_items(found.set_id), store.results(run_id))
    buffer = io.StringIO()
    count = exporter.write_csv(table, buffer) if fmt == ExportFormat.CSV else exporter.write_jsonl(table, buffer)
    if output is None:
        print(buffer.getvalue(), end="")
        return
    output.write_text(buffer.getvalue(), encoding="utf-8")
    err.print(f"wrote {count} rows to {output}", markup=False)


def register(app: typer.Typer) -> None:
    """Adds these commands to ``loom eval``."""
    for command in (sets, run, status, report, export):
        app.command()(command)


