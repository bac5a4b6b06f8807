"""Ingestion throughput against the raw embedder, and retrieval latency per mode at 100k chunks.

1. Throughput: synthetic documents go through the whole pipeline as one upload (``add_documents``: parse →
   clean → chunk → embed → BM25 tokens → SQLite commit per document → FAISS save); the same chunk texts are
   embedded raw with the same model and batch size. Reported: the wall-clock ratio of the best rounds and
   the ratio of CPU seconds (steadier when other work shares the cores).
   Target: the pipeline keeps ≥ 80% of the raw rate. Raw and pipeline runs alternate, to even out CPU noise.
2. Latency: a KB of ``--chunks`` synthetic chunks (random unit vectors, Zipf-distributed words; HNSW above
   the exact threshold), searched in each mode with the query vector given, so the query embedding is
   excluded. Target: hybrid p95 ≤ 50 ms at 100k chunks.

    python benchmarks/ingest.py [--docs 12] [--chunks 100000] [--queries 200]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from knowledge.chunking import chunk  # noqa: E402
from knowledge.cleaning import clean  # noqa: E402
from knowledge.embedding import get_embedder  # noqa: E402
from knowledge.records import Chunk  # noqa: E402
from knowledge.service import KnowledgeService  # noqa: E402
from knowledge.settings import KBSettings  # noqa: E402

WORDS = ("retrieval index vector keyword chunk document embedding model search query ranking score "
         "paragraph sentence token language knowledge workflow agent answer question context memory").split()


def synthetic_document(rng: np.random.Generator, paragraphs: int) -> str:
    out = []
    for _ in range(paragraphs):
        sentences = [" ".join(rng.choice(WORDS, size=rng.integers(8, 16))).capitalize() + "."
                     for _ in range(rng.integers(3, 6))]
        out.append(" ".join(sentences))
    return "\n\n".join(out)


def throughput(docs: int, rounds: int = 3) -> dict[str, float]:
    rng = np.random.default_rng(0)
    settings = KBSettings()
    texts = [synthetic_document(rng, 60) for _ in range(docs)]
    chunk_texts = [c.search_text for t in texts for c in chunk(clean(t), settings.chunking)]
    embedder = get_embedder(settings.embedding.model)
    embedder.encode(chunk_texts[:64])  # warm-up
    raw: list[float] = []
    pipe: list[float] = []
    raw_cpu = pipe_cpu = 0.0  # CPU seconds of this process: far less sensitive to neighbours than wall time
    for r in range(rounds):
        started, cpu = time.perf_counter(), time.process_time()
        embedder.encode(chunk_texts, settings.embedding.batch_size)
        raw.append(time.perf_counter() - started)
        raw_cpu += time.process_time() - cpu
        with tempfile.TemporaryDirectory() as tmp:
            service = KnowledgeService(Path(tmp))
            service.create("bench", settings)
            started, cpu = time.perf_counter(), time.process_time()
            infos = service.add_documents("bench", [(f"doc{i}.txt", t.encode()) for i, t in enumerate(texts)])
            assert all(info.status == "ready" for info in infos), [info.error for info in infos]
            pipe.append(time.perf_counter() - started)
            pipe_cpu += time.process_time() - cpu
            service.close()
        print(f"round {r + 1}: raw {raw[-1]:.1f}s, pipeline {pipe[-1]:.1f}s", file=sys.stderr)
    # Best of the rounds: on a shared machine the slowest rounds measure the neighbours, not the code.
    n = len(chunk_texts)
    return {"chunks": n, "rounds": rounds, "raw_chunks_per_s": round(n / min(raw), 1),
            "pipeline_chunks_per_s": round(n / min(pipe), 1), "ratio": round(min(raw) / min(pipe), 3),
            "ratio_cpu_time": round(raw_cpu / pipe_cpu, 3)}


def latency(total: int, queries: int, batch: int = 5000) -> dict:
    rng = np.random.default_rng(1)
    vocabulary = np.array([f"term{i}" for i in range(50_000)])
    zipf = 1 / np.arange(1, len(vocabulary) + 1)
    zipf /= zipf.sum()
    with tempfile.TemporaryDirectory() as tmp:
        service = KnowledgeService(Path(tmp))
        service.create("big")
        store = service._store("big")
        dim = get_embedder().dimension
        store.load_indexes(dim)
        started = time.perf_counter()
        for b in range(0, total, batch):
            n = min(batch, total - b)
            doc = store.add_document(f"synthetic{b // batch}.txt", b"synthetic")
            words = [rng.choice(vocabulary, size=40, p=zipf) for _ in range(n)]
            chunks = [Chunk(content=" ".join(w), position=i) for i, w in enumerate(words)]
            vectors = rng.standard_normal((n, dim)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            # ASCII words: jieba's tokens are the words themselves, so skip segmenting 100k chunks.
            store.commit_chunks(doc.document_id, chunks, vectors, [list(w) for w in words])
        build_s = time.perf_counter() - started
        print(f"built {total} chunks ({store.vectors.kind}) in {build_s:.1f}s", file=sys.stderr)
        report: dict = {"chunks": total, "index": store.vectors.kind, "build_s": round(build_s, 1)}
        qwords = [" ".join(rng.choice(vocabulary[:5000], size=rng.integers(2, 6))) for _ in range(queries)]
        qvecs = rng.standard_normal((queries, dim)).astype(np.float32)
        qvecs /= np.linalg.norm(qvecs, axis=1, keepdims=True)
        for mode in ("vector", "keyword", "hybrid"):
            service.search("big", qwords[0], mode=mode, top_k=10, query_vector=qvecs[0])  # builds BM25 once
            times = []
            for text, vec in zip(qwords, qvecs, strict=True):
                started = time.perf_counter()
                service.search("big", text, mode=mode, top_k=10, query_vector=vec)
                times.append((time.perf_counter() - started) * 1000)
            report[mode] = {"p50_ms": round(float(np.percentile(times, 50)), 2),
                            "p95_ms": round(float(np.percentile(times, 95)), 2)}
            print(f"{mode:8s} {report[mode]}", file=sys.stderr)
        service.close()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=12, help="synthetic documents for the throughput test")
    parser.add_argument("--chunks", type=int, default=100_000, help="chunks in the latency test")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    result = {"throughput": throughput(args.docs), "latency": latency(args.chunks, args.queries)}
    ratio = min(result["throughput"]["ratio"], result["throughput"]["ratio_cpu_time"])
    result["targets_met"] = {"ratio>=0.8": ratio >= 0.8,
                             "hybrid_p95<=50ms": result["latency"]["hybrid"]["p95_ms"] <= 50}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
