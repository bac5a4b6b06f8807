"""read_file parses in a child process within the parsing limits: a hostile upload fails the tool, not the server."""

from __future__ import annotations

import pytest

from nodes.plugins import ToolRegistry
from nodes.plugins.errors import PluginError
from tests.knowledge.hostile import many_pages_pdf, zip_bomb_docx
from tests.plugins.test_builtin import FileStoreDouble


@pytest.mark.parametrize(("name", "build", "cause"), [
    ("bomb.docx", zip_bomb_docx, "DOCX expands to 536.9 MB when unzipped"),
    ("pages.pdf", many_pages_pdf, "PDF has 50,000 pages; the limit is 5,000"),
], ids=["zip-bomb", "pages"])
async def test_a_hostile_file_fails_the_tool_with_its_limit(registry: ToolRegistry, name, build, cause) -> None:
    files = FileStoreDouble({"f": (name, build())})
    with pytest.raises(PluginError, match=f"cannot read {name}: {cause}"):
        await registry.call("read_file", "read_file", {"file_url": {"name": name, "file_id": "f"}}, files=files)
