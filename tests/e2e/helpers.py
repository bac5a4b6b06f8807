"""Page helpers shared by the e2e tests: create and open workflows, drag nodes, connect handles."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def create_workflow(base_url: str, definition: dict) -> str:
    res = httpx.post(f"{base_url}/api/workflows", json=definition, timeout=10)
    res.raise_for_status()
    return res.json()["id"]


def load_example(name: str) -> dict:
    return json.loads((ROOT / "workflows" / name).read_text(encoding="utf-8"))


def drag_to_canvas(page, node_type: str, x: int, y: int) -> None:
    """Drag a palette item onto the canvas at (x, y) relative to the canvas."""
    page.get_by_test_id(f"palette-{node_type}").drag_to(page.get_by_test_id("canvas"), target_position={"x": x, "y": y})


def connect(page, source: str, target: str, handle: str = "out") -> None:
    """Draw an edge from a node's source handle to another node's target handle."""
    page.locator(".react-flow__controls-fitview").click()  # both handles must be on screen
    page.wait_for_timeout(300)
    src = page.locator(f'[data-id="{source}"] .react-flow__handle.source[data-handleid="{handle}"]')
    dst = page.locator(f'[data-id="{target}"] .react-flow__handle.target')
    a, b = src.bounding_box(), dst.bounding_box()
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + a["height"] / 2)
    page.mouse.down()
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, steps=8)
    page.mouse.up()


def select_node(page, node_id: str) -> None:
    page.locator(f'.react-flow__node[data-id="{node_id}"] .loom-node-header').click()
    page.get_by_test_id("node-panel").wait_for()


def edges(base_url: str, workflow_id: str) -> list[dict]:
    return httpx.get(f"{base_url}/api/workflows/{workflow_id}", timeout=10).json()["definition"]["edges"]


def create_bundled_kb(base_url: str, name: str, timeout_s: float = 120) -> None:
    """Create one of workflows/knowledge's bundled knowledge bases through the API and wait until indexed."""
    import time

    folder = ROOT / "workflows" / "knowledge"
    entry = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))[name]
    settings = {"description": entry.get("description", ""), **entry.get("settings", {})}
    httpx.post(f"{base_url}/api/knowledge-bases", json={"name": name, "settings": settings},
               timeout=30).raise_for_status()
    files = [("files", (Path(f).name, (folder / f).read_bytes())) for f in entry["files"]]
    httpx.post(f"{base_url}/api/knowledge-bases/{name}/documents", files=files, timeout=60).raise_for_status()
    deadline = time.monotonic() + timeout_s
    while True:
        docs = httpx.get(f"{base_url}/api/knowledge-bases/{name}/documents", timeout=10).json()
        docs = docs.get("items", docs.get("documents", [])) if isinstance(docs, dict) else docs
        states = [d["status"] for d in docs]
        if states and all(s == "ready" for s in states):
            return
        if "failed" in states:
            raise AssertionError(f"indexing {name} failed: {docs}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{name} not indexed within {timeout_s} s: {states}")
        time.sleep(0.3)


def saved_definition(base_url: str, workflow_id: str) -> dict:
    return httpx.get(f"{base_url}/api/workflows/{workflow_id}", timeout=10).json()["definition"]
