"""The bundled documents and the example workflows as templates."""

from __future__ import annotations

import importlib.util
import io

from docx import Document

from engine.graph import validate
from engine.spec import Services
from knowledge.parsing import parse
from nodes.plugins import ToolRegistry
from nodes.registry import CATALOG
from server.templates import KNOWLEDGE_DIR, bundled_knowledge, templates


def test_bundled_documents_are_what_the_build_script_makes() -> None:
    spec = importlib.util.spec_from_file_location("build", KNOWLEDGE_DIR / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    for relative, data in build.outputs().items():
        shipped = (KNOWLEDGE_DIR / relative).read_bytes()
        if relative.endswith(".docx"):
            assert parse(relative, shipped).text == parse(relative, data).text, relative
        else:
            assert shipped == data, relative
    poems = Document(io.BytesIO((KNOWLEDGE_DIR / "yuwen/question-bank.docx").read_bytes()))
    assert any("《竹里馆》 唐·王维：独坐幽篁里" in p.text for p in poems.paragraphs) and poems.tables
    for name, entry in bundled_knowledge().items():
        assert all((KNOWLEDGE_DIR / f).is_file() for f in entry["files"]), name


def test_every_example_is_a_valid_template() -> None:
    found = {t.template_id: t for t in templates()}
    assert set(found) == {"teaching-assistant", "research-assistant", "faq-intent", "ticket-router",
                          "issue-digest", "grade-report", "support-chat"}
    assert found["research-assistant"].mode == "chat"
    assert found["teaching-assistant"].knowledge_bases == ("yuwen",)
    for template in found.values():
        validate(template.definition, CATALOG, Services(tools=ToolRegistry()))


