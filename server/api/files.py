"""File uploads for ``file`` inputs and ``sys.files`` (console and public API)."""

from __future__ import annotations

import asyncio
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel

from knowledge.filenames import safe_filename
from server.deps import Credentials, FilesDep, State, presented_key
from server.errors import PayloadTooLargeError

console = APIRouter(prefix="/api/files", tags=["files"])
public = APIRouter(prefix="/v1/files", tags=["files"])
Upload = Annotated[UploadFile, File(description="the file")]


class FilePublic(BaseModel):
    """A stored file; pass this object as a ``file`` input or in ``files``."""

    name: str
    file_id: str
    mime_type: str
    size: int


async def save(files: FilesDep, upload: UploadFile, owner: str | None = None) -> FilePublic:
    data = await upload.read(files.max_bytes + 1)
    if len(data) > files.max_bytes:
        raise PayloadTooLargeError(f"file '{safe_filename(upload.filename or '')}' is over the limit of "
                                   f"{files.max_bytes:,} bytes")
    saved = await asyncio.to_thread(files.save, upload.filename or "file", data, upload.content_type, owner)
    return FilePublic(**saved)


@console.post("", status_code=201, response_model=FilePublic)
async def upload_file(files: FilesDep, file: Upload) -> FilePublic:
    return await save(files, file)


@console.get("/{file_id}", response_model=FilePublic)
def get_file(files: FilesDep, file_id: str) -> FilePublic:
    return FilePublic(**files.info(file_id))


@console.get("/{file_id}/content", response_class=Response)
def download_file(files: FilesDep, file_id: str) -> Response:
    info = files.info(file_id)
    name, data = files.read(info)
    return Response(data, media_type=info["mime_type"],
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


@public.post("", status_code=201, response_model=FilePublic)
async def upload_app_file(state: State, files: FilesDep, credentials: Credentials, file: Upload) -> FilePublic:
    """Upload a file for a run or a chat message of the app whose key this is (a workflow app or an agent
    app); only that app's runs and turns (and the console) can use it."""
    key = await presented_key(state.store, credentials)
    return await save(files, file, owner=key.app_id)
