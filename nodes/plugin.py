"""``plugin``: placeholder until its own module lands (owned by its issue)."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict

from engine.errors import NodeError
from engine.models import NodeDef, Strict
from engine.spec import NodeContext, NodeResult, NodeSpec, Services


class PlaceholderConfig(Strict):
    model_config = ConfigDict(extra="allow")


def outputs(node: NodeDef, config: Any, services: Services | None) -> dict[str, str]:
    return {}


async def run(ctx: NodeContext, config: Any) -> NodeResult:
    raise NodeError("this node type is not available yet")


SPEC = NodeSpec(type="plugin", title="Plugin", config_model=PlaceholderConfig, run=run, outputs=outputs)
