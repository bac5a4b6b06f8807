"""The one error of the Dify import: what is wrong, and where in the file."""

from __future__ import annotations


class DifyImportError(Exception):
    """A DSL file that cannot be imported. ``location`` names the place: ``line 3, column 5`` for YAML,
    ``node '1711' (llm): prompt_template`` or ``version`` otherwise."""

    def __init__(self, message: str, location: str = "") -> None:
        super().__init__(f"{location}: {message}" if location else message)
        self.message = message
        self.location = location


class DifyExportError(Exception):
    """A workflow that cannot be written as a Dify DSL. ``problems`` lists ``(node_id, reason)`` pairs, one per
    node (or workflow feature, with node id ``""``) that Dify has no equivalent for."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        lines = [f"node '{node_id}': {reason}" if node_id else reason for node_id, reason in problems]
        super().__init__("cannot export to Dify DSL: " + "; ".join(lines))
        self.problems = problems
