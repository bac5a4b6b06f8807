"""The async runner: ready-queue scheduling with skip propagation over a validated Graph.

A node is ready once every incoming edge is resolved. An edge is *taken* when its source succeeded and
chose that handle, *skipped* otherwise. A node with a taken incoming edge runs; one whose incoming edges
are all skipped is skipped, and the skip propagates. Independent branches run concurrently.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import deque
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from functools import partial
from typing import Any, NoReturn

from engine import passthrough
from engine.error_handling import NodeFailure, apply_strategy, attempt
from engine.errors import NodeError
from engine.events import (
    AnswerChunkEvent,
    BaseEvent,
    NodeFinishedEvent,
    NodeStartedEvent,
    RunFinishedEvent,
    RunStartedEvent,
    TextChunkEvent,
    trusted,
)
from engine.graph import Graph
from engine.models import CONVERSATION
from engine.spec import NodeContext, NodeResult, Services, Usage
from engine.subgraph import BodyRun, Frame
from engine.types import check_value, describe
from engine.variables import VariablePool


@dataclass(frozen=True)
class RunLimits:
    """Bounds on one run; exceeding one fails the run with a clear error."""

    max_node_executions: int = 10_000  # every node run, those inside iterations and loops included
    max_wall_time_s: float = 600.0
    max_variable_bytes: int = 1_000_000
    max_iteration_items: int = 10_000  # items one iteration node may run over
    max_loop_rounds: int = 1_000  # rounds one loop node may make (its own max_rounds may be lower)


@dataclass(frozen=True)
class ReusedNode:
    """A node outcome recorded by an earlier run, replayed instead of executing (resume)."""

    outputs: dict[str, Any]
    branch: str = "out"


@dataclass
class RunResult:
    """The outcome of a whole run."""

    run_id: str
    status: str
    outputs: dict[str, Any]
    error: str | None
    elapsed_ms: float
    usage: dict[str, int]
    failed_node: str | None = None
    events: list[BaseEvent] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "status": self.status, "outputs": self.outputs, "error": self.error,
                "elapsed_ms": self.elapsed_ms, "usage": self.usage}


# What running a node gives: (the handle it took, the error when it failed and no error strategy took over: the
# run fails). A plain tuple: one is made for every node.
_Outcome = tuple[str | None, str | None]


def _ms(seconds: float) -> float:
    """Milliseconds to the microsecond. ``round(x, 3)`` formats the float as text to round it; this does not."""
    return round(seconds * 1_000_000) / 1000


class _RunFailed(Exception):
    def __init__(self, message: str, node_id: str | None = None):
        super().__init__(message)
        self.node_id = node_id


class Run:
    """One execution of a Graph. Iterate ``events()`` to drive it; ``cancel()`` stops it."""

    def __init__(self, graph: Graph, inputs: dict[str, Any], services: Services | None = None, *,
                 run_id: str | None = None, sys: dict[str, Any] | None = None,
                 limits: RunLimits = RunLimits(), reuse: dict[str, ReusedNode] | None = None,
                 resumed_from: str | None = None, conversation: dict[str, Any] | None = None):
        self.graph = graph
        self.inputs = dict(inputs)
        self.services = services or Services()
        self.run_id = run_id or uuid.uuid4().hex
        self.limits = limits
        self.reuse = reuse or {}
        self.resumed_from = resumed_from
        self.pool = VariablePool({**(sys or {}), "run_id": self.run_id})
        self._sys = self.pool.outputs("sys") or {}  # what every node's context gets as ``sys`` (never reassigned)
        self._mode = graph.workflow.mode
        # Bound once: every node's context gets partials of them.
        self._text_chunk_to = self._text_chunk
        self._answer_chunk_to = self._answer_chunk
        # Conversation variables: the stored values given (a chat conversation's), else each one's default.
        self._conversation_types = {v.name: v.type for v in graph.workflow.conversation_variables}
        stored = conversation or {}
        self.pool.set(CONVERSATION, {v.name: stored[v.name] if v.name in stored and check_value(v.type, stored[v.name])
                                     else v.default for v in graph.workflow.conversation_variables})
        self._answer: list[str] | None = None  # answer chunks streamed, when an answer node ran
        self._passthrough = passthrough.plan(graph)  # source node → answer node its text streams through
        self._answer_sent: dict[str, int] = {}  # answer node → characters already sent for it by a passthrough
        self.usage = Usage()
        self.executions = 0
        self._frame = Frame(graph.nodes, graph.specs, graph.configs, self.pool)  # the top level
        self._fatal: _RunFailed | None = None  # a run limit hit inside a sub-graph: ends the run, not a node
        self._seq = 0
        self._events: deque[BaseEvent] = deque()
        self._event_waiter: asyncio.Future[None] | None = None
        self._driver: asyncio.Task[None] | None = None
        self._driving = False
        self._stop_requested = False
        # Scheduling state (see _schedule): the worker tasks, edges still unresolved per node, whether a node
        # has a taken incoming edge, and the future the driver waits on.
        self._running: set[asyncio.Task[None]] = set()
        self._pending_edges: dict[str, int] = {}
        self._taken: dict[str, bool] = {}
        self._settled: asyncio.Future[None]  # created by _schedule, on the run's event loop

    # -- public -------------------------------------------------------------------------------------
    async def events(self) -> AsyncGenerator[BaseEvent, None]:
        """Run the workflow, yielding events in order until ``run_finished``."""
        self._driver = driver = asyncio.create_task(self._drive())
        driver.add_done_callback(self._driver_ended)
        buffered = self._events
        try:
            while True:
                if not buffered:
                    if driver.done():  # the engine itself failed: its error, not a wait for run_finished
                        driver.result()
                        raise RuntimeError(f"run {self.run_id} ended without run_finished")
                    self._event_waiter = asyncio.get_running_loop().create_future()
                    await self._event_waiter
                    continue
                event = buffered.popleft()
                yield event
                if event.__class__ is RunFinishedEvent:  # the runner makes it, never a subclass (cheaper)
                    return
        finally:
            if not self._driver.done():
                self._driver.cancel()
                await asyncio.gather(self._driver, return_exceptions=True)

    async def run_to_end(self) -> list[BaseEvent]:
        """Run the workflow to its end and return its events in order: what ``events()`` yields, for a caller
        that wants them all at once (no hand-off per event). Cancelling the caller cancels the run, as closing
        ``events()`` does."""
        self._driver = driver = asyncio.create_task(self._drive())
        try:
            await asyncio.shield(driver)
        finally:
            if not driver.done():
                driver.cancel()
                await asyncio.gather(driver, return_exceptions=True)
        return list(self._events)

    def _driver_ended(self, _driver: asyncio.Task[None]) -> None:
        waiter = self._event_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def cancel(self) -> None:
        """Stop the run: running nodes are cancelled and the run finishes with status ``stopped``.

        Safe to call more than once, and before the run has started (it then stops at once).
        """
        if self._stop_requested:
            return
        self._stop_requested = True
        # A driver that has not begun checks the flag itself; cancelling it now would lose run_finished.
        if self._driving and self._driver is not None and not self._driver.done():
            self._driver.cancel()

    # -- driving ------------------------------------------------------------------------------------
    def _emit(self, cls: type[BaseEvent], **fields: Any) -> None:
        self._seq += 1
        self._push(cls(run_id=self.run_id, seq=self._seq, ts=time.time(), **fields))

    def _push(self, event: BaseEvent) -> None:
        self._events.append(event)
        waiter = self._event_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def _drive(self) -> None:
        self._driving = True
        started = time.perf_counter()
        self._emit(RunStartedEvent, workflow=self.graph.workflow.name, mode=self.graph.workflow.mode,
                   inputs=self.inputs, resumed_from=self.resumed_from)
        status, error, failed_node = "succeeded", None, None
        try:
            if self._stop_requested:
                raise asyncio.CancelledError
            async with asyncio.timeout(self.limits.max_wall_time_s):
                await self._schedule()
        except TimeoutError:
            status, error = "failed", (f"run exceeded the wall-time limit of "
                                       f"{self.limits.max_wall_time_s:g} s")
        except _RunFailed as exc:
            status, error, failed_node = "failed", str(exc), exc.node_id
        except asyncio.CancelledError:
            status, error = "stopped", "run stopped"
            if not self._stop_requested:
                await self._cancel_all()
                raise
        finally:
            await self._cancel_all()
        outputs = self._run_outputs() if status == "succeeded" else {}
        self._emit(RunFinishedEvent, status=status, outputs=outputs, error=error, failed_node=failed_node,
                   elapsed_ms=_ms(time.perf_counter() - started),
                   usage=self.usage.as_dict(), node_executions=self.executions,
                   answer=None if self._answer is None else "".join(self._answer),
                   conversation=dict(self.pool.outputs(CONVERSATION) or {}) if self._conversation_types else None)

    async def _cancel_all(self) -> None:
        tasks = list(self._running)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._running.clear()

    # -- scheduling ---------------------------------------------------------------------------------
    # Each branch is a worker task that, when its node finishes, resolves the node's outgoing edges itself
    # and carries on with the first node that became ready; only further ready nodes get tasks of their own.
    # A chain is therefore one task, and a completion costs no wake-up of a central loop. The driver waits
    # on one future, settled when the last worker ends or a node fails unhandled.
    async def _schedule(self) -> None:
        graph = self.graph
        self._pending_edges = {nid: len(edges) for nid, edges in graph.incoming.items()}
        self._taken = dict.fromkeys(graph.nodes, False)
        self._settled = asyncio.get_running_loop().create_future()
        self._count_execution()
        self._spawn(graph.start_id)
        await self._settled

    def _spawn(self, node_id: str) -> None:
        task = asyncio.create_task(self._work(node_id))
        self._running.add(task)
        task.add_done_callback(self._worker_done)

    def _worker_done(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        if not self._running and not self._settled.done():
            self._settled.set_result(None)

    async def _work(self, node_id: str | None) -> None:
        inline = 0
        try:
            while node_id is not None:
                branch, error = await self._execute(node_id, self._frame)
                if error is not None:  # failed, and no error strategy took over: the run fails now
                    raise _RunFailed(error, node_id)
                inline += 1
                # Let concurrent branches interleave as they would with a task per node, and never hold the
                # event loop for a long chain of nodes that do not await.
                if len(self._running) > 1 or inline % 64 == 0:
                    await asyncio.sleep(0)
                node_id = self._advance(node_id, branch)
        except Exception as exc:  # _RunFailed, or a runner bug: the driver raises it
            if not self._settled.done():
                self._settled.set_exception(exc)

    def _advance(self, node_id: str, branch: str | None) -> str | None:
        """Resolve a finished node's outgoing edges: skip whole subtrees whose edges are all skipped, start
        the nodes that became ready. Returns the first of those for the caller to run, or ``None``.

        Edges resolve last to first, a skipped node's own edges right after it (depth first); that order decides
        the order of skip events and which ready node the caller runs. Nodes are started once all are resolved."""
        pending_edges, taken = self._pending_edges, self._taken
        ready: list[str] = []
        for edge in reversed(self.graph.outgoing[node_id]):
            target = edge.target
            pending_edges[target] -= 1
            if edge.source_handle == branch:
                taken[target] = True
            if pending_edges[target]:
                continue
            if taken[target]:
                self.executions += 1
                if self.executions > self.limits.max_node_executions:
                    self._execution_limit_hit()
                ready.append(target)
            else:
                self._skip_from(target, ready)
        if not ready:
            return None
        for other in ready[1:]:
            self._spawn(other)
        return ready[0]

    def _skip_from(self, node_id: str, ready: list[str]) -> None:
        """Skip a node whose incoming edges were all skipped, then resolve its own edges as skipped (depth
        first); a node that had a taken edge from elsewhere becomes ready."""
        graph, pending_edges, taken = self.graph, self._pending_edges, self._taken
        self._skip(node_id)
        resolving = [e.target for e in graph.outgoing[node_id]]
        while resolving:
            target = resolving.pop()
            pending_edges[target] -= 1
            if pending_edges[target]:
                continue
            if taken[target]:
                self._count_execution()
                ready.append(target)
            else:
                self._skip(target)
                resolving.extend(e.target for e in graph.outgoing[target])

    def _count_execution(self) -> None:
        self.executions += 1
        if self.executions > self.limits.max_node_executions:
            self._execution_limit_hit()

    def _execution_limit_hit(self) -> NoReturn:
        raise _RunFailed(f"run exceeded the limit of {self.limits.max_node_executions} node executions")

    def _skip(self, node_id: str, frame: Frame | None = None) -> None:
        node = (frame or self._frame).nodes[node_id]
        self._emit(NodeFinishedEvent, node_id=node_id, node_type=node.type, title=node.title,
                   status="skipped", parent_id=frame and frame.parent_id, iteration=frame and frame.iteration)

    def _count_child(self, node_id: str, frame: Frame) -> None:
        """Count a node inside a sub-graph; over the limit, the whole run fails (not only its container)."""
        self.executions += 1
        if self.executions > self.limits.max_node_executions:
            self._fatal = _RunFailed(
                f"run exceeded the limit of {self.limits.max_node_executions} node executions "
                f"(at node '{node_id}' in '{frame.parent_id}', iteration {frame.iteration})", frame.parent_id)
            raise self._fatal

    def _run_outputs(self) -> dict[str, Any]:
        outputs: dict[str, Any] = {}
        for end_id in self.graph.end_ids:
            values = self.pool.outputs(end_id)
            if values is not None:
                outputs.update(values)
        return outputs

    # -- one node -----------------------------------------------------------------------------------
    async def _execute(self, node_id: str, frame: Frame) -> _Outcome:
        pool, parent_id, iteration = frame.pool, frame.parent_id, frame.iteration
        node = frame.nodes[node_id]
        spec = frame.specs[node_id]
        inputs = pool.resolve_all(node.inputs)
        # A node's two events are built unvalidated (engine.events.trusted): every value is the runner's own,
        # and the dicts are copied as validation would have copied them.
        # Pushed as _push does, inline (twice a node).
        events = self._events
        self._seq += 1
        events.append(trusted(NodeStartedEvent, {
            "run_id": self.run_id, "seq": self._seq, "ts": time.time(), "type": "node_started", "node_id": node_id,
            "node_type": node.type, "title": node.title, "inputs": dict(inputs), "parent_id": parent_id,
            "iteration": iteration}))
        waiter = self._event_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        started = time.perf_counter()
        reused = self.reuse.get(node_id) if parent_id is None and self.reuse else None
        result: NodeResult | None
        failure: NodeFailure | None = None
        if reused is not None:
            result, made = NodeResult(outputs=reused.outputs, branch=reused.branch), 0
        else:
            # Positional (NodeContext's field order): keyword arguments to a class cost a dict per call.
            through = self._passthrough.get(node_id) if parent_id is None and self._passthrough else None
            ctx = NodeContext(node, self.run_id, self._mode, inputs, self.services, self._sys, self.inputs,
                              frame.resolve, partial(self._text_chunk_to, node_id, through),
                              None if spec.container is None else BodyRun(self, self.graph.bodies[node_id], pool),
                              partial(self._answer_chunk_to, node_id))
            retry, timeout_s = node.retry, node.timeout_s or spec.default_timeout_s
            if retry is None and timeout_s is None:
                # One attempt, unbounded: what engine.error_handling.attempt does then, without its coroutine.
                made = 1
                try:
                    result = await spec.run(ctx, frame.configs[node_id])
                except Exception as exc:  # every node failure is data from here on
                    result, failure = None, NodeFailure.from_exception(exc, None)
            else:
                result, failure, made = await attempt(spec.run, ctx, frame.configs[node_id], retry=retry,
                                                      timeout_s=timeout_s)
            if self._fatal is not None:
                raise self._fatal
        if result is not None:
            failure = self._size_failure(result.outputs)
            if failure is None and result.conversation:
                failure = self._assign_conversation(result.conversation)
                if failure is None and pool is not self.pool:  # inside a sub-graph: its own pool sees them too
                    pool.set(CONVERSATION, self.pool.outputs(CONVERSATION) or {})
        branch: str | None
        if failure is None and result is not None:
            status, outputs, branch, handled = "succeeded", result.outputs, result.branch, False
        else:
            assert failure is not None
            status, outputs, branch, handled = apply_strategy(node.on_error, spec, failure)
        if status == "succeeded" or handled:
            pool.set(node_id, outputs)
        usage = result.usage if result is not None else None
        if usage is not None:
            self.usage.add(usage)
        logs = result.logs if result is not None else failure.logs if failure is not None else None
        error = failure.message if failure is not None else None
        self._seq += 1
        events.append(trusted(NodeFinishedEvent, {
            "run_id": self.run_id, "seq": self._seq, "ts": time.time(), "type": "node_finished", "node_id": node_id,
            "node_type": node.type, "title": node.title, "status": status, "inputs": dict(inputs),
            "outputs": dict(outputs), "branch": branch, "elapsed_ms": _ms(time.perf_counter() - started),
            "usage": usage.as_dict() if usage else None, "error": error, "error_handled": handled,
            "attempts": made, "logs": list(logs) if logs is not None else None, "reused": reused is not None,
            "parent_id": parent_id, "iteration": iteration}))
        waiter = self._event_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        if status == "failed" and not handled:
            return branch, f"{node.label}: {error}"
        return branch, None

    # What a container's sub-graph (engine.subgraph.BodyRun) drives for each of its nodes.
    execute_node = _execute
    skip_node = _skip
    count_execution = _count_child

    # A node's ``emit`` and ``emit_answer`` are partials of these two (cheaper to make than closures, and made
    # for every node).
    def _text_chunk(self, node_id: str, through: passthrough.Passthrough | None, delta: str) -> None:
        self._emit(TextChunkEvent, node_id=node_id, delta=delta)
        if through is not None:  # the answer node reading this text streams it now (engine.passthrough)
            if not through.started:
                through.started = True
                self._send_answer(through.answer_id, through.prefix)
            self._send_answer(through.answer_id, delta)

    def _answer_chunk(self, node_id: str, delta: str) -> None:
        sent = self._answer_sent.get(node_id, 0)
        if sent:  # skip what a passthrough already sent for this node
            cut = min(sent, len(delta))
            self._answer_sent[node_id] = sent - cut
            delta = delta[cut:]
        if delta:
            self._send_answer(node_id, delta, own=True)

    def _send_answer(self, node_id: str, delta: str, own: bool = False) -> None:
        if not delta:
            return
        if not own:
            self._answer_sent[node_id] = self._answer_sent.get(node_id, 0) + len(delta)
        if self._answer is None:
            self._answer = []
        self._answer.append(delta)
        self._emit(AnswerChunkEvent, node_id=node_id, delta=delta)

    def _assign_conversation(self, updates: dict[str, Any]) -> NodeFailure | None:
        """Apply a node's new conversation-variable values, each checked against its declared type."""
        for name, value in updates.items():
            declared = self._conversation_types.get(name)
            if declared is None:
                return NodeFailure.from_exception(NodeError(
                    f"'conversation.{name}' is not a declared conversation variable", retryable=False), None)
            if not check_value(declared, value):
                return NodeFailure.from_exception(NodeError(
                    f"'conversation.{name}' is {declared}; the new value is {describe(value)}", retryable=False), None)
        self.pool.set(CONVERSATION, {**(self.pool.outputs(CONVERSATION) or {}), **updates})
        return None

    def _size_failure(self, outputs: dict[str, Any]) -> NodeFailure | None:
        limit = self.limits.max_variable_bytes
        for name, value in outputs.items():
            try:
                size = len(value.encode()) if isinstance(value, str) else len(
                    json.dumps(value, ensure_ascii=False, default=str).encode())
            except UnicodeEncodeError as exc:
                return NodeFailure.not_text(name, exc)
            if size > limit:
                return NodeFailure.output_too_large(name, size, limit)
        return None


async def execute(graph: Graph, inputs: dict[str, Any], services: Services | None = None,
                  **options: Any) -> RunResult:
    """Run a graph to completion and return its result with every event."""
    run = Run(graph, inputs, services, **options)
    events = await run.run_to_end()
    final = events[-1]
    assert isinstance(final, RunFinishedEvent)
    return RunResult(run_id=run.run_id, status=final.status, outputs=final.outputs, error=final.error,
                     elapsed_ms=final.elapsed_ms, usage=final.usage, failed_node=final.failed_node,
                     events=events)
