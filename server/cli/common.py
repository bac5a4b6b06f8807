"""What every ``loom`` command group shares: the consoles, the common options, and failing with a message."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Data directory (env LOOM_DATA_DIR, default ./.loom)")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON")]


def fail(message: str, code: int = 1) -> typer.Exit:
    """Prints ``error: message`` on stderr; raise what it returns."""
    err.print(f"[red]error:[/] {message}")
    return typer.Exit(code)


def read_workflow(path: Path) -> Any:
    """Load a workflow JSON file, exiting with a clear message when it cannot be read."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        err.print(f"[red]error:[/] {path}: no such file")
    except json.JSONDecodeError as exc:
        err.print(f"[red]error:[/] {path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}")
    except (OSError, UnicodeDecodeError) as exc:
        err.print(f"[red]error:[/] {path}: {exc}")
    raise typer.Exit(2)
