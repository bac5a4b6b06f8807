"""Node types: one module per type, a hand-written registry, and the code sandbox."""
