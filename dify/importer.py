"""``import_dsl``: a Dify DSL file → a validated Loom workflow and an import report.

Mapping runs twice: a first pass only collects how each node's outputs are renamed (aliases), so that a
selector can be rewritten whatever the order of the nodes in the file; the second pass builds the workflow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from dify import dsl, policies
from dify.context import MapContext, identifier
from dify.environment import bind_environment, conversation_variables
from dify.errors import DifyImportError
from dify.mapping import MAPPERS
from dify.nodes.base import Built
from dify.report import ImportReport, MappedNode
from engine.errors import DefinitionError
from engine.graph import validate
from engine.services import Services, ToolProvider
from nodes.plugins.registry import ToolRegistry
from nodes.registry import CATALOG

NODE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
STRUCTURAL = {"iteration-start", "loop-start"}  # a container's entry marker; Loom's entries are implicit
NOTE_TYPES = {"custom-note", "note", ""}
# Dify node types Loom has no node for, and what to do instead.
UNSUPPORTED = {
    "agent": "Dify's agent strategies have no Loom node; build the step as a Loom agent or an LLM node with plugins",
    "human-input": "Loom workflows do not pause for a person; split the workflow at that point",
    "datasource": "knowledge pipelines are not workflows; index the documents into a Loom knowledge base",
    "knowledge-index": "knowledge pipelines are not workflows; index the documents into a Loom knowledge base",
}


@dataclass
class ImportResult:
    """A Loom workflow (JSON-ready dict, valid) and what the import did."""

    workflow: dict[str, Any]
    report: ImportReport


def import_dsl(text: str | bytes, *, tools: ToolProvider | None = None) -> ImportResult:
    """Import a Dify DSL file; raise DifyImportError naming the place of the first problem.

    ``tools`` lists the plugins a Dify tool may map to (default: Loom's built-in plugins only)."""
    doc = dsl.load(text)
    registry = tools if tools is not None else ToolRegistry()
    try:
        first = _Import(doc, aliases=None, tools=registry)
        try:
            first.build()
        except DifyImportError:
            pass  # reported with its place by the second pass
        result = _Import(doc, aliases=first.ctx.aliases, tools=registry).build()
    except (AttributeError, TypeError, ValueError, KeyError, IndexError, RecursionError) as exc:
        # a section of an unexpected shape outside the nodes (env variables, features, edges)
        raise DifyImportError(f"unexpected content ({type(exc).__name__}: {exc})", "workflow") from None
    _validate(result.workflow, first.dify_types, registry)
    return result


class _Import:
    def __init__(self, doc: dsl.DslDocument, aliases: dict[str, Any] | None, tools: ToolProvider) -> None:
        self.doc = doc
        self.report = ImportReport(dify_version=doc.version, app_mode=doc.mode, app_name=doc.name)
        self.raw: dict[str, dict[str, Any]] = {}
        self.dify_types: dict[str, str] = {}
        notes = []
        for i, node in enumerate(doc.nodes):
            node_id = str(node.get("id") or "")
            if not node_id:
                raise DifyImportError("a node has no id", f"workflow.graph.nodes[{i}]")
            data = node.get("data") or {}
            kind = str(data.get("type") or "")
            if node.get("type") == "custom-note" or kind in NOTE_TYPES:
                notes.append(node_id)
                continue
            if node_id in self.raw:
                raise DifyImportError(f"duplicate node id '{node_id}'", f"workflow.graph.nodes[{i}]")
            self.raw[node_id] = node
            self.dify_types[node_id] = kind
        for node_id in notes:
            self.report.drop(node_id, "a note: canvas annotations are not part of a Loom workflow")
        starts = [n for n, t in self.dify_types.items() if t == "start"]
        if len(starts) != 1:
            raise DifyImportError(f"the graph needs exactly one start node, found {len(starts)}",
                                  "workflow.graph.nodes")
        self.ctx = MapContext(report=self.report, chat=doc.mode == "advanced-chat", dify_types=self.dify_types,
                              titles={n: str((r.get("data") or {}).get("title") or "") for n, r in self.raw.items()},
                              ids=self._loom_ids(), start_id="", start_dify_id=starts[0], tools=tools)
        self.ctx.start_id = self.ctx.ids[starts[0]]
        self.ctx.aliases = {k: dict(v) for k, v in (aliases or {}).items()}
        for node_id, node in self.raw.items():
            data = node.get("data") or {}
            parent = node.get("parentId") or (data.get("iteration_id") if data.get("isInIteration") else None) \
                or (data.get("loop_id") if data.get("isInLoop") else None)
            if parent:
                if str(parent) not in self.raw:
                    raise DifyImportError(f"its container '{parent}' does not exist", self.ctx.label(node_id))
                self.ctx.containers[node_id] = str(parent)

    def _loom_ids(self) -> dict[str, str]:
        ids: dict[str, str] = {}
        taken: set[str] = set()
        for node_id in self.raw:
            loom = node_id if NODE_ID.match(node_id) and node_id not in ("sys", "conversation", "env") \
                else identifier(node_id, "node")[:60]
            base, n = loom, 2
            while loom in taken:
                loom, n = f"{base}_{n}", n + 1
            taken.add(loom)
            ids[node_id] = loom
        return ids

    def build(self) -> ImportResult:
        ctx = self.ctx
        bind_environment(self.doc.environment_variables, ctx)
        conversation = conversation_variables(self.doc.conversation_variables, ctx)
        self.table = MAPPERS
        for node_id, kind in self.dify_types.items():
            if kind in UNSUPPORTED:
                raise DifyImportError(f"'{kind}' nodes cannot be imported: {UNSUPPORTED[kind]}", ctx.label(node_id))
            if kind not in self.table and kind not in STRUCTURAL and kind != "loop-end":
                raise DifyImportError(f"unknown node type '{kind}' (Loom maps: {', '.join(sorted(self.table))})",
                                      ctx.label(node_id))
        ctx.body = self.scope
        nodes, edges = self.scope(None)
        if ctx.chat and not any(n["type"] == "end" for n in nodes):
            self.close_chat(nodes, edges)
        start = next(n for n in nodes if n["type"] == "start")
        start["config"]["variables"].extend(ctx.start_extra)
        workflow: dict[str, Any] = {"version": "1", "name": self.doc.name[:200], "description": self.doc.description,
                                    "mode": "chat" if ctx.chat else "workflow", "nodes": nodes, "edges": edges}
        if conversation:
            workflow["conversation_variables"] = conversation
        app = self.features()
        if app:
            workflow["app"] = app
        return ImportResult(workflow=workflow, report=self.report)

    def close_chat(self, nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> None:
        """A Dify chatflow replies through its answer nodes and has no end node; Loom's graph ends in one."""
        taken = {n["id"] for n in nodes}
        end_id, n = "end", 2
        while end_id in taken:
            end_id, n = f"end_{n}", n + 1
        sources = {e["source"] for e in edges}
        sinks = [node["id"] for node in nodes if node["id"] not in sources]
        nodes.append({"id": end_id, "type": "end", "title": "End"})
        edges.extend({"source": sink, "target": end_id} for sink in sinks)

    def features(self) -> dict[str, Any] | None:
        features = self.doc.features
        for name, value in features.items():
            if isinstance(value, dict) and value.get("enabled") and name not in ("retriever_resource",):
                self.report.warnings.append(f"feature '{name}' is not carried over")
        opening = str(features.get("opening_statement") or "")
        questions = [str(q) for q in features.get("suggested_questions") or [] if str(q).strip()]
        if not self.ctx.chat or not (opening or questions):
            return None
        return {"opening_statement": opening, "suggested_questions": questions}

    def scope(self, container: str | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        ctx = self.ctx
        members = [n for n in self.raw if ctx.containers.get(n) == container]
        nodes: list[dict[str, Any]] = []
        afters: dict[str, str] = {}
        befores: dict[str, list[str]] = {}
        skipped: set[str] = set()
        for node_id in members:
            kind = self.dify_types[node_id]
            if kind in STRUCTURAL:
                skipped.add(node_id)
                continue
            if kind == "loop-end":
                self.report.drop(node_id, "loop-end (break) has no Loom node; the loop stops on its conditions")
                skipped.add(node_id)
                continue
            data = self.raw[node_id].get("data") or {}
            try:
                built: Built = self.table[kind](node_id, data, ctx)
            except (AttributeError, TypeError, ValueError, KeyError, IndexError) as exc:
                # a field of an unexpected shape (a string where Dify writes a list, …)
                raise DifyImportError(f"unexpected content ({type(exc).__name__}: {exc})",
                                      ctx.label(node_id)) from None
            nodes.extend(built.before)
            if built.before:
                befores[ctx.ids[node_id]] = [n["id"] for n in built.before]
            nodes.append(self.loom_node(node_id, data, built))
            if built.after is not None:
                nodes.append(built.after)
                afters[node_id] = built.after["id"]
        edges = self.edges(set(members) - skipped, afters, container)
        for target, extra in befores.items():
            edges += [{**edge, "target": before} for edge in edges if edge["target"] == target for before in extra]
            edges += [{"source": before, "target": target} for before in extra]
        return nodes, edges

    def loom_node(self, node_id: str, data: dict[str, Any], built: Built) -> dict[str, Any]:
        ctx = self.ctx
        node: dict[str, Any] = {"id": ctx.ids[node_id], "type": built.type}
        title = str(data.get("title") or "").strip()
        if title:
            node["title"] = "".join(c for c in title if c.isprintable())[:200]
        position = self.raw[node_id].get("position")
        if isinstance(position, dict) and {"x", "y"} <= set(position):
            node["position"] = {"x": float(position["x"]), "y": float(position["y"])}
        if built.inputs:
            node["inputs"] = built.inputs
        if built.config:
            node["config"] = built.config
        error = policies.on_error(node_id, data, ctx)
        if error:
            node["on_error"] = error
        retry = policies.retry(node_id, data, ctx)
        if retry:
            node["retry"] = retry
        self.report.mapped.append(MappedNode(dify_id=node_id, dify_type=self.dify_types[node_id],
                                             loom_id=node["id"], loom_type=built.type))
        return node

    def edges(self, members: set[str], afters: dict[str, str], container: str | None) -> list[dict[str, Any]]:
        ctx = self.ctx
        found: list[dict[str, Any]] = []
        seen: set[tuple[str, str, str]] = set()
        for source, target in afters.items():
            found.append({"source": ctx.ids[source], "target": target})
        for i, edge in enumerate(self.doc.edges):
            source, target = str(edge.get("source") or ""), str(edge.get("target") or "")
            if source not in self.raw or target not in self.raw:
                known = set(self.raw) | {str(n.get("id")) for n in self.doc.nodes}
                if container is None and (source not in known or target not in known):
                    self.report.warnings.append(f"edge {edge.get('id', i)} joins a node that does not exist; dropped")
                continue
            if source not in members or target not in members:
                if (source in members) != (target in members) and source in self.raw and target in self.raw \
                        and self.dify_types.get(source) not in STRUCTURAL:
                    self.report.warnings.append(f"edge {edge.get('id', i)} crosses a container boundary; dropped")
                continue
            handle = policies.edge_handle(self.dify_types[source], edge.get("sourceHandle"))
            loom_source = afters.get(source, ctx.ids[source]) if handle == "out" else ctx.ids[source]
            key = (loom_source, ctx.ids[target], handle)
            if key in seen:
                continue
            seen.add(key)
            item: dict[str, Any] = {"source": loom_source, "target": ctx.ids[target]}
            if handle != "out":
                item["source_handle"] = handle
            found.append(item)
        return found


def _validate(workflow: dict[str, Any], dify_types: dict[str, str], tools: ToolProvider) -> None:
    try:
        validate(workflow, CATALOG, Services(tools=tools))
    except DefinitionError as exc:
        issue = exc.issues[0]
        kind = dify_types.get(issue.node_id)
        where = f"node '{issue.node_id}' ({kind})" if kind else (issue.node_id or "workflow")
        more = f" (and {len(exc.issues) - 1} more)" if len(exc.issues) > 1 else ""
        raise DifyImportError(f"the imported workflow is not valid: {issue.message}{more}",
                              f"{where}: {issue.field}" if issue.field else where) from None
