"""Phases 3 and 5: each node's type and config, the handles it offers and the outputs it declares."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import BaseModel, ValidationError

from engine.errors import Issue
from engine.models import NodeDef
from engine.spec import ERROR_HANDLE, NodeSpec, Services
from engine.validation.definition import located_errors, pydantic_message


@dataclass(frozen=True)
class NodeConfigs:
    """The spec of each node whose type is known, and the parsed config of each whose config is valid."""

    specs: dict[str, NodeSpec]
    configs: dict[str, BaseModel]


def config_issues(node: NodeDef, spec: NodeSpec) -> tuple[BaseModel | None, list[Issue]]:
    """Parse a node's config with its spec's model."""
    try:
        return spec.config_model.model_validate(node.config), []
    except ValidationError as exc:
        issues = []
        for err in located_errors(node.config, exc.errors()):
            field = ".".join(["config", *(str(p) for p in err["loc"])])
            issues.append(Issue(node.id, field, pydantic_message(err)))
        return None, issues


def node_configs(nodes: Mapping[str, NodeDef], catalog: Mapping[str, NodeSpec]) -> tuple[NodeConfigs, list[Issue]]:
    """Node by node: a known type, no inputs where the type takes none, a valid config, and default outputs
    for the 'default' error strategy."""
    issues: list[Issue] = []
    specs: dict[str, NodeSpec] = {}
    configs: dict[str, BaseModel] = {}
    for node in nodes.values():
        spec = catalog.get(node.type)
        if spec is None:
            issues.append(Issue(node.id, "type", f"unknown node type '{node.type}' "
                                f"(known: {', '.join(sorted(catalog))})"))
            continue
        specs[node.id] = spec
        if node.inputs and not spec.takes_inputs:
            issues.append(Issue(node.id, "inputs", f"a {node.type} node takes no inputs"))
        config, found = config_issues(node, spec)
        issues.extend(found)
        if config is not None:
            configs[node.id] = config
        if node.on_error and node.on_error.strategy == "default" and not node.on_error.default_outputs:
            issues.append(Issue(node.id, "on_error.default_outputs",
                                "strategy 'default' needs default_outputs"))
    return NodeConfigs(specs, configs), issues


def handles(nodes: Mapping[str, NodeDef], parsed: NodeConfigs) -> dict[str, list[str]]:
    """The source handles of each node with a valid config (its spec's, plus the error handle for the 'branch'
    error strategy)."""
    return {nid: node_handles(nodes[nid], parsed.specs[nid], config) for nid, config in parsed.configs.items()}


def node_handles(node: NodeDef, spec: NodeSpec, config: BaseModel) -> list[str]:
    found = list(spec.handles(config))
    if node.on_error and node.on_error.strategy == "branch":
        found.append(ERROR_HANDLE)
    return found


def declared_outputs(nodes: Mapping[str, NodeDef], parsed: NodeConfigs,
                     services: Services | None) -> tuple[dict[str, dict[str, str]], list[Issue]]:
    """The outputs (name → type) each node with a valid config declares; a spec that fails to say is an issue
    on its node, never an error of validation."""
    issues: list[Issue] = []
    outputs: dict[str, dict[str, str]] = {}
    for nid, config in parsed.configs.items():
        try:
            outputs[nid] = dict(parsed.specs[nid].outputs(nodes[nid], config, services))
            policy = nodes[nid].on_error
            if policy is not None and policy.strategy == "branch":
                outputs[nid]["error_message"] = "string"  # set when the error handle is taken
        except Exception as exc:  # a spec's outputs must never break validation of the rest
            issues.append(Issue(nid, "config", f"cannot determine outputs: {exc}"))
    return outputs, issues
