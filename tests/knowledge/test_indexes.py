"""The FAISS vector index (exact and HNSW, add/remove, persistence) and the BM25 keyword index."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from knowledge.index import VectorIndex
from knowledge.keyword import KeywordIndex, tokenize
from knowledge.settings import IndexSettings


def unit_vectors(n: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_exact_index_finds_each_vector_and_forgets_removed_ones() -> None:
    vectors = unit_vectors(50)
    index = VectorIndex(32, IndexSettings(exact_threshold=100))
    index.add(np.arange(1000, 1050), vectors)
    ids, scores = index.search(vectors[7], 3)
    assert ids[0] == 1007 and abs(scores[0] - 1.0) < 1e-5 and index.kind == "exact"
    index.remove([1007])
    assert 1007 not in index.search(vectors[7], 10)[0] and len(index) == 49


def test_index_switches_to_hnsw_above_the_threshold_and_masks_deletions() -> None:
    vectors = unit_vectors(300)
    index = VectorIndex(32, IndexSettings(exact_threshold=100))
    index.add(np.arange(100), vectors[:100])
    assert index.kind == "exact"
    index.add(np.arange(100, 300), vectors[100:])
    assert index.kind == "hnsw" and len(index) == 300
    assert index.search(vectors[250], 1)[0][0] == 250
    index.remove([250])
    assert 250 not in index.search(vectors[250], 5)[0]
    # A document filter is exact whatever the index kind.
    ids, _ = index.search(vectors[10], 2, allowed=np.array([10, 11, 250]))
    assert list(ids) == [10, 11]


def test_saved_index_reloads_only_for_its_generation(tmp_path: Path) -> None:
    vectors = unit_vectors(20)
    index = VectorIndex(32)
    index.add(np.arange(20), vectors)
    index.save(tmp_path, generation=3)
    loaded = VectorIndex.load(tmp_path, 32, IndexSettings(), generation=3)
    assert loaded is not None and loaded.search(vectors[4], 1)[0][0] == 4
    assert VectorIndex.load(tmp_path, 32, IndexSettings(), generation=4) is None  # stale: caller rebuilds


def test_tokenizer_uses_jieba_search_mode_and_lowercases_english() -> None:
    tokens = tokenize("中华人民共和国的首都是北京。What is the Capital of France?")
    assert {"中华", "人民", "共和国", "中华人民共和国", "北京", "capital", "france"} <= set(tokens)
    assert "the" not in tokens and "。" not in tokens and "?" not in tokens


def test_bm25_ranks_normalises_and_updates() -> None:
    index = KeywordIndex()
    for i, text in enumerate(["北京是中国的首都", "巴黎是法国的首都", "上海是中国最大的城市"]):
        index.add(i, tokenize(text))
    ids, scores = index.search(tokenize("中国的首都"), 3)
    assert list(ids[:1]) == [0] and 0 < scores[-1] < scores[0] <= 1.0
    index.remove([0])
    assert 0 not in index.search(tokenize("中国的首都"), 3)[0]
    assert list(index.search(tokenize("中国的首都"), 3, allowed=np.array([2]))[0]) == [2]
    assert len(index.search(tokenize("完全无关"), 3)[0]) == 0
