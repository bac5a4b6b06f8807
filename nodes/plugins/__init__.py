"""Plugins: packaged sets of typed tools (built-in, or imported from OpenAPI documents) for workflows and agents."""

from nodes.plugins.errors import (
    BlockedAddressError,
    OutboundError,
    ParameterError,
    PluginError,
    PluginExists,
    PluginNotFound,
    SpecError,
    ToolNotFound,
)
from nodes.plugins.http import HttpLimits, SafeHttp
from nodes.plugins.registry import ToolRegistry
from nodes.plugins.schema import Output, Param, PluginInfo, ToolSchema

__all__ = [
    "BlockedAddressError", "HttpLimits", "OutboundError", "Output", "Param", "ParameterError", "PluginError",
    "PluginExists", "PluginInfo", "PluginNotFound", "SafeHttp", "SpecError", "ToolNotFound", "ToolRegistry",
    "ToolSchema",
]
