"""The tool registry: built-in plugins plus OpenAPI plugins imported into the data directory."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path
from typing import Any

from engine.services import FileReader
from engine.types import CoercionError, check_value, coerce, describe
from nodes.plugins.builtin import BUILTINS, CallContext
from nodes.plugins.errors import ParameterError, PluginError, PluginExists, PluginNotFound, SpecError, ToolNotFound
from nodes.plugins.http import HttpLimits, SafeHttp
from nodes.plugins.openapi import OpenAPIPlugin, build_plugin, load_document
from nodes.plugins.openapi_call import call_operation
from nodes.plugins.schema import PluginInfo, ToolSchema
from nodes.plugins.store import MemoryStore, PluginStore, check_name

ALLOW_HOSTS_ENV = "LOOM_PLUGIN_ALLOW_HOSTS"


def env_allow_hosts() -> list[str]:
    """The SSRF allow-list from env ``LOOM_PLUGIN_ALLOW_HOSTS`` (comma-separated hosts, addresses or networks)."""
    return [h.strip() for h in os.environ.get(ALLOW_HOSTS_ENV, "").split(",") if h.strip()]


class ToolRegistry:
    """Lists plugins and their tools, validates parameters, and calls tools.

    ``allow_hosts`` is the SSRF allow-list of the built-in tools (default: env ``LOOM_PLUGIN_ALLOW_HOSTS``,
    comma-separated); each imported plugin has its own.
    """

    def __init__(self, data_dir: Path | None = None, *, allow_hosts: list[str] | None = None,
                 limits: HttpLimits | None = None):
        self.data_dir = Path(data_dir) if data_dir is not None else None
        self._store = PluginStore(self.data_dir / "plugins") if self.data_dir else MemoryStore()
        self.allow_hosts = tuple(allow_hosts if allow_hosts is not None else env_allow_hosts())
        self.limits = limits or HttpLimits()
        self.http = SafeHttp(self.limits)

    # -- listing ---------------------------------------------------------------------------------------

    def _imported(self, name: str) -> OpenAPIPlugin | None:
        return None if name in BUILTINS else self._store.load(name)

    def _info(self, plugin: OpenAPIPlugin) -> PluginInfo:
        has = bool(self._store.credentials(plugin.info.name))
        return plugin.info.model_copy(update={"has_credentials": has})

    def list_plugins(self) -> list[PluginInfo]:
        """Every plugin with its tools (parameter and output schemas included); built-ins first."""
        imported = [self._store.load(n) for n in self._store.names() if n not in BUILTINS]
        return [b.info for b in BUILTINS.values()] + [self._info(p) for p in imported if p is not None]

    def get_plugin(self, name: str) -> PluginInfo | None:
        if name in BUILTINS:
            return BUILTINS[name].info
        plugin = self._imported(name)
        return self._info(plugin) if plugin else None

    def tool_schema(self, plugin: str, tool: str) -> ToolSchema | None:
        info = self.get_plugin(plugin)
        return info.tool(tool) if info else None

    def _require(self, plugin: str, tool: str) -> ToolSchema:
        info = self.get_plugin(plugin)
        if info is None:
            known = ", ".join(p.name for p in self.list_plugins())
            raise PluginNotFound(f"unknown plugin '{plugin}' (available: {known})")
        schema = info.tool(tool)
        if schema is None:
            raise ToolNotFound(f"plugin '{plugin}' has no tool '{tool}' "
                               f"(tools: {', '.join(t.name for t in info.tools)})")
        return schema

    # -- calling ---------------------------------------------------------------------------------------

    async def call(self, plugin: str, tool: str, params: dict[str, Any], *, files: FileReader | None = None,
                   allow_local_paths: bool = False) -> dict[str, Any]:
        """Validate ``params`` against the tool and run it; every declared output is in the result."""
        schema = self._require(plugin, tool)
        values = validate_params(plugin, schema, params)
        try:
            if plugin in BUILTINS:
                ctx = CallContext(http=self.http, allow_hosts=self.allow_hosts, files=files,
                                  allow_local_paths=allow_local_paths)
                result = await BUILTINS[plugin].run(values, ctx)
            else:
                imported = self._imported(plugin)
                assert imported is not None
                result = await call_operation(imported, schema, values, self.http,
                                              self._store.credentials(plugin))
        except PluginError as exc:
            raise type(exc)(f"plugin '{plugin}', tool '{tool}': {exc}") from None
        return {o.name: result.get(o.name) for o in schema.outputs}

    async def aclose(self) -> None:
        await self.http.aclose()

    # -- imported plugins ------------------------------------------------------------------------------

    def import_openapi(self, name: str, source: str | bytes, *, credentials: dict[str, str] | None = None,
                       allow_hosts: list[str] | None = None, base_url: str | None = None,
                       replace: bool = False) -> PluginInfo:
        """Register an OpenAPI 3.x document (JSON/YAML text, or an http(s) URL fetched through the guard).

        ``credentials`` maps security-scheme names of the document to secrets. Fetching a URL blocks;
        call this from a worker thread in async code.
        """
        check_name(name)
        if name in BUILTINS:
            raise PluginError(f"'{name}' is a built-in plugin; choose another name")
        if not replace and self._store.load(name) is not None:
            raise PluginExists(f"plugin '{name}' already exists (delete it first, or pass replace)")
        source_url = None
        if isinstance(source, str) and source.strip().lower().startswith(("http://", "https://")):
            source_url = source.strip()
            source = self._fetch_sync(source_url, list(allow_hosts or []))
        try:
            plugin = build_plugin(name, load_document(source), allow_hosts=allow_hosts, base_url=base_url,
                                  source_url=source_url)
        except SpecError as exc:
            raise SpecError(f"cannot import plugin '{name}': {exc}") from None
        unknown = sorted(set(credentials or {}) - set(plugin.schemes))
        if unknown:
            declared = ", ".join(plugin.schemes) or "none"
            raise PluginError(f"cannot import plugin '{name}': credentials for unknown security scheme(s) "
                              f"{', '.join(unknown)} (the document declares: {declared})")
        self._store.save(plugin, {k: str(v) for k, v in (credentials or {}).items() if v})
        return self._info(plugin)

    def _fetch_sync(self, url: str, allow_hosts: list[str]) -> bytes:
        async def fetch() -> bytes:
            http = SafeHttp(self.limits)  # its own client: this runs on a private event loop
            try:
                response = await http.request("GET", url, allow_hosts=allow_hosts)
            finally:
                await http.aclose()
            if response.status >= 400:
                raise SpecError(f"fetching {url} failed: HTTP {response.status}")
            return response.content

        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(fetch())
        box: dict[str, Any] = {}  # called from async code: run the fetch on its own thread and loop

        def work() -> None:
            try:
                box["value"] = asyncio.run(fetch())
            except BaseException as exc:  # handed back to the caller below
                box["error"] = exc

        thread = threading.Thread(target=work, name="loom-openapi-fetch")
        thread.start()
        thread.join()
        if "error" in box:
            raise box["error"]
        fetched: bytes = box["value"]
        return fetched

    def delete(self, name: str) -> None:
        """Remove an imported plugin and its credentials."""
        if name in BUILTINS:
            raise PluginError(f"'{name}' is a built-in plugin and cannot be deleted")
        if not self._store.delete(name):
            raise PluginNotFound(f"unknown plugin '{name}'")

    def export(self, name: str) -> dict[str, Any]:
        """A plugin's definition without credentials; an OpenAPI export can be imported again."""
        if name in BUILTINS:
            return BUILTINS[name].info.model_dump(mode="json")
        plugin = self._imported(name)
        if plugin is None:
            raise PluginNotFound(f"unknown plugin '{name}'")
        return {"name": name, "kind": "openapi", "description": plugin.info.description,
                "base_url": plugin.info.base_url, "allow_hosts": plugin.info.allow_hosts,
                "security_schemes": plugin.info.security_schemes, "openapi": plugin.spec}


def validate_params(plugin: str, schema: ToolSchema, params: dict[str, Any]) -> dict[str, Any]:
    """Check names, coerce types, apply defaults; raise ``ParameterError`` naming plugin, tool and parameter."""
    where = f"plugin '{plugin}', tool '{schema.name}'"
    known = {p.name for p in schema.parameters}
    for name in params:
        if name not in known:
            raise ParameterError(f"{where}: unknown parameter '{name}' "
                                 f"(parameters: {', '.join(sorted(known)) or 'none'})")
    values: dict[str, Any] = {}
    for param in schema.parameters:
        value = params.get(param.name)
        if value is None:
            if param.required:
                raise ParameterError(f"{where}: missing required parameter '{param.name}'")
            if param.default is not None:
                values[param.name] = param.default
            continue
        values[param.name] = _coerce(where, param.name, param.types, value)
        if param.enum and values[param.name] not in param.enum:
            raise ParameterError(f"{where}: parameter '{param.name}' must be one of "
                                 f"{', '.join(map(str, param.enum))}, not {values[param.name]!r}")
    return values


def _coerce(where: str, name: str, types: tuple[str, ...], value: Any) -> Any:
    for var_type in types:
        if check_value(var_type, value):
            return value
    for var_type in types:
        try:
            return coerce(var_type, value)
        except CoercionError:
            continue
    raise ParameterError(f"{where}: parameter '{name}' expects {' or '.join(types)}, got {describe(value)}")
