"""A test node for sub-graphs: echoes its input ``x``, fails on chosen values, and records how many run at once."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from pydantic import Field

from engine.errors import NodeError
from engine.models import NodeDef, Strict
from engine.spec import NodeContext, NodeResult, NodeSpec, Services
from tests.helpers import catalog_with_test_nodes


class ProbeConfig(Strict):
    fail_on: list[Any] = Field(default_factory=list)
    seconds: float = 0.0
    add: float | None = None  # output ``x + add`` as ``value`` when set, else ``x``


class Probe:
    """Counts concurrent runs (``peak``) across every probe node of a test."""

    def __init__(self) -> None:
        self.running = 0
        self.peak = 0
        self.calls = 0

    async def run(self, ctx: NodeContext, config: ProbeConfig) -> NodeResult:
        self.running += 1
        self.calls += 1
        self.peak = max(self.peak, self.running)
        try:
            await asyncio.sleep(config.seconds)
        finally:
            self.running -= 1
        x = ctx.inputs.get("x")
        if x in config.fail_on:
            raise NodeError(f"refused {x!r}")
        return NodeResult(outputs={"value": x + config.add if config.add is not None else x})


def _outputs(node: NodeDef, config: ProbeConfig, services: Services | None) -> dict[str, str]:
    return {"value": "number" if config.add is not None else "any"}


def catalog(probe: Probe) -> Mapping[str, NodeSpec]:
    return {**catalog_with_test_nodes(),
            "probe": NodeSpec(type="probe", title="Probe (test)", config_model=ProbeConfig, run=probe.run,
                              outputs=_outputs)}
