"""Office Open XML packages (DOCX, XLSX): open them, check the ZIP's directory before anything is decompressed,
then, for DOCX, count paragraphs and table cells in one streaming pass before python-docx builds the whole
document tree in memory.

The sizes checked are the ones the ZIP directory declares; ``zipfile`` stops at the declared size when it reads
a member (a member that inflates past it fails its CRC), so a lying directory cannot get more through.
"""

from __future__ import annotations

import io
import zipfile
from typing import IO

from lxml import etree

from knowledge.errors import ParseError
from knowledge.limits import ParseLimits

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_BODY = "word/document.xml"
_RATIO_FLOOR = 1024 * 1024  # small members cannot do harm whatever their ratio


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an encrypted OOXML file, or a legacy .doc / .xls


def open_package(filename: str, data: bytes, kind: str, legacy: str, limits: ParseLimits) -> zipfile.ZipFile:
    """The file as a ZIP package whose directory passed :func:`check_package`; ``kind`` ("DOCX") and ``legacy``
    (".doc") name the format in the errors."""
    if data.startswith(_OLE_MAGIC):
        raise ParseError(filename, f"{kind} is encrypted (password protected) or is a legacy {legacy} file")
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ParseError(filename, f"corrupt {kind} (not a ZIP package)") from None
    try:
        check_package(filename, package, limits, kind)
    except BaseException:
        package.close()
        raise
    return package


def check_package(filename: str, package: zipfile.ZipFile, limits: ParseLimits, kind: str = "DOCX") -> None:
    """Raise ``ParseError`` when the package has too many members or inflates too far (a ZIP bomb)."""
    members = package.infolist()
    if len(members) > limits.max_zip_members:
        raise ParseError(filename, f"{kind} has {len(members):,} parts; the limit is {limits.max_zip_members:,}")
    total = sum(m.file_size for m in members)
    if total > limits.max_unzipped_bytes:
        raise ParseError(filename, f"{kind} expands to {_mb(total)} when unzipped; the limit is "
                                   f"{_mb(limits.max_unzipped_bytes)} (a ZIP bomb?)")
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > _RATIO_FLOOR and ratio > limits.max_zip_ratio:
            raise ParseError(filename, f"{kind} part '{member.filename}' expands {ratio:,.0f}x when unzipped; the "
                                       f"limit is {limits.max_zip_ratio}x (a ZIP bomb?)")


def check_body(filename: str, package: zipfile.ZipFile, limits: ParseLimits) -> None:
    """Count the body's paragraphs and table cells without keeping them; raise past the limits."""
    if _BODY not in package.namelist():
        return  # python-docx reports the missing part in its own words
    with package.open(_BODY) as stream:
        paragraphs, cells = _count(stream, limits)
    if paragraphs > limits.max_paragraphs:
        raise ParseError(filename, f"DOCX has more than {limits.max_paragraphs:,} paragraphs (the limit)")
    if cells > limits.max_table_cells:
        raise ParseError(filename, f"DOCX has more than {limits.max_table_cells:,} table cells (the limit)")


def _count(stream: IO[bytes], limits: ParseLimits) -> tuple[int, int]:
    paragraphs = cells = 0
    events = etree.iterparse(stream, events=("end",), tag=(f"{_W}p", f"{_W}tc"), resolve_entities=False,
                             no_network=True, load_dtd=False)
    try:
        for _, element in events:
            if element.tag == f"{_W}tc":
                cells += 1
            else:
                paragraphs += 1
            if paragraphs > limits.max_paragraphs or cells > limits.max_table_cells:
                break
            element.clear(keep_tail=True)
            parent = element.getparent()
            while parent is not None and element.getprevious() is not None:
                del parent[0]  # siblings already counted: keep memory flat over millions of them
    except etree.XMLSyntaxError:
        pass  # python-docx reports a broken body in its own words
    return paragraphs, cells


def _mb(size: int) -> str:
    return f"{size:,} bytes" if size < 1_000_000 else f"{size / 1e6:,.1f} MB"
