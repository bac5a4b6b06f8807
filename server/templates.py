"""The example workflows shipped in ``workflows/`` as templates, and the knowledge bases they need.

A bundled knowledge base (``workflows/knowledge/manifest.json``) is created and indexed the first time a
workflow that names it is used in a data directory that lacks it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge.errors import KnowledgeBaseExists, KnowledgeError
from knowledge.service import KnowledgeService
from knowledge.settings import KBSettings

WORKFLOWS_DIR = Path(__file__).resolve().parents[1] / "workflows"
KNOWLEDGE_DIR = WORKFLOWS_DIR / "knowledge"


@dataclass(frozen=True)
class Template:
    """An example workflow offered to new users."""

    template_id: str
    name: str
    description: str
    mode: str
    knowledge_bases: tuple[str, ...]
    definition: dict[str, Any]

    def summary(self) -> dict[str, Any]:
        return {"template_id": self.template_id, "name": self.name, "description": self.description,
                "mode": self.mode, "knowledge_bases": list(self.knowledge_bases)}


def knowledge_bases_of(definition: dict[str, Any]) -> list[str]:
    """The knowledge bases a workflow's knowledge-retrieval nodes name."""
    names: list[str] = []
    for node in definition.get("nodes") or []:
        if isinstance(node, dict) and node.get("type") == "knowledge-retrieval":
            names += [n for n in (node.get("config") or {}).get("knowledge_bases") or [] if isinstance(n, str)]
    return list(dict.fromkeys(names))


def templates(directory: Path = WORKFLOWS_DIR) -> list[Template]:
    """Every ``*.json`` workflow in the examples folder, by file name."""
    found = []
    for path in sorted(directory.glob("*.json")):
        definition = json.loads(path.read_text(encoding="utf-8"))
        found.append(Template(template_id=path.stem, name=definition.get("name", path.stem),
                              description=definition.get("description", ""),
                              mode=definition.get("mode", "workflow"),
                              knowledge_bases=tuple(knowledge_bases_of(definition)), definition=definition))
    return found


def template(template_id: str) -> Template | None:
    return next((t for t in templates() if t.template_id == template_id), None)


def bundled_knowledge(directory: Path = KNOWLEDGE_DIR) -> dict[str, dict[str, Any]]:
    """The bundled knowledge bases: name → {description, settings, files}."""
    manifest = directory / "manifest.json"
    return json.loads(manifest.read_text(encoding="utf-8")) if manifest.is_file() else {}


def ensure_knowledge(definition: dict[str, Any], knowledge: KnowledgeService,
                     directory: Path = KNOWLEDGE_DIR) -> list[str]:
    """Create and index the bundled knowledge bases a workflow names but the data directory lacks."""
    bundled = bundled_knowledge(directory)
    created = []
    for name in knowledge_bases_of(definition):
        if name not in bundled or knowledge.exists(name):
            continue
        entry = bundled[name]
        settings = KBSettings.model_validate({"description": entry.get("description", ""),
                                              **entry.get("settings", {})})
        try:
            knowledge.create(name, settings)
        except KnowledgeBaseExists:
            continue  # another request is creating it right now
        for relative in entry["files"]:
            path = directory / relative
            document = knowledge.add_document(name, path.name, path.read_bytes())
            if document.status == "failed":
                raise KnowledgeError(f"bundled knowledge base '{name}': {path.name}: {document.error}")
        created.append(name)
    return created
