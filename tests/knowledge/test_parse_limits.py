"""Parser bombs and limits: every hostile file fails as a ``ParseError`` naming the limit, in a child process."""

from __future__ import annotations

import random

import pytest

from knowledge.errors import ParseError
from knowledge.isolation import parse_isolated
from knowledge.limits import ParseLimits
from knowledge.parsing import parse
from tests.knowledge.conftest import make_docx, make_pdf
from tests.knowledge.hostile import (
    cyclic_pages_pdf,
    cyclic_xref_pdf,
    docx_package,
    empty_paragraphs_docx,
    lying_zip_docx,
    many_pages_pdf,
    table_docx,
    zip_bomb_docx,
)

BOMBS = [
    ("paragraphs.docx", empty_paragraphs_docx, "more than 200,000 paragraphs"),
    ("bomb.docx", zip_bomb_docx, "DOCX expands to 536.9 MB when unzipped; the limit is 200.0 MB"),
    ("bomb.xlsx", zip_bomb_docx, "XLSX expands to 536.9 MB when unzipped; the limit is 200.0 MB"),
    ("pages.pdf", many_pages_pdf, "PDF has 50,000 pages; the limit is 5,000"),
    ("cyclic.pdf", cyclic_xref_pdf, "cross-reference table refers back to itself"),
    ("pagetree.pdf", cyclic_pages_pdf, "corrupt or unreadable PDF (Detected cyclic page references"),
    # zipfile stops a member at the size its directory declares: a directory that lies fails the CRC.
    ("liar.docx", lying_zip_docx, "corrupt DOCX (Bad CRC-32 for file 'word/document.xml')"),
]


@pytest.mark.parametrize(("filename", "build", "cause"), BOMBS, ids=[b[0] for b in BOMBS])
def test_bombs_fail_with_the_limit_they_break(filename, build, cause) -> None:
    with pytest.raises(ParseError) as info:
        parse_isolated(filename, build())
    assert str(info.value).startswith(f"{filename}: ") and cause in str(info.value)


def test_the_bombs_are_what_they_claim() -> None:
    assert len(empty_paragraphs_docx()) < 300_000
    assert len(zip_bomb_docx()) < 1_000_000
    assert many_pages_pdf().count(b"/Type /Page ") == 50_000


LIMITS = [
    ("three.pdf", lambda: make_pdf(["one", "two", "three"]), {"max_pages": 2}, "PDF has 3 pages; the limit is 2"),
    ("five.docx", lambda: make_docx([f"paragraph {i}" for i in range(5)]), {"max_paragraphs": 3},
     "more than 3 paragraphs"),
    ("table.docx", lambda: table_docx(3, 3), {"max_table_cells": 5}, "more than 5 table cells"),
    ("long.txt", lambda: b"word " * 100, {"max_chars": 50}, "longer than 50 characters"),
    ("long.pdf", lambda: make_pdf(["x" * 40, "y" * 40]), {"max_chars": 50}, "longer than 50 characters"),
    ("long.docx", lambda: make_docx(["x" * 40, "y" * 40]), {"max_chars": 50}, "longer than 50 characters"),
    ("parts.docx", lambda: make_docx(["hello"]), {"max_zip_members": 3}, "parts; the limit is 3"),
    ("unzipped.docx", lambda: make_docx(["hello"]), {"max_unzipped_bytes": 10_000},
     r"expands to [0-9,.]+ (MB|bytes) when unzipped; the limit is 10,000 bytes"),
    ("ratio.docx", lambda: _random_words_docx(20_000), {"max_zip_ratio": 2},
     "part 'word/document.xml' expands [0-9]+x when unzipped; the limit is 2x"),
]


def _random_words_docx(paragraphs: int) -> bytes:
    rng = random.Random(1)
    words = [b"alpha", b"beta", b"gamma", b"delta"]
    return docx_package([b"<w:p><w:r><w:t>" + b" ".join(rng.choice(words) for _ in range(30)) + b"</w:t></w:r></w:p>"
                         for _ in range(paragraphs)])


@pytest.mark.parametrize(("filename", "build", "limits", "cause"), LIMITS, ids=[x[0] for x in LIMITS])
def test_each_limit(filename, build, limits, cause) -> None:
    data = build()
    parse(filename, data)  # fine with the default limits…
    with pytest.raises(ParseError, match=cause):
        parse(filename, data, limits=ParseLimits(**limits))


def test_memory_and_time_limits_stop_the_parser_process() -> None:
    small, big = _random_words_docx(10), _random_words_docx(100_000)
    assert parse_isolated("small.docx", small, ParseLimits(memory_mb=100)).text  # the parser fits in 100 MB…
    with pytest.raises(ParseError, match=r"big.docx: parsing needed more than 100 MB of memory \(the limit\)"):
        parse_isolated("big.docx", big, ParseLimits(memory_mb=100))  # …a document whose tree does not, fails
    with pytest.raises(ParseError, match=r"big.docx: parsing took longer than 0.05 s \(the limit\)"):
        parse_isolated("big.docx", big, ParseLimits(timeout_s=0.05))


def test_limits_come_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("LOOM_PARSE_TIMEOUT_S", "300")
    monkeypatch.setenv("LOOM_PARSE_MAX_PAGES", "20000")
    assert ParseLimits.from_env() == ParseLimits(timeout_s=300.0, max_pages=20_000)
