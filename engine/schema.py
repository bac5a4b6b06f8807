"""The JSON Schema of the workflow format, with each node type's config schema spelled out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.models import WorkflowDef
from engine.spec import NodeSpec


def json_schema(catalog: Mapping[str, NodeSpec]) -> dict[str, Any]:
    """WorkflowDef's schema where ``nodes[]`` is a oneOf over the node types, discriminated by ``type``."""
    schema = WorkflowDef.model_json_schema(by_alias=True)
    defs = schema.setdefault("$defs", {})
    node_def = defs.pop("NodeDef")
    variants = []
    for type_name, spec in sorted(catalog.items()):
        config_schema = spec.config_model.model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
        for name, sub in config_schema.pop("$defs", {}).items():
            defs.setdefault(name, sub)
        title = spec.config_model.__name__
        defs[title] = config_schema
        variant = {**node_def, "title": f"{type_name} node",
                   "properties": {**node_def["properties"], "type": {"const": type_name},
                                  "config": {"$ref": f"#/$defs/{title}"}}}
        if not spec.takes_inputs:
            variant["properties"] = {k: v for k, v in variant["properties"].items() if k != "inputs"}
        variants.append(variant)
    defs["NodeDef"] = {"oneOf": variants, "discriminator": {"propertyName": "type"}}
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Loom workflow (version 1)"
    return schema
