"""``{{name}}`` templates over a node's own inputs: parsing, checking and rendering."""

from __future__ import annotations

import json
import re
from typing import Any

from engine.errors import Issue
from engine.models import NodeDef

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def names(template: str) -> list[str]:
    """The input names a template uses, in order of first use."""
    return list(dict.fromkeys(PLACEHOLDER.findall(template)))


def check(node: NodeDef, template: str, field: str) -> list[Issue]:
    """Issues for every ``{{name}}`` that is not one of the node's inputs."""
    return [Issue(node.id, field, f"'{{{{{name}}}}}' is not an input of this node; add it to inputs "
                  f"(inputs: {', '.join(sorted(node.inputs)) or 'none'})")
            for name in names(template) if name not in node.inputs]


def render(template: str, values: dict[str, Any]) -> str:
    """Replace each ``{{name}}`` with the readable rendering of ``values[name]``."""
    return PLACEHOLDER.sub(lambda m: to_text(values.get(m.group(1))), template)


def to_text(value: Any) -> str:
    """Render a value for a prompt: strings as-is, retrieved chunks as fenced references, JSON otherwise."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list) and value and all(isinstance(v, dict) and "content" in v for v in value):
        return "\n\n".join(_reference(i, chunk) for i, chunk in enumerate(value, 1))
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n".join(value)
    return json.dumps(value, ensure_ascii=False, indent=2, default=str)


def _reference(index: int, chunk: dict[str, Any]) -> str:
    source = chunk.get("document") or chunk.get("title") or ""
    header = f"[{index}] {source}".rstrip()
    return f"{header}\n```\n{chunk['content']}\n```"
