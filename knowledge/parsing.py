"""Parsing: file bytes → plain text (PDF, DOCX, XLSX, TXT, Markdown, HTML, CSV, JSONL), with encoding detection.

``parse`` is pure, thread-safe and keeps within ``ParseLimits``; every failure is a ``ParseError`` naming the
file and the cause. The server does not call it in its own process: ``knowledge.isolation`` runs it in a child
process with memory and time limits.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from knowledge.encoding import decode_text
from knowledge.errors import ParseError
from knowledge.limits import DEFAULT_LIMITS, ParseLimits

__all__ = ["MAX_BYTES", "SUPPORTED", "ParsedDocument", "decode_text", "file_format", "parse"]
MAX_BYTES = ParseLimits.max_bytes
TEXT_SUFFIXES = {".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md", ".csv": "csv",
                 ".jsonl": "jsonl", ".json": "json", ".tsv": "csv", ".log": "txt"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
SUPPORTED = sorted({".pdf", ".docx", ".xlsx", *TEXT_SUFFIXES, *HTML_SUFFIXES})


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
    if suffix in (".pdf", ".docx", ".xlsx"):
        return suffix[1:]
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in TEXT_SUFFIXES:
        return TEXT_SUFFIXES[suffix]
    shown = suffix or "(no extension)"
    raise ParseError(filename, f"unsupported file type {shown}; supported: {', '.join(SUPPORTED)}")


def parse(filename: str, data: bytes, *, max_bytes: int | None = None,
          limits: ParseLimits = DEFAULT_LIMITS) -> ParsedDocument:
    """Read ``data`` (the content of ``filename``) into text, or raise ``ParseError``."""
    kind = file_format(filename)
    max_bytes = limits.max_bytes if max_bytes is None else max_bytes
    if not data:
        raise ParseError(filename, "file is empty")
    if len(data) > max_bytes:
        raise ParseError(filename, f"file is too large ({len(data) / 1e6:.1f} MB; "
                                   f"the limit is {max_bytes / 1e6:.1f} MB)")
    if kind == "pdf":
        doc = _parse_pdf(filename, data, limits)
    elif kind == "docx":
        doc = _parse_docx(filename, data, limits)
    elif kind == "xlsx":
        doc = _parse_xlsx(filename, data, limits)
    else:
        text, encoding = decode_text(filename, data)
        if kind == "html":
            text = _html_text(text)
        doc = ParsedDocument(filename, kind, text, encoding=encoding)
    _check_chars(filename, len(doc.text), limits)
    # NUL and lone surrogates are never text: they must not reach chunks or indexes.
    doc.text = doc.text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    if not doc.text.strip():
        hint = " (scanned images need OCR)" if kind == "pdf" else ""
        raise ParseError(filename, "no text found in the file" + hint)
    return doc


def _check_chars(filename: str, count: int, limits: ParseLimits) -> None:
    if count > limits.max_chars:
        raise ParseError(filename, f"the text is longer than {limits.max_chars:,} characters (the limit)")


def _parse_pdf(filename: str, data: bytes, limits: ParseLimits) -> ParsedDocument:
    from pypdf import PasswordType, PdfReader

    pages: list[str] = []
    try:
        with _pypdf_warnings() as warnings:
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                # Owner-password-only PDFs open with an empty user password; real protection does not.
                try:
                    opened = reader.decrypt("")
                except Exception:  # pypdf raises several types for unsupported crypto
                    opened = PasswordType.NOT_DECRYPTED
                if not opened:
                    raise ParseError(filename, "PDF is encrypted (password protected)")
            _check_pages(filename, reader, limits)
            if any("circular" in w.lower() or "cyclic" in w.lower() for w in warnings):
                raise ParseError(filename, "corrupt PDF (its cross-reference table refers back to itself)")
            chars = 0
            for page in reader.pages:
                pages.append(page.extract_text() or "")
                chars += len(pages[-1])
                _check_chars(filename, chars, limits)
    except (ParseError, MemoryError):  # over a limit: say so, not "corrupt"
        raise
    except Exception as exc:  # pypdf surfaces many error types on damaged files (PdfReadError, KeyError, ...)
        raise ParseError(filename, f"corrupt or unreadable PDF ({_short(exc)})") from None
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    return ParsedDocument(filename, "pdf", text, pages=len(pages))


def _check_pages(filename: str, reader: Any, limits: ParseLimits) -> None:
    # The page tree's declared /Count is read in constant time; counting the pages walks the whole tree.
    declared = reader.trailer["/Root"]["/Pages"].get("/Count", 0)
    count = declared if isinstance(declared, int) and declared > limits.max_pages else len(reader.pages)
    if count > limits.max_pages:
        raise ParseError(filename, f"PDF has {count:,} pages; the limit is {limits.max_pages:,}")


@contextmanager
def _pypdf_warnings() -> Iterator[list[str]]:
    """pypdf repairs some damage (such as a looping xref chain) with only a logged warning; collect them."""
    seen: list[str] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: seen.append(record.getMessage())  # type: ignore[method-assign]
    logger = logging.getLogger("pypdf")
    logger.addHandler(handler)
    try:
        yield seen
    finally:
        logger.removeHandler(handler)


def _parse_docx(filename: str, data: bytes, limits: ParseLimits) -> ParsedDocument:
    import docx
    from docx.table import Table

    from knowledge.ooxml import check_body, open_package  # lxml: loaded for OOXML only, like python-docx

    package = open_package(filename, data, "DOCX", ".doc", limits)
    try:
        with package:
            check_body(filename, package, limits)
        document = docx.Document(io.BytesIO(data))
        blocks, chars = [], 0
        for item in document.iter_inner_content():
            block = _table_text(item) if isinstance(item, Table) else item.text.strip()
            if block:
                blocks.append(block)
                chars += len(block)
                _check_chars(filename, chars, limits)
    except (ParseError, MemoryError):  # over a limit: say so, not "corrupt"
        raise
    except Exception as exc:  # python-docx raises KeyError/ValueError/lxml errors on damaged packages
        raise ParseError(filename, f"corrupt DOCX ({_short(exc)})") from None
    return ParsedDocument(filename, "docx", "\n\n".join(blocks))


def _parse_xlsx(filename: str, data: bytes, limits: ParseLimits) -> ParsedDocument:
    """Each sheet as ``# name`` then one line per non-empty row, cells joined by `` | ``."""
    import openpyxl

    from knowledge.ooxml import open_package

    open_package(filename, data, "XLSX", ".xls", limits).close()
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheets, chars, cells = [], 0, 0
        try:
            for sheet in book.worksheets:
                rows = []
                for row in sheet.iter_rows(values_only=True):
                    cells += len(row)
                    if cells > limits.max_table_cells:
                        raise ParseError(filename, f"the workbook has more than {limits.max_table_cells:,} "
                                                   "cells (the limit)")
                    values = ["" if v is None else str(v).strip() for v in row]
                    while values and not values[-1]:
                        values.pop()
                    if any(values):
                        rows.append(" | ".join(values))
                        chars += len(rows[-1])
                        _check_chars(filename, chars, limits)
                if rows:
                    sheets.append(f"# {sheet.title}\n" + "\n".join(rows))
        finally:
            book.close()
    except (ParseError, MemoryError):  # over a limit: say so, not "corrupt"
        raise
    except Exception as exc:  # openpyxl raises KeyError/ValueError/lxml errors on damaged packages
        raise ParseError(filename, f"corrupt XLSX ({_short(exc)})") from None
    return ParsedDocument(filename, "xlsx", "\n\n".join(sheets), pages=len(sheets) or None)


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
