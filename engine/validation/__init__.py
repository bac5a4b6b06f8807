"""The phases of workflow validation, in the order ``engine.graph.validate`` runs them.

1. :mod:`.definition` parses the raw definition (JSON data) into a ``WorkflowDef``; a malformed one stops here.
2. :mod:`.structure` checks node ids and the start and end nodes.
3. :mod:`.configs` resolves each node's type, parses its config and works out the handles it offers.
4. :mod:`.structure` checks edges (ends, duplicates, handles), then cycles and reachability from the start node.
5. :mod:`.configs` works out the outputs each node declares.
6. :mod:`.references` checks each ref: that it exists, reads a node upstream, and has a compatible type;
   :mod:`.services` runs each node type's own checks against the services (models, knowledge bases, ...).

Each phase returns what it found and the issues it raised; ``validate`` concatenates the issues in phase order
(the issues of phase 6 node by node: a node's ref issues, then its own checks), so every issue is reported at once.
"""
