"""Retrieval quality on a BEIR-style folder (corpus.jsonl, queries.jsonl, qrels.tsv, optional answers.jsonl).

Each paragraph (title + text) is ingested as one document through the real pipeline (parse → clean → chunk →
embed → index); each question is searched in every mode. Reports per mode hit@1/3/5 (a top-k chunk contains a
gold answer; only with answers.jsonl), MRR@10 of that, and paragraph-level nDCG@10. The last line is JSON.

    python benchmarks/retrieval.py ../shared/data/cmrc2018-trial [--max-length 300] [--overlap 30]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from knowledge.embedding import get_embedder  # noqa: E402
from knowledge.service import KnowledgeService  # noqa: E402
from knowledge.settings import ChunkingSettings, KBSettings, RetrievalSettings  # noqa: E402

MODES = ("vector", "keyword", "hybrid")


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        if line.strip():
            qid, did, score = line.split("\t")[:3]
            qrels.setdefault(qid, {})[did] = int(float(score))
    return qrels


def ndcg_at_10(ranked_docs: list[str], relevant: dict[str, int]) -> float:
    dcg = sum(relevant.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked_docs[:10]))
    ideal = sum(g / math.log2(i + 2) for i, g in enumerate(sorted(relevant.values(), reverse=True)[:10]))
    return dcg / ideal if ideal else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--max-length", type=int, default=ChunkingSettings().max_length)
    parser.add_argument("--overlap", type=int, default=ChunkingSettings().overlap)
    parser.add_argument("--fusion", choices=["weighted", "rrf"], default=RetrievalSettings().fusion)
    parser.add_argument("--limit", type=int, default=0, help="only the first N queries (quick runs)")
    args = parser.parse_args()

    corpus = read_jsonl(args.data_dir / "corpus.jsonl")
    queries = read_jsonl(args.data_dir / "queries.jsonl")
    qrels = read_qrels(args.data_dir / "qrels.tsv")
    answers_path = args.data_dir / "answers.jsonl"
    answers = {r["_id"]: r["answers"] for r in read_jsonl(answers_path)} if answers_path.exists() else None
    queries = [q for q in queries if q["_id"] in qrels][: args.limit or None]

    settings = KBSettings(chunking=ChunkingSettings(max_length=args.max_length, overlap=args.overlap),
                          retrieval=RetrievalSettings(fusion=args.fusion))
    with tempfile.TemporaryDirectory() as tmp:
        service = KnowledgeService(Path(tmp))
        service.create("bench", settings)
        started = time.perf_counter()
        doc_of: dict[str, str] = {}  # document id → corpus id
        for row in corpus:
            text = f"{row.get('title', '')}\n\n{row['text']}".strip()
            info = service.add_document("bench", f"{row['_id']}.txt", text.encode("utf-8"))
            if info.status != "ready":
                raise SystemExit(f"ingestion failed: {info.error}")
            doc_of[info.document_id] = row["_id"]
        ingest_s = time.perf_counter() - started
        chunks = service.get("bench").chunks
        print(f"ingested {len(corpus)} documents into {chunks} chunks in {ingest_s:.1f}s", file=sys.stderr)

        vectors = get_embedder(settings.embedding.model).encode([q["text"] for q in queries])
        report: dict[str, dict[str, float]] = {}
        for mode in MODES:
            hits_at = {1: 0, 3: 0, 5: 0}
            mrr = ndcg = 0.0
            for query, vector in zip(queries, vectors, strict=True):
                if not query["text"].strip():  # an empty question finds nothing: counted as a miss
                    continue
                hits = service.search("bench", query["text"], mode=mode, top_k=10, query_vector=vector)
                ranked_docs = list(dict.fromkeys(doc_of[h.document_id] for h in hits))
                ndcg += ndcg_at_10(ranked_docs, qrels[query["_id"]])
                if answers is not None:
                    gold = answers.get(query["_id"], [])
                    first = next((i for i, h in enumerate(hits) if any(a and a in h.content for a in gold)), None)
                    if first is not None:
                        mrr += 1 / (first + 1)
                        for k in hits_at:
                            hits_at[k] += first < k
            n = len(queries)
            figures = {f"hit@{k}": round(v / n, 4) for k, v in hits_at.items()} if answers is not None else {}
            if answers is not None:
                figures["mrr@10"] = round(mrr / n, 4)
            figures["ndcg@10"] = round(ndcg / n, 4)
            report[mode] = figures
            print(f"{mode:8s} {figures}", file=sys.stderr)
        service.close()
    print(json.dumps(report))


if __name__ == "__main__":
    main()
