"""Plugin fixtures: the toy API on 127.0.0.1, registries with and without the loopback allow-list."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from nodes.plugins import HttpLimits, ToolRegistry
from tests.plugins.toy_api import ToyServer

LOOPBACK = ["127.0.0.1"]


@pytest.fixture(scope="module")
def toy() -> Iterator[ToyServer]:
    with ToyServer() as server:
        yield server


@pytest.fixture
async def registry(data_dir: Path) -> AsyncIterator[ToolRegistry]:
    """A registry whose built-in tools may reach 127.0.0.1 (the toy API) and nothing else private."""
    tools = ToolRegistry(data_dir, allow_hosts=LOOPBACK, limits=HttpLimits(timeout_s=5, max_response_bytes=1_000_000))
    yield tools
    await tools.aclose()


@pytest.fixture
async def strict_registry(data_dir: Path) -> AsyncIterator[ToolRegistry]:
    """A registry with an empty allow-list: every non-public address is refused."""
    tools = ToolRegistry(data_dir, allow_hosts=[])
    yield tools
    await tools.aclose()


def make_pdf(pages: list[str]) -> bytes:
    """A minimal valid PDF with one line of text per page (no PDF writer library needed)."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", ""]
    kids = []
    font_id = 3
    objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for text in pages:
        stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET"
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
        content_id = len(objects)
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {content_id} 0 R "
                       f"/Resources << /Font << /F1 {font_id} 0 R >> >> >>")
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out
