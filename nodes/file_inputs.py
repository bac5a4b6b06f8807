"""Reading the uploaded files a node's inputs hold, through the run's file service (``Services.files``)."""

from __future__ import annotations

import inspect
from typing import Any

from engine.errors import NodeError
from engine.services import FileReader


def file_values(value: Any, name: str) -> list[dict[str, Any]]:
    """The file values of input ``name``: one file, or each of a list of files (absent → none)."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            where = f"input '{name}'" + (f" item {i}" if isinstance(value, list) else "")
            raise NodeError(f"{where} is {type(item).__name__}, not a file", retryable=False)
    return items


async def read_file(files: FileReader | None, value: dict[str, Any], name: str) -> tuple[str, bytes]:
    """``(filename, bytes)`` of an uploaded file value; a ``NodeError`` naming the input when it cannot be read."""
    if files is None:
        raise NodeError(f"input '{name}': uploaded files are not available here (no file store is configured)",
                        retryable=False)
    if not value.get("file_id"):
        raise NodeError(f"input '{name}': the file {value.get('name') or ''!s} has no file_id; only uploaded "
                        "files can be read", retryable=False)
    try:
        result = files.read(value)
        filename, data = await result if inspect.isawaitable(result) else result
    except NodeError:
        raise
    except Exception as exc:  # the store's own errors (not found, not this app's) say what is wrong
        raise NodeError(f"input '{name}': cannot read file {value.get('file_id')}: {exc}", retryable=False) from None
    return filename or str(value.get("name") or "file"), data
