"""PostgreSQL text holds no NUL character, SQLite's does: on either backend a lookup by an id holding one is a
404, never a server error (found by schemathesis on PostgreSQL)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("path", ["/api/runs/a%00b", "/api/evaluation/runs/a%00b", "/api/workflows/a%00b"])
async def test_an_id_with_a_nul_character_is_not_found(client, path: str):
    response = await client.get(path)
    assert response.status_code == 404, response.text
