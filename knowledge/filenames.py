"""File names as users send them → names safe to store and show: the last path part only, no control
characters (NUL included) or characters that file systems reserve, length-capped with the extension kept."""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath

MAX_LENGTH = 200
_RESERVED = re.compile(r'[<>:"|?*]')


def safe_filename(filename: str, fallback: str = "file") -> str:
    """``filename`` made safe to store; ``fallback`` when nothing usable is left."""
    name = re.split(r"[/\\]", filename or "")[-1]
    name = "".join(c for c in name if not unicodedata.category(c).startswith("C"))  # Cc (NUL…), Cf, Cs, Co, Cn
    name = _RESERVED.sub("_", name).strip(" .")
    if len(name) > MAX_LENGTH:
        suffix = PurePosixPath(name).suffix
        suffix = suffix if len(suffix) <= 16 else ""
        name = name[:MAX_LENGTH - len(suffix)].rstrip(" .") + suffix
    return name or fallback
