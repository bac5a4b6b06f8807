"""The public run path's lean handling: it answers as FastAPI's own handling does, counts runs in flight per app,
and records a run's events packed in one row that reads back as the events."""

from __future__ import annotations

from typing import Any

import pytest

from server.api import run_path
from server.db.store import PACKED, RunWrite, Store, new_run_row
from server.deps import get_state
from tests.server.conftest import asgi_client, running_app
from tests.server.helpers import echo_workflow, sleepy_workflow
from tests.server.test_public import bearer, published_app

# Requests the lean path takes (a JSON body from a key seen lately) and ones it hands to FastAPI's handling.
CASES: list[tuple[str, dict[str, str], bytes]] = [
    ("valid", {"content-type": "application/json"}, b'{"inputs": {"text": "a"}}'),
    ("charset", {"content-type": "application/json; charset=utf-8"}, b'{"inputs": {"text": "a"}}'),
    ("empty object", {"content-type": "application/json"}, b"{}"),
    ("malformed JSON", {"content-type": "application/json"}, b'{"inputs": '),
    ("not an object", {"content-type": "application/json"}, b"[1, 2]"),
    ("unknown field", {"content-type": "application/json"}, b'{"inputs": {}, "colour": "red"}'),
    ("wrong mode", {"content-type": "application/json"}, b'{"response_mode": "later"}'),
    ("user too long", {"content-type": "application/json"}, b'{"user": "' + b"u" * 201 + b'"}'),
    ("text body", {"content-type": "text/plain"}, b'{"inputs": {"text": "a"}}'),
    ("no content type", {}, b'{"inputs": {"text": "a"}}'),
    ("vendor JSON", {"content-type": "application/vnd.loom+json"}, b'{"inputs": {"text": "a"}}'),
    ("empty body", {"content-type": "application/json"}, b""),
    ("nested too deep", {"content-type": "application/json"}, b"[" * 100_000 + b"]" * 100_000),
    ("nested deep", {"content-type": "application/json"}, b'{"inputs": {"text": ' + b"[" * 300 + b"]" * 300 + b"}}"),
    ("NaN", {"content-type": "application/json"}, b'{"inputs": {"text": NaN}}'),
    ("big integer", {"content-type": "application/json"}, b'{"inputs": {"text": 123456789012345678901234567890}}'),
    ("UTF-16", {"content-type": "application/json"}, '{"inputs": {"text": "a"}}'.encode("utf-16")),
]


def comparable(response: Any) -> tuple[int, Any]:
    body = response.json()
    if response.status_code == 200:  # a run: its id and timing differ between two runs
        body = {k: v for k, v in body.items() if k not in ("run_id", "elapsed_ms")}
    return response.status_code, body


LEAN = {"valid", "charset", "empty object", "NaN", "big integer"}


@pytest.mark.parametrize(("case", "headers", "content"), CASES, ids=[c[0] for c in CASES])
async def test_the_lean_run_path_answers_as_fastapis_handling(data_dir, monkeypatch, case, headers, content):
    taken: list[bool] = []
    lean_body = run_path._lean_body

    async def spy(*args: Any) -> Any:
        parsed = await lean_body(*args)
        taken.append(parsed is not None)
        return parsed

    monkeypatch.setattr(run_path, "_lean_body", spy)
    async with running_app(data_dir) as app, asgi_client(app) as client:
        workflow_id, key = await published_app(client, echo_workflow())
        url = f"/v1/workflows/{workflow_id}/run"
        # The key is seen once, so that the lean path knows it.
        assert (await client.post(url, json={"inputs": {"text": "a"}}, headers=bearer(key))).status_code == 200
        lean = await client.post(url, content=content, headers={**headers, **bearer(key)})
        assert taken[-1] is (case in LEAN)
        app.dependency_overrides[get_state] = get_state  # any override sends every request through FastAPI's handling
        full = await client.post(url, content=content, headers={**headers, **bearer(key)})
        assert comparable(lean) == comparable(full), case


async def test_keys_the_lean_path_does_not_know_are_checked_as_before(data_dir):
    async with running_app(data_dir) as app, asgi_client(app) as client:
        workflow_id, key = await published_app(client, echo_workflow())
        other_id, other_key = await published_app(client, echo_workflow("other"))
        url, body = f"/v1/workflows/{workflow_id}/run", {"inputs": {"text": "a"}}
        app.state.loom.store.keys.invalidate(lambda *_: True)  # not seen lately: read from the database
        first = await client.post(url, json=body, headers=bearer(key))
        assert first.status_code == 200 and first.json()["outputs"] == {"text": "a"}
        assert (await client.post(url, json=body, headers=bearer(other_key))).status_code == 403
        assert (await client.post(url, json=body, headers={"Authorization": f"Basic {key}"})).status_code == 401
        assert (await client.post(url, json=body, headers=bearer("loom-nope"))).status_code == 401


async def test_runs_in_flight_are_counted_per_app_and_released_when_they_end(data_dir):
    async with running_app(data_dir) as app, asgi_client(app) as client:
        runs = app.state.loom.runs
        slow_id, slow_key = await published_app(client, sleepy_workflow(seconds=30))
        echo_id, echo_key = await published_app(client, echo_workflow())
        started = await client.post(f"/v1/workflows/{slow_id}/run", headers=bearer(slow_key),
                                    json={"inputs": {"text": "x"}, "response_mode": "async"})
        run_id = started.json()["run_id"]
        for _ in range(3):
            done = await client.post(f"/v1/workflows/{echo_id}/run", json={"inputs": {"text": "a"}},
                                     headers=bearer(echo_key))
            assert done.json()["status"] == "succeeded"
        assert (runs.in_flight(slow_id), runs.in_flight(echo_id)) == (1, 0)
        assert (await client.post(f"/v1/runs/{run_id}/stop", headers=bearer(slow_key))).status_code == 202
        await runs.wait(runs.live[run_id])
        assert runs.in_flight(slow_id) == 0 and not runs.live


def _event(run_id: str, seq: int) -> dict[str, Any]:
    return {"run_id": run_id, "seq": seq, "type": "node_finished" if seq > 1 else "run_started", "n": seq}


def test_events_written_together_are_one_row_that_reads_back_after_any_seq(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'loom.db'}")
    store.migrate()
    run_id = "r1"
    row = new_run_row(id=run_id, workflow_id="w", version=None, source="console", definition={}, inputs={}, sys={})
    store.write_runs([RunWrite(run_id, row=row, events=[_event(run_id, 1)])])  # one event: a row of its own
    store.write_runs([RunWrite(run_id, events=[_event(run_id, s) for s in (2, 3, 4)]),
                      RunWrite(run_id, events=[_event(run_id, 5)])])  # one run's writes in one batch: one row
    store.write_runs([RunWrite(run_id, final={"status": "succeeded"}, events=[_event(run_id, s) for s in (6, 7)])])
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT seq, type FROM run_events ORDER BY seq").all()
    assert [tuple(r) for r in rows] == [(1, "run_started"), (5, PACKED), (7, PACKED)]
    for after in range(8):
        assert store.run_events(run_id, after) == [_event(run_id, s) for s in range(after + 1, 8)]
    assert store.get_run(run_id).status == "succeeded"
    store.close()
