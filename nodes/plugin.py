"""``plugin``: call one tool of a plugin; the node's inputs are the tool's parameters."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from engine.errors import Issue, NodeError
from engine.models import Literal_, NodeDef, Strict
from engine.services import ToolDescription, ToolProvider
from engine.spec import NodeContext, NodeResult, NodeSpec, RefUse, Services
from engine.types import CoercionError, check_value, coerce


class PluginConfig(Strict):
    """Which tool to call, plus fixed parameter values (``settings``) that are not wired as inputs."""

    plugin: str = Field(min_length=1)
    tool: str = Field(min_length=1)
    settings: dict[str, Any] = Field(default_factory=dict)


def _registry(services: Services | None) -> ToolProvider | None:
    return services.tools if services is not None else None


def _schema(config: PluginConfig, services: Services | None) -> ToolDescription | None:
    tools = _registry(services)
    return tools.tool_schema(config.plugin, config.tool) if tools is not None else None


def outputs(node: NodeDef, config: PluginConfig, services: Services | None) -> dict[str, str]:
    schema = _schema(config, services)
    return dict(schema.output_types) if schema is not None else {}


def refs(node: NodeDef, config: PluginConfig, services: Services | None) -> list[RefUse]:
    schema = _schema(config, services)
    uses = []
    for name, source in node.inputs.items():
        param = schema.param(name) if schema is not None else None
        expected = param.types if param is not None else ("any",)
        uses.append(RefUse(f"inputs.{name}", source, expected, f"parameter '{name}'"))
    return uses


def check(node: NodeDef, config: PluginConfig, services: Services | None) -> list[Issue]:
    tools = _registry(services)
    if tools is None:
        return []
    plugin = tools.get_plugin(config.plugin)
    if plugin is None:
        known = ", ".join(p.name for p in tools.list_plugins())
        return [Issue(node.id, "config.plugin", f"unknown plugin '{config.plugin}' (available: {known})")]
    schema = plugin.tool(config.tool)
    if schema is None:
        return [Issue(node.id, "config.tool", f"plugin '{config.plugin}' has no tool '{config.tool}' "
                      f"(tools: {', '.join(t.name for t in plugin.tools)})")]
    names = ", ".join(p.name for p in schema.parameters) or "none"
    issues = []
    for where, given in (("inputs", node.inputs), ("config.settings", config.settings)):
        for name, value in given.items():
            param = schema.param(name)
            if param is None:
                issues.append(Issue(node.id, f"{where}.{name}", f"tool '{config.tool}' has no parameter "
                                    f"'{name}' (parameters: {names})"))
                continue
            literal = value.value if isinstance(value, Literal_) else value if where != "inputs" else None
            if literal is not None and not _fits(param.types, literal):
                issues.append(Issue(node.id, f"{where}.{name}", f"parameter '{name}' expects "
                                    f"{' or '.join(param.types)}"))
    for name in set(node.inputs) & set(config.settings):
        issues.append(Issue(node.id, f"inputs.{name}", f"parameter '{name}' is both an input and a setting"))
    for param in schema.parameters:
        if param.required and param.name not in node.inputs and param.name not in config.settings:
            issues.append(Issue(node.id, "inputs", f"missing required parameter '{param.name}' "
                                f"of tool '{config.tool}'"))
    return issues


def _fits(types: tuple[str, ...], value: Any) -> bool:
    for var_type in types:
        try:
            if check_value(var_type, value) or coerce(var_type, value) is not None:
                return True
        except CoercionError:
            continue
    return False


async def run(ctx: NodeContext, config: PluginConfig) -> NodeResult:
    tools = ctx.services.tools
    if tools is None:
        raise NodeError("no plugin registry is available", retryable=False)
    params = {**config.settings, **{k: v for k, v in ctx.inputs.items() if v is not None}}
    result = await tools.call(config.plugin, config.tool, params, files=ctx.services.files)
    return NodeResult(outputs=result)


SPEC = NodeSpec(type="plugin", title="Plugin", config_model=PluginConfig, run=run, outputs=outputs,
                check=check, refs=refs, default_timeout_s=120)
