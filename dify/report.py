"""The import report: what mapped to what, what was approximated or dropped, and what needs the user."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field

PLACE = re.compile(r"^node '([^']+)' \([^)]*\)(?:: (.*))?$", re.S)


class MappedNode(BaseModel):
    """A Dify node and the Loom node it became."""

    dify_id: str
    dify_type: str
    loom_id: str
    loom_type: str


class NodeNote(BaseModel):
    """A node (or one of its settings) carried over only in part, or not at all, and why."""

    node_id: str
    reason: str


class Attention(BaseModel):
    """Something the user must provide in Loom before the workflow runs as it did in Dify."""

    kind: Literal["model", "tool", "env", "knowledge_base", "file"]
    name: str
    detail: str = ""
    node_ids: list[str] = Field(default_factory=list)


class Secret(BaseModel):
    """A secret found in the file: never written into the workflow; the start input named here takes it."""

    source: str  # "env.apikey" or "node '1711' authorization"
    input_name: str  # the start variable the user fills in


class ImportReport(BaseModel):
    """What the import did with every part of the Dify file."""

    dify_version: str
    app_mode: str
    app_name: str
    mapped: list[MappedNode] = Field(default_factory=list)
    approximated: list[NodeNote] = Field(default_factory=list)
    dropped: list[NodeNote] = Field(default_factory=list)
    attention: list[Attention] = Field(default_factory=list)
    secrets: list[Secret] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    def approximate(self, node_id: str, reason: str) -> None:
        """Record an approximation; ``node_id`` may be a place (``node '12' (llm): prompt_template[0]``)."""
        place = PLACE.match(node_id)
        if place:
            node_id, field = place.group(1), place.group(2)
            reason = f"{field}: {reason}" if field else reason
        self.approximated.append(NodeNote(node_id=node_id, reason=reason))

    def drop(self, node_id: str, reason: str) -> None:
        self.dropped.append(NodeNote(node_id=node_id, reason=reason))

    def need(self, kind: Literal["model", "tool", "env", "knowledge_base", "file"], name: str, detail: str,
             node_id: str | None = None) -> None:
        """Record what the user must provide, once per (kind, name), collecting the nodes that need it."""
        for item in self.attention:
            if item.kind == kind and item.name == name:
                if node_id and node_id not in item.node_ids:
                    item.node_ids.append(node_id)
                return
        self.attention.append(Attention(kind=kind, name=name, detail=detail, node_ids=[node_id] if node_id else []))

    def text(self) -> str:
        """The report as lines for a terminal."""
        lines = [f"Dify DSL {self.dify_version}, {self.app_mode} app '{self.app_name}'",
                 f"mapped: {len(self.mapped)} nodes"]
        lines += [f"  {m.dify_id} ({m.dify_type}) -> {m.loom_id} ({m.loom_type})" for m in self.mapped]
        for title, notes in (("approximated", self.approximated), ("dropped", self.dropped)):
            if notes:
                lines.append(f"{title}:")
                lines += [f"  {n.node_id}: {n.reason}" for n in notes]
        if self.attention:
            lines.append("needs your attention:")
            lines += [f"  {a.kind} {a.name}: {a.detail}" + (f" (nodes {', '.join(a.node_ids)})" if a.node_ids else "")
                      for a in self.attention]
        if self.secrets:
            lines.append("secrets (not stored; fill these start inputs):")
            lines += [f"  {s.source} -> start input '{s.input_name}'" for s in self.secrets]
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)
