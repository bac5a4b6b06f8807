"""Loom's workflow engine: the workflow format, validation, the variable pool and the async runner.

The engine does no I/O of its own; nodes reach the world only through ``ctx.services``.
"""
