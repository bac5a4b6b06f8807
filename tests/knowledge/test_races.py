"""Requests racing each other on one knowledge base: a base deleted mid-request is not found (404 over
HTTP), never a closed database."""

from __future__ import annotations

import threading
import time

import pytest

from knowledge.errors import KnowledgeBaseNotFound
from knowledge.service import KnowledgeService


@pytest.mark.parametrize("request_", ["search", "get", "documents"])
def test_a_request_racing_a_delete_finds_no_base(service: KnowledgeService, request_: str) -> None:
    service.create("poems")
    service.add_document("poems", "poem.txt", "独坐幽篁里，弹琴复长啸。".encode())
    calls = {"search": lambda: service.search("poems", "幽篁", mode="keyword"),
             "get": lambda: service.get("poems"), "documents": lambda: service.documents("poems")}
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = calls[request_]()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test looks at
            outcome["error"] = exc

    # The delete holds the base's lock while the request has already looked the base up and waits for it.
    with service._lock("poems"):
        thread = threading.Thread(target=run)
        thread.start()
        time.sleep(0.3)
        service.delete("poems")
    thread.join(10)
    assert isinstance(outcome.get("error"), KnowledgeBaseNotFound), outcome
