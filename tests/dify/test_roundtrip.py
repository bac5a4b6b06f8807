"""Round trips import → export → import: every importable DSL file keeps its graph (node kinds, edges, config
and what each node reads, after normalisation), and every case of cases.json keeps its outputs.

Normalisation forgives what a Dify DSL spells differently but means the same: input names (a template is
compared with each ``{{name}}`` replaced by what it reads), the wrapper around code, a code output declared
``any`` (Dify's code node declares it ``object``) and start variables' descriptions (Dify's forms have none).
The assigner an export writes at the end of a loop (Dify changes loop variables only that way) imports back as
the loop's ``update`` refs, so a round trip adds no node and repeated trips keep the same graph.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from dify.errors import DifyImportError
from dify.exporter import export_dsl
from dify.importer import ImportResult, import_dsl
from tests.dify import test_cases as runner

DATA = runner.DATA
FILES = sorted(DATA.rglob("*.yml")) if DATA.is_dir() else []
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
servers = runner.servers  # the case runner's model and HTTP servers, one pair for the module

pytestmark = pytest.mark.skipif(not FILES, reason=f"no Dify DSL files at {DATA}")


def round_trip(text: str | bytes) -> ImportResult:
    """Import, export the Loom workflow as Dify DSL, import that."""
    return import_dsl(export_dsl(import_dsl(text).workflow))


def _flat(nodes: list[dict[str, Any]], parent: str | None = None) -> dict[str, tuple[dict[str, Any], str | None]]:
    found: dict[str, tuple[dict[str, Any], str | None]] = {}
    for node in nodes:
        found[node["id"]] = (node, parent)
        if node["type"] in ("iteration", "loop"):
            found.update(_flat(node["config"].get("nodes", []), node["id"]))
    return found


def _edges(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    found = {(e["source"], e.get("source_handle", "out"), e["target"]) for e in edges}
    for node in nodes:
        if node["type"] in ("iteration", "loop"):
            found |= _edges(node["config"].get("nodes", []), node["config"].get("edges", []))
    return found


def _resolved(value: Any, inputs: dict[str, Any]) -> Any:
    """Config with each ``{{name}}`` replaced by what the input reads (names differ, sources must not)."""
    if isinstance(value, str):
        return PLACEHOLDER.sub(lambda m: f"<{json.dumps(inputs[m.group(1)], sort_keys=True)}>"
                               if m.group(1) in inputs else m.group(0), value)
    if isinstance(value, list):
        return [_resolved(v, inputs) for v in value]
    if isinstance(value, dict):
        return {k: _resolved(v, inputs) for k, v in value.items() if k not in ("nodes", "edges")}
    return value


def normalised(workflow: dict[str, Any]) -> dict[str, Any]:
    """What a round trip must keep: per node its kind, container, config and sources; the edges; the app."""
    nodes = _flat(workflow["nodes"])
    out: dict[str, Any] = {}
    for node_id, (node, parent) in nodes.items():
        inputs = node.get("inputs", {})
        config = _resolved(node.get("config", {}), inputs)
        if node["type"] == "code":
            config.pop("code")
            config["outputs"] = {k: "object" if v == "any" else v for k, v in config.get("outputs", {}).items()}
        if node["type"] == "start":
            config["variables"] = [{k: v for k, v in var.items() if k != "description"}
                                   for var in config.get("variables", [])]
        out[node_id] = {"type": node["type"], "parent": parent, "config": config,
                        "reads": sorted(json.dumps(s, sort_keys=True) for s in inputs.values() if "ref" in s),
                        "retry": node.get("retry"), "on_error": node.get("on_error")}
    edges = _edges(workflow["nodes"], workflow.get("edges", []))
    return {"mode": workflow.get("mode"), "app": workflow.get("app"), "nodes": out, "edges": edges,
            "conversation_variables": workflow.get("conversation_variables")}


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(DATA)) for p in FILES])
def test_graph_survives_round_trip(path: Path) -> None:
    try:
        first = import_dsl(path.read_bytes())
    except DifyImportError as exc:
        pytest.skip(f"not importable, so nothing to export: {exc}")
    second = round_trip(path.read_bytes())
    assert normalised(second.workflow) == normalised(first.workflow)


@pytest.mark.parametrize("case", runner.CASES, ids=[c["id"] for c in runner.CASES])
async def test_case_outputs_survive_round_trip(case: dict[str, Any], servers: Any,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # The case runner, as it is, on the workflow that went through Dify DSL and back.
    monkeypatch.setattr(runner, "import_dsl", round_trip)
    await runner.test_dify_case(case, servers, monkeypatch)


def test_a_second_round_trip_keeps_the_graph() -> None:
    """A second trip keeps the graph too, and adds no node: the export is a fixed point."""
    stable = 0
    for path in FILES:
        try:
            once = round_trip(path.read_bytes()).workflow
        except DifyImportError:
            continue
        twice = import_dsl(export_dsl(once)).workflow
        assert normalised(twice) == normalised(once), path.name
        assert _count(twice["nodes"]) == _count(once["nodes"]), path.name
        assert export_dsl(twice) == export_dsl(once), path.name
        stable += 1
    assert stable >= 30


def _count(nodes: list[dict[str, Any]]) -> int:
    return sum(1 + _count(n["config"].get("nodes", [])) if n["type"] in ("iteration", "loop") else 1 for n in nodes)


def _every_kind() -> dict[str, Any]:
    """A workflow with the node types the 36 files lack: classifier, extractor, document extractor, list operator,
    knowledge retrieval, HTTP request with retry and a fail branch."""
    def node(node_id: str, kind: str, inputs: dict[str, str], **config: Any) -> dict[str, Any]:
        return {"id": node_id, "type": kind, "inputs": {k: {"ref": v} for k, v in inputs.items()}, "config": config}

    nodes = [
        {"id": "start", "type": "start", "config": {"variables": [
            {"name": "q", "type": "string", "required": True},
            {"name": "docs", "type": "array[file]", "required": False}]}},
        node("cls", "question-classifier", {"query": "start.q"}, model="default", instructions="be precise",
             classes=[{"id": "c1", "name": "billing"}, {"id": "c2", "name": "tech"}]),
        node("pe", "parameter-extractor", {"query": "start.q"}, model="default", instructions="extract",
             parameters=[{"name": "city", "type": "string", "required": True, "description": "the city"},
                         {"name": "n", "type": "number", "required": False},
                         {"name": "kind", "type": "string", "required": False, "options": ["a", "b"]}]),
        node("doc", "document-extractor", {"files": "start.docs"}, multiple=True),
        node("lo", "list-operator", {"items": "doc.text"}, item_type="any",
             filter={"logic": "and", "conditions": [{"op": "contains", "value": "x"}]},
             sort={"order": "desc"}, slice={"take": "first", "count": 3}),
        node("kb", "knowledge-retrieval", {"query": "start.q"}, knowledge_bases=["kb1"], top_k=4, score_threshold=0.4),
        {**node("http", "http-request", {"q": "pe.city"}, method="POST", url="https://example.com/api?x={{q}}",
                headers=[{"name": "X-City", "value": "{{q}}"}],
                body={"type": "json", "content": "{\"city\": \"{{q}}\"}"}),
         "retry": {"max_attempts": 3, "backoff_ms": 200}, "on_error": {"strategy": "branch"}},
        node("agg", "variable-aggregator", {"a": "http.body", "b": "lo.first_record"}),
        node("end", "end", {"out": "agg.output", "cls": "cls.class_name", "ok": "pe.__is_success"}),
    ]
    edges = [("start", "out", "cls"), ("cls", "c1", "pe"), ("cls", "c2", "doc"), ("doc", "out", "lo"),
             ("pe", "out", "kb"), ("kb", "out", "http"), ("http", "out", "agg"), ("http", "error", "agg"),
             ("lo", "out", "agg"), ("agg", "out", "end")]
    return {"version": "1", "name": "every kind", "mode": "workflow", "nodes": nodes,
            "edges": [{"source": s, "source_handle": h, "target": t} for s, h, t in edges]}


def test_node_types_the_files_lack_survive_export_and_import() -> None:
    workflow = _every_kind()
    back = import_dsl(export_dsl(workflow))
    before, after = normalised(workflow), normalised(back.workflow)
    assert after == before
    assert not back.report.dropped

