"""Retrieval quality on a BEIR-style folder (corpus.jsonl, queries.jsonl, qrels.tsv, optional answers.jsonl).

Each paragraph (title + text) is ingested as one document through the real pipeline (parse → clean → chunk →
embed → index); each question is searched in every mode. Reports per mode hit@1/3/5 (a top-k chunk contains a
gold answer; only with answers.jsonl), MRR@10 of that, and paragraph-level nDCG@10, for each embedder given.

Score distributions (how the default score threshold is chosen): after the quality runs, every fifth paragraph
is removed from the KB and its questions are asked again — they are then unrelated to everything left.
Reported per mode: quantiles of the top hit's score for related questions (whose paragraph is in the KB) and
for unrelated ones, and what share of each a threshold would keep. Then the default threshold (none set:
``DEFAULT_SCORE_THRESHOLDS`` per score scale) is checked: hit@3 of the related questions with it against
without, the share of unrelated questions and of off-topic texts (English, unrelated Chinese) it leaves
with no hit at all. The last line is JSON.

``--backend embedded|postgres|both``: where the KB's indexes live (``knowledge.backend``). The KB is ingested
once; each backend gets its own copy of it (its indexes built from the stored chunks, as a deployment that
switches backends does) and is measured on it; with both, the hit@3 difference is reported in points.
Postgres is ``--database-url`` (a database with pgvector), else a throwaway server (``tests/pg.py``).
``--latency-chunks N`` adds query p50/p95 per mode at N synthetic chunks on each backend
(``benchmarks/ingest.py``'s measurement); ``--latency-only`` skips the quality runs.

    python benchmarks/retrieval.py ../shared/data/cmrc2018-trial [--embedders multilingual-e5-small,all-MiniLM-L6-v2]
    python benchmarks/retrieval.py ../shared/data/cmrc2018-trial --backend both --latency-chunks 100000
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from knowledge.backend import EmbeddedBackend, IndexBackend  # noqa: E402
from knowledge.embedding import get_embedder  # noqa: E402
from knowledge.service import KnowledgeService  # noqa: E402
from knowledge.settings import (  # noqa: E402
    DEFAULT_EMBEDDING_MODEL,
    ChunkingSettings,
    EmbeddingSettings,
    KBSettings,
    RetrievalSettings,
)

MODES = ("vector", "keyword", "hybrid", "hybrid-rrf")  # hybrid: weighted fusion; hybrid-rrf: reciprocal-rank
THRESHOLDS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)
OFF_TOPIC = (  # texts unrelated to any encyclopedia paragraph
    "How do I reset my router password?", "Quarterly revenue grew by 12 percent year over year.",
    "Please remember to water the tomato plants every morning.", "The meeting has been moved to Thursday at 3pm.",
    "Install the package with pip and restart the kernel.", "What's the weather like tomorrow?",
    "我的快递什么时候能送到？", "请帮我把这个表格导出成PDF文件。", "明天下午三点开会，记得带电脑。",
    "这件衣服可以七天无理由退货吗？", "如何用Python读取Excel文件的第二个工作表", "今天晚饭吃什么好呢",
)


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


def _mode(name: str) -> dict:
    return {"mode": "hybrid", "fusion": "rrf"} if name == "hybrid-rrf" else {"mode": name, "fusion": "weighted"}


def quantiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    return {f"p{q}": round(ordered[min(int(q / 100 * len(ordered)), len(ordered) - 1)], 3) for q in (5, 25, 50, 75, 95)}


Backends = dict[str, Callable[[], IndexBackend]]


def evaluate(args: argparse.Namespace, embedder: str, data: dict, backends: Backends) -> dict:
    """Ingest once, then measure each backend on its own copy of the KB."""
    with tempfile.TemporaryDirectory() as tmp:
        ingested = Path(tmp) / "ingested"
        service = KnowledgeService(ingested)
        report = ingest(args, embedder, data, service)
        service.close()
        for name, backend in backends.items():
            shutil.copytree(ingested, Path(tmp) / name)
            service = KnowledgeService(Path(tmp) / name, backend=backend())
            started = time.perf_counter()
            service.warm(["bench"])
            print(f"[{embedder}/{name}] indexes built from the stored chunks in {time.perf_counter() - started:.1f}s",
                  file=sys.stderr)
            report[name] = measure(embedder, data, report["doc_of"], service, f"{embedder}/{name}")
            service.close()
    del report["doc_of"]
    if "embedded" in backends and "postgres" in backends:
        report["hit@3_difference_points"] = {
            mode: round(100 * (report["postgres"][mode]["hit@3"] - report["embedded"][mode]["hit@3"]), 2)
            for mode in MODES if "hit@3" in report["embedded"][mode]}
    return report


def ingest(args: argparse.Namespace, embedder: str, data: dict, service: KnowledgeService) -> dict:
    corpus = data["corpus"]
    settings = KBSettings(chunking=ChunkingSettings(max_length=args.max_length, overlap=args.overlap),
                          embedding=EmbeddingSettings(model=embedder),
                          retrieval=RetrievalSettings(score_threshold=None))
    report: dict = {}
    service.create("bench", settings)
    started = time.perf_counter()
    files = [(f"{row['_id']}.txt", f"{row.get('title', '')}\n\n{row['text']}".strip().encode("utf-8"))
             for row in corpus]
    infos = service.add_documents("bench", files)
    failed = [info.error for info in infos if info.status != "ready"]
    if failed:
        raise SystemExit(f"ingestion failed: {failed[:3]}")
    doc_of = {info.document_id: row["_id"] for info, row in zip(infos, corpus, strict=True)}
    ingest_s = time.perf_counter() - started
    chunks = service.get("bench").chunks
    print(f"[{embedder}] ingested {len(corpus)} documents into {chunks} chunks in {ingest_s:.1f}s",
          file=sys.stderr)
    report["ingest"] = {"documents": len(corpus), "chunks": chunks, "seconds": round(ingest_s, 1)}
    calibration = service.calibration("bench")
    report["calibration"] = calibration.as_dict() if calibration is not None else None
    print(f"[{embedder}] calibration {report['calibration']}", file=sys.stderr)
    report["doc_of"] = doc_of
    return report


def measure(embedder: str, data: dict, doc_of: dict[str, str], service: KnowledgeService, label: str) -> dict:
    corpus, queries, qrels, answers = data["corpus"], data["queries"], data["qrels"], data["answers"]
    report: dict = {}
    vectors = get_embedder(embedder).encode_queries([q["text"] for q in queries])
    related: dict[str, list[float]] = {m: [] for m in MODES}
    for mode in MODES:
        hits_at = {1: 0, 3: 0, 5: 0}
        mrr = ndcg = 0.0
        hit3_default = 0
        for query, vector in zip(queries, vectors, strict=True):
            if not query["text"].strip():  # an empty question finds nothing: counted as a miss
                continue
            hits = service.search("bench", query["text"], top_k=10, query_vector=vector, **_mode(mode),
                                  score_threshold=0.0)
            if hits:
                related[mode].append(hits[0].score)
            ranked_docs = list(dict.fromkeys(doc_of[h.document_id] for h in hits))
            ndcg += ndcg_at_10(ranked_docs, qrels[query["_id"]])
            if answers is not None:
                gold = answers.get(query["_id"], [])
                first = next((i for i, h in enumerate(hits) if any(a and a in h.content for a in gold)), None)
                if first is not None:
                    mrr += 1 / (first + 1)
                    for k in hits_at:
                        hits_at[k] += first < k
                gated = service.search("bench", query["text"], top_k=3, query_vector=vector, **_mode(mode))
                hit3_default += any(a and a in h.content for h in gated for a in gold)
        n = len(queries)
        figures = {f"hit@{k}": round(v / n, 4) for k, v in hits_at.items()} if answers is not None else {}
        if answers is not None:
            figures["mrr@10"] = round(mrr / n, 4)
            figures["hit@3_default_threshold"] = round(hit3_default / n, 4)
        figures["ndcg@10"] = round(ndcg / n, 4)
        report[mode] = figures
        print(f"[{label}] {mode:8s} {figures}", file=sys.stderr)

    # Unrelated questions: remove every fifth paragraph, then ask its questions.
    removed = {row["_id"] for row in corpus[::5]}
    for document_id, corpus_id in doc_of.items():
        if corpus_id in removed:
            service.remove_document("bench", document_id)
    unrelated: dict[str, list[float]] = {m: [] for m in MODES}
    asked = [(q, v) for q, v in zip(queries, vectors, strict=True)
             if q["text"].strip() and set(qrels[q["_id"]]) <= removed]
    off_topic = get_embedder(embedder).encode_queries(list(OFF_TOPIC))
    for mode in MODES:
        empty = 0
        for query, vector in asked:
            hits = service.search("bench", query["text"], top_k=1, query_vector=vector, **_mode(mode),
                                  score_threshold=0.0)
            unrelated[mode].append(hits[0].score if hits else 0.0)
            empty += not service.search("bench", query["text"], top_k=3, query_vector=vector, **_mode(mode))
        off_empty = sum(not service.search("bench", text, top_k=3, query_vector=vector, **_mode(mode))
                        for text, vector in zip(OFF_TOPIC, off_topic, strict=True))
        report[mode]["default_threshold"] = {
            "unrelated_questions_empty": round(empty / max(len(asked), 1), 3),
            "off_topic_empty": f"{off_empty}/{len(OFF_TOPIC)}"}
        print(f"[{label}] {mode:8s} default threshold: hit@3 {report[mode].get('hit@3_default_threshold')} "
              f"(none: {report[mode].get('hit@3')}), {report[mode]['default_threshold']}", file=sys.stderr)
        kept = {str(t): {"related": round(sum(x >= t for x in related[mode]) / max(len(related[mode]), 1), 3),
                         "unrelated": round(sum(x >= t for x in unrelated[mode]) / max(len(unrelated[mode]), 1), 3)}
                for t in THRESHOLDS}
        report[mode]["top_score"] = {"related": quantiles(related[mode]), "unrelated": quantiles(unrelated[mode]),
                                     "kept_at_threshold": kept}
        print(f"[{label}] {mode:8s} top score related {quantiles(related[mode])} "
              f"unrelated {quantiles(unrelated[mode])}", file=sys.stderr)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--embedders", default=DEFAULT_EMBEDDING_MODEL,
                        help="comma-separated embedding models to compare (each gets its own KB)")
    parser.add_argument("--max-length", type=int, default=ChunkingSettings().max_length)
    parser.add_argument("--overlap", type=int, default=ChunkingSettings().overlap)
    parser.add_argument("--limit", type=int, default=0, help="only the first N queries (quick runs)")
    parser.add_argument("--backend", choices=("embedded", "postgres", "both"), default="embedded",
                        help="where the indexes live: FAISS + BM25 in process, or pgvector + Postgres full-text")
    parser.add_argument("--database-url", default="", help="postgres: a database with pgvector "
                        "(postgresql+psycopg://…); default: a throwaway server on 127.0.0.1")
    parser.add_argument("--latency-chunks", type=int, default=0, help="also query p50/p95 at N synthetic chunks")
    parser.add_argument("--latency-queries", type=int, default=200)
    parser.add_argument("--latency-only", action="store_true", help="skip the quality runs (DATA_DIR unused)")
    args = parser.parse_args()

    if args.latency_only:
        data: dict = {}
    else:
        queries = read_jsonl(args.data_dir / "queries.jsonl")
        qrels = read_qrels(args.data_dir / "qrels.tsv")
        answers_path = args.data_dir / "answers.jsonl"
        data = {"corpus": read_jsonl(args.data_dir / "corpus.jsonl"), "qrels": qrels,
                "queries": [q for q in queries if q["_id"] in qrels][: args.limit or None],
                "answers": ({r["_id"]: r["answers"] for r in read_jsonl(answers_path)}
                            if answers_path.exists() else None)}
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", file=sys.stderr)
    with postgres_url(args) as url:
        backends: Backends = {}
        if args.backend in ("embedded", "both"):
            backends["embedded"] = EmbeddedBackend
        if args.backend in ("postgres", "both"):
            from knowledge.pg import PostgresBackend

            backends["postgres"] = lambda: PostgresBackend(url)
        report: dict = {} if args.latency_only else {
            name: evaluate(args, name, data, backends) for name in args.embedders.split(",") if name}
        if args.latency_chunks:
            from benchmarks.ingest import latency

            report["latency"] = {name: latency(args.latency_chunks, args.latency_queries, backend())
                                 for name, backend in backends.items()}
    report["load_average"] = round(os.getloadavg()[0], 1)
    print(json.dumps(report))


@contextlib.contextmanager
def postgres_url(args: argparse.Namespace) -> Iterator[str]:
    """The database the postgres backend uses: ``--database-url``, else a throwaway server with pgvector."""
    if args.backend == "embedded" or args.database_url:
        yield args.database_url
        return
    from tests.pg import PostgresServer

    with PostgresServer(vector=True) as server:
        yield server.create_database("knowledge_bench")


if __name__ == "__main__":
    main()
