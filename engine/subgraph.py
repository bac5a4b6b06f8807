"""Running a container's sub-graph (iteration, loop) inside a run.

Each call runs the body once: its nodes in topological order, one after another, with the skip rule of the top
level (a node runs when one of its incoming edges was taken, and is skipped otherwise). Values live in a pool of
their own, seeded with what the container may read (a copy of the run's pool, taken when the container
started) and the container's scope (``<container_id>.item`` …), so parallel items never see each other's
values. Every child execution counts toward the run's node-execution limit, and its events carry the container
id (``parent_id``) and the item index or loop round (``iteration``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.models import CONVERSATION
from engine.spec import BodyOutcome
from engine.validation.bodies import Body
from engine.variables import VariablePool

if TYPE_CHECKING:
    from engine.runner import Run

__all__ = ["BodyRun", "Frame"]


class Frame:
    """Where a node runs: the nodes around it, the pool it reads and writes, and for a child of a container,
    the container's id and the item index or round."""

    __slots__ = ("configs", "iteration", "nodes", "parent_id", "pool", "resolve", "specs")

    def __init__(self, nodes: Any, specs: Any, configs: Any, pool: VariablePool, parent_id: str | None = None,
                 iteration: int | None = None):
        self.nodes = nodes
        self.specs = specs
        self.configs = configs
        self.pool = pool
        self.resolve = pool.resolve  # each node's context gets it: one bound method, not one per node
        self.parent_id = parent_id
        self.iteration = iteration


class BodyRun:
    """A container's body bound to one run and to the values the container could read when it started."""

    def __init__(self, run: Run, body: Body, pool: VariablePool):
        self._run = run
        self.body = body
        self.base = pool.snapshot()
        self.max_items = run.limits.max_iteration_items
        self.max_rounds = run.limits.max_loop_rounds

    async def run(self, scope: dict[str, Any], iteration: int) -> BodyOutcome:
        body, run = self.body, self._run
        pool = self.base.snapshot()
        pool.set(body.container_id, scope)
        conversation = run.pool.outputs(CONVERSATION)  # as earlier rounds or items left them
        if conversation is not None:
            pool.set(CONVERSATION, conversation)
        frame = Frame(body.nodes, body.specs, body.configs, pool, body.container_id, iteration)
        branches: dict[str, str | None] = {}
        for node_id in body.order:
            incoming = body.incoming[node_id]
            if incoming and not any(branches.get(e.source) == e.source_handle for e in incoming):
                branches[node_id] = None
                run.skip_node(node_id, frame)
                continue
            run.count_execution(node_id, frame)
            branch, error = await run.execute_node(node_id, frame)
            if error is not None:
                return BodyOutcome(pool.resolve, error, node_id)
            branches[node_id] = branch
        return BodyOutcome(pool.resolve)
