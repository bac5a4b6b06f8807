"""Parsing real files built in the test; every bad file fails with its name and the cause."""

from __future__ import annotations

import pytest

from knowledge.errors import KnowledgeError, ParseError
from knowledge.parsing import parse
from tests.knowledge.conftest import ENCRYPTED_DOCX, encrypt_pdf, make_docx, make_pdf


def test_pdf_pages_and_text() -> None:
    doc = parse("report.pdf", make_pdf(["Quarterly revenue grew\nby ten percent", "Outlook (next year)"]))
    assert doc.pages == 2
    assert "Quarterly revenue grew" in doc.text and "Outlook (next year)" in doc.text


def test_docx_paragraphs_and_tables_in_document_order() -> None:
    data = make_docx(["Introduction paragraph"], [["Name", "Age"], ["李白", "61"]], ["Closing paragraph"])
    text = parse("people.docx", data).text
    assert text.index("Introduction") < text.index("李白 | 61") < text.index("Closing")
    assert "Name | Age" in text


@pytest.mark.parametrize(("encoding", "expected"), [("utf-8", "utf-8"), ("utf-8-sig", "utf-8"), ("gbk", "gb18030")],
                         ids=["utf8", "utf8-bom", "gbk"])
def test_text_encodings_are_detected(encoding: str, expected: str) -> None:
    text = "床前明月光，疑是地上霜。举头望明月，低头思故乡。"
    doc = parse("poem.txt", text.encode(encoding))
    assert doc.text == text
    assert doc.encoding == expected


def test_short_gbk_text_is_read_as_chinese() -> None:
    assert parse("hi.txt", "你好".encode("gbk")).text == "你好"


def test_markdown_is_kept_and_html_loses_markup_and_scripts() -> None:
    assert parse("a.md", b"# Title\n\nBody text").text == "# Title\n\nBody text"
    html = b"<html><head><title>t</title><style>p{}</style></head><body><h1>Heading</h1><p>Para</p>" \
           b"<script>alert(1)</script></body></html>"
    text = parse("page.html", html).text
    assert "Heading" in text and "Para" in text and "alert" not in text and "p{}" not in text


BAD_FILES = [
    ("broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog", "corrupt or unreadable PDF"),
    ("locked.pdf", "encrypted", "PDF is encrypted"),
    ("broken.docx", b"PK\x03\x04 not really a zip", "corrupt DOCX"),
    ("locked.docx", ENCRYPTED_DOCX, "DOCX is encrypted"),
    ("empty.txt", b"", "file is empty"),
    ("blank.md", b"  \n\n ", "no text found"),
    ("binary.txt", bytes(range(256)) * 8, "not a text file"),
    ("tool.exe", b"MZ", "unsupported file type .exe"),
    ("noext", b"data", "unsupported file type (no extension)"),
]


@pytest.mark.parametrize(("filename", "data", "cause"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_files_name_the_file_and_the_cause(filename: str, data: bytes | str, cause: str) -> None:
    if data == "encrypted":
        data = encrypt_pdf(make_pdf(["secret text"]))
    with pytest.raises(ParseError) as info:
        parse(filename, data)
    assert str(info.value).startswith(f"{filename}: ")
    assert cause in str(info.value)
    assert isinstance(info.value, KnowledgeError)


def test_oversized_file() -> None:
    with pytest.raises(ParseError, match=r"big\.txt: file is too large"):
        parse("big.txt", b"x" * 2000, max_bytes=1000)


ZH_SIMPLIFIED = "床前明月光，疑是地上霜。举头望明月，低头思故乡。春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。"
ZH_TRADITIONAL = "床前明月光，疑是地上霜。舉頭望明月，低頭思故鄉。春眠不覺曉，處處聞啼鳥。夜來風雨聲，花落知多少。"
FRENCH = "Ça dépend: l'élève, le garçon naïf, où est-il? Déjà vu à Genève, café crème brûlée et pâté."
PLAIN = "Plain text about the Eiffel Tower and photosynthesis."
ENCODED = [
    ("utf-16", FRENCH), ("utf-16-le", PLAIN), ("utf-16-be", PLAIN), ("utf-16-le", FRENCH), ("utf-16-be", FRENCH),
    ("utf-16-le", ZH_SIMPLIFIED),
    ("utf-16-be", ZH_TRADITIONAL), ("gb18030", ZH_SIMPLIFIED), ("gbk", ZH_TRADITIONAL), ("big5", ZH_TRADITIONAL),
    ("latin-1", FRENCH), ("latin-1", "Les élèves étudient à l'école. Où est la bibliothèque?"),
    ("latin-1", "El niño comió piña el año pasado. ¿Dónde está la señora?"),
]


@pytest.mark.parametrize(("encoding", "text"), ENCODED, ids=[f"{e}-{t[:2]}" for e, t in ENCODED])
def test_text_reads_back_exactly_in_every_common_encoding(encoding: str, text: str) -> None:
    assert parse("poem.txt", text.encode(encoding)).text == text


def test_nul_never_reaches_the_text() -> None:
    assert parse("notes.md", b"first\x00 line\n\nsecond\x00").text == "first line\n\nsecond"
