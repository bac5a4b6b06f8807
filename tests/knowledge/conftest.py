"""Knowledge fixtures: one real MiniLM per session, a service per test, and builders of real files."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader, PdfWriter

from knowledge.embedding import Embedder, get_embedder
from knowledge.service import KnowledgeService
from tests.knowledge.hostile import pdf_file


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return get_embedder()  # the process-wide cache: every service in the session shares this model


@pytest.fixture
def service(data_dir: Path, embedder: Embedder) -> Iterator[KnowledgeService]:
    svc = KnowledgeService(data_dir)
    yield svc
    svc.close()


def _pdf_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(pages: list[str]) -> bytes:
    """A real PDF (Helvetica text, one page per entry), written object by object with a correct xref."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", None,
               "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for text in pages:
        lines = "".join(f"({_pdf_string(line)}) Tj T* " for line in text.split("\n"))
        stream = f"BT /F1 12 Tf 14 TL 72 720 Td {lines}ET"
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                       f"/Resources << /Font << /F1 3 0 R >> >> /Contents {len(objects)} 0 R >>")
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    return pdf_file(objects)


def encrypt_pdf(data: bytes, password: str = "secret") -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_docx(paragraphs: list[str], table: list[list[str]] | None = None, after: list[str] | None = None) -> bytes:
    """A real DOCX: paragraphs, then an optional table, then more paragraphs."""
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    for text in after or []:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# What Office writes for a password-protected .docx: an OLE2 compound file, not a ZIP package.
ENCRYPTED_DOCX = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + b"EncryptedPackage"

POEMS = "\n\n".join([
    "《静夜思》是唐代诗人李白创作的一首五言古诗。床前明月光，疑是地上霜。举头望明月，低头思故乡。",
    "《春晓》是唐代诗人孟浩然的作品。春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。",
    "《登鹳雀楼》是王之涣的诗。白日依山尽，黄河入海流。欲穷千里目，更上一层楼。",
])
ENGLISH = ("The Eiffel Tower is a wrought-iron lattice tower in Paris, France.\n\n"
           "Photosynthesis converts light energy into chemical energy in plants.\n\n"
           "The Great Wall of China was built over many centuries to protect against invasions.")
