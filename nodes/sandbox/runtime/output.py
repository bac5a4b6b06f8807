"""What may leave the worker: a dict of plain JSON values, nested at most so deep, at most so big."""

from __future__ import annotations

import json
import math
from typing import Any

_SCALARS = (str, int, bool, type(None))


class OutputProblem(Exception):
    """The returned value cannot be passed on; ``limit`` marks a size or depth cap (not a type error)."""

    def __init__(self, message: str, *, limit: bool = False):
        super().__init__(message)
        self.limit = limit


def _kind(value: Any) -> str:
    return {dict: "dict", list: "list", tuple: "tuple", str: "str", int: "int", float: "float", bool: "bool",
            type(None): "None"}.get(type(value), type(value).__name__)


def dump(value: Any, *, max_bytes: int, max_depth: int) -> str:
    """``value`` as JSON text, or ``OutputProblem`` naming the offending key path."""
    if type(value) is not dict:
        raise OutputProblem(f"main must return a dict, got {_kind(value)}")
    # Iterative, so a deep or cyclic structure cannot exhaust the C stack.
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        item, path, depth = stack.pop()
        if depth > max_depth:
            raise OutputProblem(f"output '{path}' is nested more than {max_depth} levels deep", limit=True)
        kind = type(item)
        if kind is dict:
            for key, child in item.items():
                if type(key) is not str:
                    raise OutputProblem(f"output '{path or '(root)'}' has a {_kind(key)} key; keys must be strings")
                stack.append((child, f"{path}.{key}" if path else key, depth + 1))
        elif kind is list or kind is tuple:
            stack.extend((child, f"{path}[{i}]", depth + 1) for i, child in enumerate(item))
        elif kind is float:
            if not math.isfinite(item):
                raise OutputProblem(f"output '{path}' is {item}, which JSON cannot hold")
        elif kind not in _SCALARS:
            raise OutputProblem(f"output '{path}' is a {_kind(item)}; return JSON values only "
                                "(dict, list, str, int, float, bool, None)")
    try:
        text = json.dumps(value, ensure_ascii=False)
    except ValueError as exc:  # e.g. an int too long to print
        raise OutputProblem(f"output cannot be written as JSON: {exc}") from None
    size = len(text.encode())
    if size > max_bytes:
        raise OutputProblem(f"output is {size:,} bytes, over the limit of {max_bytes:,} bytes", limit=True)
    return text
