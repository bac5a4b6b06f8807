"""What runs inside the sandbox: the zygote, the per-run child, the language layer and the wire format.

This package imports only the standard library and RestrictedPython, and only relatively within itself:
inside the sandbox it is mounted read-only as a top-level package, apart from the rest of Loom.
"""
