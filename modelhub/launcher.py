"""Builds and runs a model server process: ``vllm serve`` or the CPU transformers backend.

Each server runs in its own session (process group), so stopping it reaches its workers too, and it
outlives a Loom restart (Loom re-attaches to it).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

# vLLM accepts these LoRA ranks only; a requested rank is rounded up to the next one.
VLLM_LORA_RANKS = (8, 16, 32, 64, 128, 256, 320, 512)


class LaunchError(Exception):
    """The server cannot be started as configured (missing executable, bad settings)."""


@dataclass
class Launch:
    """One built command line with its environment."""

    argv: list[str]
    env: dict[str, str]
    port: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def vllm_executable() -> str:
    """``LOOM_VLLM_BIN`` (tests point it at the stand-in), else ``vllm`` on PATH."""
    configured = os.environ.get("LOOM_VLLM_BIN", "").strip()
    found = shutil.which(configured or "vllm")
    if found is None:
        if configured:
            raise LaunchError(f"LOOM_VLLM_BIN '{configured}' is not an executable file")
        raise LaunchError("vLLM is not installed on this machine: install it with `pip install -e .[vllm]` "
                          "(needs an NVIDIA GPU with CUDA), or use backend 'transformers' on CPU")
    return found


def lora_rank(spec: dict[str, Any]) -> int:
    wanted = spec.get("max_lora_rank") or max((a.get("rank") or 8 for a in spec.get("adapters", [])), default=8)
    return next((r for r in VLLM_LORA_RANKS if r >= wanted), wanted)


def build(backend: str, served_name: str, spec: dict[str, Any], port: int | None = None) -> Launch:
    """The command line and environment for a deployment (``spec`` as the registry keeps it)."""
    port = port or spec.get("port") or free_port()
    adapters = spec.get("adapters", [])
    env = {**os.environ, "VLLM_ALLOW_RUNTIME_LORA_UPDATING": "True", "PYTHONUNBUFFERED": "1"}
    if spec.get("gpu_ids") is not None:
        env["CUDA_VISIBLE_DEVICES"] = ",".join(str(i) for i in spec["gpu_ids"])
    if backend == "vllm":
        argv = [vllm_executable(), "serve", spec["model_path"], "--served-model-name", served_name,
                "--host", "127.0.0.1", "--port", str(port)]
        for option, key in (("--max-model-len", "max_model_len"),
                            ("--gpu-memory-utilization", "gpu_memory_utilization"),
                            ("--tensor-parallel-size", "tensor_parallel_size")):
            if spec.get(key) is not None:
                argv += [option, str(spec[key])]
        # LoRA is always on, so adapters can be added later without a restart.
        argv += ["--enable-lora", "--max-loras", str(spec.get("max_loras") or max(len(adapters), 4)),
                 "--max-lora-rank", str(lora_rank(spec))]
    elif backend == "transformers":
        argv = [sys.executable, "-m", "modelhub.hf_server", "--model", spec["model_path"],
                "--served-model-name", served_name, "--host", "127.0.0.1", "--port", str(port)]
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[2]),
                                                          env.get("PYTHONPATH")]))
    else:
        raise LaunchError(f"unknown backend '{backend}' (use vllm or transformers)")
    if adapters:
        argv += ["--lora-modules", *(f"{a['name']}={a['path']}" for a in adapters)]
    argv += list(spec.get("extra_args") or [])
    return Launch(argv, env, port)


def spawn(launch: Launch, log_path: Path) -> subprocess.Popen:
    """Start the server in its own session, its output appended to ``log_path``."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        log.write(f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} starting: {' '.join(launch.argv)}\n".encode())
        log.flush()
        try:
            return subprocess.Popen(launch.argv, env=launch.env, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        except OSError as exc:
            raise LaunchError(f"cannot start {launch.argv[0]}: {exc}") from None


def alive(pid: int | None) -> bool:
    """Whether ``pid`` runs (a zombie counts as gone)."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def terminate(pid: int, grace_s: float, proc: subprocess.Popen | None = None) -> str:
    """SIGTERM to the process group, then SIGKILL after ``grace_s``; says which one ended it."""
    for sig, wait_s in ((signal.SIGTERM, grace_s), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return "gone"
        except PermissionError:
            os.kill(pid, sig)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                return sig.name
            if proc is None and not alive(pid):
                return sig.name
            time.sleep(0.05)
    return "SIGKILL"


def tail(log_path: str | Path | None, lines: int = 100) -> list[str]:
    """The last ``lines`` lines of a log file (reads only its end)."""
    if not log_path or not Path(log_path).is_file():
        return []
    with open(log_path, "rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - 200 * lines - 4096))
        data = f.read().decode("utf-8", errors="replace")
    return data.splitlines()[-lines:]


async def probe(client: httpx.AsyncClient, port: int, served_name: str) -> str | None:
    """None when ``/health`` answers 200 and ``/v1/models`` lists the served name; else what is missing."""
    base = f"http://127.0.0.1:{port}"
    try:
        health = await client.get(f"{base}/health", timeout=5.0)
        if health.status_code != 200:
            return f"/health answered {health.status_code}"
        models = await client.get(f"{base}/v1/models", timeout=5.0)
        ids = [m.get("id") for m in models.json().get("data", [])]
    except (httpx.HTTPError, ValueError, AttributeError) as exc:
        return f"not answering ({type(exc).__name__})"
    if served_name not in ids:
        return f"/v1/models does not list '{served_name}' yet"
    return None
