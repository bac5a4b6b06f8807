"""Shared pieces of the evaluation server tests: a scripted model server that answers by model name (test
double), a gateway over it, a set upload and waiting for a run."""

from __future__ import annotations

import json
from typing import Any

import httpx

from modelhub.config import EndpointModel
from modelhub.gateway import Gateway
from tests.doubles.openai_server import Reply, last_user_message
from tests.server.conftest import wait_for

# The set: question → reference, with tags.
ITEMS = [
    {"id": "q1", "query": "1+1=?", "reference": "2", "tags": ["math"]},
    {"id": "q2", "query": "2+2=?", "reference": "4", "tags": ["math"]},
    {"id": "q3", "query": "Capital of France?", "reference": "Paris", "tags": ["geo"]},
    {"id": "q4", "query": "Capital of Italy?", "reference": "Rome", "tags": ["geo"]},
]
GOOD = {i["query"]: i["reference"] for i in ITEMS}  # always right: exact match 1.0
BAD = {"1+1=?": "2", "2+2=?": "5", "Capital of France?": "Lyon", "Capital of Italy?": "Rome"}  # 0.5


def responder(delay_s: float = 0.0):
    """``good-m`` answers every item right, ``bad-m`` half of them; the judge (``judge-m``) gives 5 to an answer
    equal to the reference it is shown, 1 to any other."""
    def respond(body: dict[str, Any]) -> Reply:
        model, user = body.get("model"), last_user_message(body)
        if model == "judge-m":
            parts = [part.split("\n", 1)[-1] for part in user.split("\n\n")]
            right = len(parts) == 3 and parts[1] == parts[2]  # question, reference, answer
            return Reply(json.dumps({"score": 5 if right else 1, "reason": "matches" if right else "differs"}))
        table = GOOD if model == "good-m" else BAD
        return Reply(table.get(user, "?"), delay_s=delay_s)
    return respond


def gateway(url: str) -> Gateway:
    return Gateway({name: EndpointModel(name=name, base_url=url, model=f"{name}-m")
                    for name in ("good", "bad", "judge")})


def jsonl(items: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items).encode()


async def upload_set(client: httpx.AsyncClient, items: list[dict[str, Any]] | None = None, name: str = "quiz") -> str:
    response = await client.post("/api/evaluation/sets", files={"file": ("quiz.jsonl", jsonl(items or ITEMS))},
                                 data={"name": name})
    assert response.status_code == 201, response.text
    return response.json()["set_id"]


async def finished(client: httpx.AsyncClient, run_id: str, timeout: float = 20.0) -> dict[str, Any]:
    async def done() -> dict[str, Any] | None:
        run = (await client.get(f"/api/evaluation/runs/{run_id}")).json()
        return run if run["status"] in ("succeeded", "failed", "cancelled") else None
    return await wait_for(done, timeout)
