"""``loom serve``: start the server with uvicorn."""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from server.cli.common import DataDir
from server.services import data_dir_from


def serve(host: Annotated[str, typer.Option(help="Interface to bind")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="Port")] = 8000, data_dir: DataDir = None) -> None:
    """Start the Loom server (UI, console API, public API)."""
    start(host, port, data_dir_from(data_dir))


def start(host: str, port: int, data_dir: Path | None) -> None:
    """Serve the UI, console API and public API on ``host:port`` with data in ``data_dir``."""
    # The server's modules load here, not when another command starts.
    import uvicorn

    from nodes.sandbox import isolation
    from server.app import create_app
    from server.settings import load_settings

    overrides = {"host": host, "port": port}
    if data_dir is not None:
        overrides["data_dir"] = Path(data_dir)
    settings = load_settings(**overrides)
    os.umask(0o077)  # what the server writes (database, uploads, indexes) is its user's alone
    warning = isolation.startup_warning()
    if warning:
        print(f"warning: {warning}", file=sys.stderr, flush=True)
    app = create_app(settings)
    settle_heap()
    # One log line per request costs throughput; LOOM_ACCESS_LOG=1 turns it on.
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info",
                access_log=os.environ.get("LOOM_ACCESS_LOG") == "1")


def settle_heap() -> None:
    """Garbage-collector settings for a long-running server, once its modules are loaded: what is loaded by then
    (a few hundred thousand objects: the libraries, routers and models) stays for the process's life and is
    moved out of the collector's view, so that full collections stop walking it; and the youngest generation is
    collected after 10,000 new objects instead of 700, because each request allocates and frees hundreds and at
    the default a collection ran every few requests (about a tenth of a public run's CPU)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
