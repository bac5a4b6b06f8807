"""The host ↔ zygote wire format, over the zygote's stdin and stdout.

Host → zygote, once at start: ``HEADER`` + settings JSON. Then per job: ``JOB_HEADER`` (body length, wall-clock
limit in ms) + a JSON body ``{"source": str, "compiled": base64 marshal | null, "args": dict}``. The zygote
never parses a job body: it forks, and the child does.

Zygote → host: ``HEADER`` + JSON, first ``{"ready": true, ...}``, then one reply per job, either
``{"ok": true, "value": dict, "logs": [str]}`` or ``{"ok": false, "kind": str, "message": str, "logs": [str],
...}`` where ``kind`` is ``compile | runtime | output | limit | timeout | internal``. A reply written by a child
is untrusted: the host checks its types.
"""

from __future__ import annotations

import json
import os
import struct
from typing import Any

HEADER = struct.Struct(">I")
JOB_HEADER = struct.Struct(">II")


def encode(message: dict[str, Any]) -> bytes:
    body = json.dumps(message, ensure_ascii=False, default=str).encode()
    return HEADER.pack(len(body)) + body


def encode_job(body: bytes, timeout_s: float) -> bytes:
    return JOB_HEADER.pack(len(body), max(1, min(round(timeout_s * 1000), 2**32 - 1))) + body


def decode(body: bytes) -> dict[str, Any]:
    message = json.loads(body)
    if not isinstance(message, dict):
        raise ValueError("sandbox message is not an object")
    return message


def read_into(fd: int, view: memoryview) -> bool:
    """Fill ``view`` from ``fd``; False if the other end closed first."""
    while view:
        count = os.readv(fd, [view])
        if not count:
            return False
        view = view[count:]
    return True


def read_exactly(fd: int, size: int) -> bytes | None:
    """``size`` bytes from ``fd``, or None if the other end closed first."""
    buffer = bytearray(size)
    return bytes(buffer) if read_into(fd, memoryview(buffer)) else None


def write_all(fd: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
