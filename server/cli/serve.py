"""``loom serve``: start the server with uvicorn."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import uvicorn

from nodes.sandbox import isolation
from server.app import create_app
from server.settings import load_settings


def serve(host: str, port: int, data_dir: Path | None) -> None:
    """Serve the UI, console API and public API on ``host:port`` with data in ``data_dir``."""
    overrides = {"host": host, "port": port}
    if data_dir is not None:
        overrides["data_dir"] = Path(data_dir)
    settings = load_settings(**overrides)
    os.umask(0o077)  # what the server writes (database, uploads, indexes) is its user's alone
    warning = isolation.startup_warning()
    if warning:
        print(f"warning: {warning}", file=sys.stderr, flush=True)
    # One log line per request costs throughput; LOOM_ACCESS_LOG=1 turns it on.
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info",
                access_log=os.environ.get("LOOM_ACCESS_LOG") == "1")
