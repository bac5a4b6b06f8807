"""Deployments against the stand-in ``vllm``: every state transition, the command line, logs, runtime adapters."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx
import pytest

from modelhub import launcher
from modelhub.deployments import Timing
from modelhub.errors import DeploymentConflict, ModelHubError
from modelhub.hub import ModelHub
from modelhub.schemas import AdapterRef, BaseModelCreate, DeploymentCreate, FinetuneCreate
from server.db.registry import open_hub


async def until(hub: ModelHub, ident: str, *states: str, timeout: float = 20.0) -> Any:
    """Wait for the deployment to reach one of ``states``; returns the row, recording each state seen."""
    seen: list[str] = []
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        row = hub.registry.get_deployment(ident)
        if not seen or seen[-1] != row.state:
            seen.append(row.state)
        if row.state in states:
            row.seen = seen
            return row
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"deployment stayed {row.state} (seen {seen}; reason {row.reason})")
        await asyncio.sleep(0.02)


async def info(port: int) -> dict[str, Any]:
    async with httpx.AsyncClient() as client:
        return (await client.get(f"http://127.0.0.1:{port}/standin/info")).json()


def deploy(hub: ModelHub, base_dir: Path, *extra: str, **fields: Any) -> Any:
    return hub.registry.create_deployment(DeploymentCreate(name=fields.pop("name", "qwen"), backend="vllm",
                                                           base_model=str(base_dir), extra_args=list(extra), **fields))


async def test_start_builds_vllm_serve_and_becomes_ready(hub: ModelHub, base_dir: Path,
                                                         make_adapter: Callable[..., Path]) -> None:
    adapter = make_adapter("yuwen", str(base_dir), rank=12)
    row = deploy(hub, base_dir, gpu_ids=[0, 1], max_model_len=4096, gpu_memory_utilization=0.85,
                 tensor_parallel_size=2, adapters=[AdapterRef(name="yuwen", path=str(adapter))])
    assert row.state == "pending"
    started = await hub.deployments.start(row.id)
    assert started.state == "starting" and started.port
    ready = await until(hub, row.id, "ready", "failed")
    assert ready.state == "ready", ready.reason
    assert ready.seen[-2:] == ["starting", "ready"]
    got = await info(ready.port)
    argv = got["argv"]
    assert argv[:2] == ["serve", str(base_dir)]
    pairs = dict(pairwise(argv[2:]))
    assert pairs["--served-model-name"] == "qwen" and pairs["--port"] == str(ready.port)
    assert pairs["--max-model-len"] == "4096" and pairs["--gpu-memory-utilization"] == "0.85"
    assert pairs["--tensor-parallel-size"] == "2" and pairs["--max-lora-rank"] == "16"  # 12 rounded up
    assert "--enable-lora" in argv and pairs["--lora-modules"] == f"yuwen={adapter}"
    assert got["env"] == {"CUDA_VISIBLE_DEVICES": "0,1", "VLLM_ALLOW_RUNTIME_LORA_UPDATING": "True"}
    assert got["pgid"] == got["pid"] == ready.pid  # its own process group
    assert any("vLLM stand-in: vllm serve" in line for line in hub.logs(row.id))

    stopped = await hub.deployments.stop(row.id)
    assert stopped.state == "stopped" and stopped.pid is None and not launcher.alive(ready.pid)


async def test_crash_on_start_fails_with_the_reason_from_the_log(hub: ModelHub, base_dir: Path) -> None:
    row = deploy(hub, base_dir, "--standin-crash-on-start")
    await hub.deployments.start(row.id)
    failed = await until(hub, row.id, "failed", "ready")
    assert failed.state == "failed" and failed.seen[0] == "starting"
    assert "exited with code 1 while starting" in failed.reason and "CUDA out of memory" in failed.reason


async def test_hang_on_start_times_out_and_kills_the_group(hub: ModelHub, base_dir: Path) -> None:
    row = deploy(hub, base_dir, "--standin-hang-on-start", start_timeout_s=1.0)
    started = await hub.deployments.start(row.id)
    await asyncio.sleep(0.3)
    pid = hub.registry.get_deployment(row.id).pid
    assert started.state == "starting" and launcher.alive(pid)
    failed = await until(hub, row.id, "failed", "ready")
    assert failed.state == "failed" and "not ready after 1 s" in failed.reason
    assert not launcher.alive(pid)


async def test_crash_after_ready_restarts_with_backoff(hub: ModelHub, base_dir: Path, tmp_path: Path) -> None:
    marker = tmp_path / "crashed"
    row = deploy(hub, base_dir, "--standin-crash-after-s", "0.3", "--standin-once-marker", str(marker))
    await hub.deployments.start(row.id)
    first = await until(hub, row.id, "ready")
    restarting = await until(hub, row.id, "starting")
    assert restarting.restarts == 1 and "crashed (exited with code 3)" in restarting.reason
    again = await until(hub, row.id, "ready")
    assert again.pid != first.pid and again.port == first.port and again.restarts == 1 and again.reason is None
    assert marker.exists()


async def test_gives_up_after_max_restarts(hub: ModelHub, base_dir: Path) -> None:
    row = deploy(hub, base_dir, "--standin-crash-after-s", "0.2", max_restarts=1)
    await hub.deployments.start(row.id)
    failed = await until(hub, row.id, "failed")
    assert "crashed 2 times, giving up" in failed.reason and "ready" in failed.seen


async def test_stop_escalates_to_sigkill(data_dir: Path, standin: Path, base_dir: Path) -> None:
    hub = open_hub(data_dir, timing=Timing(poll_s=0.05, grace_s=0.5))
    try:
        row = deploy(hub, base_dir, "--standin-ignore-sigterm")
        await hub.deployments.start(row.id)
        ready = await until(hub, row.id, "ready")
        task = asyncio.create_task(hub.deployments.stop(row.id))
        stopping = await until(hub, row.id, "stopping")
        assert launcher.alive(ready.pid)  # SIGTERM ignored: still there during the grace period
        stopped = await task
        assert stopping.state == "stopping" and stopped.state == "stopped" and not launcher.alive(ready.pid)
    finally:
        await hub.close(stop_servers=True)


async def test_start_twice_conflicts_and_restart_gets_a_new_process(hub: ModelHub, base_dir: Path) -> None:
    row = deploy(hub, base_dir)
    await hub.deployments.start(row.id)
    first = await until(hub, row.id, "ready")
    with pytest.raises(DeploymentConflict, match="already"):
        await hub.deployments.start(row.id)
    await hub.deployments.restart(row.id)
    second = await until(hub, row.id, "ready")
    assert second.pid != first.pid and not launcher.alive(first.pid)


async def test_missing_vllm_fails_plainly(hub: ModelHub, base_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOOM_VLLM_BIN", "/nonexistent/vllm")
    row = deploy(hub, base_dir)
    failed = await hub.deployments.start(row.id)
    assert failed.state == "failed" and "LOOM_VLLM_BIN '/nonexistent/vllm' is not an executable" in failed.reason
    monkeypatch.delenv("LOOM_VLLM_BIN")
    monkeypatch.setenv("PATH", "/nonexistent")
    failed = await hub.deployments.start(row.id)
    assert "pip install -e .[vllm]" in failed.reason


async def test_loom_restart_reattaches_live_servers_and_marks_dead_ones_stopped(
        data_dir: Path, standin: Path, base_dir: Path) -> None:
    first = open_hub(data_dir)
    live = deploy(first, base_dir, name="live")
    dead = deploy(first, base_dir, name="dead")
    await first.deployments.start(live.id)
    await first.deployments.start(dead.id)
    live_row, dead_row = await until(first, live.id, "ready"), await until(first, dead.id, "ready")
    await first.close()  # Loom exits; its servers keep running
    assert launcher.alive(live_row.pid)
    os.killpg(dead_row.pid, signal.SIGKILL)
    await asyncio.sleep(0.2)

    second = open_hub(data_dir, timing=Timing(poll_s=0.05, grace_s=2.0))
    try:
        await second.open()
        assert second.registry.get_deployment(live.id).state == "ready"
        gone = second.registry.get_deployment(dead.id)
        assert gone.state == "stopped" and "not running when Loom restarted" in gone.reason
        assert second.deployments.running(live.id)  # watched again: a stop reaches the adopted process
        await second.deployments.stop(live.id)
        assert not launcher.alive(live_row.pid)
    finally:
        await second.close(stop_servers=True)


async def test_adapters_load_and_unload_at_runtime_without_restart(
        hub: ModelHub, base_dir: Path, make_adapter: Callable[..., Path]) -> None:
    hub.registry.add_base(BaseModelCreate(name="qwen-base", source=str(base_dir)))
    hub.registry.add_finetune(FinetuneCreate(name="yuwen", base="qwen-base",
                                             adapter_path=str(make_adapter("yuwen", str(base_dir)))))
    row = hub.registry.create_deployment(DeploymentCreate(name="qwen", base_model="qwen-base"))
    await hub.deployments.start(row.id)
    ready = await until(hub, row.id, "ready")

    await hub.add_adapter(row.id, AdapterRef(finetune="yuwen"))
    async with httpx.AsyncClient() as client:
        served = [m["id"] for m in (await client.get(f"http://127.0.0.1:{ready.port}/v1/models")).json()["data"]]
    assert served == ["qwen", "yuwen"]
    assert hub.registry.get_deployment(row.id).pid == ready.pid  # no restart
    with pytest.raises(DeploymentConflict, match="already serves"):
        await hub.add_adapter(row.id, AdapterRef(finetune="yuwen"))
    big = make_adapter("big", str(base_dir), rank=64)
    with pytest.raises(ModelHubError, match="rank 64, above this deployment's --max-lora-rank 8"):
        await hub.add_adapter(row.id, AdapterRef(name="big", path=str(big)))

    await hub.remove_adapter(row.id, "yuwen")
    async with httpx.AsyncClient() as client:
        served = [m["id"] for m in (await client.get(f"http://127.0.0.1:{ready.port}/v1/models")).json()["data"]]
    assert served == ["qwen"] and hub.registry.get_deployment(row.id).spec["adapters"] == []
