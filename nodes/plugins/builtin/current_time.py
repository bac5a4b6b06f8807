"""``current_time``: the current date and time in a time zone."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nodes.plugins.builtin.base import BuiltinPlugin, CallContext
from nodes.plugins.errors import ParameterError
from nodes.plugins.schema import Output, Param, ToolSchema

SCHEMA = ToolSchema(
    name="current_time",
    description="The current date and time in a time zone.",
    parameters=[
        Param(name="timezone", default="UTC", description="IANA time zone, e.g. Asia/Shanghai or Europe/Paris"),
        Param(name="format", default="", description="strftime format for `formatted`; ISO 8601 when empty"),
    ],
    outputs=[
        Output(name="iso", type="string", description="ISO 8601 with offset"),
        Output(name="formatted", type="string"),
        Output(name="date", type="string", description="YYYY-MM-DD"),
        Output(name="time", type="string", description="HH:MM:SS"),
        Output(name="weekday", type="string"),
        Output(name="timestamp", type="number", description="Unix time in seconds"),
        Output(name="timezone", type="string"),
    ],
)


async def run(params: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    name = (params.get("timezone") or "UTC").strip()
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ParameterError(f"parameter 'timezone': unknown time zone '{name}' "
                             "(use an IANA name such as Asia/Shanghai or UTC)") from None
    now = datetime.now(zone)
    fmt = params.get("format") or ""
    return {"iso": now.isoformat(timespec="seconds"), "formatted": now.strftime(fmt) if fmt else
            now.isoformat(timespec="seconds"), "date": now.date().isoformat(),
            "time": now.strftime("%H:%M:%S"), "weekday": now.strftime("%A"),
            "timestamp": now.timestamp(), "timezone": name}


PLUGIN = BuiltinPlugin(schema=SCHEMA, run=run, description="Current date and time, in any time zone.")
