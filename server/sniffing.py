"""What a file is, from its content (magic bytes), checked at upload against what its name says it is.

Names lie: an executable named ``photo.png`` or a PDF named ``notes.docx`` is refused at the door (415) with
what was detected, rather than stored and failing later, or being served back under a false type.
"""

from __future__ import annotations

from pathlib import PurePath

import puremagic

from knowledge.encoding import decode_text
from knowledge.errors import ParseError
from server.errors import UnsupportedTypeError

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEXT_TYPES = frozenset({"application/json", "application/x-ndjson", "application/jsonl"})
_ZIP, _OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2: legacy .doc, or an encrypted .docx
_HEAD = 64 * 1024


def check_content(name: str, mime: str, data: bytes) -> None:
    """Raise ``UnsupportedTypeError`` (415) unless ``data`` is what ``mime`` (from the name) says it is."""
    if not _matches(name, mime, data):
        raise UnsupportedTypeError(f"'{name}' is named as {mime}, but its content is {detect(data)}; "
                                   "upload the file under its real type")


def detect(data: bytes) -> str:
    """A short description of the content: the best magic-bytes match, text, or binary data."""
    head = data[:_HEAD]
    if b"%PDF-" in head[:1024]:
        return "a PDF document (application/pdf)"
    if head.startswith(_OLE):
        return "an OLE2 compound file (a legacy .doc, .xls or an encrypted Office file)"
    best = max(_magic(head), key=lambda m: m.confidence, default=None)
    if best is not None:
        kind = best.mime_type or best.extension
        return f"{best.name.strip()} ({kind})" if kind else best.name.strip()
    return "text" if _is_text(data) else "unrecognised binary data"


def _matches(name: str, mime: str, data: bytes) -> bool:
    head = data[:_HEAD]
    if mime.startswith("text/") or mime in TEXT_TYPES:
        return _is_text(data)
    if mime == "application/pdf":
        return b"%PDF-" in head[:1024]  # the PDF standard tolerates bytes before the header
    if mime == DOCX:
        return head.startswith((_ZIP, _OLE))  # an OLE2 .docx is encrypted: the parser says so
    suffix = PurePath(name).suffix.lower()
    return any(m.mime_type == mime or m.extension == suffix for m in _magic(head))


def _magic(head: bytes) -> list:  # list[puremagic.PureMagicWithConfidence]
    try:
        return puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        return []


def _is_text(data: bytes) -> bool:
    try:
        decode_text("upload", data)  # whole: a sample cut inside a character would misread
    except ParseError:
        return False
    return True
