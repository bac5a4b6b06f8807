"""``loom serve`` as a real process: its start-up warning about code-node isolation, and a private data directory."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.ports import free_port

LOOM = str(Path(sys.executable).with_name("loom"))


def serve(data_dir: Path, **env: str) -> tuple[str, int]:
    """Start ``loom serve``, wait until it answers, stop it; return its stderr and the port it used."""
    port = free_port()
    process = subprocess.Popen([LOOM, "serve", "--port", str(port), "--data-dir", str(data_dir)],
                               env={**os.environ, "LOOM_LLM_BASE_URL": "", **env}, stderr=subprocess.PIPE,
                               stdout=subprocess.DEVNULL, text=True)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("loom serve did not answer within 90 s")
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    return stderr, port


def test_serve_warns_when_code_nodes_cannot_be_isolated_and_keeps_its_data_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    stderr, _ = serve(data_dir, LOOM_SANDBOX_BWRAP="/nonexistent/bwrap")
    [line] = [line for line in stderr.splitlines() if line.startswith("warning: code nodes")]
    assert "code nodes are disabled: bubblewrap is not installed" in line
    assert "LOOM_SANDBOX_ISOLATION=none" in line
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    for name in ("loom.db", "loom.db-wal", "loom.db-shm"):
        path = data_dir / name
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, name
    assert (data_dir / "loom.db").exists()


def test_serve_says_nothing_when_code_nodes_are_isolated(tmp_path: Path) -> None:
    stderr, _ = serve(tmp_path / "data")
    assert "warning: code nodes" not in stderr


def test_an_existing_data_directory_is_made_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o755)
    (data_dir / "loom.toml").write_text("")
    os.chmod(data_dir / "loom.toml", 0o644)
    stderr, _ = serve(data_dir, LOOM_SANDBOX_ISOLATION="none")
    assert "without operating-system isolation (LOOM_SANDBOX_ISOLATION=none)" in stderr
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((data_dir / "loom.toml").stat().st_mode) == 0o600
    assert stat.S_IMODE((data_dir / "loom.db").stat().st_mode) == 0o600
