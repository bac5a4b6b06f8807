"""Dify text with ``{{#node.var#}}`` placeholders → a Loom ``{{name}}`` template over the node's inputs.

Text that already looks like a Loom placeholder (``{{name}}`` typed into a Dify prompt, shown literally by
Dify) stays literal: it becomes an input whose value is that very text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from dify import selectors
from dify.context import Inputs

TOKEN = re.compile(r"\{\{#([^#{}\s]+)#\}\}|\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
DIFY_VAR = re.compile(r"\{\{#([^#{}\s]+)#\}\}")

# Resolves a selector Dify writes without a node (``{{#context#}}``) to a value source, or None.
Special = Callable[[str], dict[str, Any] | None]


def selector_of(dotted: str) -> list[str]:
    head, _, rest = dotted.partition(".")
    if head in ("sys", "env", "conversation"):
        return [head, rest] if rest else [head]
    return dotted.split(".")


def rewrite(text: str, inputs: Inputs, where: str, special: Special | None = None) -> str:
    """The Loom template for ``text``, binding every placeholder as an input of the node being built."""

    def replace(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            dotted = match.group(1)
            found = special(dotted) if special else None
            if found is None:
                found = selectors.source(selector_of(dotted), inputs.ctx, where)
            hint = dotted.split(".")[-1]
            return "{{" + inputs.add(hint, found, key=f"sel:{dotted}") + "}}"
        literal = match.group(0)
        return "{{" + inputs.add("literal", {"value": literal}, key=f"lit:{literal}") + "}}"

    return TOKEN.sub(replace, text)


def single_selector(text: str) -> str | None:
    """The dotted selector when ``text`` is exactly one placeholder (so it can be a ref, not a template)."""
    match = DIFY_VAR.fullmatch(text.strip()) if isinstance(text, str) else None
    return match.group(1) if match else None
