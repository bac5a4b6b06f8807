"""Phase 6a: refs — each ref a node reads names a system variable or an upstream node's declared output, of a type
its field accepts."""

from __future__ import annotations

from collections.abc import Mapping

from engine.errors import Issue
from engine.models import CONVERSATION, EdgeDef, NodeDef, Ref
from engine.spec import RefUse, Services
from engine.types import is_compatible, path_type
from engine.validation.configs import NodeConfigs

SYS_VARIABLES: dict[str, str] = {
    "query": "string", "files": "array[file]", "conversation_id": "string", "user": "string",
    "run_id": "string", "history": "array[object]",
}
CHAT_ONLY_SYS = {"query", "history", "conversation_id"}


def ref_uses(nodes: Mapping[str, NodeDef], parsed: NodeConfigs,
             services: Services | None) -> dict[str, list[RefUse]]:
    """The refs (not literals) each node with a valid config reads, as its spec reports them."""
    return {nid: [u for u in parsed.specs[nid].refs(nodes[nid], config, services) if isinstance(u.source, Ref)]
            for nid, config in parsed.configs.items()}


def reference_issues(uses: Mapping[str, list[RefUse]], nodes: Mapping[str, NodeDef],
                     outputs: Mapping[str, Mapping[str, str]], order: tuple[str, ...],
                     incoming: Mapping[str, list[EdgeDef]], outgoing: Mapping[str, list[EdgeDef]], mode: str,
                     acyclic: bool) -> dict[str, list[Issue]]:
    """The issues of each node's refs, by node (only nodes with issues); upstream is checked only when the graph
    is acyclic (a cycle has its own issue)."""
    upstream = upstream_pairs(order, incoming, outgoing,
                              {(nid, u.source.node_id) for nid, found in uses.items() for u in found
                               if isinstance(u.source, Ref)})
    issues: dict[str, list[Issue]] = {}
    for nid, found in uses.items():
        node = nodes[nid]
        for use in found:
            bad = check_ref(node, use, upstream, nodes, outputs, mode, acyclic)
            if bad:
                issues.setdefault(nid, []).extend(bad)
    return issues


def upstream_pairs(order: tuple[str, ...], incoming: Mapping[str, list[EdgeDef]],
                   outgoing: Mapping[str, list[EdgeDef]], pairs: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The ``(node, target)`` pairs of ``pairs`` where ``target`` is upstream of ``node``, in one pass over a
    topological order (empty when there is none, i.e. the graph has a cycle).

    Each node carries a bitset (a Python int) of the *queried* targets above it, dropped once its last
    successor has read it. Direct parents need no bit, so the usual workflow, whose refs read the node just
    before or a few shared nodes such as start, costs O(nodes + edges); full ancestor sets cost O(n²) on a
    long chain.
    """
    position = {nid: i for i, nid in enumerate(order)}
    bits: dict[str, int] = {}
    wanted: dict[str, list[str]] = {}
    for nid, target in pairs:
        wanted.setdefault(nid, []).append(target)
        if (nid in position and position.get(target, len(order)) < position[nid]
                and not _is_parent(target, incoming[nid])):
            bits.setdefault(target, 1 << len(bits))
    unread = {nid: len(outgoing[nid]) for nid in order}
    masks: dict[str, int] = {}
    found: set[tuple[str, str]] = set()
    for nid in order:
        mask = 0
        for edge in incoming[nid]:
            parent = edge.source
            mask |= masks[parent] | bits.get(parent, 0)
            unread[parent] -= 1
            if not unread[parent]:
                del masks[parent]
        for target in wanted.get(nid, ()):
            if mask & bits.get(target, 0) or _is_parent(target, incoming[nid]):
                found.add((nid, target))
        if unread[nid]:
            masks[nid] = mask
    return found


def _is_parent(node_id: str, incoming: list[EdgeDef]) -> bool:
    return any(edge.source == node_id for edge in incoming)


def ref_type(ref: Ref, outputs: Mapping[str, Mapping[str, str]]) -> str | None:
    """The declared type a ref reads, or None when the node or output is not declared."""
    if ref.node_id == "sys":
        base = SYS_VARIABLES.get(ref.output)
    elif ref.node_id == CONVERSATION:
        base = outputs.get(CONVERSATION, {}).get(ref.output)
    else:
        base = outputs.get(ref.node_id, {}).get(ref.output)
    return None if base is None else path_type(base, ref.path)


def check_ref(node: NodeDef, use: RefUse, upstream: set[tuple[str, str]], nodes: Mapping[str, NodeDef],
              outputs: Mapping[str, Mapping[str, str]], mode: str, acyclic: bool) -> list[Issue]:
    """The issue (at most one) of one ref ``node`` reads."""
    field, ref = use.field, use.source
    assert isinstance(ref, Ref)
    if ref.node_id == "sys":
        if ref.output not in SYS_VARIABLES:
            return [Issue(node.id, field, f"unknown system variable 'sys.{ref.output}' "
                          f"(known: {', '.join('sys.' + k for k in SYS_VARIABLES)})")]
        if ref.output in CHAT_ONLY_SYS and mode != "chat":
            return [Issue(node.id, field, f"'sys.{ref.output}' exists only in chat mode")]
    elif ref.node_id == CONVERSATION:
        declared_vars = outputs.get(CONVERSATION, {})
        if ref.output not in declared_vars:
            return [Issue(node.id, field, f"unknown conversation variable '{ref.ref}' (declared: "
                          f"{', '.join(declared_vars) or 'none'})")]
    elif ref.node_id not in nodes:
        return [Issue(node.id, field, f"ref '{ref.ref}' points to unknown node '{ref.node_id}'")]
    elif acyclic and (node.id, ref.node_id) not in upstream:
        return [Issue(node.id, field, f"ref '{ref.ref}' points to node '{ref.node_id}', "
                      "which is not upstream of this node")]
    elif ref.node_id not in outputs:
        return []  # that node's own config is invalid; it has its issue already
    elif ref.output not in outputs[ref.node_id]:
        declared = ", ".join(outputs[ref.node_id]) or "none"
        return [Issue(node.id, field, f"ref '{ref.ref}': node '{ref.node_id}' has no output "
                      f"'{ref.output}' (outputs: {declared})")]
    actual = ref_type(ref, outputs)
    if actual is not None and not any(is_compatible(actual, t) for t in use.expected):
        wanted = " or ".join(use.expected)
        purpose = f" for {use.purpose}" if use.purpose else ""
        return [Issue(node.id, field, f"ref '{ref.ref}' is {actual}, but {wanted} is needed{purpose}")]
    return []
