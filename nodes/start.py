"""``start``: the workflow's typed input variables, checked and coerced at run time."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints

from engine.errors import Issue, NodeError
from engine.models import NodeDef, Strict
from engine.spec import NodeContext, NodeResult, NodeSpec, Services
from engine.types import CoercionError, VarType, check_value, coerce

VarName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")]


class StartVariable(Strict):
    """One input variable of the workflow."""

    name: VarName
    type: VarType = "string"
    required: bool = True
    default: Any = None
    description: str | None = None
    label: str | None = None
    options: list[Any] | None = None
    max_length: int | None = Field(None, gt=0)


class StartConfig(Strict):
    """The start node's variables."""

    variables: list[StartVariable] = Field(default_factory=list)


def outputs(node: NodeDef, config: StartConfig, services: Services | None) -> dict[str, str]:
    return {v.name: v.type for v in config.variables}


def check(node: NodeDef, config: StartConfig, services: Services | None) -> list[Issue]:
    issues, seen = [], set()
    for i, var in enumerate(config.variables):
        where = f"config.variables[{i}]"
        if var.name in seen:
            issues.append(Issue(node.id, f"{where}.name", f"duplicate variable '{var.name}'"))
        seen.add(var.name)
        if var.default is not None and not check_value(var.type, var.default):
            issues.append(Issue(node.id, f"{where}.default", f"default is not a {var.type}"))
        if var.options is not None:
            if var.type not in ("string", "number", "integer"):
                issues.append(Issue(node.id, f"{where}.options", "options need a string or number variable"))
            for option in var.options:
                if not check_value(var.type, option):
                    issues.append(Issue(node.id, f"{where}.options", f"option {option!r} is not a {var.type}"))
    return issues


def read_inputs(config: StartConfig, given: dict[str, Any]) -> dict[str, Any]:
    """Check and coerce run inputs against the declared variables; report every problem at once."""
    declared = {v.name for v in config.variables}
    problems = [f"unknown input '{name}' (declared: {', '.join(sorted(declared)) or 'none'})"
                for name in given if name not in declared]
    values: dict[str, Any] = {}
    for var in config.variables:
        value = given.get(var.name)
        if value is None or value == "":
            if var.default is not None:
                value = var.default
            elif var.required:
                problems.append(f"input '{var.name}' is required")
                continue
            else:
                values[var.name] = None
                continue
        try:
            value = coerce(var.type, value)
        except CoercionError as exc:
            problems.append(f"input '{var.name}': {exc}")
            continue
        if var.options is not None and value not in var.options:
            problems.append(f"input '{var.name}' must be one of {var.options}, got {value!r}")
        if var.max_length is not None and isinstance(value, str) and len(value) > var.max_length:
            problems.append(f"input '{var.name}' is longer than {var.max_length} characters")
        values[var.name] = value
    if problems:
        raise NodeError("; ".join(problems), retryable=False)
    return values


async def run(ctx: NodeContext, config: StartConfig) -> NodeResult:
    given = dict(ctx.run_inputs)
    # In chat mode the user's message is sys.query; a declared `query` variable receives it (as in the seed).
    if ctx.mode == "chat" and given.get("query") in (None, "") and ctx.sys.get("query"):
        if any(v.name == "query" for v in config.variables):
            given["query"] = ctx.sys["query"]
    return NodeResult(outputs=read_inputs(config, given))


SPEC = NodeSpec(type="start", title="Start", config_model=StartConfig, run=run, outputs=outputs,
                check=check, takes_inputs=False)
