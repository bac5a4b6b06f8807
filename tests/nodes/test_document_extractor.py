"""The ``document-extractor`` node: uploaded files to text through the knowledge parsers (in a child process)."""

from __future__ import annotations

import io
from typing import Any

import docx
import openpyxl
import pytest

from engine.debug import run_node
from engine.errors import DefinitionError
from engine.graph import validate
from engine.runner import RunResult, execute
from engine.spec import Services
from nodes import document_extractor
from nodes.registry import CATALOG
from tests.doubles.memory_files import MemoryFiles
from tests.helpers import chain, end, lit, node, start, workflow
from tests.plugins.conftest import make_pdf


def xlsx_bytes() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Scores"
    sheet.append(["name", "score"])
    sheet.append(["Ann", 93])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def docx_bytes() -> bytes:
    document = docx.Document()
    document.add_paragraph("静夜思 by Li Bai")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


SAMPLES: dict[str, tuple[bytes, str]] = {
    "notes.txt": (b"plain notes", "plain notes"),
    "readme.md": (b"# Title\n\nsome *markdown*", "# Title\n\nsome *markdown*"),
    "page.html": (b"<html><head><title>t</title><script>x()</script></head><body><p>Hello page</p></body></html>",
                  "Hello page"),
    "table.csv": (b"city,people\nParis,2100000\n", "city,people\nParis,2100000"),
    "scores.xlsx": (xlsx_bytes(), "# Scores\nname | score\nAnn | 93"),
    "poem.docx": (docx_bytes(), "静夜思 by Li Bai"),
    "report.pdf": (make_pdf(["Quarterly report"]), "Quarterly report"),
}


def flow(files: Any, multiple: bool = False, **config: Any) -> dict[str, Any]:
    extract = node("extract", "document-extractor", {"files": lit(files)}, config={"multiple": multiple, **config})
    return workflow([start(), extract, end(text="extract.text")], chain("start", "extract", "end"))


async def run(files: Any, store: MemoryFiles, multiple: bool = False, **config: Any) -> RunResult:
    return await execute(validate(flow(files, multiple, **config), CATALOG), {}, Services(files=store))


@pytest.mark.parametrize("name", list(SAMPLES))
async def test_each_format_gives_its_text(name: str) -> None:
    store = MemoryFiles()
    content, expected = SAMPLES[name]
    result = await run(store.add(name, content), store)
    assert result.status == "succeeded", result.error
    assert expected in result.outputs["text"]
    assert "x()" not in result.outputs["text"]


async def test_a_list_of_files_gives_a_list_of_texts_in_order() -> None:
    store = MemoryFiles()
    files = [store.add("b.txt", b"second"), store.add("a.md", b"first")]
    result = await run(files, store, multiple=True)
    assert result.outputs == {"text": ["second", "first"]}


async def test_text_is_cut_to_max_chars() -> None:
    store = MemoryFiles()
    result = await run(store.add("long.txt", b"abcdefghij"), store, max_chars=4)
    assert result.outputs == {"text": "abcd"}


@pytest.mark.parametrize(("name", "content", "message"), [
    ("image.png", b"\x89PNG....", "cannot read image.png: unsupported file type .png"),
    ("empty.txt", b"", "cannot read empty.txt: file is empty"),
    ("broken.docx", b"not a zip", "cannot read broken.docx: corrupt DOCX (not a ZIP package)"),
], ids=["unsupported", "empty", "corrupt"])
async def test_unreadable_files_fail_naming_the_file(name: str, content: bytes, message: str) -> None:
    store = MemoryFiles()
    result = await run(store.add(name, content), store)
    assert result.status == "failed" and result.failed_node == "extract"
    assert message in result.error


async def test_files_over_the_size_limit_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(document_extractor, "MAX_FILE_BYTES", 10)
    store = MemoryFiles()
    result = await run(store.add("big.txt", b"x" * 100), store)
    assert result.status == "failed" and "file is too large" in result.error


async def test_without_a_file_service_the_node_says_so() -> None:
    result = await execute(validate(flow({"file_id": "f1", "name": "a.txt"}), CATALOG), {})
    assert result.status == "failed"
    assert "input 'files': uploaded files are not available here" in result.error


def test_the_input_type_must_match_multiple() -> None:
    wf = workflow([start({"name": "docs", "type": "array[file]", "required": False}),
                   node("extract", "document-extractor", {"files": "start.docs"}, config={}),
                   end(text="extract.text")], chain("start", "extract", "end"))
    with pytest.raises(DefinitionError) as caught:
        validate(wf, CATALOG)
    assert [(i.node_id, i.field) for i in caught.value.issues] == [("extract", "inputs.files")]
    wf["nodes"][1]["config"] = {"multiple": True}
    validate(wf, CATALOG)
    wf["nodes"][1]["inputs"] = {}
    with pytest.raises(DefinitionError, match="extract.inputs: a document extractor reads the file input 'files'"):
        validate(wf, CATALOG)


async def test_single_node_debug_reads_the_given_file() -> None:
    store = MemoryFiles()
    value = store.add("debug.txt", b"debug text")
    event = await run_node(flow(None), CATALOG, "extract", {"files": value}, Services(files=store))
    assert event.status == "succeeded" and event.outputs == {"text": "debug text"}


async def test_an_uploaded_workbook_is_read_from_the_file_store(tmp_path) -> None:
    from server.files import FileStore

    store = FileStore(tmp_path)
    upload = store.save("scores.xlsx", xlsx_bytes(), "application/octet-stream")
    result = await execute(validate(flow(upload), CATALOG), {}, Services(files=store))
    assert result.status == "succeeded", result.error
    assert result.outputs == {"text": "# Scores\nname | score\nAnn | 93"}
