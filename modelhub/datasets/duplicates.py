"""Finding exact and near-duplicate samples.

Exact duplicates are equal under :func:`~modelhub.datasets.formats.canonical` (whitespace runs collapsed). Near
duplicates are found with MinHash LSH (``datasketch``) over character 3-grams, which works for Chinese text without
word segmentation, and confirmed by the MinHash Jaccard estimate: two samples whose 3-gram sets overlap by at
least ``threshold`` are near duplicates (the seeds' 问答对去重 "去除数据集中相似度较高的文本").
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from modelhub.datasets.formats import Sample, canonical

if TYPE_CHECKING:
    from datasketch import MinHash

NEAR_THRESHOLD = 0.8
NUM_PERM = 128
SHINGLE = 3


def exact_duplicate_groups(samples: Sequence[Sample]) -> list[list[int]]:
    """Groups (of two or more) of indices into ``samples`` with the same canonical text, in order of appearance."""
    groups: dict[str, list[int]] = {}
    for index, sample in enumerate(samples):
        groups.setdefault(canonical(sample), []).append(index)
    return [group for group in groups.values() if len(group) > 1]


def shingles(text: str, size: int = SHINGLE) -> set[str]:
    compact = " ".join(text.split())
    if len(compact) <= size:
        return {compact} if compact else set()
    return {compact[index:index + size] for index in range(len(compact) - size + 1)}


def _minhash(text: str, template: MinHash) -> MinHash:
    """A MinHash of the text's 3-grams with the template's permutations (made once: making them is most of the
    cost of a MinHash) and CRC-32 as the shingle hash (C speed, where datasketch's default SHA-1 is called from
    Python per shingle)."""
    from datasketch import MinHash

    minhash = MinHash(num_perm=len(template.hashvalues),
                      seed=template.seed, hashfunc=zlib.crc32, permutations=template.permutations,
                      scheme=template.scheme)
    minhash.update_batch([gram.encode("utf-8") for gram in shingles(text)])
    return minhash


def near_duplicate_groups(samples: Sequence[Sample], threshold: float = NEAR_THRESHOLD, num_perm: int = NUM_PERM,
                          seed: int = 1) -> list[list[int]]:
    """Groups of indices whose samples are near duplicates of one another (exact duplicates included).

    A group is the connected set of pairs with an estimated Jaccard similarity of at least ``threshold``; each
    group is sorted, and groups come in the order of their first member.
    """
    from datasketch import MinHash, MinHashLSH  # imported when used: it takes a second to load

    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    template = MinHash(num_perm=num_perm, seed=seed)
    hashes = [_minhash(sample.joined(), template) for sample in samples]
    # LSH only proposes candidates (the Jaccard estimate decides); above 0.9 it cannot be banded, so ask it for more.
    lsh = MinHashLSH(threshold=min(threshold, 0.9), num_perm=num_perm)
    parent = list(range(len(samples)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    for index, minhash in enumerate(hashes):
        for other in lsh.query(minhash):
            if minhash.jaccard(hashes[other]) >= threshold:
                parent[root(index)] = root(other)
        lsh.insert(index, minhash)
    groups: dict[int, list[int]] = {}
    for index in range(len(samples)):
        groups.setdefault(root(index), []).append(index)
    return sorted((group for group in groups.values() if len(group) > 1), key=lambda group: group[0])
