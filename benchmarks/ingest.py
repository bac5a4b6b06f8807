"""Ingestion throughput against the raw embedder, per embedder, and retrieval latency per mode at 100k chunks.

1. Throughput, for each embedder given: the same documents (Chinese paragraphs from ``--corpus``, else
   synthetic English) go through the whole pipeline (parse → clean → chunk → embed → BM25 tokens → SQLite
   commit per document → FAISS save) three ways — as one upload (``add_documents``), as one-document uploads
   one after another (``add_document`` each), and as one-document uploads arriving together (a thread each,
   gathered into batches by the service) — and the same chunk texts are embedded raw with the same model.
   Reported: chunks/s of each, their ratio to raw, and each embedder's rates relative to the first embedder's
   (all in the same run, rounds alternating, best round counted: the cores are shared).
2. Latency: a KB of ``--chunks`` synthetic chunks (random unit vectors, Zipf-distributed words; HNSW above
   the exact threshold), searched in each mode with the query vector given, so the query embedding is
   excluded. Target: hybrid p95 ≤ 50 ms at 100k chunks.

    python benchmarks/ingest.py [--embedders multilingual-e5-small,all-MiniLM-L6-v2] [--docs 24] [--chunks 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from knowledge.backend import IndexBackend  # noqa: E402
from knowledge.chunking import chunk  # noqa: E402
from knowledge.cleaning import clean  # noqa: E402
from knowledge.embedding import get_embedder  # noqa: E402
from knowledge.records import Chunk  # noqa: E402
from knowledge.service import KnowledgeService  # noqa: E402
from knowledge.settings import DEFAULT_EMBEDDING_MODEL, MINILM_MODEL, EmbeddingSettings, KBSettings  # noqa: E402

WORDS = ("retrieval index vector keyword chunk document embedding model search query ranking score "
         "paragraph sentence token language knowledge workflow agent answer question context memory").split()


def synthetic_document(rng: np.random.Generator, paragraphs: int) -> str:
    out = []
    for _ in range(paragraphs):
        sentences = [" ".join(rng.choice(WORDS, size=rng.integers(8, 16))).capitalize() + "."
                     for _ in range(rng.integers(3, 6))]
        out.append(" ".join(sentences))
    return "\n\n".join(out)


def documents(corpus: Path, docs: int) -> list[str]:
    if corpus.is_file():
        rows = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
        return [f"{r.get('title', '')}\n\n{r['text']}" for r in rows[:docs]]
    rng = np.random.default_rng(0)
    return [synthetic_document(rng, 6) for _ in range(docs)]


def throughput(embedders: list[str], texts: list[str], rounds: int) -> dict:
    best: dict[str, dict[str, float]] = {name: {} for name in embedders}
    chunk_counts: dict[str, int] = {}
    for r in range(rounds):
        for name in embedders:
            settings = KBSettings(embedding=EmbeddingSettings(model=name))
            chunk_texts = [c.search_text for t in texts for c in chunk(clean(t), settings.chunking)]
            chunk_counts[name] = len(chunk_texts)
            embedder = get_embedder(name)
            embedder.encode_passages(chunk_texts[:16])  # warm-up
            started = time.perf_counter()
            embedder.encode_passages(chunk_texts, settings.embedding.batch_size)
            times = {"raw": time.perf_counter() - started}
            for way in ("upload", "one_by_one", "one_each_together"):
                with tempfile.TemporaryDirectory() as tmp:
                    service = KnowledgeService(Path(tmp))
                    service.create("bench", settings)
                    started = time.perf_counter()
                    _ingest(service, way, texts)
                    times[way] = time.perf_counter() - started
                    service.close()
            for way, seconds in times.items():
                best[name][way] = min(best[name].get(way, float("inf")), seconds)
            print(f"round {r + 1} {name}: " + ", ".join(f"{w} {t:.1f}s" for w, t in times.items()), file=sys.stderr)
    report: dict = {}
    first = MINILM_MODEL if MINILM_MODEL in embedders else embedders[0]
    for name in embedders:
        n = chunk_counts[name]
        rates = {way: round(n / seconds, 2) for way, seconds in best[name].items()}
        report[name] = {"chunks": n, "chunks_per_s": rates,
                        "ratio_to_raw": {w: round(rates[w] / rates["raw"], 3) for w in rates if w != "raw"}}
    for name in embedders:
        rates, reference = report[name]["chunks_per_s"], report[first]["chunks_per_s"]
        report[name]["ratio_to_" + first] = {w: round(rates[w] / reference[w], 3) for w in rates}
    return report


def _ingest(service: KnowledgeService, way: str, texts: list[str]) -> None:
    files = [(f"doc{i}.txt", t.encode()) for i, t in enumerate(texts)]
    if way == "upload":
        infos = service.add_documents("bench", files)
    elif way == "one_by_one":
        infos = [service.add_document("bench", name, data) for name, data in files]
    else:
        with ThreadPoolExecutor(max_workers=len(files)) as pool:
            infos = list(pool.map(lambda f: service.add_document("bench", *f), files))
    assert all(info.status == "ready" for info in infos), [info.error for info in infos]


def latency(total: int, queries: int, backend: IndexBackend | None = None, batch: int = 5000) -> dict:
    """Query p50/p95 per mode at ``total`` synthetic chunks, with the indexes in ``backend`` (default embedded),
    and the vector index's recall@10 against exact search."""
    rng = np.random.default_rng(1)
    vocabulary = np.array([f"term{i}" for i in range(50_000)])
    zipf = 1 / np.arange(1, len(vocabulary) + 1)
    zipf /= zipf.sum()
    with tempfile.TemporaryDirectory() as tmp:
        service = KnowledgeService(Path(tmp), backend=backend)
        service.create("big")
        store = service._store("big")
        dim = get_embedder(MINILM_MODEL).dimension
        store.load_indexes(dim)
        started = time.perf_counter()
        all_ids, all_vectors = [], []
        for b in range(0, total, batch):
            n = min(batch, total - b)
            doc = store.add_document(f"synthetic{b // batch}.txt", b"synthetic")
            words = [rng.choice(vocabulary, size=40, p=zipf) for _ in range(n)]
            chunks = [Chunk(content=" ".join(w), position=i) for i, w in enumerate(words)]
            vectors = rng.standard_normal((n, dim)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            # ASCII words: jieba's tokens are the words themselves, so skip segmenting 100k chunks.
            store.commit_chunks(doc.document_id, chunks, vectors, [list(w) for w in words])
            all_ids.extend(int(c.chunk_id or 0) for c in chunks)
            all_vectors.append(vectors)
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
        ids, matrix = np.array(all_ids), np.concatenate(all_vectors)
        found = 0
        for vec in qvecs:
            exact = set(ids[np.argsort(-(matrix @ vec))[:10]].tolist())
            found += len(exact & set(store.vectors.search(vec, 10)[0].tolist()))
        report["vector_recall@10"] = round(found / (10 * len(qvecs)), 4)
        print(f"vector recall@10 against exact search: {report['vector_recall@10']}", file=sys.stderr)
        service.close()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedders", default=f"{DEFAULT_EMBEDDING_MODEL},{MINILM_MODEL}",
                        help="comma-separated embedding models; rates are also given relative to MiniLM's")
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data" /
                        "cmrc2018-trial" / "corpus.jsonl", help="BEIR corpus.jsonl of the documents to ingest")
    parser.add_argument("--docs", type=int, default=24, help="documents for the throughput test")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--chunks", type=int, default=100_000, help="chunks in the latency test")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    embedders = [e for e in args.embedders.split(",") if e]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", file=sys.stderr)
    result: dict = {"throughput": throughput(embedders, documents(args.corpus, args.docs), args.rounds)}
    if args.chunks:
        result["latency"] = latency(args.chunks, args.queries)
    result["load_average"] = round(os.getloadavg()[0], 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
