"""``list-operator``: filter, sort, slice and pick from the array input ``items``, in that order.

Outputs ``result`` (the array), ``first_record`` and ``last_record`` (``None`` when the result is empty).
Filter conditions use the if-else operators (nodes/conditions.py) on each item, or on one key of each
object item; ``item_type`` declares what the array holds so the outputs are typed and the operators checked.
"""

from __future__ import annotations

from functools import cmp_to_key
from typing import Any, Literal

from pydantic import Field

from engine.errors import Issue, NodeError
from engine.models import NodeDef, Strict
from engine.spec import NodeContext, NodeResult, NodeSpec, RefUse, Services
from engine.types import infer_type, is_compatible
from nodes.conditions import LEFT_TYPES, RIGHT_TYPES, UNARY, Operator, evaluate

INPUT = "items"
ItemType = Literal["string", "number", "object", "file", "any"]


class ItemCondition(Strict):
    """``item[key] op value`` (the item itself when ``key`` is absent); unary operators take no value."""

    key: str | None = Field(None, min_length=1, max_length=200)
    op: Operator
    value: Any = None


class ListFilter(Strict):
    """Keep the items for which the conditions hold (all of them, or any)."""

    logic: Literal["and", "or"] = "and"
    conditions: list[ItemCondition] = Field(min_length=1)


class ListSort(Strict):
    """Order by the item itself or by one key of object items; absent values sort last."""

    key: str | None = Field(None, min_length=1, max_length=200)
    order: Literal["asc", "desc"] = "asc"


class ListSlice(Strict):
    """Keep the first or the last ``count`` items."""

    take: Literal["first", "last"] = "first"
    count: int = Field(ge=0, le=1_000_000)


class ListExtract(Strict):
    """Keep only the item at ``index`` (0 is the first, -1 the last); out of range fails the node."""

    index: int


class ListOperatorConfig(Strict):
    """Each step is optional; they apply in the order filter, sort, slice, extract."""

    item_type: ItemType = "any"
    filter: ListFilter | None = None
    sort: ListSort | None = None
    slice: ListSlice | None = None
    extract: ListExtract | None = None


def _array_type(item_type: str) -> str:
    return "any" if item_type == "any" else f"array[{item_type}]"


def outputs(node: NodeDef, config: ListOperatorConfig, services: Services | None) -> dict[str, str]:
    return {"result": _array_type(config.item_type), "first_record": config.item_type,
            "last_record": config.item_type}


def refs(node: NodeDef, config: ListOperatorConfig, services: Services | None) -> list[RefUse]:
    expected = ("array",) if config.item_type == "any" else (_array_type(config.item_type),)
    return [RefUse(f"inputs.{name}", source, expected if name == INPUT else ("any",), "the list operator")
            for name, source in node.inputs.items()]


def check(node: NodeDef, config: ListOperatorConfig, services: Services | None) -> list[Issue]:
    issues = []
    if INPUT not in node.inputs:
        issues.append(Issue(node.id, "inputs", f"a list operator reads the array input '{INPUT}'; add it"))
    for name in sorted(set(node.inputs) - {INPUT}):
        issues.append(Issue(node.id, f"inputs.{name}", f"a list operator has one input, '{INPUT}'"))
    scalar_items = config.item_type in ("string", "number")
    for i, cond in enumerate(config.filter.conditions if config.filter else []):
        where = f"config.filter.conditions[{i}]"
        if cond.key is not None and scalar_items:
            issues.append(Issue(node.id, f"{where}.key", f"items are {config.item_type}s, which have no keys"))
        if cond.key is None and config.item_type != "any":
            left = "object" if config.item_type == "file" else config.item_type
            if not any(is_compatible(left, t) for t in LEFT_TYPES[cond.op]):
                issues.append(Issue(node.id, f"{where}.op", f"operator '{cond.op}' does not apply to "
                                    f"{config.item_type} items (it needs {' or '.join(LEFT_TYPES[cond.op])})"))
        if cond.op in UNARY:
            if cond.value is not None:
                issues.append(Issue(node.id, f"{where}.value", f"operator '{cond.op}' takes no value"))
            continue
        if cond.value is None:
            issues.append(Issue(node.id, f"{where}.value", f"operator '{cond.op}' needs a value"))
            continue
        wanted = RIGHT_TYPES.get(cond.op, ("any",))
        actual = infer_type(cond.value)
        if not any(is_compatible(actual, t) for t in wanted):
            issues.append(Issue(node.id, f"{where}.value", f"{cond.value!r} is {actual}, but operator "
                                f"'{cond.op}' needs {' or '.join(wanted)}"))
    if config.sort and config.sort.key is not None and scalar_items:
        issues.append(Issue(node.id, "config.sort.key", f"items are {config.item_type}s, which have no keys"))
    if not any((config.filter, config.sort, config.slice, config.extract)):
        issues.append(Issue(node.id, "config", "no operation is set: the list passes through unchanged",
                            severity="warning"))
    return issues


def _pick(item: Any, key: str | None, index: int) -> Any:
    if key is None:
        return item
    if not isinstance(item, dict):
        raise NodeError(f"item {index} is {type(item).__name__}, not an object with key '{key}'", retryable=False)
    return item.get(key)


def _keep(item: Any, index: int, flt: ListFilter) -> bool:
    def holds(cond: ItemCondition) -> bool:
        left = _pick(item, cond.key, index)
        try:
            return evaluate(cond.op, left, cond.value)
        except NodeError as exc:
            subject = f"item {index}" + (f" key '{cond.key}'" if cond.key else "")
            raise NodeError(f"filter on {subject} ({cond.op}): {exc}", retryable=False) from None
    results = (holds(c) for c in flt.conditions)
    return all(results) if flt.logic == "and" else any(results)


def _compare(a: Any, b: Any) -> int:
    if a is None or b is None:  # absent values last, whatever the order
        return (a is None) - (b is None)
    numeric = (int, float)
    if isinstance(a, numeric) and isinstance(b, numeric) and not isinstance(a, bool) and not isinstance(b, bool):
        return (a > b) - (a < b)
    if isinstance(a, str) and isinstance(b, str):
        return (a > b) - (a < b)
    if type(a) is type(b) and isinstance(a, bool):
        return int(a) - int(b)
    raise NodeError(f"cannot sort {type(a).__name__} against {type(b).__name__}; sort values must all be "
                    "numbers or all strings", retryable=False)


def _sorted(items: list[Any], sort: ListSort) -> list[Any]:
    keyed = [(_pick(item, sort.key, i), item) for i, item in enumerate(items)]
    present = [pair for pair in keyed if pair[0] is not None]
    absent = [pair for pair in keyed if pair[0] is None]
    def by_value(x: tuple[Any, Any], y: tuple[Any, Any]) -> int:
        return _compare(x[0], y[0])
    present.sort(key=cmp_to_key(by_value), reverse=sort.order == "desc")
    return [item for _, item in present + absent]


def apply(items: list[Any], config: ListOperatorConfig) -> list[Any]:
    """The list after each configured step."""
    if config.filter is not None:
        flt = config.filter
        items = [item for i, item in enumerate(items) if _keep(item, i, flt)]
    if config.sort is not None:
        items = _sorted(items, config.sort)
    if config.slice is not None:
        count = config.slice.count
        items = items[:count] if config.slice.take == "first" else (items[-count:] if count else [])
    if config.extract is not None:
        index = config.extract.index
        if not -len(items) <= index < len(items):
            raise NodeError(f"extract index {index} is out of range for a list of {len(items)} item(s)",
                            retryable=False)
        items = [items[index]]
    return items


async def run(ctx: NodeContext, config: ListOperatorConfig) -> NodeResult:
    value = ctx.inputs.get(INPUT)
    if value is None:
        value = []
    if not isinstance(value, list):
        raise NodeError(f"input '{INPUT}' should be an array, but it is {type(value).__name__}", retryable=False)
    result = apply(list(value), config)
    return NodeResult(outputs={"result": result, "first_record": result[0] if result else None,
                               "last_record": result[-1] if result else None})


SPEC = NodeSpec(type="list-operator", title="List operator", config_model=ListOperatorConfig, run=run,
                outputs=outputs, check=check, refs=refs)
