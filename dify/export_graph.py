"""A Loom graph (nodes, edges, containers' sub-graphs) as Dify's ``graph`` section (the export direction)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from dify.export_conditions import condition
from dify.export_nodes import BUILDERS, Context
from dify.export_refs import Unexportable

NODE_WIDTH, COLUMN, ROW = 244, 300, 150
ERROR_STRATEGIES = {"branch": "fail-branch", "default": "default-value"}


class GraphWriter:
    """Collects Dify nodes and edges for one workflow; ``problems`` gathers every node Dify cannot express."""

    def __init__(self, ctx: Context, drop_ends: bool) -> None:
        self.ctx = ctx
        self.drop_ends = drop_ends
        self.nodes: list[dict[str, Any]] = []
        self.edges: list[dict[str, Any]] = []
        self.problems: list[tuple[str, str]] = []
        self.kinds: dict[str, str] = {}  # node id → Dify node type, for the edges' data

    def write(self, nodes: list[Mapping[str, Any]], edges: list[Mapping[str, Any]],
              parent: Mapping[str, Any] | None = None) -> None:
        """Write one level of the graph: the top level, or a container's sub-graph under ``parent``."""
        positions = layout(nodes, edges)
        for node in nodes:
            if self.drop_ends and parent is None and node["type"] == "end":
                self.kinds[node["id"]] = "dropped"  # the answer nodes give a chatflow's reply
                continue
            try:
                self._node(node, positions[node["id"]], parent)
            except Unexportable as exc:
                self.problems.append((node["id"], f"({node['type']}) {exc}"))
            except (KeyError, TypeError, ValueError, AttributeError, SyntaxError) as exc:
                self.problems.append((node["id"], f"({node['type']}) has a config Dify cannot express: {exc!r}"))
        for edge in edges:
            if self.drop_ends and parent is None and edge["target"] in self.dropped:
                continue
            self._edge(edge, parent)

    @property
    def dropped(self) -> set[str]:
        return {nid for nid, kind in self.kinds.items() if kind == "dropped"}

    def _node(self, node: Mapping[str, Any], position: dict[str, float], parent: Mapping[str, Any] | None
              ) -> None:
        kind, config = node["type"], node.get("config", {})
        if kind in ("iteration", "loop"):
            data = self._container(node, config)
            dify_type = kind
        elif kind == "end" and self.ctx.chat:
            data, dify_type = self._chat_end(node, config), "answer"
        elif kind in BUILDERS:
            dify_type, build = BUILDERS[kind]
            data = build(node, config, self.ctx)
        else:
            raise Unexportable("Dify has no node of this type")
        data = {"type": dify_type, "title": node.get("title") or node["id"], "desc": node.get("description")
                or "", "selected": False, **data, **self._policies(node)}
        entry: dict[str, Any] = {"id": node["id"], "type": "custom", "data": data,
                                 "position": dict(node.get("position") or position),
                                 "sourcePosition": "right", "targetPosition": "left", "width": NODE_WIDTH}
        if parent is not None:
            self._inside(entry, parent)
        self.kinds[node["id"]] = dify_type
        self.nodes.append(entry)

    def _chat_end(self, node: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, Any]:
        # A chatflow replies through answer nodes; a chat workflow's end node gives the reply from `answer`.
        inputs = node.get("inputs", {})
        if config.get("answer_template"):
            return {"answer": self.ctx.selectors.template(config["answer_template"], inputs), "variables": []}
        texts = [n for n in inputs if n == "answer"] or [n for n in inputs if "ref" in inputs[n]][:1]
        if not texts:
            raise Unexportable("a chat end node without an 'answer' input; Dify chatflows reply with answers")
        return {"answer": self.ctx.selectors.template("{{" + texts[0] + "}}", inputs), "variables": []}

    def _policies(self, node: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        retry = node.get("retry")
        if retry:
            out["retry_config"] = {"retry_enabled": True, "max_retries": retry.get("max_attempts", 2) - 1,
                                   "retry_interval": retry.get("backoff_ms", 500)}
        policy = node.get("on_error") or {}
        strategy = policy.get("strategy", "fail")
        if strategy in ERROR_STRATEGIES:
            out["error_strategy"] = ERROR_STRATEGIES[strategy]
        if strategy == "default":
            types = self.ctx.types.get(node["id"], {})
            out["default_value"] = [{"key": k, "type": dify_value_type(types.get(k, "string"), v), "value": v}
                                    for k, v in policy.get("default_outputs", {}).items()]
        return out

    def _inside(self, entry: dict[str, Any], parent: Mapping[str, Any]) -> None:
        flag = "isInIteration" if parent["type"] == "iteration" else "isInLoop"
        entry["parentId"] = parent["id"]
        entry["zIndex"] = 1002
        entry["data"][flag] = True
        entry["data"]["iteration_id" if flag == "isInIteration" else "loop_id"] = parent["id"]

    def _container(self, node: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, Any]:
        kind, inputs, ctx = node["type"], node.get("inputs", {}), self.ctx
        extra = sorted(set(inputs) - {"items"})
        if extra:
            raise Unexportable(f"container inputs other than items ({', '.join(extra)}); Dify's inner nodes "
                               "read upstream nodes directly")
        start_id = f"{node['id']}start"
        children, edges = list(config.get("nodes", [])), [dict(e) for e in config.get("edges", [])]
        data: dict[str, Any] = {"start_node_id": start_id, "error_handle_mode": "terminated",
                                "width": 808, "height": 240}
        if kind == "iteration":
            items = ctx.selectors.source(inputs["items"])
            output_ref = config["output"]["ref"]
            data.update(iterator_selector=items, output_selector=ctx.selectors.selector(output_ref),
                        iterator_input_type=ctx.type_of(inputs["items"]["ref"]),
                        output_type=_array_of(ctx.type_of(output_ref), node["id"] in ctx.flattened),
                        is_parallel=bool(config.get("parallel")),
                        parallel_nums=config.get("max_concurrency", 4),
                        flatten_output=node["id"] in ctx.flattened,
                        error_handle_mode={"stop": "terminated", "skip": "remove-abnormal-output",
                                           "collect": "continue-on-error"}[config.get("error_mode", "stop")])
        else:
            data.update(loop_count=config.get("max_rounds", 10), logical_operator=config.get("logic", "and"),
                        loop_variables=[_loop_variable(node["id"], v, ctx) for v in config.get("variables", [])],
                        break_conditions=[condition(c, ctx.selectors, ctx.type_of, f"{node['id']}-until-{i}")
                                          for i, c in enumerate(config.get("until", []))])
            updates = [v for v in config.get("variables", []) if v.get("update")]
            if updates:
                children, edges = _with_update(node["id"], updates, children, edges)
        targets = {e["target"] for e in edges}
        entries = [c["id"] for c in children if c["id"] not in targets]
        start_type = f"{kind}-start"
        start_node = {"id": start_id, "type": f"custom-{start_type}", "parentId": node["id"],
                           "data": {"type": start_type, "title": "", "desc": "", "selected": False,
                                    "isInIteration" if kind == "iteration" else "isInLoop": True},
                           "position": {"x": 24, "y": 68}, "draggable": False, "selectable": False,
                           "sourcePosition": "right", "targetPosition": "left", "width": 44, "height": 48,
                           "zIndex": 1002}
        self.kinds[start_id] = start_type
        inner = [{"source": start_id, "target": t} for t in entries]
        self._pending.append((start_node, children, inner + edges, node))
        return data

    def _edge(self, edge: Mapping[str, Any], parent: Mapping[str, Any] | None) -> None:
        source, target = edge["source"], edge["target"]
        handle = edge.get("source_handle", "out")
        source_kind = self.kinds.get(source, "")
        if handle == "out":
            dify_handle = "source"
        elif handle == "error":
            dify_handle = "fail-branch"
        elif handle == "else" and self.ctx.selectors.node_types.get(source) == "if-else":
            dify_handle = "false"
        elif handle == "else":
            self.problems.append((source, "its 'else' branch has no Dify equivalent (a classifier always picks "
                                          "one of its classes there)"))
            return
        else:
            dify_handle = handle
        data: dict[str, Any] = {"sourceType": source_kind, "targetType": self.kinds.get(target, ""),
                                "isInIteration": bool(parent and parent["type"] == "iteration"),
                                "isInLoop": bool(parent and parent["type"] == "loop")}
        if parent is not None:
            data["iteration_id" if parent["type"] == "iteration" else "loop_id"] = parent["id"]
        self.edges.append({"id": f"{source}-{dify_handle}-{target}-target", "source": source,
                           "sourceHandle": dify_handle, "target": target, "targetHandle": "target",
                           "type": "custom", "data": data, "zIndex": 1002 if parent is not None else 0})

    _pending: list[tuple[dict[str, Any], list[Any], list[Any], Mapping[str, Any]]]

    def write_all(self, nodes: list[Mapping[str, Any]], edges: list[Mapping[str, Any]]) -> None:
        """The top level, then every container's sub-graph (containers nest)."""
        self._pending = []
        self.write(nodes, edges)
        while self._pending:
            start_node, children, inner_edges, parent = self._pending.pop(0)
            self.nodes.append(start_node)  # after its container: the canvas needs a parent before its children
            self.write(children, inner_edges, parent)


def _with_update(loop_id: str, updates: list[Mapping[str, Any]], children: list[Any], edges: list[Any]
                 ) -> tuple[list[Any], list[Any]]:
    """Dify loops change their variables through assigner nodes; Loom's `update` refs become one at the end."""
    taken = {c["id"] for c in children}
    update_id = next(i for i in (f"{loop_id}-update" + (f"-{n}" if n else "") for n in range(len(taken) + 1))
                     if i not in taken)
    sources = {e["source"] for e in edges}
    sinks = [c["id"] for c in children if c["id"] not in sources]
    items = [{"variable": {"ref": f"{loop_id}.{v['name']}"}, "operation": "set", "value": {"ref": v["update"]["ref"]}}
             for v in updates]
    node = {"id": update_id, "type": "variable-assigner", "title": "Update loop variables", "config": {"items": items}}
    return [*children, node], [*edges, *({"source": s, "target": update_id} for s in sinks)]


def _loop_variable(loop_id: str, var: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    value = var["value"]
    entry: dict[str, Any] = {"id": f"{loop_id}-{var['name']}", "label": var["name"],
                             "var_type": dify_value_type(var["type"], value.get("value"))}
    if "ref" in value:
        entry.update(value_type="variable", value=ctx.selectors.selector(value["ref"]))
    else:
        literal = value.get("value")
        text = literal if isinstance(literal, str) else json.dumps(literal, ensure_ascii=False)
        entry.update(value_type="constant", value=text)
    return entry


def dify_value_type(kind: str, value: Any) -> str:
    """A Loom type as Dify's variable type (integer → number; any → from the value)."""
    if kind == "integer":
        return "number"
    if kind == "any":
        if isinstance(value, bool):
            return "boolean"
        if isinstance(value, (int, float)):
            return "number"
        return "object" if isinstance(value, (dict, list)) else "string"
    return kind


def _array_of(kind: str, nested: bool = False) -> str:
    if nested:  # a list of lists that Dify flattens
        return f"array[{kind}]" if kind.startswith("array[") else "array[array[object]]"
    if kind in ("string", "number", "object", "file"):
        return f"array[{kind}]"
    if kind == "integer":
        return "array[number]"
    return "array[object]" if kind.startswith("array") or kind == "any" else "array[string]"


def layout(nodes: list[Mapping[str, Any]], edges: list[Mapping[str, Any]]) -> dict[str, dict[str, float]]:
    """Positions by longest path from the entries, for nodes saved without one."""
    depth = {n["id"]: 0 for n in nodes}
    for _ in range(len(nodes)):
        changed = False
        for e in edges:
            if e["source"] in depth and e["target"] in depth and depth[e["target"]] < depth[e["source"]] + 1:
                depth[e["target"]] = depth[e["source"]] + 1
                changed = True
        if not changed:
            break
    rows: dict[int, int] = {}
    out: dict[str, dict[str, float]] = {}
    for n in nodes:
        d = depth[n["id"]]
        out[n["id"]] = {"x": 80 + COLUMN * d, "y": 280 + ROW * rows.get(d, 0)}
        rows[d] = rows.get(d, 0) + 1
    return out
