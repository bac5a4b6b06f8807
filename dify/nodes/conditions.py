"""Dify comparison operators → Loom if-else conditions, keeping Dify's semantics.

Dify's ``empty`` is Python falsiness (``None``, ``""``, ``[]``, ``{}``): a string of spaces is *not* empty there,
while Loom's ``is_empty`` counts whitespace as empty, so ``empty`` on text becomes ``length_eq 0``.
``all of`` becomes one ``contains`` per value (only under ``and`` logic, or with a single value).

Dify's ``is not``/``≠`` are false on a null value (Loom's ``ne`` true): with a literal they become ``not_in
[value, null]``; with a variable, ``is_not_null`` and ``ne`` (under ``and`` logic). Dify's ``empty`` on numbers
and booleans is falsiness too (``0``, ``false``, null): ``in [0, null]`` / ``in [false, null]``. Dify's ``in``
never holds for an empty value and ``not in`` always does: an empty string is left out of their lists; nor do
``contains``, ``start with``, ``end with`` on an empty string, so with an empty value they become ``length_gt 0``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dify import selectors, templates
from dify.context import Inputs, MapContext, identifier

SIMPLE = {"contains": "contains", "not contains": "not_contains", "start with": "starts_with",
          "end with": "ends_with", "is": "eq", "is not": "ne", "=": "eq", "≠": "ne", "!=": "ne", ">": "gt",
          "<": "lt", "≥": "ge", ">=": "ge", "≤": "le", "<=": "le", "null": "is_null", "not null": "is_not_null",
          "exists": "is_not_null", "not exists": "is_null", "in": "in", "not in": "not_in"}
NUMERIC = {"gt", "lt", "ge", "le"}
UNARY = {"is_null", "is_not_null", "is_empty", "is_not_empty", "length_eq", "length_gt"}
LENGTHY = ("string", "array", "object", "file")


def conditions(items: list[dict[str, Any]], logic: str, ctx: MapContext, where: str,
               left_key: str = "variable_selector", before: Before | None = None) -> list[dict[str, Any]]:
    """Loom conditions ``{left, op, right?}`` for Dify's; ``left_key`` names the selector field. With ``before``,
    a value mixing text and variables is rendered by a template node it collects."""
    found: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        here = f"{where}[{i}]"
        left = selectors.source(item.get(left_key), ctx, f"{here}.{left_key}")
        for made in condition(left, item, logic, ctx, here, before):
            if made not in found:  # a null check an earlier condition already makes
                found.append(made)
    return found


def condition(left: dict[str, Any], item: dict[str, Any], logic: str, ctx: MapContext,
              where: str, before: Before | None = None) -> list[dict[str, Any]]:
    op = str(item.get("comparison_operator") or "")
    var_type = str(item.get("varType") or "string")
    lengthy = var_type.startswith(LENGTHY)
    value = item.get("value")
    if op in ("empty", "not empty"):
        if lengthy:
            return [{"left": left, "op": "length_eq" if op == "empty" else "length_gt", "right": {"value": 0}}]
        falsy = [False, None] if var_type == "boolean" else [0, None]
        return [{"left": left, "op": "in" if op == "empty" else "not_in", "right": {"value": falsy}}]
    if op == "all of":
        values = value if isinstance(value, list) else [value]
        if logic == "or" and len(values) > 1:
            ctx.report.approximate(where, "'all of' under 'or' logic checks only its first value")
            values = values[:1]
        return [{"left": left, "op": "contains", "right": right_value(v, ctx, where, before)} for v in values]
    if op not in SIMPLE:
        from dify.errors import DifyImportError

        raise DifyImportError(f"unknown comparison operator '{op}'", f"{where}.comparison_operator")
    loom_op = SIMPLE[op]
    if item.get("sub_variable_condition"):
        ctx.report.approximate(where, "conditions on file properties (sub_variable_condition) are not carried over")
    if loom_op in ("is_null", "is_not_null"):
        return [{"left": left, "op": loom_op}]
    if loom_op in NUMERIC or (loom_op in ("eq", "ne") and var_type == "number"):
        value = _number(value)
    right = right_value(value, ctx, where, before)
    if loom_op == "ne":
        if "value" in right:  # false on null, as in Dify
            return [{"left": left, "op": "not_in", "right": {"value": [right["value"], None]}}]
        if logic == "or":
            ctx.report.approximate(where, f"'{op}' on a variable under 'or' logic holds on a null value too")
            return [{"left": left, "op": "ne", "right": right}]
        return [{"left": left, "op": "is_not_null"}, {"left": left, "op": "ne", "right": right}]
    if loom_op in ("contains", "starts_with", "ends_with") and right == {"value": ""} and var_type == "string":
        return [{"left": left, "op": "length_gt", "right": {"value": 0}}]  # Dify: false on "", true otherwise
    if loom_op in ("in", "not_in") and isinstance(right.get("value"), list):
        right = {"value": [v for v in right["value"] if v != ""]}  # an empty value is never in Dify's list
    return [{"left": left, "op": loom_op, "right": right}]


def right_value(value: Any, ctx: MapContext, where: str, before: Before | None = None) -> dict[str, Any]:
    """A literal, a ref when the value is exactly one ``{{#node.var#}}`` placeholder, or the output of a template
    node (collected in ``before``) when it mixes text and placeholders."""
    if isinstance(value, str):
        dotted = templates.single_selector(value)
        if dotted is not None:
            return selectors.source(templates.selector_of(dotted), ctx, f"{where}.value")
        if templates.DIFY_VAR.search(value):
            if before is None:
                ctx.report.approximate(where, "a condition value mixing text and variables is compared as literal "
                                       "text")
                return {"value": value}
            inputs = Inputs(ctx, before.dify_id)
            node_id = identifier(f"{ctx.ids[before.dify_id]}_value_{len(before.nodes) + 1}")[:64]
            before.nodes.append({"id": node_id, "type": "template-transform", "title": f"value for {where}"[:200],
                                 "inputs": inputs.values,
                                 "config": {"template": templates.rewrite(value, inputs, f"{where}.value")}})
            return {"ref": f"{node_id}.output"}
    return {"value": value}


@dataclass
class Before:
    """Template nodes a node's conditions need, run just before it."""

    dify_id: str
    nodes: list[dict[str, Any]] = field(default_factory=list)


def _number(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            try:
                return float(text)
            except ValueError:
                return value
    return value
