"""Evaluation runs of model candidates end to end: a set uploaded, two models (the scripted OpenAI-compatible
server, test double, answering by model name: one always right, one half right) scored by exact match and an
LLM judge, with costs, the per-sample table, SSE progress, exports, and refusals that name the field."""

from __future__ import annotations

import csv
import io
import json

from engine.spec import Services
from tests.server.conftest import asgi_client, running_app
from tests.server.evaluation_helpers import ITEMS, finished, gateway, responder, upload_set
from tests.server.helpers import parse_sse

RUBRIC = "Score 5 when the answer equals the reference, else 1."


def run_body(set_id: str, **extra) -> dict:
    return {"name": "quiz", "set_id": set_id, "concurrency": 3,
            "candidates": [{"kind": "model", "candidate_id": "good", "model": "good", "params": {"temperature": 0}},
                           {"kind": "model", "candidate_id": "bad", "model": "bad",
                            "system_prompt": "Answer in one word."}],
            "metrics": [{"name": "exact-match"}],
            "judge": {"model": "judge", "mode": "score", "rubric": RUBRIC, "language": "en"}, **extra}


async def test_two_models_are_scored_with_known_values_and_exported(data_dir, openai_server):
    openai_server.respond_with(responder())
    llm = gateway(openai_server.url)
    async with running_app(data_dir, services=Services(llm=llm)) as app, asgi_client(app) as client:
        set_id = await upload_set(client)
        shown = (await client.get(f"/api/evaluation/sets/{set_id}")).json()
        assert shown["item_count"] == 4 and [i["item_id"] for i in shown["items"]] == ["q1", "q2", "q3", "q4"]
        assert [s["set_id"] for s in (await client.get("/api/evaluation/sets")).json()["items"]] == [set_id]

        created = await client.post("/api/evaluation/runs", json=run_body(set_id))
        assert created.status_code == 202, created.text
        run = await finished(client, created.json()["run_id"])
        assert run["status"] == "succeeded", run
        assert run["progress"] == {"total": 16, "done": 16, "failed": 0}  # 2 × 4 answers + 2 × 4 judgements
        assert {cid: (c["samples"], c["errors"]) for cid, c in run["cost"].items()} == {"good": (4, 0),
                                                                                        "bad": (4, 0)}
        assert all(c["tokens_in"] > 0 and c["tokens_out"] > 0 and c["latency_s"] > 0 for c in run["cost"].values())

        table = (await client.get(f"/api/evaluation/runs/{run['run_id']}/results")).json()
        assert table["score_keys"] == ["exact-match", "judge"]
        rows = {row["item_id"]: row for row in table["items"]}
        assert rows["q2"]["inputs"] == {"query": "2+2=?"} and rows["q2"]["reference"] == "4"
        assert rows["q2"]["candidates"]["good"]["output"] == "4" and rows["q2"]["candidates"]["bad"]["output"] == "5"
        assert {cid: [rows[q]["candidates"][cid]["scores"]["exact-match"] for q in ("q1", "q2", "q3", "q4")]
                for cid in ("good", "bad")} == {"good": [1.0, 1.0, 1.0, 1.0], "bad": [1.0, 0.0, 0.0, 1.0]}
        assert [rows[q]["candidates"]["bad"]["scores"]["judge"] for q in ("q1", "q2", "q3", "q4")] == [5, 1, 1, 5]
        assert rows["q3"]["candidates"]["bad"]["judge_reasons"] == {"judge": "differs"}
        geo = (await client.get(f"/api/evaluation/runs/{run['run_id']}/results?tag=geo")).json()
        assert [r["item_id"] for r in geo["items"]] == ["q3", "q4"]

        report = (await client.get(f"/api/evaluation/runs/{run['run_id']}/report")).json()
        overall = {(a["candidate_id"], a["metric"]): a for a in report["aggregates"]}
        assert {k: a["value"] for k, a in overall.items()} == {
            ("good", "exact-match"): 1.0, ("good", "judge"): 5.0, ("bad", "exact-match"): 0.5, ("bad", "judge"): 3.0}
        bad = overall[("bad", "exact-match")]
        assert bad["n"] == 4 and bad["ci_low"] <= 0.5 <= bad["ci_high"] and bad["ci_low"] < bad["ci_high"]
        assert sorted(report["by_tag"]) == ["geo", "math"]
        assert [(a["candidate_id"], a["metric"], a["value"]) for a in report["by_tag"]["math"]
                if a["metric"] == "exact-match"] == [("good", "exact-match", 1.0), ("bad", "exact-match", 0.5)]
        diff = (await client.get(f"/api/evaluation/runs/{run['run_id']}/diff",
                                 params={"before": "good", "after": "bad", "metric": "exact-match"})).json()
        assert (diff["worse"], diff["same"], diff["better"]) == (["q2", "q3"], ["q1", "q4"], [])
        wrong = await client.get(f"/api/evaluation/runs/{run['run_id']}/diff",
                                 params={"before": "nobody", "after": "bad", "metric": "exact-match"})
        assert wrong.status_code == 400 and "before" in wrong.json()["detail"]

        frames = parse_sse((await client.get(f"/api/evaluation/runs/{run['run_id']}/events")).text)
        assert frames[-1][0] == "end" and frames[-1][1]["status"] == "succeeded"

        exported = await client.get(f"/api/evaluation/runs/{run['run_id']}/export?format=csv")
        assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
        lines = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
        assert [(r["item_id"], r["output"], r["exact-match"], r["judge"]) for r in lines
                if r["candidate_id"] == "bad"] == [("q1", "2", "1", "5"), ("q2", "5", "0", "1"),
                                                   ("q3", "Lyon", "0", "1"), ("q4", "Rome", "1", "5")]
        dumped = (await client.get(f"/api/evaluation/runs/{run['run_id']}/export?format=jsonl")).text
        assert [json.loads(line)["item_id"] for line in dumped.splitlines()] == ["q1", "q2", "q3", "q4"]
    # What the models were sent: the candidate's system prompt, the parameters, and the editable rubric.
    bad_calls = [r for r in openai_server.requests if r["model"] == "bad-m"]
    assert bad_calls[0]["messages"][0] == {"role": "system", "content": "Answer in one word."}
    assert all(r.get("temperature") == 0 for r in openai_server.requests if r["model"] == "good-m")
    judge_calls = [r for r in openai_server.requests if r["model"] == "judge-m"]
    assert len(judge_calls) == 8 and all(RUBRIC in r["messages"][0]["content"] for r in judge_calls)
    await llm.aclose()


async def test_refusals_name_the_field(data_dir, openai_server):
    llm = gateway(openai_server.url)
    async with running_app(data_dir, services=Services(llm=llm)) as app, asgi_client(app) as client:
        set_id = await upload_set(client)
        cases = {
            "set_id": (run_body("nope"), 400),
            "metrics[0]": (run_body(set_id, metrics=[{"name": "blue"}]), 400),
            "candidates[1] (bad)": (run_body(set_id, candidates=[
                {"kind": "model", "candidate_id": "good", "model": "good"},
                {"kind": "model", "candidate_id": "bad", "model": "missing"}]), 400),
            "judge.model": (run_body(set_id, judge={"model": "nobody"}), 400),
            "candidates": (run_body(set_id, candidates=[{"kind": "model", "candidate_id": f"c{i}", "model": "good"}
                                                        for i in range(11)]), 422),
        }
        for field, (body, status) in cases.items():
            response = await client.post("/api/evaluation/runs", json=body)
            assert response.status_code == status, (field, response.text)
            assert field in json.dumps(response.json()), (field, response.json())
        bad_file = await client.post("/api/evaluation/sets", files={"file": ("set.txt", b"hello")})
        assert bad_file.status_code == 415 and "file" in bad_file.json()["detail"]
        empty = await client.post("/api/evaluation/sets", files={"file": ("set.jsonl", b"{\"nothing\": 1}\n")})
        assert empty.status_code == 400 and "line 1" in empty.json()["detail"]
        assert (await client.get("/api/evaluation/runs/nope")).status_code == 404
    await llm.aclose()


async def test_base_vs_tuned_weighs_the_domain_gain_against_the_general_drop(data_dir, openai_server):
    openai_server.respond_with(responder())
    llm = gateway(openai_server.url)
    candidates = [{"kind": "model", "candidate_id": "base", "model": "bad"},
                  {"kind": "model", "candidate_id": "tuned", "model": "good"}]
    async with running_app(data_dir, services=Services(llm=llm)) as app, asgi_client(app) as client:
        runs = {}
        for tag in ("math", "geo"):  # the domain set, then the general set
            set_id = await upload_set(client, [i for i in ITEMS if tag in i["tags"]], name=tag)
            created = await client.post("/api/evaluation/runs", json={
                "set_id": set_id, "candidates": candidates, "metrics": [{"name": "exact-match"}]})
            runs[tag] = (await finished(client, created.json()["run_id"]))["run_id"]
        report = await client.get("/api/evaluation/compare", params={
            "domain_run": runs["math"], "general_run": runs["geo"], "base": "base", "tuned": "tuned",
            "metric": "exact-match"})
        assert report.status_code == 200, report.text
        found = report.json()
        assert (found["gain"], found["drop"], found["verdict"]) == (0.5, -0.5, "ok")
        assert found["domain_base"]["value"] == 0.5 and found["general_tuned"]["value"] == 1.0
        wrong = await client.get("/api/evaluation/compare", params={
            "domain_run": runs["math"], "general_run": runs["geo"], "base": "base", "tuned": "other",
            "metric": "exact-match"})
        assert wrong.status_code == 400 and "tuned" in wrong.json()["detail"]
    await llm.aclose()
