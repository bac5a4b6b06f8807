"""Parsing: file bytes → plain text (PDF, DOCX, TXT, Markdown, HTML, CSV, JSONL), with encoding detection.

``parse`` is pure and thread-safe; every failure is a ``ParseError`` naming the file and the cause.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from charset_normalizer import from_bytes

from knowledge.errors import ParseError

MAX_BYTES = 50 * 1024 * 1024
TEXT_SUFFIXES = {".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md", ".csv": "csv",
                 ".jsonl": "jsonl", ".json": "json", ".tsv": "csv", ".log": "txt"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
SUPPORTED = sorted({".pdf", ".docx", *TEXT_SUFFIXES, *HTML_SUFFIXES})
# OLE2 compound files: legacy .doc, and also what Office writes for a password-protected .docx.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Legacy East-Asian guesses that charset-normalizer makes for short GB-encoded Chinese text.
_CJK_LOOKALIKES = {"big5", "cp950", "cp949", "euc_kr", "shift_jis", "cp932", "euc_jp", "johab"}


@dataclass
class ParsedDocument:
    """The text of one file plus what was learnt while reading it."""

    filename: str
    format: str
    text: str
    pages: int | None = None
    encoding: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


def file_format(filename: str) -> str:
    """The format name for a file name (``pdf``, ``docx``, ``txt``, ``md``, ``html``, ``csv``, ``jsonl``…)."""
    suffix = PurePath(filename).suffix.lower()
    if suffix in (".pdf", ".docx"):
        return suffix[1:]
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in TEXT_SUFFIXES:
        return TEXT_SUFFIXES[suffix]
    shown = suffix or "(no extension)"
    raise ParseError(filename, f"unsupported file type {shown}; supported: {', '.join(SUPPORTED)}")


def parse(filename: str, data: bytes, *, max_bytes: int = MAX_BYTES) -> ParsedDocument:
    """Read ``data`` (the content of ``filename``) into text, or raise ``ParseError``."""
    kind = file_format(filename)
    if not data:
        raise ParseError(filename, "file is empty")
    if len(data) > max_bytes:
        raise ParseError(filename, f"file is too large ({len(data) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.1f} MB)")
    if kind == "pdf":
        doc = _parse_pdf(filename, data)
    elif kind == "docx":
        doc = _parse_docx(filename, data)
    else:
        text, encoding = decode_text(filename, data)
        if kind == "html":
            text = _html_text(text)
        doc = ParsedDocument(filename, kind, text, encoding=encoding)
    if not doc.text.strip():
        raise ParseError(filename, "no text found in the file" + (" (scanned images need OCR)" if kind == "pdf" else ""))
    return doc


def decode_text(filename: str, data: bytes) -> tuple[str, str]:
    """Decode bytes of a text file: UTF-8 (with or without BOM) first, else the detected encoding."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None:
        raise ParseError(filename, "not a text file, or its encoding could not be detected")
    encoding = best.encoding
    if encoding in _CJK_LOOKALIKES:
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError:
            pass
    return str(best), encoding


def _parse_pdf(filename: str, data: bytes) -> ParsedDocument:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            # Owner-password-only PDFs open with an empty user password; real protection does not.
            try:
                opened = reader.decrypt("")
            except Exception:  # pypdf raises several types for unsupported crypto
                opened = 0
            if not opened:
                raise ParseError(filename, "PDF is encrypted (password protected)")
        pages = [page.extract_text() or "" for page in reader.pages]
    except ParseError:
        raise
    except Exception as exc:  # pypdf surfaces many error types on damaged files (PdfReadError, KeyError, ...)
        raise ParseError(filename, f"corrupt or unreadable PDF ({_short(exc)})") from None
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    return ParsedDocument(filename, "pdf", text, pages=len(pages))


def _parse_docx(filename: str, data: bytes) -> ParsedDocument:
    import docx
    from docx.table import Table

    if data.startswith(_OLE_MAGIC):
        raise ParseError(filename, "DOCX is encrypted (password protected) or is a legacy .doc file")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ParseError(filename, "corrupt DOCX (not a ZIP package)")
    try:
        document = docx.Document(io.BytesIO(data))
        blocks = []
        for item in document.iter_inner_content():
            if isinstance(item, Table):
                blocks.append(_table_text(item))
            elif item.text.strip():
                blocks.append(item.text.strip())
    except Exception as exc:  # python-docx raises KeyError/ValueError/lxml errors on damaged packages
        raise ParseError(filename, f"corrupt DOCX ({_short(exc)})") from None
    return ParsedDocument(filename, "docx", "\n\n".join(b for b in blocks if b))


def _table_text(table: Any) -> str:
    rows = []
    for row in table.rows:
        cells, previous = [], None
        for cell in row.cells:
            # Merged cells repeat the same cell object; keep one copy.
            if cell._tc is not previous:
                cells.append(cell.text.strip())
            previous = cell._tc
        if any(cells):
            rows.append(" | ".join(cells))
    return "\n".join(rows)


def _html_text(markup: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "lxml")
    for tag in soup(["script", "style", "noscript", "template", "head"]):
        tag.decompose()
    return soup.get_text("\n")


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."
