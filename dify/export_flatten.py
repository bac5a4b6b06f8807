"""Dify flattens an iteration's list of lists (``flatten_output``); an import puts a code node behind the
iteration to do it in Loom (dify/nodes/containers.py). Export folds that node back into the flag."""

from __future__ import annotations

import copy
from typing import Any


def fold_flatteners(workflow: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """The workflow without flattening code nodes, and the ids of the iterations whose output is flattened."""
    workflow = copy.deepcopy(workflow)
    renames: dict[str, str] = {}
    flattened: set[str] = set()

    def level(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> tuple[list[Any], list[Any]]:
        iterations = {n["id"] for n in nodes if n["type"] == "iteration"}
        folded: dict[str, str] = {}
        for node in nodes:
            owner = _flattened(node)
            if owner is not None and owner in iterations:
                folded[node["id"]] = owner
        for node in nodes:
            if node["type"] in ("iteration", "loop"):
                config = node.setdefault("config", {})
                config["nodes"], config["edges"] = level(config.get("nodes", []), config.get("edges", []))
        kept_edges = []
        for edge in edges:
            if edge["target"] in folded:
                continue
            if edge["source"] in folded:
                edge = {**edge, "source": folded[edge["source"]]}
            kept_edges.append(edge)
        flattened.update(folded.values())
        renames.update({f"{flat}.output": f"{owner}.output" for flat, owner in folded.items()})
        unique = {(e["source"], e.get("source_handle", "out"), e["target"]): e for e in kept_edges}
        return [n for n in nodes if n["id"] not in folded], list(unique.values())

    workflow["nodes"], workflow["edges"] = level(workflow["nodes"], workflow.get("edges", []))
    return _renamed(workflow, renames), flattened


def _flattened(node: dict[str, Any]) -> str | None:
    """The iteration a flattening code node flattens, else None."""
    items = (node.get("inputs") or {}).get("items") or {}
    ref = items.get("ref", "") if isinstance(items, dict) else ""
    owner = ref[: -len(".output")] if ref.endswith(".output") else None
    if (node["type"] != "code" or owner is None or node["id"] != f"{owner}_flat"[:64]
            or len(node.get("inputs") or {}) != 1 or set(node.get("config", {}).get("outputs", {})) != {"output"}):
        return None
    return owner


def _renamed(value: Any, renames: dict[str, str]) -> Any:
    if isinstance(value, dict):
        if set(value) == {"ref"} and isinstance(value["ref"], str):
            for old, new in renames.items():
                if value["ref"] == old or value["ref"].startswith(old + "."):
                    return {"ref": new + value["ref"][len(old):]}
        return {k: _renamed(v, renames) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v, renames) for v in value]
    return value
