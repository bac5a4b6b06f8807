"""The value types of the workflow format, their compatibility, checking and coercion."""

from __future__ import annotations

import json
import math
from typing import Any, Literal, get_args

VarType = Literal[
    "string", "number", "integer", "boolean", "object", "file",
    "array[string]", "array[number]", "array[object]", "array[file]", "any",
]
VAR_TYPES: tuple[str, ...] = get_args(VarType)
ARRAY_TYPES = {t for t in VAR_TYPES if t.startswith("array[")}


def element_type(var_type: str) -> str:
    """The item type of an array type (``array[string]`` → ``string``); ``any`` otherwise."""
    if var_type.startswith("array["):
        return var_type[len("array["):-1]
    return "any"


def is_compatible(source: str, target: str) -> bool:
    """Whether a value declared as ``source`` may flow where ``target`` is expected."""
    if source == target or "any" in (source, target):
        return True
    if target == "array":  # pseudo-type: any array
        return source.startswith("array[")
    if source == "integer" and target == "number":
        return True
    if target == "array[object]" and source == "array[file]":
        return True
    # A file is an object with known keys.
    return source == "file" and target == "object"


def path_type(var_type: str, path: list[str]) -> str:
    """The type reached by following ``path`` (keys or indexes) into a value of ``var_type``."""
    current = var_type
    for step in path:
        if current.startswith("array[") and step.isdigit():
            current = element_type(current)
        elif current == "file" and step in FILE_FIELDS:
            current = FILE_FIELDS[step]
        else:
            return "any"
    return current


FILE_FIELDS = {"name": "string", "url": "string", "file_id": "string", "mime_type": "string",
               "size": "integer", "path": "string"}


def _is_file(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("name"), str) and any(
        value.get(k) for k in ("url", "file_id", "path"))


def check_value(var_type: str, value: Any) -> bool:
    """Whether ``value`` is a valid value of ``var_type`` (``None`` is never valid here)."""
    match var_type:
        case "any":
            return True
        case "string":
            return isinstance(value, str)
        case "boolean":
            return isinstance(value, bool)
        case "integer":
            return isinstance(value, int) and not isinstance(value, bool)
        case "number":
            return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        case "object":
            return isinstance(value, dict)
        case "file":
            return _is_file(value)
        case _:
            item = element_type(var_type)
            return isinstance(value, list) and all(check_value(item, v) for v in value)


class CoercionError(ValueError):
    """A value cannot be turned into the declared type."""


def coerce(var_type: str, value: Any) -> Any:
    """Turn user-supplied ``value`` (often a string from a form or the CLI) into ``var_type``."""
    if check_value(var_type, value):
        return value
    if isinstance(value, str):
        text = value.strip()
        match var_type:
            case "integer":
                try:
                    return int(text)
                except ValueError:
                    pass
            case "number":
                try:
                    number = float(text)
                    if math.isfinite(number):
                        return int(number) if number.is_integer() and "." not in text else number
                except ValueError:
                    pass
            case "boolean":
                lowered = text.lower()
                if lowered in ("true", "1", "yes", "on"):
                    return True
                if lowered in ("false", "0", "no", "off", ""):
                    return False
            case "object" | "file" if text.startswith("{"):
                return _coerce_json(var_type, text)
            case _ if var_type.startswith("array[") and text.startswith("["):
                return _coerce_json(var_type, text)
    if var_type == "integer" and isinstance(value, float) and value.is_integer():
        return int(value)
    if var_type == "string" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise CoercionError(f"expected {var_type}, got {describe(value)}")


def _coerce_json(var_type: str, text: str) -> Any:
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CoercionError(f"expected {var_type} as JSON: {exc.msg} at column {exc.colno}") from None
    if var_type.startswith("array["):
        item = element_type(var_type)
        return [coerce(item, v) for v in parsed] if isinstance(parsed, list) else coerce(var_type, parsed)
    if check_value(var_type, parsed):
        return parsed
    raise CoercionError(f"expected {var_type}, got {describe(parsed)}")


def describe(value: Any) -> str:
    """A short description of a value's type for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def infer_type(value: Any) -> str:
    """The narrowest declared type that describes a literal value."""
    if isinstance(value, list):
        for item_type in ("string", "number", "file", "object"):
            if value and all(check_value(item_type, v) for v in value):
                return f"array[{item_type}]"
        return "any"
    if isinstance(value, dict):
        return "file" if _is_file(value) else "object"
    name = describe(value)
    return name if name in VAR_TYPES else "any"
