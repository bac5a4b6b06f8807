"""Limits on what parsing one file may cost, so a hostile or broken file fails instead of exhausting the server.

The structural limits (pages, paragraphs, table cells, characters, ZIP members, expansion) are checked by the
parsers before the expensive work where possible; memory and time bound the parser process as a whole
(``knowledge.isolation``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class ParseLimits:
    """The most one file may hold or cost; exceeding any fails the file with a message naming the limit."""

    max_bytes: int = 50 * 1024 * 1024          # the file itself
    max_pages: int = 5_000                     # PDF pages
    max_paragraphs: int = 200_000              # DOCX paragraphs
    max_table_cells: int = 200_000             # DOCX table cells
    max_chars: int = 10_000_000                # extracted text
    max_zip_members: int = 2_000               # DOCX package members
    max_unzipped_bytes: int = 200_000_000      # DOCX package, all members uncompressed
    max_zip_ratio: int = 100                   # uncompressed / compressed, for members over 1 MiB
    memory_mb: int = 1024                      # address space of the parser process
    timeout_s: float = 120.0                   # wall-clock time of the parser process

    @classmethod
    def from_env(cls) -> ParseLimits:
        """The defaults, each overridable by ``LOOM_PARSE_<NAME>`` (e.g. ``LOOM_PARSE_TIMEOUT_S=300``)."""
        found = {f.name: os.environ.get(f"LOOM_PARSE_{f.name.upper()}") for f in fields(cls)}
        overrides: dict[str, Any] = {name: float(v) if name == "timeout_s" else int(v)
                                     for name, v in found.items() if v}
        return cls(**overrides)


DEFAULT_LIMITS = ParseLimits()  # immutable, so one instance serves as every default
