"""Iteration and loop containers, and the assigner (conversation variables, or a loop's own variables)."""

from __future__ import annotations

import json
from typing import Any

from dify import selectors
from dify.context import Inputs, MapContext
from dify.errors import DifyImportError
from dify.nodes.base import Built
from dify.nodes.conditions import conditions
from dify.nodes.transform import loom_type
from dify.report import MappedNode

ERROR_MODES = {"terminated": "stop", "continue-on-error": "collect", "remove-abnormal-output": "skip"}
# Dify assigner operations (v2 items) → Loom variable-assigner operations.
OPERATIONS = {"over-write": "set", "set": "set", "clear": "clear", "append": "append", "extend": "extend",
              "+=": "increment", "-=": "decrement", "remove-first": "remove_first", "remove-last": "remove_last"}
V1_MODES = {"over-write": "set", "append": "append", "clear": "clear"}


def _body(dify_id: str, ctx: MapContext) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    assert ctx.body is not None
    return ctx.body(dify_id)


def iteration(dify_id: str, data: dict[str, Any], ctx: MapContext) -> Built:
    label = ctx.label(dify_id)
    items = selectors.source(data.get("iterator_selector"), ctx, f"{label}: iterator_selector")
    nodes, edges = _body(dify_id, ctx)
    output = selectors.source(data.get("output_selector"), ctx, f"{label}: output_selector")
    if "ref" not in output:
        raise DifyImportError("the iteration output must read a node inside it", f"{label}: output_selector")
    config: dict[str, Any] = {"nodes": nodes, "edges": edges, "output": output}
    if data.get("is_parallel"):
        config["parallel"] = True
        config["max_concurrency"] = max(1, min(64, int(data.get("parallel_nums") or 4)))
    config["error_mode"] = ERROR_MODES.get(str(data.get("error_handle_mode") or "terminated"), "stop")
    after = None
    if data.get("flatten_output", True) and str(data.get("output_type") or "").startswith("array[array"):
        after = _flattener(dify_id, ctx)
    return Built(type="iteration", config=config, inputs={"items": items}, after=after)


def _flattener(dify_id: str, ctx: MapContext) -> dict[str, Any]:
    """Dify flattens an iteration's list of lists (``flatten_output``, on by default); a code node behind the
    iteration does it in Loom, and refs to the iteration's output read it there."""
    loom_id = f"{ctx.ids[dify_id]}_flat"[:64]
    ctx.aliases.setdefault(ctx.ids[dify_id], {})["output"] = lambda path: [f"@{loom_id}", *path]
    code = ("def main(args: dict) -> dict:\n    items = args.get('items') or []\n"
            "    if all(isinstance(i, list) for i in items):\n"
            "        return {'output': [x for i in items for x in i]}\n    return {'output': items}\n")
    return {"id": loom_id, "type": "code", "title": "Flatten iteration output",
            "inputs": {"items": {"ref": f"{ctx.ids[dify_id]}.output"}},
            "config": {"code": code, "outputs": {"output": "any"}}}


def _constant(value: Any, var_type: str) -> Any:
    if isinstance(value, str) and var_type != "string":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def loop(dify_id: str, data: dict[str, Any], ctx: MapContext) -> Built:
    label = ctx.label(dify_id)
    variables: list[dict[str, Any]] = []
    declared: dict[str, str] = {}
    for i, var in enumerate(data.get("loop_variables") or []):
        name, var_type = str(var.get("label") or ""), loom_type(var.get("var_type"))
        if var.get("value_type") == "variable":
            value = selectors.source(var.get("value"), ctx, f"{label}: loop_variables[{i}].value")
        else:
            value = {"value": _constant(var.get("value"), var_type)}
        declared[name] = var_type
        variables.append({"name": name, "type": var_type, "value": value})
    ctx.loop_vars[dify_id] = declared
    nodes, edges = _body(dify_id, ctx)
    updates = ctx.loop_updates.get(dify_id, {})
    nodes, edges = _copies_as_updates(dify_id, updates, nodes, edges, ctx)
    for var in variables:
        update = updates.get(str(var["name"]))
        if update:
            var["update"] = {"ref": update}
    _read_after_assignment(ctx.ids[dify_id], updates, nodes, edges)
    logic = str(data.get("logical_operator") or "and")
    until = conditions(data.get("break_conditions") or [], logic, ctx, f"{label}: break_conditions")
    config: dict[str, Any] = {"nodes": nodes, "edges": edges, "variables": variables, "until": until,
                              "logic": logic if logic in ("and", "or") else "and",
                              "max_rounds": max(1, int(data.get("loop_count") or 10))}
    if until:  # Dify checks the break conditions before the first round too
        config["check_first"] = True
    return Built(type="loop", config=config)


def _copies_as_updates(dify_id: str, updates: dict[str, str], nodes: list[dict[str, Any]],
                       edges: list[dict[str, Any]], ctx: MapContext
                       ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """An assigner that only copies values into the loop's variables and ends the round is what the loop's
    ``update`` refs say already: the loop reads the copied values directly, and the node goes (so an export,
    which writes the updates as such an assigner, imports back to the same graph)."""
    loop_id = ctx.ids[dify_id]
    sources = {edge["source"] for edge in edges}
    for assigner_id, copies in ctx.loop_copies.items():
        loom_id = ctx.ids[assigner_id]
        if ctx.containers.get(assigner_id) != dify_id or loom_id in sources:
            continue
        if any(updates.get(name) != f"{loom_id}.{name}" for name in copies):
            continue
        updates.update(copies)
        nodes = [node for node in nodes if node["id"] != loom_id]
        edges = [edge for edge in edges if edge["target"] != loom_id]
        ctx.report.mapped[:] = [m for m in ctx.report.mapped if m.dify_id != assigner_id]
        ctx.report.approximated[:] = [n for n in ctx.report.approximated if n.node_id != assigner_id]
        ctx.report.mapped.append(MappedNode(dify_id=assigner_id, dify_type="assigner", loom_id=loop_id,
                                            loom_type="loop (variables' update)"))
    return nodes, edges


def _read_after_assignment(loop_id: str, updates: dict[str, str], nodes: list[dict[str, Any]],
                           edges: list[dict[str, Any]]) -> None:
    """In Dify a node after an assigner in the same round reads the new value; in Loom the loop variable holds
    the value of the round's start, so those nodes read the assigner's output instead."""
    children: dict[str, list[str]] = {}
    for edge in edges:
        children.setdefault(edge["source"], []).append(edge["target"])
    for var, update in updates.items():
        assigner_id = update.split(".", 1)[0]
        seen, todo = set(), list(children.get(assigner_id, []))
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo.extend(children.get(current, []))
        old, new = f"{loop_id}.{var}", update
        for node in nodes:
            if node["id"] in seen:
                _replace_refs(node, old, new)


def _replace_refs(value: Any, old: str, new: str) -> None:
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, item in list(items):
        if isinstance(item, dict) and isinstance(item.get("ref"), str) and len(item) == 1 \
                and (item["ref"] == old or item["ref"].startswith(old + ".")):
            value[key] = {"ref": new + item["ref"][len(old):]}
        else:
            _replace_refs(item, old, new)


def assigner(dify_id: str, data: dict[str, Any], ctx: MapContext) -> Built:
    label = ctx.label(dify_id)
    if "items" not in data:  # v1: one assignment
        items = [{"variable_selector": data.get("assigned_variable_selector"), "input_type": "variable",
                  "operation": V1_MODES.get(str(data.get("write_mode") or "over-write"), "set"),
                  "value": data.get("input_variable_selector")}]
    else:
        items = list(data.get("items") or [])
    targets = [(item.get("variable_selector") or [None])[0] for item in items]
    loop_id = ctx.containers.get(dify_id)
    if loop_id and loop_id in ctx.loop_vars and loop_id in targets:
        return _loop_assigner(dify_id, items, loop_id, ctx)
    assignments = []
    for i, item in enumerate(items):
        where = f"{label}: items[{i}]"
        operation = OPERATIONS.get(str(item.get("operation") or "over-write"))
        if operation is None:
            ctx.report.approximate(dify_id, f"operation '{item.get('operation')}' on "
                                   f"{item.get('variable_selector')} has no Loom equivalent; left out")
            continue
        target = selectors.source(item.get("variable_selector"), ctx, f"{where}.variable_selector")
        entry: dict[str, Any] = {"variable": target, "operation": operation}
        if operation not in ("clear", "remove_first", "remove_last"):
            value = item.get("value")
            if item.get("input_type") == "variable" or operation == "set" and isinstance(value, list) \
                    and item.get("input_type") != "constant":
                entry["value"] = selectors.source(value, ctx, f"{where}.value")
            elif value is not None:
                entry["value"] = {"value": value}
        assignments.append(entry)
    if not assignments:
        raise DifyImportError("no assignment of this node has a Loom equivalent", label)
    return Built(type="variable-assigner", config={"items": assignments})


def _loop_assigner(dify_id: str, items: list[dict[str, Any]], loop_id: str, ctx: MapContext) -> Built:
    """Assignments to a loop's variables: a code node computes the new values, and the loop takes them as each
    variable's ``update`` after the round."""
    label = ctx.label(dify_id)
    inputs = Inputs(ctx, dify_id)
    lines = ["def main(args: dict) -> dict:", "    out = {}"]
    outputs: dict[str, str] = {}
    copies: dict[str, str] = {}
    for i, item in enumerate(items):
        selector = item.get("variable_selector") or []
        if not selector or selector[0] != loop_id:
            ctx.report.approximate(dify_id, f"item {i}: an assignment outside the loop's variables in the same "
                                   "node as loop-variable assignments is left out")
            continue
        name = str(selector[1])
        current = inputs.add(f"current_{name}", {"ref": f"{ctx.ids[loop_id]}.{name}"}, key=f"cur:{name}")
        read = f"out.get({name!r}, args.get({current!r}))"
        operation = str(item.get("operation") or "over-write")
        value_expr = "None"
        if operation not in ("clear", "remove-first", "remove-last"):
            if item.get("input_type") == "variable":
                source = selectors.source(item.get("value"), ctx, f"{label}: items[{i}].value")
                operand = inputs.add(f"value_{name}", source)
                if operation in ("over-write", "set") and "ref" in source \
                        and not source["ref"].startswith(f"{ctx.ids[loop_id]}."):  # not another loop variable
                    copies[name] = source["ref"]
            else:
                operand = inputs.add(f"value_{name}", {"value": item.get("value")})
            value_expr = f"args.get({operand!r})"
        expression = {
            "over-write": value_expr, "set": value_expr, "append": f"list({read} or []) + [{value_expr}]",
            "extend": f"list({read} or []) + list({value_expr} or [])", "+=": f"{read} + {value_expr}",
            "-=": f"{read} - {value_expr}", "*=": f"{read} * {value_expr}", "/=": f"{read} / {value_expr}",
            "clear": "type(" + read + ")()", "remove-first": f"list({read} or [])[1:]",
            "remove-last": f"list({read} or [])[:-1]"}.get(operation)
        if expression is None:
            raise DifyImportError(f"unknown assigner operation '{operation}'", f"{label}: items[{i}].operation")
        lines.append(f"    out[{name!r}] = {expression}")
        outputs[name] = ctx.loop_vars[loop_id].get(name, "any")
        ctx.loop_updates.setdefault(loop_id, {})[name] = f"{ctx.ids[dify_id]}.{name}"
    lines.append("    return out")
    if copies and len(copies) == len(items) == len(outputs):
        ctx.loop_copies[dify_id] = copies
    ctx.report.approximate(dify_id, "assigns loop variables: a code node computes the new values; the nodes "
                           "after it in the round read them there, and the loop takes them after the round")
    return Built(type="code", config={"code": "\n".join(lines) + "\n", "outputs": outputs}, inputs=inputs.values)
