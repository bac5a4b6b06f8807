"""Parser bombs uploaded over HTTP: each fails on its own, fast, with its reason; the server's memory stays flat,
the rest of the batch is indexed, and a restart leaves the failed documents alone."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from engine.spec import Services
from knowledge.service import KnowledgeService
from tests.knowledge.hostile import cyclic_xref_pdf, empty_paragraphs_docx, many_pages_pdf, zip_bomb_docx
from tests.server.conftest import asgi_client, running_app, wait_for

MB = 1024 * 1024
GOOD = b"Photosynthesis turns light, water and carbon dioxide into sugar in plant leaves."
BOMBS = {
    "paragraphs.docx": (empty_paragraphs_docx, "DOCX has more than 200,000 paragraphs (the limit)"),
    "zip-bomb.docx": (zip_bomb_docx, "DOCX expands to 536.9 MB when unzipped; the limit is 200.0 MB (a ZIP bomb?)"),
    "pages.pdf": (many_pages_pdf, "PDF has 50,000 pages; the limit is 5,000"),
    "cyclic-xref.pdf": (cyclic_xref_pdf, "corrupt PDF (its cross-reference table refers back to itself)"),
}


def _status(field: str) -> int:
    """A field of this process's /proc status (the server runs in it), in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no {field} in /proc/self/status")


def _reset_peak_rss() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS


async def _settled(client, kb: str, count: int):
    async def check():
        docs = (await client.get(f"/api/knowledge-bases/{kb}/documents")).json()["items"]
        return docs if len(docs) == count and all(d["status"] in ("ready", "failed") for d in docs) else None
    return await wait_for(check, timeout=120)


async def test_bombs_fail_fast_and_leave_the_server_and_the_batch_alone(data_dir):
    files = [(name, build()) for name, (build, _) in BOMBS.items()] + [("plants.txt", GOOD)]
    knowledge = KnowledgeService(data_dir)
    async with running_app(data_dir, services=Services(knowledge=knowledge)) as app:
        async with asgi_client(app) as client:
            assert (await client.post("/api/knowledge-bases", json={"name": "kb"})).status_code == 201
            await client.post("/api/knowledge-bases/kb/documents", files=[("files", ("warm.txt", GOOD, "text/plain"))])
            await _settled(client, "kb", 1)  # the embedding model is loaded: this is the server at rest
            rest = _status("VmRSS")
            _reset_peak_rss()
            started = time.monotonic()
            upload = await client.post("/api/knowledge-bases/kb/documents",
                                       files=[("files", (name, data, "application/octet-stream"))
                                              for name, data in files])
            assert upload.status_code == 202, upload.text
            docs = {d["filename"]: d for d in await _settled(client, "kb", 1 + len(files))}
            elapsed = time.monotonic() - started
            growth = _status("VmHWM") - rest
    knowledge.close()

    print(f"\nbatch settled in {elapsed:.1f} s; server peak RSS {growth / MB:+.0f} MB over {rest / MB:.0f} MB at rest")
    for name, (_, reason) in BOMBS.items():
        doc = docs[name]
        print(f"  {name}: failed after {doc['updated_at'] - doc['created_at']:.2f} s: {doc['error']}")
        assert doc["status"] == "failed" and doc["error"] == f"{name}: {reason}"
    assert docs["plants.txt"]["status"] == "ready" and docs["plants.txt"]["chunks"] == 1
    assert elapsed < 60, f"the batch took {elapsed:.0f} s"
    assert growth < 500 * MB, f"the server grew by {growth / MB:.0f} MB"

    # A restart re-queues only what a stopped process left unfinished; documents failed for a limit stay failed.
    knowledge = KnowledgeService(data_dir)
    async with running_app(data_dir, services=Services(knowledge=knowledge)) as app:
        async with asgi_client(app) as client:
            await asyncio.sleep(0.5)
            assert app.state.loom.jobs.running == 0
            after = {d["filename"]: d for d in (await client.get("/api/knowledge-bases/kb/documents")).json()["items"]}
    knowledge.close()
    assert after == docs
