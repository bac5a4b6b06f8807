"""The ``loom`` command line: one module per command group (``workflow``, ``run``, ``serve``, ``kb``, ``plugin``,
``model``), shared options in ``common``, put together in ``main``. This package module imports none of them."""

from __future__ import annotations


def main() -> None:
    """The ``loom`` entry point."""
    from server.cli.main import main as run

    run()
