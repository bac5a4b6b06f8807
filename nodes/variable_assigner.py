"""``variable-assigner``: change conversation variables — set, append, extend, clear, increment, decrement,
remove the first or last item.

Each item names a target (``{"ref": "conversation.<name>"}``), an operation and, where the operation takes one,
a value (a ref or a literal). Items apply in order, each seeing the ones before. Validation checks each
operation against the target's declared type and the value's type. The new values are the node's outputs (by
variable name) and go back to the runner (``NodeResult.conversation``), which checks them against the declared
types and makes them visible to downstream nodes of the same run. Whether they are kept after the run is the
caller's business: the server stores a chat conversation's values only when the run succeeds.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal

from pydantic import Field

from engine.errors import Issue, NodeError
from engine.models import CONVERSATION, Literal_, NodeDef, Ref, Strict, ValueSource
from engine.spec import NodeContext, NodeResult, NodeSpec, RefUse, Services
from engine.types import check_value, describe, element_type, infer_type, is_compatible

Operation = Literal["set", "append", "extend", "clear", "increment", "decrement", "remove_first", "remove_last"]
TAKES_VALUE = {"set", "append", "extend", "increment", "decrement"}
NEEDS_VALUE = {"set", "append", "extend"}  # increment and decrement default to 1
TARGET_TYPES: dict[str, tuple[str, ...]] = {
    "set": ("any",), "clear": ("any",), "append": ("array",), "extend": ("array",), "remove_first": ("array",),
    "remove_last": ("array",), "increment": ("number",), "decrement": ("number",)}


class Assignment(Strict):
    """One change to one conversation variable."""

    variable: Ref
    operation: Operation = "set"
    value: ValueSource | None = None


class AssignerConfig(Strict):
    """The changes, applied in order."""

    items: list[Assignment] = Field(min_length=1)


def outputs(node: NodeDef, config: AssignerConfig, services: Services | None) -> dict[str, str]:
    return {item.variable.output: "any" for item in config.items if item.variable.node_id == CONVERSATION}


def check(node: NodeDef, config: AssignerConfig, services: Services | None) -> list[Issue]:
    issues = []
    for i, item in enumerate(config.items):
        field = f"config.items[{i}]"
        if item.variable.node_id != CONVERSATION or item.variable.path:
            issues.append(Issue(node.id, f"{field}.variable", f"'{item.variable.ref}' is not a conversation "
                                "variable; targets are written conversation.<name>"))
        if item.operation in NEEDS_VALUE and item.value is None:
            issues.append(Issue(node.id, f"{field}.value", f"'{item.operation}' needs a value"))
        if item.operation not in TAKES_VALUE and item.value is not None:
            issues.append(Issue(node.id, f"{field}.value", f"'{item.operation}' takes no value"))
    return issues


def refs(node: NodeDef, config: AssignerConfig, services: Services | None) -> list[RefUse]:
    uses = []
    for i, item in enumerate(config.items):
        uses.append(RefUse(f"config.items[{i}].variable", item.variable, TARGET_TYPES[item.operation],
                           f"operation '{item.operation}'"))
        if item.value is not None:
            uses.append(RefUse(f"config.items[{i}].value", item.value))
    return uses


def _value_type(source: ValueSource, type_of: Callable[[Ref], str | None]) -> str | None:
    return type_of(source) if isinstance(source, Ref) else infer_type(source.value)


def check_types(node: NodeDef, config: AssignerConfig, type_of: Callable[[Ref], str | None]) -> list[Issue]:
    """The value of each item fits its target: the target's type (set, extend), its item type (append), a number
    (increment, decrement)."""
    issues = []
    for i, item in enumerate(config.items):
        target = type_of(item.variable) if item.variable.node_id == CONVERSATION else None
        if target is None or item.value is None:
            continue
        wanted = {"set": target, "extend": target, "append": element_type(target)}.get(item.operation, "number")
        if isinstance(item.value, Literal_):
            fits = check_value(wanted, item.value.value)
            actual = describe(item.value.value)
        else:
            actual = _value_type(item.value, type_of) or "any"
            fits = is_compatible(actual, wanted)
        if not fits:
            issues.append(Issue(node.id, f"config.items[{i}].value", f"'{item.operation}' on "
                                f"'{item.variable.ref}' ({target}) needs a {wanted} value, got {actual}"))
    return issues


def _empty_like(value: Any) -> Any:
    """The empty value of ``value``'s kind: ``[]``, ``{}``, ``""``, ``False`` or ``0``."""
    for kind, empty in ((bool, False), (list, []), (dict, {}), (str, ""), (int, 0), (float, 0)):
        if isinstance(value, kind):
            return empty
    return None


def _number(value: Any, what: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise NodeError(f"{what} is {describe(value)}, not a number", retryable=False)
    return value


def apply(operation: str, current: Any, value: Any, what: str) -> Any:
    """The new value of a variable after ``operation``; never changes ``current`` in place."""
    if operation == "set":
        if value is None:
            raise NodeError(f"{what}: the value to set is absent", retryable=False)
        return value
    if operation == "clear":
        return _empty_like(current)
    if operation in ("increment", "decrement"):
        step = 1 if value is None else _number(value, f"{what}: the step")
        base = _number(current, what)
        return base + step if operation == "increment" else base - step
    if not isinstance(current, list):
        raise NodeError(f"{what} is {describe(current)}, not an array", retryable=False)
    if operation == "append":
        return [*current, value]
    if operation == "extend":
        if not isinstance(value, list):
            raise NodeError(f"{what}: extend needs an array value, got {describe(value)}", retryable=False)
        return [*current, *value]
    return current[1:] if operation == "remove_first" else current[:-1]


async def run(ctx: NodeContext, config: AssignerConfig) -> NodeResult:
    changed: dict[str, Any] = {}
    for i, item in enumerate(config.items):
        name = item.variable.output
        current = changed[name] if name in changed else ctx.resolve(item.variable)
        value = None if item.value is None else ctx.resolve(item.value)
        changed[name] = apply(item.operation, current, value, f"items[{i}] ('{item.variable.ref}')")
    return NodeResult(outputs=dict(changed), conversation=changed)


SPEC = NodeSpec(type="variable-assigner", title="Variable assigner", config_model=AssignerConfig, run=run,
                outputs=outputs, check=check, refs=refs, check_types=check_types, takes_inputs=False)
