"""``json_extract``: pick values out of an object with a JSONPath expression."""

from __future__ import annotations

import json
from typing import Any

from jsonpath_ng.exceptions import JsonPathLexerError, JsonPathParserError
from jsonpath_ng.ext import parse as parse_path

from nodes.plugins.builtin.base import BuiltinPlugin, CallContext
from nodes.plugins.errors import ParameterError
from nodes.plugins.schema import Output, Param, ToolSchema

SCHEMA = ToolSchema(
    name="json_extract",
    description="Extract values from JSON data with a JSONPath expression (e.g. $.items[*].name).",
    parameters=[
        Param(name="data", type="any", required=True,
              description="an object or array, or a string holding JSON"),
        Param(name="path", required=True, description="JSONPath expression, e.g. $.store.book[0].title"),
    ],
    outputs=[
        Output(name="value", type="any", description="the first match, or null"),
        Output(name="values", type="any", description="every match, as a list"),
        Output(name="count", type="integer"),
    ],
)


async def run(params: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    data = params["data"]
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise ParameterError(f"parameter 'data': not valid JSON ({exc.msg} at column {exc.colno})") from None
    expression = params["path"]
    try:
        compiled = parse_path(expression)
    except (JsonPathLexerError, JsonPathParserError, Exception) as exc:  # the parser raises bare Exceptions too
        raise ParameterError(f"parameter 'path': invalid JSONPath {expression!r}: {exc}") from None
    values = [match.value for match in compiled.find(data)]
    return {"value": values[0] if values else None, "values": values, "count": len(values)}


PLUGIN = BuiltinPlugin(schema=SCHEMA, run=run, description="JSONPath queries over objects.")
