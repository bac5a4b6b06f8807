"""The variable pool: every node's outputs keyed by node id, plus ``sys``. Only the runner writes it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.models import Literal_, Ref, ValueSource


def follow(value: Any, path: list[str]) -> Any:
    """Walk ``path`` (keys or list indexes) into ``value``; anything missing reads as None."""
    for step in path:
        if isinstance(value, dict):
            value = value.get(step)
        elif isinstance(value, list) and step.lstrip("-").isdigit():
            index = int(step)
            value = value[index] if -len(value) <= index < len(value) else None
        else:
            return None
    return value


class VariablePool:
    """Outputs of finished nodes. A skipped or not-yet-run node's outputs read as absent (None)."""

    def __init__(self, sys: dict[str, Any]):
        self._values: dict[str, dict[str, Any]] = {"sys": dict(sys)}

    def set(self, node_id: str, outputs: dict[str, Any]) -> None:
        self._values[node_id] = outputs

    def get(self, ref: Ref) -> Any:
        node_id, output, *path = ref.ref.split(".")  # Ref's node_id, output and path, in one split
        outputs = self._values.get(node_id)
        if outputs is None:
            return None
        return follow(outputs.get(output), path)

    def resolve(self, source: ValueSource) -> Any:
        if isinstance(source, Literal_):
            return source.value
        return self.get(source)

    def resolve_all(self, sources: Mapping[str, ValueSource]) -> dict[str, Any]:
        """``resolve`` each source of a node's inputs, by input name (one call per node, not per input)."""
        values, resolved = self._values, {}
        for name, source in sources.items():
            if source.__class__ is not Ref and isinstance(source, Literal_):  # a Ref skips the slower isinstance
                resolved[name] = source.value
                continue
            parts = source.ref.split(".")  # node id, output, then the path (a ref has at least the first two)
            outputs = values.get(parts[0])
            if outputs is None:
                resolved[name] = None
            elif len(parts) == 2:
                resolved[name] = outputs.get(parts[1])
            else:
                resolved[name] = follow(outputs.get(parts[1]), parts[2:])
        return resolved

    def snapshot(self) -> VariablePool:
        """A pool of its own holding what this one holds now (a container's sub-graph runs in one)."""
        pool = VariablePool.__new__(VariablePool)
        pool._values = dict(self._values)
        return pool

    def outputs(self, node_id: str) -> dict[str, Any] | None:
        return self._values.get(node_id)
