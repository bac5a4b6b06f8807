"""Loom value sources as Dify selectors and ``{{#node.var#}}`` templates (the export direction)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from engine.templates import PLACEHOLDER, to_text

# Loom system variables and their Dify names; sys.history has none (Dify's memory plays that part).
SYSTEM = {"query": "query", "files": "files", "conversation_id": "conversation_id", "user": "user_id",
          "run_id": "workflow_run_id"}


class Unexportable(Exception):
    """A value a Dify DSL cannot express; the exporter names the node it belongs to."""


class Selectors:
    """Turns refs into Dify selectors, knowing which node types name their outputs differently in Dify."""

    def __init__(self, node_types: Mapping[str, str], json_llms: set[str] | frozenset[str] = frozenset(),
                 secrets: Mapping[str, str] | None = None) -> None:
        self.node_types = node_types
        self.json_llms = json_llms
        self.secrets = secrets or {}  # "start.env_apikey" → "apikey": start inputs that stand in for Dify secrets

    def selector(self, ref: str) -> list[str]:
        """``node.output.path`` → ``[node, output, path...]`` with Dify's output names."""
        node_id, output, *path = ref.split(".")
        if node_id == "sys":
            if output not in SYSTEM:
                raise Unexportable(f"'sys.{output}' has no Dify equivalent")
            return ["sys", SYSTEM[output], *path]
        if f"{node_id}.{output}" in self.secrets:
            return ["env", self.secrets[f"{node_id}.{output}"], *path]
        if node_id == "conversation":
            return ["conversation", output, *path]
        kind = self.node_types.get(node_id, "")
        return [node_id, *self._output(node_id, kind, output), *path]

    def _output(self, node_id: str, kind: str, output: str) -> list[str]:
        if kind == "knowledge-retrieval" and output == "output_list":
            return ["result"]
        if kind == "llm" and node_id in self.json_llms and output not in ("text", "usage"):
            return ["structured_output", output]
        if kind == "if-else" and output == "case_id":
            return ["selected_case_id"]
        if (kind, output) in {("http-request", "json"), ("loop", "rounds"), ("iteration", "errors"),
                              ("question-classifier", "text")}:
            raise Unexportable(f"the output '{output}' of a {kind} node has no Dify equivalent")
        return [output]

    def source(self, source: Mapping[str, Any]) -> list[str]:
        """A value source that must be a ref (Dify variable lists hold selectors only)."""
        if "ref" not in source:
            raise Unexportable("a literal value where Dify needs a variable; use a node output instead")
        return self.selector(source["ref"])

    def template(self, text: str, inputs: Mapping[str, Mapping[str, Any]]) -> str:
        """A ``{{name}}`` template over a node's inputs as Dify text: refs become ``{{#node.var#}}``, literal
        inputs are written in place (that is how an import keeps a literal ``{{x}}``)."""
        def replace(match: re.Match[str]) -> str:
            source = inputs.get(match.group(1))
            if source is None:
                return match.group(0)
            if "ref" in source:
                return "{{#" + ".".join(self.selector(source["ref"])) + "#}}"
            return to_text(source.get("value"))
        return PLACEHOLDER.sub(replace, text)
