"""The import graph between Loom's top-level packages, read from the source (ast, nothing imported): each
layer imports only the layers below it (../docs and the README's Layout), and no two packages import each
other, however indirectly. Imports inside functions and under ``TYPE_CHECKING`` count too."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("engine", "nodes", "knowledge", "agents", "modelhub", "evaluation", "dify", "server")

# package → the Loom packages it must never import
FORBIDDEN = {
    "engine": {"nodes", "knowledge", "agents", "modelhub", "evaluation", "server"},
    "nodes": {"server"},
    "knowledge": {"server", "engine"},
    "agents": {"server"},
    "modelhub": {"server"},
    "evaluation": {"server"},
    "dify": {"server", "knowledge", "agents", "modelhub", "evaluation"},
}


def imported_modules(path: Path) -> Iterator[tuple[str, int]]:
    """Every module ``path`` imports (absolute name) with its line."""
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: against this module's package ("a.b.__init__" counts as inside "a.b")
                base = module.split(".")[: -node.level]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            yield name, node.lineno


def edges() -> list[tuple[str, str, str]]:
    """(importing package, imported package, "file:line") for every import across Loom packages."""
    found = []
    for package in PACKAGES:
        folder = ROOT / package
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*.py")):
            for name, line in imported_modules(path):
                target = name.split(".")[0]
                if target in PACKAGES and target != package:
                    found.append((package, target, f"{path.relative_to(ROOT)}:{line}"))
    return found


EDGES = edges()


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layers_import_only_what_is_below_them(package: str) -> None:
    wrong = [f"{where} imports {target}" for source, target, where in EDGES
             if source == package and target in FORBIDDEN[package]]
    assert not wrong, "\n".join(wrong)


def test_no_import_cycles_between_packages() -> None:
    graph = nx.DiGraph((source, target) for source, target, _ in EDGES)
    cycles = list(nx.simple_cycles(graph))
    details = {(s, t): w for s, t, w in EDGES}
    assert not cycles, "\n".join(" → ".join(c + [c[0]]) + "  (" + ", ".join(
        details[(a, b)] for a, b in zip(c, c[1:] + c[:1], strict=True)) + ")" for c in cycles)


def test_the_graph_is_read_from_real_files() -> None:
    assert ("server", "engine") in {(s, t) for s, t, _ in EDGES}  # the walk sees imports at all


def test_the_command_line_modules_import_each_other_without_a_cycle() -> None:
    folder = ROOT / "server" / "cli"
    names = {p.stem for p in folder.glob("*.py")}

    def module(path: Path) -> str:
        return "server.cli" if path.name == "__init__.py" else f"server.cli.{path.stem}"

    graph = nx.DiGraph()
    for path in folder.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "server.cli":
                targets = [f"server.cli.{a.name}" if a.name in names else "server.cli" for a in node.names]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("server.cli."):
                targets = [str(node.module)]
            else:
                continue
            graph.add_edges_from((module(path), target) for target in targets if target != module(path))
    assert graph.number_of_edges() > 0
    assert not list(nx.simple_cycles(graph))


def test_only_the_app_and_the_interfaces_import_the_http_layer() -> None:
    """Domain and persistence code under server/ (runs, agent chat, stores, workers) never reaches up into the
    routers or their dependencies: what both need lives below them. The app wires the routers; the CLI is an
    interface beside them."""
    http = ("server.api", "server.deps")
    above = ("server/api/", "server/cli/", "server/app.py")
    wrong = [f"{path.relative_to(ROOT)}:{line} imports {name}"
             for path in sorted((ROOT / "server").rglob("*.py"))
             if not str(path.relative_to(ROOT)).startswith(above)
             for name, line in imported_modules(path)
             if any(name == h or name.startswith(h + ".") for h in http)]
    assert not wrong, "\n".join(wrong)
