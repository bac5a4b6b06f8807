"""UI responsiveness: frame times while dragging a node and panning a 200-node canvas, in Chromium.

Starts `loom serve` on a fresh data directory (building the UI first when the build is stale), stores a
workflow of N nodes (start → a grid of LLM / if-else / aggregator nodes → end, every node wired), opens it
in headless Debian Chromium and records requestAnimationFrame intervals while the mouse drags a node and
pans the canvas. Prints one JSON object on its last line.

    python benchmarks/ui.py [--nodes 200] [--steps 120] [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, build_ui, free_port  # noqa: E402

KINDS = ("llm", "variable-aggregator", "if-else")


def big_workflow(n: int) -> dict:
    """start, n-2 middle nodes in a 15-wide grid (a chain; if-else nodes pass on both branches), end."""
    nodes = [{"id": "start", "type": "start", "position": {"x": -300, "y": 0},
              "config": {"variables": [{"name": "query", "type": "string", "required": True}]}}]
    edges: list[dict] = []
    handles = {"start": ["out"]}
    prev = "start"
    query = {"ref": "start.query"}
    for i in range(n - 2):
        kind, node_id = KINDS[i % len(KINDS)], f"n{i}"
        node = {"id": node_id, "type": kind, "position": {"x": (i % 15) * 280, "y": (i // 15) * 180}}
        if kind == "llm":
            messages = [{"role": "user", "content": "{{q}}"}]
            node |= {"inputs": {"q": query}, "config": {"model": "default", "messages": messages}}
        elif kind == "variable-aggregator":
            node |= {"inputs": {"a": query}}
        else:
            node |= {"config": {"cases": [{"id": "yes", "logic": "and",
                                           "conditions": [{"left": query, "op": "is_not_empty"}]}]}}
        nodes.append(node)
        edges += [{"source": prev, "target": node_id, "source_handle": h} for h in handles[prev]]
        handles[node_id] = ["yes", "else"] if kind == "if-else" else ["out"]
        prev = node_id
    nodes.append({"id": "end", "type": "end", "position": {"x": 15 * 280, "y": 0}, "inputs": {"answer": query}})
    edges += [{"source": prev, "target": "end", "source_handle": h} for h in handles[prev]]
    return {"version": "1", "name": f"{n} nodes", "mode": "workflow", "nodes": nodes, "edges": edges}


@contextmanager
def running_server(tmp: Path) -> Iterator[str]:
    """`loom serve` on a free port with a fresh data directory."""
    port = free_port()
    loom = Path(sys.executable).with_name("loom")
    proc = subprocess.Popen([str(loom), "serve", "--port", str(port), "--data-dir", str(tmp / "data")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "HF_HUB_OFFLINE": "1"})
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{url}/api/workflows", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


RECORDER = """() => { window.__frames = []; let last = performance.now(); window.__rec = true;
  const tick = (t) => { window.__frames.push(t - last); last = t; if (window.__rec) requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  // DOM mutations inside the canvas during the gesture: what React re-rendered (nodes, edges, minimap).
  window.__mutations = 0;
  window.__observer?.disconnect();
  window.__observer = new MutationObserver((list) => { if (window.__rec) window.__mutations += list.length; });
  window.__observer.observe(document.querySelector('.react-flow'),
                            { subtree: true, attributes: true, childList: true, characterData: true }); }"""


def summary(frames: list[float]) -> dict:
    frames = frames[1:] or [0.0]
    ordered = sorted(frames)
    return {"frames": len(frames), "p50_ms": round(statistics.median(ordered), 2),
            "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2), "max_ms": round(ordered[-1], 2),
            "fps": round(1000 / statistics.mean(frames), 1) if statistics.mean(frames) else None}


def measure(page, start: tuple[float, float], end: tuple[float, float], steps: int) -> dict:
    page.evaluate(RECORDER)
    page.mouse.move(*start)
    page.mouse.down()
    for k in range(1, steps + 1):
        page.mouse.move(start[0] + (end[0] - start[0]) * k / steps, start[1] + (end[1] - start[1]) * k / steps)
        page.evaluate("() => new Promise(requestAnimationFrame)")  # one pointer move per frame, as a hand would
    page.mouse.up()
    page.evaluate("() => { window.__rec = false; }")
    result = summary(page.evaluate("() => window.__frames"))
    result["dom_mutations_per_move"] = round(page.evaluate("() => window.__mutations") / steps, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=200)
    parser.add_argument("--steps", type=int, default=120, help="pointer moves per gesture")
    parser.add_argument("--chromium", default=CHROMIUM)
    parser.add_argument("--cpu-throttle", type=float, default=1.0,
                        help="slow the page's CPU by this factor (DevTools emulation), "
                             "to see costs an idle machine hides")
    args = parser.parse_args()
    build_ui()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, running_server(Path(tmp)) as url:
        workflow = big_workflow(args.nodes)
        res = httpx.post(f"{url}/api/workflows", json=workflow, timeout=60)
        res.raise_for_status()
        workflow_id = res.json()["id"]
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            if args.cpu_throttle != 1.0:
                page.context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": args.cpu_throttle})
            page.goto(f"{url}/workflows/{workflow_id}")
            page.locator(".react-flow__node").first.wait_for()
            rendered = page.locator(".react-flow__node").count()
            page.wait_for_timeout(1000)
            page.locator(".react-flow__controls-fitview").click()
            page.wait_for_timeout(1000)
            box = page.locator('.react-flow__node[data-id="n16"] .loom-node-header').bounding_box()
            grab = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            hit = page.evaluate("([x, y]) => document.elementFromPoint(x, y)?.className", list(grab))
            print(f"grabbing n16 at {grab}: {hit}", file=sys.stderr)
            drag = measure(page, grab, (grab[0] + 300, grab[1] + 200), args.steps)
            moved = page.locator('.react-flow__node[data-id="n16"] .loom-node-header').bounding_box()
            drag["moved_px"] = [round(moved["x"] - box["x"]), round(moved["y"] - box["y"])]
            page.wait_for_timeout(2500)  # autosave of the moved node settles before panning
            viewport = ".react-flow__viewport"
            before = page.locator(viewport).get_attribute("style")
            pane = page.locator(".react-flow__pane").bounding_box()
            class_at = "([x, y]) => document.elementFromPoint(x, y)?.className"
            empty = next(p for p in ((pane["x"] + pane["width"] * fx, pane["y"] + pane["height"] * fy)
                                     for fx in (0.5, 0.3, 0.7, 0.1) for fy in (0.97, 0.9, 0.03))
                         if "react-flow__pane" in (page.evaluate(class_at, list(p)) or ""))
            pan = measure(page, empty, (empty[0] + 400, empty[1] - 300), args.steps)
            pan["viewport_moved"] = page.locator(viewport).get_attribute("style") != before
            browser.close()
    result = {"benchmark": "ui", "nodes": args.nodes, "cpu_throttle": args.cpu_throttle, "rendered_nodes": rendered,
              "drag": drag, "pan": pan}
    print(f"drag: p50 {drag['p50_ms']} ms, p95 {drag['p95_ms']} ms per frame; "
          f"pan: p50 {pan['p50_ms']} ms, p95 {pan['p95_ms']} ms", file=sys.stderr)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
