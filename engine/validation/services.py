"""Phase 6b: each node type's own checks of its node, with the services at hand (models, knowledge bases,
plugins ...)."""

from __future__ import annotations

from collections.abc import Mapping

from engine.errors import Issue
from engine.models import NodeDef
from engine.spec import Services
from engine.validation.configs import NodeConfigs


def service_issues(nodes: Mapping[str, NodeDef], parsed: NodeConfigs,
                   services: Services | None) -> dict[str, list[Issue]]:
    """The issues each node type's ``check`` finds on its nodes with a valid config, by node (only nodes with
    issues)."""
    issues: dict[str, list[Issue]] = {}
    for nid, config in parsed.configs.items():
        found = list(parsed.specs[nid].check(nodes[nid], config, services))
        if found:
            issues[nid] = found
    return issues
