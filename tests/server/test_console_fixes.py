"""Server side of console fixes: a document being indexed reports its chunk counts (cut, embedded so far) as
embedding goes, not only when done."""

from __future__ import annotations

from pathlib import Path

from knowledge.service import KnowledgeService
from knowledge.settings import KBSettings


def test_indexing_reports_embedded_chunk_counts_as_it_goes(data_dir: Path) -> None:
    service = KnowledgeService(data_dir)
    try:
        service.create("lines", KBSettings.model_validate(
            {"chunking": {"max_length": 40, "overlap": 0}, "embedding": {"batch_size": 4}}))
        text = "\n\n".join(f"Line {i}: the moon is bright over the river." for i in range(40))
        seen: list[tuple[str, int, int]] = []

        def progress(_fraction: float) -> None:
            seen.extend((d.status, d.chunks_total, d.chunks_embedded) for d in service.documents("lines"))

        info = service.add_document("lines", "lines.txt", text.encode(), progress=progress)
        assert info.status == "ready" and info.chunks > 32
        during = [(total, done) for status, total, done in seen if status == "indexing"]
        assert during, seen
        assert all(total == info.chunks for total, _ in during)
        assert any(0 < done < total for total, done in during), during  # a count between none and all
        done_counts = [done for _, done in during]
        assert done_counts == sorted(done_counts)
        final = service.documents("lines")[0]
        assert (final.chunks_total, final.chunks_embedded) == (info.chunks, info.chunks)
    finally:
        service.close()
