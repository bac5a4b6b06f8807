"""Plugin errors. Every one is a ``NodeError``, so a failing tool fails its workflow node cleanly.

    PluginError                 root; the message names the plugin, tool and parameter involved
    ├── PluginNotFound          no plugin of that name
    ├── ToolNotFound            the plugin has no tool of that name
    ├── PluginExists            an import would overwrite a plugin of the same name
    ├── ParameterError          a tool parameter is missing, unknown or of the wrong type
    ├── SpecError               an OpenAPI document cannot be imported
    ├── BlockedAddressError     the SSRF guard refused a URL before connecting
    └── OutboundError           an outbound HTTP call failed (timeout, too large, too many redirects)
"""

from __future__ import annotations

# Errors that fail the same way on every attempt say so (``retryable = False``): a node's retry policy skips them.
from engine.errors import NodeError


class PluginError(NodeError):
    """A plugin or one of its tools cannot be used or failed."""


class PluginNotFound(PluginError):
    """No plugin of that name."""

    retryable = False


class ToolNotFound(PluginError):
    """The plugin has no tool of that name."""

    retryable = False


class PluginExists(PluginError):
    """A plugin of that name already exists."""

    retryable = False


class ParameterError(PluginError):
    """A tool parameter is missing, unknown or of the wrong type."""

    retryable = False


class SpecError(PluginError):
    """An OpenAPI document cannot be imported."""

    retryable = False


class BlockedAddressError(PluginError):
    """The SSRF guard refused a URL (its host resolves to a loopback, private or reserved address)."""

    retryable = False


class OutboundError(PluginError):
    """An outbound HTTP call failed: timeout, connection error, oversized response, too many redirects."""
