"""What a node failure does, in one place: timeout, retry, then the node's error strategy.

    attempt()        runs a node under its timeout and retry policy; returns a result or a NodeFailure
    NodeFailure      a failure as data: message, error_type, whether retrying may help, logs
    apply_strategy() turns a final failure into the node's outcome: ``fail`` (the run fails), ``default``
                     (default outputs, the branch the node type declares for them) or ``branch`` (the
                     ``error`` handle, with ``error_message``)

A failure is retried while attempts remain unless it says it is not retryable (``NodeError(retryable=False)``):
a missing service or an invalid input fails the same way every time, so waiting and trying again only delays
the error. Timeouts and unexpected exceptions are retried.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from engine.errors import NodeError, NodeTimeoutError, RunLimitError
from engine.models import ErrorPolicy, RetryPolicy
from engine.spec import ERROR_HANDLE, NodeResult, NodeSpec

__all__ = ["ERROR_HANDLE", "Attempts", "Handled", "NodeFailure", "apply_strategy", "attempt", "retry_delay_s"]


@dataclass(frozen=True, slots=True)
class NodeFailure:
    """Why a node failed. ``retryable`` is ``None`` when the error does not say (the retry policy decides)."""

    message: str
    error_type: str
    retryable: bool | None = None
    logs: list[str] | None = None

    @classmethod
    def from_exception(cls, exc: Exception, timeout_s: float | None) -> NodeFailure:
        """Classify what a node raised; a node bug becomes an ``internal error``, never a runner crash."""
        if isinstance(exc, NodeError):
            return cls(str(exc), exc.error_type, exc.retryable, exc.logs or None)
        if isinstance(exc, TimeoutError) and timeout_s is not None:
            timeout = NodeTimeoutError(f"timed out after {timeout_s:g} s")
            return cls(str(timeout), timeout.error_type, timeout.retryable)
        return cls(f"internal error: {type(exc).__name__}: {exc}", type(exc).__name__)

    @classmethod
    def output_too_large(cls, name: str, size: int, limit: int) -> NodeFailure:
        """An output over the run's per-variable limit (checked after the node returned)."""
        message = f"output '{name}' is {size:,} bytes, over the run limit of {limit:,} bytes per variable"
        return cls(message, RunLimitError.__name__, retryable=False)

    @classmethod
    def not_text(cls, name: str, exc: UnicodeEncodeError) -> NodeFailure:
        """An output holding a lone UTF-16 surrogate: no event stream or database can carry it as text."""
        message = (f"output '{name}' holds a lone UTF-16 surrogate ({exc.object[exc.start]!a}), which is not text")
        return cls(message, "InvalidOutput", retryable=False)


class Attempts(NamedTuple):
    """The last attempt's result, or the failure that ended the attempts; ``made`` attempts were made."""

    result: NodeResult | None
    failure: NodeFailure | None
    made: int


def retry_delay_s(retry: RetryPolicy, attempt_no: int) -> float:
    """Exponential backoff: ``backoff_ms`` after the first attempt, doubling after each further one."""
    return retry.backoff_ms * (1 << (attempt_no - 1)) / 1000


async def attempt(call: Callable[..., Awaitable[NodeResult]], *args: Any, timeout_s: float | None,
                  retry: RetryPolicy | None) -> Attempts:
    """Run ``call(*args)`` up to ``retry.max_attempts`` times, each bounded by ``timeout_s`` (no timeout scope
    is entered when it is ``None``). The arguments are passed through rather than closed over in a lambda: this
    runs for every node."""
    max_attempts = retry.max_attempts if retry is not None else 1
    attempt_no = 1
    while True:
        try:
            if timeout_s is None:
                return Attempts(await call(*args), None, attempt_no)
            async with asyncio.timeout(timeout_s):
                return Attempts(await call(*args), None, attempt_no)
        except Exception as exc:  # every node failure is data from here on
            failure = NodeFailure.from_exception(exc, timeout_s)
        if retry is None or attempt_no >= max_attempts or failure.retryable is False:
            return Attempts(None, failure, attempt_no)
        await asyncio.sleep(retry_delay_s(retry, attempt_no))
        attempt_no += 1


class Handled(NamedTuple):
    """A node's outcome after its error strategy: what it reports and which handle it takes (``None``: none)."""

    status: Literal["succeeded", "failed"]
    outputs: dict[str, Any]
    branch: str | None
    handled: bool


def apply_strategy(policy: ErrorPolicy | None, spec: NodeSpec, failure: NodeFailure) -> Handled:
    """The node failed for good: ``fail`` fails it (and the run), ``default`` and ``branch`` take over."""
    strategy = policy.strategy if policy is not None else "fail"
    match strategy:
        case "fail":
            return Handled("failed", {}, None, handled=False)
        case "default":
            assert policy is not None
            outputs = dict(policy.default_outputs)
            return Handled("succeeded", outputs, spec.default_branch(outputs), handled=True)
        case "branch":
            return Handled("failed", {"error_message": failure.message}, ERROR_HANDLE, handled=True)
