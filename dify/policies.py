"""Dify error strategies (``fail-branch``, ``default-value``) and retry settings → Loom ``on_error``/``retry``."""

from __future__ import annotations

from typing import Any

from dify.context import MapContext


def on_error(dify_id: str, data: dict[str, Any], ctx: MapContext) -> dict[str, Any] | None:
    strategy = data.get("error_strategy")
    if strategy == "fail-branch":
        return {"strategy": "branch"}
    if strategy == "default-value":
        defaults = {str(d.get("key")): d.get("value") for d in data.get("default_value") or [] if d.get("key")}
        return {"strategy": "default", "default_outputs": defaults}
    if strategy not in (None, "", "none"):
        ctx.report.approximate(dify_id, f"error strategy '{strategy}' is unknown; the node fails the run")
    return None


def retry(dify_id: str, data: dict[str, Any], ctx: MapContext) -> dict[str, Any] | None:
    config = data.get("retry_config") or {}
    if not (config.get("retry_enabled") or config.get("enabled")):
        return None
    retries = int(config.get("max_retries") or 0)
    if retries <= 0:
        return None
    if retries > 9:
        ctx.report.approximate(dify_id, f"{retries} retries; Loom retries at most 9 times")
    interval = int(config.get("retry_interval") or 0)
    return {"max_attempts": min(10, retries + 1), "backoff_ms": max(0, min(60_000, interval))}


def edge_handle(source_type: str, handle: str | None) -> str:
    """Dify's ``sourceHandle`` → Loom's ``source_handle``."""
    if handle in (None, "", "source", "success-branch"):
        return "out"
    if handle == "fail-branch":
        return "error"
    if source_type in ("if-else", "question-classifier"):
        from dify.nodes.branching import case_handle

        return case_handle(handle, "false" if source_type == "if-else" else None)
    return handle
