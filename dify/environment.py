"""Environment and conversation variables. Env values become literals, except secrets: those never enter the
workflow; a required start input takes each one, and the report lists it."""

from __future__ import annotations

import re
from typing import Any

from dify.context import MapContext
from dify.errors import DifyImportError
from dify.report import Secret

SECRET_NAME = re.compile(r"key|token|secret|passw|pwd|auth|credential|session|cookie", re.I)
SECRET_VALUE = re.compile(r"^(sk|pk|rk|ghp|gho|xox[abp]|AKIA|Bearer)[-_ ]?[A-Za-z0-9]", re.I)
CONVERSATION_TYPES = {"string", "number", "boolean", "object", "array[string]", "array[number]", "array[object]"}


def is_secret(name: str, value: Any, value_type: str) -> bool:
    return value_type == "secret" or bool(SECRET_NAME.search(name)) or bool(SECRET_VALUE.match(str(value or "")))


def bind_environment(variables: list[dict[str, Any]], ctx: MapContext) -> None:
    for i, var in enumerate(variables):
        name = str(var.get("name") or "")
        if not name:
            raise DifyImportError("an environment variable has no name", f"workflow.environment_variables[{i}]")
        value, value_type = var.get("value"), str(var.get("value_type") or "string")
        if is_secret(name, value, value_type):
            input_name = ctx.add_start_input(f"env_{name}", f"secret environment variable '{name}' from Dify")
            ctx.env[name] = {"ref": f"{ctx.start_id}.{input_name}"}
            ctx.report.secrets.append(Secret(source=f"env.{name}", input_name=input_name))
            ctx.report.need("env", name, f"a secret: its value is not imported; give it as start input "
                            f"'{input_name}'")
        else:
            ctx.env[name] = {"value": value}
            ctx.report.need("env", name, f"its value {value!r} is written into the nodes that read it")


def conversation_variables(variables: list[dict[str, Any]], ctx: MapContext) -> list[dict[str, Any]]:
    found = []
    for i, var in enumerate(variables):
        name, kind = str(var.get("name") or ""), str(var.get("value_type") or "string")
        where = f"workflow.conversation_variables[{i}]"
        if kind not in CONVERSATION_TYPES:
            raise DifyImportError(f"conversation variable '{name}' has type '{kind}', which Loom does not keep "
                                  f"(types: {', '.join(sorted(CONVERSATION_TYPES))})", where)
        item: dict[str, Any] = {"name": name, "type": kind}
        if var.get("value") not in (None, ""):
            item["default"] = var["value"]
        if var.get("description"):
            item["description"] = str(var["description"])
        ctx.conversation.add(name)
        found.append(item)
    return found
