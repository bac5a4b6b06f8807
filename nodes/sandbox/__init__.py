"""The code sandbox: user Python in confined, warm worker processes (docs/sandbox.md)."""

from nodes.sandbox.errors import (
    SandboxCompileError,
    SandboxError,
    SandboxLimitError,
    SandboxRuntimeError,
    SandboxTimeoutError,
    SandboxUnavailableError,
)
from nodes.sandbox.pool import SandboxPool, SandboxResult

__all__ = [
    "SandboxCompileError", "SandboxError", "SandboxLimitError", "SandboxPool", "SandboxResult",
    "SandboxRuntimeError", "SandboxTimeoutError", "SandboxUnavailableError",
]
