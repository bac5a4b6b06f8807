"""``loom plugin``: list plugins and tools, call a tool, import/export/delete OpenAPI plugins."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from nodes.plugins import PluginError, ToolRegistry
from server.cli.common import AsJson, DataDir, fail, out
from server.services import data_dir_from

app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)



def _registry(data_dir: Path | None) -> ToolRegistry:
    return ToolRegistry(data_dir_from(data_dir))



def _pairs(items: list[str], option: str) -> dict[str, str]:
    values = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise fail(f"{option} {item!r}: expected NAME=VALUE", 2)
        values[key.strip()] = value
    return values


@app.command("list")
def list_plugins(data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """List plugins and their tools, with parameter and output types."""
    try:
        plugins = _registry(data_dir).list_plugins()
    except PluginError as exc:
        raise fail(str(exc)) from None
    if as_json:
        print(json.dumps([p.model_dump(mode="json") for p in plugins], ensure_ascii=False))
        return
    table = Table("plugin", "kind", "tool", "parameters (* = required)", "outputs")
    for plugin in plugins:
        for tool in plugin.tools:
            params = ", ".join(f"{p.name}{'*' if p.required else ''}: {'|'.join(p.types)}" for p in tool.parameters)
            outputs = ", ".join(f"{o.name}: {o.type}" for o in tool.outputs)
            table.add_row(plugin.name, plugin.kind, tool.name, params, outputs)
    out.print(table)


@app.command()
def call(plugin: str, tool: str,
         param: Annotated[list[str] | None, typer.Option("--param", "-p", help="NAME=VALUE (repeatable)")] = None,
         params_json: Annotated[str | None,
                                typer.Option("--params-json", help="All parameters as a JSON object")] = None,
         data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Call a tool. Values are converted to the parameter types; read_file may take a local path here."""
    params: dict[str, Any] = {}
    if params_json:
        try:
            params = json.loads(params_json)
        except json.JSONDecodeError as exc:
            raise fail(f"--params-json: invalid JSON at column {exc.colno}: {exc.msg}", 2) from None
        if not isinstance(params, dict):
            raise fail("--params-json: expected a JSON object", 2)
    params.update(_pairs(param or [], "--param"))
    registry = _registry(data_dir)

    async def go() -> dict[str, Any]:
        try:
            return await registry.call(plugin, tool, params, allow_local_paths=True)
        finally:
            await registry.aclose()

    try:
        result = asyncio.run(go())
    except PluginError as exc:
        raise fail(str(exc)) from None
    if as_json:
        print(json.dumps(result, ensure_ascii=False, default=str))
    else:
        out.print_json(json.dumps(result, ensure_ascii=False, default=str))


def _secret(value: str) -> str:
    # env:NAME keeps a secret out of shell history and process listings.
    if value.startswith("env:"):
        name = value[4:]
        if name not in os.environ:
            raise fail(f"--credential: environment variable {name} is not set", 2)
        return os.environ[name]
    return value


@app.command("import")
def import_plugin(name: str, spec: Annotated[str, typer.Argument(help="OpenAPI 3 file (JSON/YAML) or http(s) URL")],
                  allow_host: Annotated[list[str] | None, typer.Option(
                      "--allow-host", help="Host, address or CIDR the plugin may reach even if private")] = None,
                  credential: Annotated[list[str] | None, typer.Option(
                      "--credential", help="SCHEME=SECRET or SCHEME=env:VAR, per security scheme")] = None,
                  base_url: Annotated[str | None, typer.Option(help="Override the document's server URL")] = None,
                  replace: Annotated[bool, typer.Option(help="Replace a plugin of the same name")] = False,
                  data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Import an OpenAPI 3.x document as a plugin (one tool per operation)."""
    credentials = {k: _secret(v) for k, v in _pairs(credential or [], "--credential").items()}
    source: str | bytes = spec
    if not spec.lower().startswith(("http://", "https://")):
        path = Path(spec).expanduser()
        if not path.is_file():
            raise fail(f"{spec}: no such file", 2)
        source = path.read_bytes()
    try:
        info = _registry(data_dir).import_openapi(name, source, credentials=credentials or None,
                                                  allow_hosts=allow_host or None, base_url=base_url,
                                                  replace=replace)
    except PluginError as exc:
        raise fail(str(exc)) from None
    if as_json:
        print(json.dumps(info.model_dump(mode="json"), ensure_ascii=False))
    else:
        out.print(f"[green]imported[/] {info.name}: {len(info.tools)} tool(s) "
                  f"({', '.join(t.name for t in info.tools)}) → {info.base_url}")


@app.command()
def export(name: str, data_dir: DataDir = None) -> None:
    """Print a plugin's definition as JSON (credentials are never included)."""
    try:
        print(json.dumps(_registry(data_dir).export(name), ensure_ascii=False, indent=2))
    except PluginError as exc:
        raise fail(str(exc)) from None


@app.command()
def delete(name: str, data_dir: DataDir = None) -> None:
    """Delete an imported plugin and its stored credentials."""
    try:
        _registry(data_dir).delete(name)
    except PluginError as exc:
        raise fail(str(exc)) from None
    out.print(f"deleted {name}")
