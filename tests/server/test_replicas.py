"""Two real ``loom serve`` processes sharing one database and one Redis (``LOOM_REDIS_URL``): a run started on
replica A is followed, reconnected to (``after=seq``) and stopped through replica B, and the per-app limit on runs
in flight and the per-app rate limit hold across both."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cli.test_serve import LOOM
from tests.doubles.echo_http import EchoServer
from tests.doubles.openai_server import Reply, ScriptedOpenAI
from tests.helpers import chain, end, node, start, workflow
from tests.ports import free_port
from tests.redis_server import RedisServer, require_redis
from tests.server.helpers import parse_sse

LIMIT = 2  # LOOM_MAX_CONCURRENT_RUNS_PER_APP on both replicas
RATE = 20  # LOOM_RATE_LIMIT_PER_MINUTE on both replicas


@dataclass
class Replica:
    url: str
    process: subprocess.Popen[str]


@dataclass
class Cluster:
    a: Replica
    b: Replica
    echo: EchoServer
    model: ScriptedOpenAI


def launch(data_dir: Path, env: dict[str, str]) -> Replica:
    port = free_port()
    log = (data_dir.parent / f"{data_dir.name}.log").open("w")
    process = subprocess.Popen([LOOM, "serve", "--port", str(port), "--data-dir", str(data_dir)],
                               env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, (data_dir.parent / f"{data_dir.name}.log").read_text()[-3000:]
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return Replica(url, process)
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    pytest.fail("loom serve did not answer within 90 s")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    require_redis()
    root = tmp_path_factory.mktemp("replicas")
    with RedisServer() as redis, EchoServer() as echo, ScriptedOpenAI() as model:
        env = {"LOOM_REDIS_URL": redis.url(), "LOOM_DATABASE_URL": f"sqlite:///{root / 'shared.db'}",
               "LOOM_MAX_CONCURRENT_RUNS_PER_APP": str(LIMIT), "LOOM_RATE_LIMIT_PER_MINUTE": str(RATE),
               "LOOM_PLUGIN_ALLOW_HOSTS": "127.0.0.1",
               "LOOM_LLM_BASE_URL": model.url}
        a = launch(root / "a", env)  # first: it migrates the shared database
        b = launch(root / "b", env)
        try:
            yield Cluster(a, b, echo, model)
        finally:
            for replica in (a, b):
                replica.process.send_signal(signal.SIGINT)
            for replica in (a, b):
                try:
                    replica.process.wait(30)
                except subprocess.TimeoutExpired:
                    replica.process.kill()


def slow_calls(echo: EchoServer) -> dict[str, Any]:
    """start → three HTTP calls that each take ``seconds`` → end."""
    call = {"url": echo.url + "/slow", "query": [{"name": "seconds", "value": "{{s}}"}]}
    calls = [node(f"call{i}", "http-request", {"s": "start.s"}, config=call) for i in (1, 2, 3)]
    return workflow([start("s"), *calls, end(status="call3.status_code")], chain("start", "call1", "call2", "call3",
                                                                                  "end"), name="slow calls")


def published(replica: Replica, definition: dict[str, Any]) -> tuple[str, str]:
    workflow_id = httpx.post(f"{replica.url}/api/workflows", json=definition).json()["id"]
    assert httpx.post(f"{replica.url}/api/workflows/{workflow_id}/publish").status_code == 201
    key = httpx.post(f"{replica.url}/api/workflows/{workflow_id}/keys", json={"name": "ci"}).json()["key"]
    return workflow_id, key


def start_async(replica: Replica, workflow_id: str, seconds: float) -> str:
    response = httpx.post(f"{replica.url}/api/workflows/{workflow_id}/runs",
                          json={"inputs": {"s": str(seconds)}, "response_mode": "async"})
    assert response.status_code == 202, response.text
    return str(response.json()["run_id"])


def wait_until(check: Any, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def known(replica: Replica, run_id: str) -> dict[str, Any] | None:
    """The run as ``replica`` answers it, once its row is in the shared database."""
    response = httpx.get(f"{replica.url}/api/runs/{run_id}")
    return response.json() if response.status_code == 200 else None


def test_a_run_started_on_a_is_followed_and_reconnected_to_on_b(cluster: Cluster) -> None:
    workflow_id, _ = published(cluster.a, slow_calls(cluster.echo))
    run_id = start_async(cluster.a, workflow_id, seconds=0.4)
    wait_until(lambda: known(cluster.b, run_id))
    received: list[dict[str, Any]] = []
    with httpx.stream("GET", f"{cluster.b.url}/api/runs/{run_id}/events", timeout=30) as response:
        assert response.status_code == 200
        buffer = ""
        for chunk in response.iter_text():
            buffer += chunk
            frames = parse_sse(buffer)
            if len(frames) >= 3:
                received = [data for _, data in frames[:3]]
                break  # the client drops the connection mid-run
    assert [e["seq"] for e in received] == [1, 2, 3]
    assert received[-1]["type"] != "run_finished"
    rest = parse_sse(httpx.get(f"{cluster.b.url}/api/runs/{run_id}/events", params={"after": 3}, timeout=30).text)
    events = received + [data for _, data in rest]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert events[-1]["type"] == "run_finished" and events[-1]["status"] == "succeeded"
    recorded = parse_sse(httpx.get(f"{cluster.a.url}/api/runs/{run_id}/events", timeout=30).text)
    assert [json.dumps(data, sort_keys=True) for _, data in recorded] == [json.dumps(e, sort_keys=True)
                                                                         for e in events]


def test_a_long_run_started_on_a_is_stopped_from_b(cluster: Cluster) -> None:
    workflow_id, _ = published(cluster.a, slow_calls(cluster.echo))
    run_id = start_async(cluster.a, workflow_id, seconds=30)
    wait_until(lambda: known(cluster.b, run_id))
    started = time.monotonic()
    assert httpx.post(f"{cluster.b.url}/api/runs/{run_id}/stop").status_code == 202
    stopped = wait_until(lambda: (known(cluster.a, run_id) or {}).get("status") == "stopped", timeout=15)
    assert stopped and time.monotonic() - started < 15
    assert known(cluster.b, run_id)["status"] == "stopped"  # type: ignore[index]
    again = httpx.post(f"{cluster.b.url}/api/runs/{run_id}/stop")
    assert again.status_code == 409 and "not running" in again.json()["detail"]


def test_the_per_app_limit_on_runs_in_flight_holds_across_replicas(cluster: Cluster) -> None:
    workflow_id, key = published(cluster.a, slow_calls(cluster.echo))
    body = {"inputs": {"s": "30"}, "response_mode": "async"}
    headers = {"Authorization": f"Bearer {key}"}
    run = f"/v1/workflows/{workflow_id}/run"
    runs = [httpx.post(cluster.a.url + run, json=body, headers=headers) for _ in range(LIMIT)]
    assert [r.status_code for r in runs] == [202] * LIMIT
    over = httpx.post(cluster.b.url + run, json=body, headers=headers)  # the other replica counts A's runs
    assert over.status_code == 429 and f"{LIMIT} runs in flight" in over.json()["detail"]
    first = runs[0].json()["run_id"]
    wait_until(lambda: known(cluster.b, first))
    assert httpx.post(f"{cluster.b.url}/v1/runs/{first}/stop", headers=headers).status_code == 202
    wait_until(lambda: (known(cluster.a, first) or {}).get("status") == "stopped", timeout=15)
    # The stopped run's slot is free again, for either replica.
    again = wait_until(lambda: (r := httpx.post(cluster.b.url + run, json=body, headers=headers)).status_code
                       == 202 and r, timeout=10)
    for run_id in (runs[1].json()["run_id"], again.json()["run_id"]):
        httpx.post(f"{cluster.a.url}/api/runs/{run_id}/stop")


def test_the_per_app_rate_limit_counts_the_runs_started_on_both_replicas(cluster: Cluster) -> None:
    workflow_id, key = published(cluster.a, slow_calls(cluster.echo))
    body = {"inputs": {"s": "0"}, "response_mode": "blocking"}
    headers = {"Authorization": f"Bearer {key}"}
    run = f"/v1/workflows/{workflow_id}/run"
    for i in range(RATE):  # one at a time, alternating: the in-flight limit is never reached
        replica = cluster.a if i % 2 else cluster.b
        response = httpx.post(replica.url + run, json=body, headers=headers, timeout=30)
        assert response.status_code == 200, response.text
    for replica in (cluster.a, cluster.b):
        over = httpx.post(replica.url + run, json=body, headers=headers, timeout=30)
        assert over.status_code == 429 and f"{RATE} runs a minute" in over.json()["detail"]


def test_an_agent_turn_running_on_a_is_followed_on_b(cluster: Cluster) -> None:
    cluster.model.push(Reply(content="It is noon in UTC, as usual.", chunk_size=2, chunk_delay_s=0.2))
    agent = httpx.post(f"{cluster.a.url}/api/agents", json={"name": "helper", "persona": "You help."})
    assert agent.status_code == 201, agent.text
    started = httpx.post(f"{cluster.a.url}/api/agents/{agent.json()['id']}/chat",
                         json={"query": "time?", "response_mode": "async"})
    assert started.status_code == 202, started.text
    turn_id = started.json()["run_id"]
    rest = parse_sse(httpx.get(f"{cluster.b.url}/api/agent-turns/{turn_id}/events", params={"after": 2},
                               timeout=30).text)
    assert [data["seq"] for _, data in rest] == list(range(3, len(rest) + 3))
    assert rest[-1][0] == "turn_finished" and rest[-1][1]["answer"] == "It is noon in UTC, as usual."
