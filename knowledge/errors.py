"""Knowledge errors.

    KnowledgeError
    ├── ParseError             a file could not be read (corrupt, encrypted, empty, oversized, unsupported)
    ├── KnowledgeBaseNotFound  no knowledge base of that name
    ├── KnowledgeBaseExists    a knowledge base of that name already exists
    ├── DocumentNotFound       no document of that id in the knowledge base
    │   └── ChunkNotFound      no chunk of that id in the knowledge base
    ├── InvalidSettings        settings or a name that cannot be used
    └── EmbeddingError         the embedding / rerank model could not be loaded
"""

from __future__ import annotations


class KnowledgeError(Exception):
    """Root of all knowledge errors; the message is meant for the user."""


class ParseError(KnowledgeError):
    """A file could not be parsed; the message names the file and the cause."""

    def __init__(self, filename: str, cause: str):
        self.filename = filename
        self.cause = cause
        super().__init__(f"{filename}: {cause}")


class KnowledgeBaseNotFound(KnowledgeError):
    """The named knowledge base does not exist."""

    def __init__(self, name: str):
        self.name = name
        super().__init__(f"knowledge base '{name}' does not exist")


class KnowledgeBaseExists(KnowledgeError):
    """A knowledge base with that name already exists."""

    def __init__(self, name: str):
        self.name = name
        super().__init__(f"knowledge base '{name}' already exists")


class DocumentNotFound(KnowledgeError):
    """The document id is unknown in that knowledge base."""

    def __init__(self, kb: str, document_id: str):
        self.kb = kb
        self.document_id = document_id
        super().__init__(f"knowledge base '{kb}' has no document '{document_id}'")


class InvalidSettings(KnowledgeError):
    """Settings, a name or a query that cannot be used."""


class EmbeddingError(KnowledgeError):
    """An embedding or rerank model could not be loaded or run."""


class ChunkNotFound(DocumentNotFound):
    """The chunk id is unknown in that knowledge base (answered like an unknown document: 404)."""

    def __init__(self, kb: str, chunk_id: int):
        KnowledgeError.__init__(self, f"knowledge base '{kb}' has no chunk {chunk_id}")
        self.kb, self.document_id, self.chunk_id = kb, "", chunk_id
