"""Engine errors.

    WorkflowError
    ├── DefinitionError   the workflow definition is invalid (carries every Issue at once)
    ├── NodeError         a node failed; the runner turns it into node_finished(status=failed)
    │   └── NodeTimeoutError
    └── RunError          the run as a whole failed (a limit was exceeded, a node failed unhandled)
        └── RunLimitError
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Issue:
    """One validation problem, located by node id and field path."""

    node_id: str
    field: str
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        where = f"{self.node_id}.{self.field}" if self.field else self.node_id
        return f"{where}: {self.message}"

    def as_dict(self) -> dict[str, str]:
        return {"node_id": self.node_id, "field": self.field, "message": self.message,
                "severity": self.severity}


class WorkflowError(Exception):
    """Root of all engine errors."""


class DefinitionError(WorkflowError):
    """The workflow definition is invalid; ``issues`` lists every problem found."""

    def __init__(self, issues: list[Issue]):
        self.issues = [i for i in issues if i.severity == "error"]
        self.warnings = [i for i in issues if i.severity == "warning"]
        lines = "\n".join(f"  {i}" for i in self.issues)
        super().__init__(f"workflow has {len(self.issues)} error(s):\n{lines}")


class NodeError(WorkflowError):
    """A node failed. The message should say what is wrong in the user's terms.

    ``error_type`` names the kind of failure (the class name unless given). ``retryable`` says whether trying
    again may help: ``False`` means the node's retry policy is not applied (the same inputs fail the same way),
    ``True`` that the failure was transient, ``None`` that the error does not know (the retry policy decides).
    A subclass may set its own default. ``logs`` carries what the node printed before failing (code nodes).
    """

    retryable: bool | None = None

    def __init__(self, message: str, *, retryable: bool | None = None, error_type: str | None = None,
                 logs: list[str] | None = None):
        super().__init__(message)
        if retryable is not None:
            self.retryable = retryable
        self.error_type = error_type or type(self).__name__
        self.logs: list[str] = list(logs or [])


class NodeTimeoutError(NodeError):
    """A node ran longer than its ``timeout_s``."""


class RunError(WorkflowError):
    """The run failed as a whole."""


class RunLimitError(RunError):
    """A run limit (node executions, wall time, variable size) was exceeded."""
