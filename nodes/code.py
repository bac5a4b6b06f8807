"""``code``: run the user's ``def main(args: dict) -> dict`` in the sandbox and check what it returns."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field

from engine.errors import Issue, NodeError
from engine.models import NodeDef, Strict
from engine.spec import NodeContext, NodeResult, NodeSpec, Services
from engine.types import VarType, check_value, describe
from nodes.sandbox import compiler

_OUTPUT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


class CodeConfig(Strict):
    """Code node settings: the source, the outputs it promises, and its wall-clock limit."""

    language: Literal["python"] = "python"
    code: str = Field(min_length=1, max_length=compiler.MAX_CODE_CHARS)
    outputs: dict[str, VarType] = Field(default_factory=dict)
    timeout_s: float = Field(10, gt=0, le=300)


def outputs(node: NodeDef, config: CodeConfig, services: Services | None) -> dict[str, str]:
    return dict(config.outputs)


def check(node: NodeDef, config: CodeConfig, services: Services | None) -> list[Issue]:
    """Compile at save time (nothing runs) and check the ``main`` contract and the output names."""
    _, found = compiler.problems(config.code)
    found = found or compiler.contract_problems(config.code)
    issues = [Issue(node.id, "config.code", str(problem)) for problem in found]
    for name in sorted(compiler.free_names(config.code) & set(node.inputs)):
        issues.append(Issue(node.id, "config.code", f"'{name}' is an input, not a variable: "
                            f"read it as args.get('{name}')", severity="warning"))
    for name in config.outputs:
        if not _OUTPUT_NAME.fullmatch(name):
            issues.append(Issue(node.id, f"config.outputs.{name}",
                                "output names must be identifiers (letters, digits, _; not starting with a digit)"))
    return issues


def check_returned(value: dict[str, Any], declared: Mapping[str, str]) -> dict[str, Any]:
    """``value`` if it has exactly the declared keys with the declared types, else a NodeError naming the key.

    ``None`` is accepted for any type: it is how the engine represents an absent value.
    """
    missing = [name for name in declared if name not in value]
    if missing:
        raise NodeError(f"main returned no '{missing[0]}' (declared outputs: {', '.join(declared)})")
    extra = [name for name in value if name not in declared]
    if extra:
        raise NodeError(f"main returned '{extra[0]}', which is not a declared output "
                        f"(declare it under outputs, or drop it)")
    for name, var_type in declared.items():
        if value[name] is not None and not check_value(var_type, value[name]):
            raise NodeError(f"output '{name}' should be {var_type}, but main returned {describe(value[name])}")
    return value


async def run(ctx: NodeContext, config: CodeConfig) -> NodeResult:
    sandbox = ctx.services.sandbox
    if sandbox is None:
        raise NodeError("no code sandbox is configured (Services.sandbox is not set)", retryable=False)
    timeout = min(config.timeout_s, ctx.node.timeout_s or config.timeout_s)
    result = await sandbox.run(config.code, dict(ctx.inputs), timeout_s=timeout)
    return NodeResult(outputs=check_returned(result.value, config.outputs), logs=result.logs or None)


SPEC = NodeSpec(type="code", title="Code", config_model=CodeConfig, run=run, outputs=outputs, check=check)
