"""Persistence of imported plugins under ``<data_dir>/plugins/``.

``<name>.json`` holds the plugin (its document, tools, base URL, allow-list); credentials live apart in
``credentials/<name>.json`` (directory 0700, file 0600) so that exports and listings never contain them.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

from pydantic import ValidationError

from nodes.plugins.errors import PluginError
from nodes.plugins.openapi import OpenAPIPlugin

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")


def check_name(name: str) -> None:
    if not NAME_PATTERN.fullmatch(name or ""):
        raise PluginError(f"invalid plugin name {name!r}: use 1-64 lowercase letters, digits, '_' or '-', "
                          "starting with a letter")


def _write(path: Path, text: str, mode: int) -> None:
    """Write atomically, with ``mode`` from the start (a secret is never readable by others, even briefly)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class PluginStore:
    """Imported plugins and their credentials on disk."""

    def __init__(self, root: Path):
        self.root = root
        self.secrets = root / "credentials"
        # Parsed plugins by file stamp: other processes (the CLI, another server) may change the files.
        self._cache: dict[str, tuple[tuple[int, int], OpenAPIPlugin]] = {}

    def _path(self, name: str) -> Path:
        check_name(name)
        return self.root / f"{name}.json"

    def names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.stem for p in self.root.glob("*.json") if NAME_PATTERN.fullmatch(p.stem))

    def load(self, name: str) -> OpenAPIPlugin | None:
        path = self._path(name)
        try:
            info = path.stat()
        except FileNotFoundError:
            self._cache.pop(name, None)
            return None
        stamp = (info.st_mtime_ns, info.st_size)
        cached = self._cache.get(name)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        try:
            plugin = OpenAPIPlugin.model_validate_json(path.read_text(encoding="utf-8"))
        except (ValidationError, OSError) as exc:
            raise PluginError(f"plugin '{name}': stored file {path} is unreadable: {exc}") from None
        self._cache[name] = (stamp, plugin)
        return plugin

    def save(self, plugin: OpenAPIPlugin, credentials: dict[str, str] | None) -> None:
        path = self._path(plugin.info.name)
        self.root.mkdir(parents=True, exist_ok=True)
        _write(path, plugin.model_dump_json(indent=2), 0o644)
        secret = self.secrets / f"{plugin.info.name}.json"
        if credentials:
            self.secrets.mkdir(mode=0o700, parents=True, exist_ok=True)
            _write(secret, json.dumps(credentials), 0o600)
        else:
            secret.unlink(missing_ok=True)

    def credentials(self, name: str) -> dict[str, str]:
        path = self.secrets / f"{name}.json"
        if not path.is_file():
            return {}
        secrets: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
        return secrets

    def delete(self, name: str) -> bool:
        path = self._path(name)
        (self.secrets / f"{name}.json").unlink(missing_ok=True)
        if not path.is_file():
            return False
        path.unlink()
        return True


class MemoryStore:
    """The same interface without a data directory: imports last as long as the registry."""

    def __init__(self) -> None:
        self._plugins: dict[str, tuple[OpenAPIPlugin, dict[str, str]]] = {}

    def names(self) -> list[str]:
        return sorted(self._plugins)

    def load(self, name: str) -> OpenAPIPlugin | None:
        entry = self._plugins.get(name)
        return entry[0] if entry else None

    def save(self, plugin: OpenAPIPlugin, credentials: dict[str, str] | None) -> None:
        check_name(plugin.info.name)
        self._plugins[plugin.info.name] = (plugin, dict(credentials or {}))

    def credentials(self, name: str) -> dict[str, str]:
        entry = self._plugins.get(name)
        return dict(entry[1]) if entry else {}

    def delete(self, name: str) -> bool:
        return self._plugins.pop(name, None) is not None
