"""Uploaded files (``file`` inputs, ``sys.files``): stored under ``<data_dir>/files/<file_id>/`` with a small JSON
record beside the bytes, so nodes can read them through ``services.files`` without the database.

A file uploaded with an app's key belongs to that app: only that app's runs and turns (and the console) can use
it. Runs of an app see the store through ``scoped(app_id)``, where other apps' files are not found.
"""

from __future__ import annotations

import json
import mimetypes
import re
import time
import uuid
from pathlib import Path
from typing import Any

from knowledge.filenames import safe_filename
from server.errors import InvalidRequestError, NotFoundError, PayloadTooLargeError, UnsupportedTypeError
from server.sniffing import DOCX, check_content

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Documents the knowledge, LLM and document-extractor nodes can read, images, and plain data formats.
ALLOWED_TYPES = frozenset({
    "application/pdf", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", XLSX,
    "text/plain", "text/markdown", "text/html", "text/csv", "application/json", "application/x-ndjson",
    "application/jsonl", "image/png", "image/jpeg", "image/gif", "image/webp",
    "audio/mpeg", "audio/wav", "audio/x-wav",
})
EXTRA_TYPES = {".md": "text/markdown", ".markdown": "text/markdown", ".jsonl": "application/jsonl",
               ".docx": DOCX, ".xlsx": XLSX}
_FILE_ID = re.compile(r"^[0-9a-f]{32}$")


def guess_type(filename: str, declared: str | None = None) -> str:
    """The MIME type of a file: from its extension, else the declared one (browsers often send octet-stream)."""
    suffix = Path(filename).suffix.lower()
    guessed = EXTRA_TYPES.get(suffix) or mimetypes.guess_type(filename)[0]
    declared = (declared or "").split(";")[0].strip().lower()
    return guessed or declared or "application/octet-stream"


class FileStore:
    """Saves and reads uploaded files; values are ``{"name", "file_id", "mime_type", "size"}``."""

    def __init__(self, data_dir: Path, max_bytes: int = 20_000_000,
                 allowed_types: frozenset[str] = ALLOWED_TYPES):
        self.root = Path(data_dir) / "files"
        self.max_bytes = max_bytes
        self.allowed_types = allowed_types

    def save(self, filename: str, data: bytes, content_type: str | None = None,
             owner: str | None = None) -> dict[str, Any]:
        """Store a file; ``owner`` is the app whose key uploaded it (None: the console)."""
        name = safe_filename(filename)
        if len(data) > self.max_bytes:
            raise PayloadTooLargeError(f"file '{name}' is {len(data):,} bytes, over the limit of "
                                       f"{self.max_bytes:,} bytes")
        if not data:
            raise InvalidRequestError(f"file '{name}' is empty")
        mime = guess_type(name, content_type)
        if mime not in self.allowed_types:
            raise UnsupportedTypeError(f"file '{name}' has type '{mime}', which is not accepted "
                                       f"(accepted: pdf, docx, txt, md, html, csv, json, jsonl, images, audio)")
        check_content(name, mime, data)
        file_id = uuid.uuid4().hex
        folder = self.root / file_id
        folder.mkdir(parents=True)
        (folder / "data").write_bytes(data)
        value = {"name": name, "file_id": file_id, "mime_type": mime, "size": len(data)}
        record = {**value, "owner": owner, "created_at": time.time()}
        (folder / "meta.json").write_text(json.dumps(record, ensure_ascii=False))
        return value

    def scoped(self, owner: str | None) -> FileStore | AppFiles:
        """The store as the runs of app ``owner`` see it (None: the console, which sees every file)."""
        return self if owner is None else AppFiles(self, owner)

    def info(self, file_id: str, owner: str | None = None) -> dict[str, Any]:
        """A file's value; with ``owner``, a file of another app is not found (404, no existence oracle)."""
        meta = self._folder(file_id) / "meta.json"
        record = json.loads(meta.read_text())
        if owner is not None and record.get("owner") != owner:
            raise NotFoundError("file", file_id)
        return {k: record[k] for k in ("name", "file_id", "mime_type", "size")}

    def references(self, files: list[dict[str, Any]], owner: str | None = None) -> list[dict[str, Any]]:
        """Uploaded-file references (``sys.files``), checked and completed. ``owner``: the app asking, which may
        use only the files uploaded with its own keys (another app's are not found); None: the console."""
        values = []
        for index, value in enumerate(files):
            file_id = value.get("file_id") if isinstance(value, dict) else None
            if not isinstance(file_id, str):
                raise InvalidRequestError(f"files[{index}] needs a 'file_id' from POST /api/files or /v1/files")
            values.append(self.info(file_id, owner))
        return values

    def complete_inputs(self, inputs: dict[str, Any], owner: str | None = None) -> dict[str, Any]:
        """``inputs`` with each uploaded file (a file value, or a list of them) completed from the store, so the
        run records the stored (sanitised) name; a file ``owner`` may not use is not found (404)."""
        def complete(item: Any) -> Any:
            if isinstance(item, dict) and isinstance(item.get("file_id"), str):
                return {**item, **self.info(item["file_id"], owner)}
            return item

        return {name: [complete(i) for i in value] if isinstance(value, list) else complete(value)
                for name, value in inputs.items()}

    def read(self, file_value: dict[str, Any], owner: str | None = None) -> tuple[str, bytes]:
        """The file's name and bytes for a file value (or anything carrying its ``file_id``)."""
        file_id = file_value.get("file_id") if isinstance(file_value, dict) else None
        if not isinstance(file_id, str):
            raise InvalidRequestError("a file value needs a 'file_id'")
        name = self.info(file_id, owner)["name"]
        return name, (self._folder(file_id) / "data").read_bytes()

    def delete(self, file_id: str) -> None:
        folder = self._folder(file_id)
        for child in folder.iterdir():
            child.unlink()
        folder.rmdir()

    def _folder(self, file_id: str) -> Path:
        folder = self.root / file_id
        if not _FILE_ID.match(file_id) or not (folder / "meta.json").is_file():
            raise NotFoundError("file", file_id)
        return folder


class AppFiles:
    """One app's view of the file store: its own files only."""

    def __init__(self, store: FileStore, owner: str):
        self.store, self.owner = store, owner

    def info(self, file_id: str) -> dict[str, Any]:
        return self.store.info(file_id, self.owner)

    def read(self, file_value: dict[str, Any]) -> tuple[str, bytes]:
        return self.store.read(file_value, self.owner)
