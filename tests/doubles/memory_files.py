"""Test double for the file service (``engine.services.FileReader``): uploaded files held in memory."""

from __future__ import annotations

from typing import Any


class MemoryFiles:
    """``add`` a file and get its file value; ``read`` returns ``(name, bytes)`` like the real store."""

    def __init__(self) -> None:
        self._files: dict[str, tuple[str, bytes]] = {}

    def add(self, name: str, content: bytes, mime_type: str | None = None) -> dict[str, Any]:
        file_id = f"f{len(self._files) + 1}"
        self._files[file_id] = (name, content)
        value: dict[str, Any] = {"file_id": file_id, "name": name, "size": len(content)}
        if mime_type:
            value["mime_type"] = mime_type
        return value

    def read(self, file_value: dict[str, Any]) -> tuple[str, bytes]:
        file_id = file_value.get("file_id")
        if file_id not in self._files:
            raise LookupError(f"no file {file_id}")
        return self._files[str(file_id)]
