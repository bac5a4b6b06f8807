"""Reading a Dify DSL file: size limit, YAML, the ``kind: app`` envelope, the version and the app mode."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from dify.errors import DifyImportError

MAX_BYTES = 5 * 1024 * 1024  # Dify's own exports of large apps stay well under 1 MB
NEWEST_VERSION = (0, 5, 0)  # the newest DSL version whose format this importer knows
IMPORTED_MODES = ("workflow", "advanced-chat")
REFUSED_MODES = {
    "chat": "a basic chat app (no workflow graph); rebuild it in Loom as a chat workflow with one LLM node",
    "agent-chat": "an agent app (no workflow graph); rebuild it in Loom as an agent",
    "completion": "a text-generator app (no workflow graph); rebuild it in Loom as a workflow with one LLM node",
}


@dataclass
class DslDocument:
    """The parts of a Dify app file the importer reads."""

    version: str
    mode: str
    name: str
    description: str
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    features: dict[str, Any] = field(default_factory=dict)
    environment_variables: list[dict[str, Any]] = field(default_factory=list)
    conversation_variables: list[dict[str, Any]] = field(default_factory=list)


def check_size(size: int) -> None:
    """Refuse a file over MAX_BYTES before anything reads it whole."""
    if size > MAX_BYTES:
        raise DifyImportError(f"the file is {size:,} bytes; a Dify DSL file may be at most {MAX_BYTES:,} bytes",
                              "file")


def load(text: str | bytes) -> DslDocument:
    """Parse and check the envelope; raise DifyImportError naming the place of the first problem."""
    check_size(len(text.encode("utf-8") if isinstance(text, str) else text))
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise DifyImportError(f"the file is not UTF-8 text ({exc.reason})", f"byte {exc.start}") from None
    data = parse_yaml(text)
    if not isinstance(data, dict):
        raise DifyImportError("a Dify DSL file is a YAML mapping with app, kind, version and workflow", "file")
    return envelope(data)


def parse_yaml(text: str) -> Any:
    """``yaml.safe_load`` with errors located by line and column (1-based)."""
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "file"
        raise DifyImportError(f"malformed YAML: {exc.problem or exc.context}", where) from None
    except yaml.YAMLError as exc:
        raise DifyImportError(f"malformed YAML: {exc}", "file") from None
    except RecursionError:
        raise DifyImportError("the YAML nests too deeply", "file") from None


def parse_version(value: Any) -> tuple[int, int, int]:
    match = re.fullmatch(r"(\d+)\.(\d+)(?:\.(\d+))?", str(value).strip())
    if match is None:
        raise DifyImportError(f"'{value}' is not a DSL version (expected MAJOR.MINOR.PATCH, such as 0.3.1)",
                              "version")
    return int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)


def envelope(data: dict[str, Any]) -> DslDocument:
    kind = data.get("kind", "app")
    if kind != "app":
        raise DifyImportError(f"kind is '{kind}'; only Dify app files (kind: app) can be imported", "kind")
    raw_version = data.get("version")
    if raw_version is None:
        raise DifyImportError("the file has no DSL version", "version")
    version = parse_version(raw_version)
    if version[:2] > NEWEST_VERSION[:2]:
        newest = ".".join(map(str, NEWEST_VERSION))
        raise DifyImportError(f"DSL version {raw_version} is newer than the newest this importer knows ({newest})",
                              "version")
    app = data.get("app")
    if not isinstance(app, dict):
        raise DifyImportError("the file has no app section", "app")
    mode = str(app.get("mode", ""))
    if mode in REFUSED_MODES:
        raise DifyImportError(f"app mode '{mode}' cannot be imported: {REFUSED_MODES[mode]}", "app.mode")
    if mode not in IMPORTED_MODES:
        raise DifyImportError(f"unknown app mode '{mode}' (importable: {', '.join(IMPORTED_MODES)})", "app.mode")
    workflow = data.get("workflow")
    if not isinstance(workflow, dict):
        raise DifyImportError(f"a {mode} app needs a workflow section", "workflow")
    graph = workflow.get("graph")
    if not isinstance(graph, dict) or not isinstance(graph.get("nodes"), list):
        raise DifyImportError("the workflow has no graph with a list of nodes", "workflow.graph.nodes")
    edges = graph.get("edges") or []
    if not isinstance(edges, list):
        raise DifyImportError("graph edges must be a list", "workflow.graph.edges")
    for where, items in (("workflow.graph.nodes", graph["nodes"]), ("workflow.graph.edges", edges)):
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise DifyImportError("each entry must be a mapping", f"{where}[{i}]")
    return DslDocument(
        version=str(raw_version), mode=mode, name=str(app.get("name") or "Imported Dify app"),
        description=str(app.get("description") or ""), nodes=graph["nodes"], edges=edges,
        features=workflow.get("features") or {},
        environment_variables=list(workflow.get("environment_variables") or []),
        conversation_variables=list(workflow.get("conversation_variables") or []))
