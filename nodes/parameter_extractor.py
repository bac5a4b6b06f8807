"""``parameter-extractor``: one model call pulls typed parameters out of a text, checked against a JSON Schema.

Each parameter becomes an output. The reply is read as JSON (fenced or inside prose tolerated), values are
coerced where that is safe (``"3"`` → 3 for a number, ``"true"`` → true) and checked against the schema built
from the parameters. ``__is_success`` is 1 when every required parameter came back valid, else 0 with
``__reason`` naming the ones that did not. A node with an ``on_error`` policy fails instead, so its strategy
(default outputs or the ``error`` branch) takes over.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import jsonschema
from pydantic import Field, StringConstraints

from engine import templates
from engine.errors import Issue, NodeError
from engine.models import NodeDef, Strict
from engine.spec import NodeContext, NodeResult, NodeSpec, Services
from engine.types import CoercionError, check_value, coerce, describe, element_type
from nodes.llm_tasks import TaskModel, ask, find_json, model_issues, query_issues

ParamType = Literal["string", "number", "integer", "boolean", "object", "array[string]", "array[number]",
                    "array[object]"]
STATUS_OUTPUTS = {"__is_success": "integer", "__reason": "string", "usage": "object"}


class Parameter(Strict):
    """One parameter to extract; ``options`` limits a string or number parameter to those values."""

    name: Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")]
    type: ParamType
    description: str = ""
    required: bool = False
    options: list[str | int | float] | None = None


class ParameterExtractorConfig(TaskModel):
    """The parameters, in order."""

    parameters: list[Parameter] = Field(min_length=1)


def outputs(node: NodeDef, config: ParameterExtractorConfig, services: Services | None) -> dict[str, str]:
    return {**{p.name: p.type for p in config.parameters}, **STATUS_OUTPUTS}


def check(node: NodeDef, config: ParameterExtractorConfig, services: Services | None) -> list[Issue]:
    issues = query_issues(node, "extract parameters from") + model_issues(node, config, services)
    seen: set[str] = set()
    for i, param in enumerate(config.parameters):
        where = f"config.parameters[{i}]"
        if param.name in seen:
            issues.append(Issue(node.id, f"{where}.name", f"duplicate parameter '{param.name}'"))
        elif param.name in STATUS_OUTPUTS or param.name.startswith("__"):
            issues.append(Issue(node.id, f"{where}.name", f"'{param.name}' is reserved for the node's status; "
                                "choose another name"))
        seen.add(param.name)
        if param.options is not None:
            if param.type not in ("string", "number", "integer"):
                issues.append(Issue(node.id, f"{where}.options", "options need a string, number or integer parameter"))
            elif not param.options:
                issues.append(Issue(node.id, f"{where}.options", "give at least one option, or remove options"))
            for option in param.options:
                if param.type in ("string", "number", "integer") and not check_value(param.type, option):
                    issues.append(Issue(node.id, f"{where}.options", f"option {option!r} is not a {param.type}"))
    return issues


def _property(param: Parameter) -> dict[str, Any]:
    if param.type.startswith("array["):
        prop: dict[str, Any] = {"type": "array", "items": {"type": element_type(param.type)}}
    else:
        prop = {"type": param.type}
    if param.description:
        prop["description"] = param.description
    if param.options is not None:
        prop["enum"] = list(param.options)
    return prop


def json_schema(parameters: list[Parameter]) -> dict[str, Any]:
    """The JSON Schema of the reply: one property per parameter; the required ones listed."""
    return {"type": "object", "properties": {p.name: _property(p) for p in parameters},
            "required": [p.name for p in parameters if p.required]}


def build_messages(config: ParameterExtractorConfig, inputs: dict[str, Any]) -> list[dict[str, str]]:
    schema = json.dumps(json_schema(config.parameters), ensure_ascii=False, indent=2)
    lines = ["Extract the parameters described by this JSON Schema from the user's text:", schema, "",
             "Answer with one JSON object only, a key per parameter. Leave out a parameter the text does not "
             "give; never guess a value."]
    instructions = templates.render(config.instructions, inputs).strip()
    if instructions:
        lines += ["", instructions]
    return [{"role": "system", "content": "\n".join(lines)},
            {"role": "user", "content": templates.to_text(inputs.get("query"))}]


def read_value(param: Parameter, value: Any) -> Any:
    """The reply's value for ``param`` coerced to its type and checked; ``None`` when absent or empty.

    Raises ``ValueError`` with the reason when the value is there but unusable.
    """
    if value is None or value == "" or value == []:
        return None
    try:
        value = coerce(param.type, value)
    except CoercionError as exc:
        raise ValueError(str(exc)) from None
    errors = list(jsonschema.Draft202012Validator(_property(param)).iter_errors(value))
    if errors:
        raise ValueError(errors[0].message)
    return value


def extract(config: ParameterExtractorConfig, text: str) -> tuple[dict[str, Any], list[str]]:
    """Each parameter's value from the model's reply, and the problems with the required ones."""
    reply = find_json(text)
    if not isinstance(reply, dict):
        return ({p.name: None for p in config.parameters},
                [f"the model's reply is not a JSON object ({describe(reply)}): {text.strip()[:200]!r}"])
    names = [p.name for p in config.parameters]
    nested = list(reply.values())
    if not any(n in reply for n in names) and len(nested) == 1 and isinstance(nested[0], dict):
        reply = nested[0]  # {"parameters": {...}}: the model wrapped its answer
    values: dict[str, Any] = {}
    missing: list[str] = []
    invalid: list[str] = []
    for param in config.parameters:
        try:
            values[param.name] = read_value(param, reply.get(param.name))
        except ValueError as exc:
            values[param.name] = None
            if param.required:
                invalid.append(f"{param.name} ({exc})")
            continue
        if values[param.name] is None and param.required:
            missing.append(param.name)
    problems = []
    if missing:
        problems.append(f"missing required parameter(s): {', '.join(missing)}")
    if invalid:
        problems.append(f"invalid required parameter(s): {'; '.join(invalid)}")
    return values, problems


async def run(ctx: NodeContext, config: ParameterExtractorConfig) -> NodeResult:
    text, usage = await ask(ctx, config, build_messages(config, ctx.inputs))
    values, problems = extract(config, text)
    reason = "; ".join(problems)
    if problems and ctx.node.on_error is not None:
        raise NodeError(reason)  # the node's error strategy decides: fail, default outputs or the error branch
    outputs = {**values, "__is_success": 0 if problems else 1, "__reason": reason, "usage": usage.as_dict()}
    return NodeResult(outputs=outputs, usage=usage)


SPEC = NodeSpec(type="parameter-extractor", title="Parameter extractor", config_model=ParameterExtractorConfig,
                run=run, outputs=outputs, check=check, default_timeout_s=300)
