"""Sandbox errors. Each is a ``NodeError``, so the runner shows it as the code node's failure.

    SandboxError            (engine.errors.NodeError)
    ├── SandboxCompileError   the code does not compile, or uses something the policy forbids
    ├── SandboxRuntimeError   the code raised; ``traceback`` holds the user's frames only
    ├── SandboxLimitError     CPU time, memory, output size or output depth exceeded
    ├── SandboxTimeoutError   wall-clock timeout (also an ``engine.errors.NodeTimeoutError``)
    └── SandboxUnavailableError  no worker could be started, or the pool is closed
"""

from __future__ import annotations

from engine.errors import NodeError, NodeTimeoutError


class SandboxError(NodeError):
    """Root of the sandbox's errors."""


class SandboxCompileError(SandboxError):
    """The code has a syntax error or breaks the sandbox policy; ``line``/``column`` locate it (1-based)."""

    retryable = False  # the same code is refused the same way

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.line = line
        self.column = column


class SandboxRuntimeError(SandboxError):
    """The user's code raised an exception."""

    def __init__(self, message: str, *, traceback: list[str] | None = None):
        super().__init__(message)
        self.traceback = traceback or []


class SandboxLimitError(SandboxError):
    """A resource limit (CPU, memory, output size or depth) was exceeded."""


class SandboxTimeoutError(SandboxError, NodeTimeoutError):
    """The code ran past its wall-clock timeout; its worker was killed."""


class SandboxUnavailableError(SandboxError):
    """No sandbox worker is available (failed to start, or the pool is closed)."""
