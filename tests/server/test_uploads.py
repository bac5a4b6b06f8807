"""Uploads are checked at the door: identified by content (magic bytes), names sanitised, text decoded right."""

from __future__ import annotations

import random
import zlib

import pytest

from engine.spec import Services
from knowledge.filenames import safe_filename
from knowledge.service import KnowledgeService
from tests.knowledge.conftest import make_docx, make_pdf
from tests.server.conftest import asgi_client, running_app, wait_for

ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x02\x00\x3e\x00\x01\x00\x00\x00" + bytes(100)
RANDOM = random.Random(3).randbytes(4096)
PNG = (b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes.fromhex("00000001000000010800000000") + b"\x3a\x7e\x9b\x55"
       + b"\x00\x00\x00\nIDAT" + zlib.compress(b"\x00\x00") + b"\x00\x00\x00\x00IEND\xaeB`\x82")
LIES = [
    ("photo.png", ELF, "ELF executable"),
    ("report.docx", make_pdf(["quarterly numbers"]), "a PDF document (application/pdf)"),
    ("notes.txt", RANDOM, "unrecognised binary data"),
    ("data.json", ELF, "ELF executable"),
]
TRUTHS = [("photo.png", PNG), ("report.docx", make_docx(["hello"])), ("report.pdf", make_pdf(["hello"])),
          ("utf16.txt", "Plain text in UTF-16 without a byte order mark.".encode("utf-16-le")),
          ("gbk.md", "床前明月光，疑是地上霜。举头望明月，低头思故乡。".encode("gbk"))]


@pytest.fixture
async def kb_client(data_dir):
    knowledge = KnowledgeService(data_dir)
    async with running_app(data_dir, services=Services(knowledge=knowledge)) as app, asgi_client(app) as client:
        assert (await client.post("/api/knowledge-bases", json={"name": "kb"})).status_code == 201
        yield client
    knowledge.close()


@pytest.mark.parametrize(("name", "data", "detected"), LIES, ids=[x[0] for x in LIES])
async def test_a_file_whose_content_is_not_what_its_name_says_gets_415(kb_client, name, data, detected):
    answer = await kb_client.post("/api/files", files={"file": (name, data, "application/octet-stream")})
    assert answer.status_code == 415, answer.text
    assert answer.json()["detail"].startswith(f"'{name}' is named as ") and detected in answer.json()["detail"]
    if not name.endswith(".png"):  # the knowledge bases take documents only
        answer = await kb_client.post("/api/knowledge-bases/kb/documents", files=[("files", (name, data, "x/y"))])
        assert answer.status_code == 415 and detected in answer.json()["detail"], answer.text
        assert (await kb_client.get("/api/knowledge-bases/kb/documents")).json()["items"] == []


@pytest.mark.parametrize(("name", "data"), TRUTHS, ids=[x[0] for x in TRUTHS])
async def test_a_file_that_is_what_its_name_says_is_taken(kb_client, name, data):
    response = await kb_client.post("/api/files", files={"file": (name, data, "application/octet-stream")})
    assert response.status_code == 201


@pytest.mark.parametrize(("given", "stored"), [
    ("../../etc/passwd", "passwd"), ("..\\..\\boot.ini", "boot.ini"), ("a\x00b.txt", "ab.txt"),
    ("tab\there.md", "tabhere.md"), ("..", "file"), ("", "file"), ('re:po<r>t?.txt', "re_po_r_t_.txt"),
    ("報告 (final).pdf", "報告 (final).pdf"), ("x" * 300 + ".docx", "x" * 195 + ".docx"),
])
def test_file_names_are_sanitised(given: str, stored: str) -> None:
    assert safe_filename(given) == stored


async def test_knowledge_base_documents_get_safe_names_and_no_nul_reaches_the_index(kb_client):
    name = "../../" + "长" * 300 + ".txt"
    upload = await kb_client.post("/api/knowledge-bases/kb/documents",
                                  files=[("files", (name, "第一行\x00文字\n\nalpha\x00 beta".encode(), "text/plain"))])
    assert upload.status_code == 202, upload.text
    stored = upload.json()["items"][0]["filename"]
    assert stored == "长" * 196 + ".txt"

    async def ready():
        docs = (await kb_client.get("/api/knowledge-bases/kb/documents")).json()["items"]
        return docs if docs[0]["status"] in ("ready", "failed") else None

    docs = await wait_for(ready, timeout=60)
    assert docs[0]["status"] == "ready", docs[0]["error"]
    hits = (await kb_client.post("/api/knowledge-bases/kb/search",
                                 json={"query": "alpha beta", "mode": "keyword"})).json()
    assert hits["items"] and all("\x00" not in h["content"] and h["document"] == stored for h in hits["items"])
