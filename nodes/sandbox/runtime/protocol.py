"""The host ↔ worker wire format: each message is a 4-byte big-endian length, then that many bytes of JSON.

Host → worker: ``{"code": str, "args": dict}``. Worker → host: ``{"ready": true}`` once at start, then per
job either ``{"ok": true, "value": dict, "logs": [str]}`` or ``{"ok": false, "kind": str, "message": str,
"logs": [str], ...}`` where ``kind`` is ``compile | runtime | limit | internal``.
"""

from __future__ import annotations

import json
import struct
from typing import Any

HEADER = struct.Struct(">I")


def encode(message: dict[str, Any]) -> bytes:
    body = json.dumps(message, ensure_ascii=False, default=str).encode()
    return HEADER.pack(len(body)) + body


def decode(body: bytes) -> dict[str, Any]:
    message = json.loads(body)
    if not isinstance(message, dict):
        raise ValueError("sandbox message is not an object")
    return message
