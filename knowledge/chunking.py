"""Chunking: cleaned text → chunks, by ``general`` (recursive separators), ``parent-child`` or ``qa`` rows."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

from knowledge.errors import ParseError
from knowledge.records import Chunk
from knowledge.settings import ChunkingSettings

Length = Callable[[str], int]


def chunk(text: str, settings: ChunkingSettings, *, filename: str = "document", length: Length = len) -> list[Chunk]:
    """Cut ``text`` into chunks; ``length`` measures a piece in the settings' unit (characters by default)."""
    if settings.method == "qa":
        return _qa_chunks(text, settings, filename)
    if settings.method == "parent-child":
        chunks = _parent_child_chunks(text, settings, length)
    else:
        pieces = split_text(text, settings.separators, settings.max_length, settings.overlap, length)
        chunks = [Chunk(content=p, position=i) for i, p in enumerate(pieces)]
    if settings.title_prefix:
        title = document_title(text)
        for c in chunks:
            # A chunk cut from the middle of a document no longer says what it is about; its title does.
            if title and title not in c.search_text:
                c.search_text = f"{title}\n{c.search_text}"
                c.metadata["title"] = title
    return chunks


_SENTENCE_END = tuple("。！？；.!?;：:，,")


def document_title(text: str, max_length: int = 64) -> str | None:
    """The first line when it reads like a title (short, not a sentence), without Markdown '#' marks."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    first = first.lstrip("#").strip()
    if not first or len(first) > max_length or first.endswith(_SENTENCE_END) or first == text.strip():
        return None
    return first


def split_text(text: str, separators: list[str], max_length: int, overlap: int = 0, length: Length = len) -> list[str]:
    """Split recursively on the first separator that occurs, then merge pieces up to ``max_length`` with overlap.

    Merging runs over the whole text, so a short heading joins the sentences that follow it."""
    pieces = _split(text, separators, max_length, length)
    return [c for c in (m.strip() for m in _merge(pieces, max_length, overlap, length)) if c]


def _split(text: str, separators: list[str], max_length: int, length: Length) -> list[str]:
    if length(text) <= max_length:
        return [text]
    for i, sep in enumerate(separators):
        if sep and sep in text:
            parts = text.split(sep)
            # Keep the separator on the piece it ends, so sentences keep their punctuation.
            pieces = [p + sep for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
            out: list[str] = []
            for piece in pieces:
                fits = length(piece) <= max_length
                out.extend([piece] if fits else _split(piece, separators[i + 1:], max_length, length))
            return out
    return _hard_cut(text, max_length, length)


def _hard_cut(text: str, max_length: int, length: Length) -> list[str]:
    """No separator left: cut by characters, as many as fit in ``max_length`` units."""
    out, start = [], 0
    while start < len(text):
        end = min(len(text), start + max_length)
        while end > start + 1 and length(text[start:end]) > max_length:
            end = start + max(1, (end - start) * 3 // 4)
        out.append(text[start:end])
        start = end
    return out


def _merge(pieces: list[str], max_length: int, overlap: int, length: Length) -> list[str]:
    chunks: list[str] = []
    window: list[str] = []
    size = 0
    for piece in pieces:
        n = length(piece)
        if window and size + n > max_length:
            chunks.append("".join(window))
            # Carry trailing pieces (up to `overlap` units) into the next chunk.
            while window and (size > overlap or size + n > max_length):
                size -= length(window.pop(0))
        window.append(piece)
        size += n
    if window:
        chunks.append("".join(window))
    return chunks


def _parent_child_chunks(text: str, settings: ChunkingSettings, length: Length) -> list[Chunk]:
    # Each block between parent separators is a parent; only an oversized block is cut further.
    parents = [piece for block in text.split(settings.parent_separator or "\n\n")
               for piece in split_text(block, settings.separators, settings.parent_max_length, 0, length)]
    chunks: list[Chunk] = []
    for p_index, parent in enumerate(parents):
        for c_index, child in enumerate(split_text(parent, settings.separators, settings.max_length,
                                                   settings.overlap, length)):
            chunks.append(Chunk(content=parent, search_text=child, position=len(chunks),
                                metadata={"parent_index": p_index, "child_index": c_index, "child": child}))
    return chunks


_QUESTION_KEYS = ("question", "q", "问题", "query")
_ANSWER_KEYS = ("answer", "a", "答案", "response")


def _qa_chunks(text: str, settings: ChunkingSettings, filename: str) -> list[Chunk]:
    rows = _qa_rows(text, settings, filename)
    chunks = [Chunk(content=a, search_text=q, position=i, metadata={"question": q})
              for i, (q, a) in enumerate((q.strip(), a.strip()) for q, a in rows) if q and a]
    if not chunks:
        raise ParseError(filename, "no question/answer rows found (qa chunking needs CSV or JSONL "
                                   f"with '{settings.question_field}' and '{settings.answer_field}')")
    return chunks


def _qa_rows(text: str, settings: ChunkingSettings, filename: str) -> list[tuple[str, str]]:
    first = text.lstrip()[:1]
    if first in ("{", "["):
        return _json_rows(text, settings, filename)
    dialect = "excel-tab" if "\t" in text.split("\n", 1)[0] else "excel"
    rows = list(csv.reader(io.StringIO(text), dialect=dialect))
    if not rows:
        return []
    header = [h.strip().lower() for h in rows[0]]
    q_col = _column(header, settings.question_field, _QUESTION_KEYS)
    a_col = _column(header, settings.answer_field, _ANSWER_KEYS)
    if q_col is None or a_col is None:  # no header: first column question, second answer
        q_col, a_col, body = 0, 1, rows
    else:
        body = rows[1:]
    return [(r[q_col], r[a_col]) for r in body if len(r) > max(q_col, a_col)]


def _column(header: list[str], wanted: str, fallbacks: tuple[str, ...]) -> int | None:
    for key in (wanted.lower(), *fallbacks):
        if key in header:
            return header.index(key)
    return None


def _json_rows(text: str, settings: ChunkingSettings, filename: str) -> list[tuple[str, str]]:
    try:
        stripped = text.strip()
        records = json.loads(stripped) if stripped.startswith("[") else [
            json.loads(line) for line in stripped.splitlines() if line.strip()]
    except json.JSONDecodeError as exc:
        raise ParseError(filename, f"invalid JSON at line {exc.lineno}: {exc.msg}") from None
    rows = []
    for record in records:
        if not isinstance(record, dict):
            continue
        q = next((record[k] for k in (settings.question_field, *_QUESTION_KEYS) if k in record), None)
        a = next((record[k] for k in (settings.answer_field, *_ANSWER_KEYS) if k in record), None)
        if q is not None and a is not None:
            rows.append((str(q), a if isinstance(a, str) else json.dumps(a, ensure_ascii=False)))
    return rows
