"""Hostile documents, built in the test process: parser bombs that must fail fast without hurting the server."""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Iterable

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="word/document.xml"/></Relationships>')
_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
         b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>')
_TAIL = b"</w:body></w:document>"


def docx_package(body: Iterable[bytes]) -> bytes:
    """A minimal DOCX whose word/document.xml is ``_HEAD + body + _TAIL``, streamed into the ZIP."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", _CONTENT_TYPES)
        package.writestr("_rels/.rels", _RELS)
        with package.open("word/document.xml", "w", force_zip64=True) as document:
            document.write(_HEAD)
            for piece in body:
                document.write(piece)
            document.write(_TAIL)
    return out.getvalue()


def empty_paragraphs_docx(count: int = 3_000_000) -> bytes:
    """Millions of empty paragraphs in a few hundred KB; a little noise keeps it under ZIP-bomb ratios."""
    rng = random.Random(7)
    step = 1000

    def body() -> Iterable[bytes]:
        for _ in range(count // step):
            yield b"<w:p/>" * (step - 8) + b"".join(
                b'<w:p w:rsidR="%08X"/>' % rng.getrandbits(32) for _ in range(8))

    return docx_package(body())


def zip_bomb_docx(size: int = 512 * 1024 ** 2) -> bytes:
    """A DOCX whose body inflates to ``size`` bytes of blanks from about a thousandth of that."""
    block = b" " * (1024 * 1024)
    return docx_package(block for _ in range(size // len(block)))


def table_docx(rows: int, cols: int) -> bytes:
    """One table of ``rows`` × ``cols`` numbered cells."""
    cells = b"".join(b"<w:tc><w:p><w:r><w:t>%d</w:t></w:r></w:p></w:tc>" % c for c in range(cols))
    row = b"<w:tr>" + cells + b"</w:tr>"
    return docx_package([b"<w:tbl>", *(row for _ in range(rows)), b"</w:tbl>"])


def pdf_file(objects: list[str], *, prev: str = "") -> bytes:
    """A PDF from object bodies (object 1 is the catalog) with a correct xref; ``prev`` adds to the trailer."""
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    trailer = prev.replace("{xref}", str(xref))
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R {trailer}>>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def many_pages_pdf(pages: int = 50_000) -> bytes:
    """``pages`` blank pages sharing one empty content stream (about 120 bytes a page)."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", "", "<< /Length 0 >>\nstream\n\nendstream"]
    kids = []
    for _ in range(pages):
        objects.append("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R >>")
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {pages} >>"
    return pdf_file(objects)


def cyclic_xref_pdf() -> bytes:
    """A readable one-page PDF whose trailer's /Prev points back at its own xref section (a loop)."""
    stream = "BT /F1 12 Tf 72 720 Td (Looping cross references) Tj ET"
    return pdf_file(["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                     "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
                     "/Resources << /Font << /F1 5 0 R >> >> >>",
                     f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
                     "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"], prev="/Prev {xref} ")


def lying_zip_docx(size: int = 100 * 1024 ** 2) -> bytes:
    """A ZIP bomb whose directory declares its body 100 bytes long, to slip past size checks."""
    data = bytearray(zip_bomb_docx(size))
    for header, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # local header, central directory
        at = -1
        while (at := data.find(header, at + 1)) != -1:
            name_at = at + (30 if header == b"PK\x03\x04" else 46)
            if data[name_at:name_at + 17] == b"word/document.xml":
                data[at + offset:at + offset + 4] = (100).to_bytes(4, "little")
    return bytes(data)


def cyclic_pages_pdf() -> bytes:
    """A PDF whose page tree contains itself: walking its pages never ends without a cycle check."""
    return pdf_file(["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                     "<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>"])
