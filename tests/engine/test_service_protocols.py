"""The real services satisfy the engine's service Protocols: statically (mypy over service_conformance.py,
signatures included) and at run time (``isinstance`` with the runtime-checkable Protocols: methods present)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from engine.services import CodeSandbox, FileReader, HttpClient, ModelGateway, Retriever, ToolProvider
from knowledge.service import KnowledgeService
from modelhub.gateway import Gateway
from nodes.plugins import ToolRegistry
from nodes.plugins.http import SafeHttp
from nodes.sandbox import SandboxPool
from server.files import AppFiles, FileStore

ROOT = Path(__file__).resolve().parents[2]


def test_real_services_satisfy_their_protocols_statically() -> None:
    # A child process: mypy in-process raises the interpreter's recursion limit for the rest of the session.
    conformance = Path(__file__).with_name("service_conformance.py")
    done = subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
                           str(conformance)], cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(("make", "protocol"), [
    (lambda tmp: Gateway({}), ModelGateway),
    (lambda tmp: KnowledgeService(tmp), Retriever),
    (lambda tmp: ToolRegistry(), ToolProvider),
    (lambda tmp: SandboxPool(size=1), CodeSandbox),
    (lambda tmp: FileStore(tmp), FileReader),
    (lambda tmp: AppFiles(FileStore(tmp), "app"), FileReader),
    (lambda tmp: SafeHttp(), HttpClient),
], ids=["gateway", "knowledge", "tools", "sandbox", "files", "app-files", "http"])
def test_real_services_satisfy_their_protocols_at_run_time(make: Callable[[Path], object], protocol: type,
                                                          tmp_path: Path) -> None:
    assert isinstance(make(tmp_path), protocol)
