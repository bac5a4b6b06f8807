"""Evaluation page: upload a set, run two models (the scripted OpenAI-compatible server, test double: the
configured ``default`` model always right, a registered endpoint half right) with exact match and a judge whose
rubric is edited, see the scores with intervals and per tag, the samples side by side with the judge's reasons,
export, and review blind."""

from __future__ import annotations

import json

import httpx
import pytest
from playwright.sync_api import expect

from tests.doubles.openai_server import Reply, last_user_message
from tests.server.evaluation_helpers import BAD, GOOD, ITEMS, jsonl

pytestmark = pytest.mark.e2e
RUBRIC = "Give 5 when the answer equals the reference."


def respond(body: dict) -> Reply:
    user = last_user_message(body)
    system = str((body.get("messages") or [{}])[0].get("content", ""))
    if RUBRIC in system:  # the judge: question, reference, answer
        parts = [part.split("\n", 1)[-1] for part in user.split("\n\n")]
        right = len(parts) == 3 and parts[1] == parts[2]
        return Reply(json.dumps({"score": 5 if right else 1, "reason": "matches" if right else "differs"}))
    return Reply((BAD if body.get("model") == "bad-m" else GOOD).get(user, "?"))


def test_create_set_run_see_scores_and_review(page, loom_server, model_server, tmp_path):
    model_server.respond_with(respond)
    registered = httpx.post(f"{loom_server}/api/models", json={
        "kind": "endpoint", "name": "bad", "base_url": model_server.url, "model": "bad-m"})
    assert registered.status_code == 201, registered.text
    data = tmp_path / "quiz.jsonl"
    data.write_bytes(jsonl(ITEMS))

    page.goto("/evaluation")
    page.get_by_test_id("set-name").fill("quiz")
    page.get_by_test_id("set-file").set_input_files(str(data))
    page.get_by_test_id("set-upload").click()
    expect(page.get_by_test_id("set-quiz")).to_contain_text("4 items")

    form = page.get_by_test_id("new-run")
    form.get_by_test_id("run-name").fill("e2e")
    form.get_by_test_id("candidate-0").get_by_test_id("candidate-ref").select_option("default")
    form.get_by_test_id("add-candidate").click()
    form.get_by_test_id("candidate-1").get_by_test_id("candidate-ref").select_option("bad")
    form.get_by_test_id("judge-on").check()
    form.get_by_test_id("judge-model").select_option("default")
    form.get_by_test_id("judge-rubric").fill(RUBRIC)
    form.get_by_test_id("run-start").click()

    view = page.get_by_test_id("run-view")
    expect(view.get_by_test_id("run-status")).to_have_text("succeeded", timeout=60_000)
    expect(view.get_by_test_id("run-progress")).to_have_text("16/16")
    expect(view.get_by_test_id("aggregates").get_by_test_id("score-exact-match-m1")).to_contain_text("1.000")
    expect(view.get_by_test_id("aggregates").get_by_test_id("score-exact-match-m2")).to_contain_text("0.500 [")
    expect(view.get_by_test_id("aggregates").get_by_test_id("score-judge-m2")).to_contain_text("3.000")
    expect(view.get_by_test_id("tag-table-geo").get_by_test_id("score-exact-match-m2")).to_contain_text("0.500")
    cell = view.get_by_test_id("output-q3-m2")
    expect(cell).to_contain_text("Lyon")
    expect(cell).to_contain_text("differs")

    with page.expect_download() as download:
        view.get_by_test_id("export-csv").click()
    assert "Lyon" in download.value.path().read_text(encoding="utf-8-sig")

    view.get_by_test_id("tab-review").click()
    view.get_by_test_id("reviewer").fill("ann")
    view.get_by_test_id("review-open").click()
    item = view.get_by_test_id("review-item")
    expect(item).to_contain_text("1+1=?")
    expect(item).not_to_contain_text("default")
    expect(item).not_to_contain_text("bad")
    item.get_by_test_id("pass-A").click()
    item.get_by_test_id("pass-B").click()
    expect(item.get_by_test_id("pass-B")).to_be_disabled()
    expect(view.get_by_test_id("agreement")).to_contain_text("Reviewers: ann")
    reviews = httpx.get(f"{loom_server}/api/evaluation/runs").json()["items"][0]["run_id"]
    summary = httpx.get(f"{loom_server}/api/evaluation/runs/{reviews}/agreement").json()["candidates"]
    assert sorted((c["candidate_id"], c["pass_rate"]) for c in summary) == [("m1", 1.0), ("m2", 1.0)]


def test_gate_a_workflow_and_evaluate_its_draft_before_publishing(page, loom_server, tmp_path):
    from tests.helpers import chain, end, start, workflow

    echo = workflow([start("query"), end(answer="start.query")], chain("start", "end"), name="echo")
    wf = httpx.post(f"{loom_server}/api/workflows", json=echo).json()["id"]
    assert httpx.post(f"{loom_server}/api/workflows/{wf}/publish", json={}).status_code == 201
    items = [{"id": "a", "query": "4", "reference": "4"}, {"id": "b", "query": "x", "reference": "4"}]
    uploaded = httpx.post(f"{loom_server}/api/evaluation/sets", files={"file": ("gate.jsonl", jsonl(items))},
                          data={"name": "gate"})
    assert uploaded.status_code == 201

    page.goto("/evaluation")
    panel = page.get_by_test_id("gate-panel")
    panel.get_by_test_id("gate-workflow").select_option(label="echo")
    expect(panel.get_by_test_id("gate-state")).to_have_text("Not gated.")
    panel.get_by_test_id("gate-set").select_option(label="gate")
    panel.get_by_test_id("gate-save").click()
    expect(panel.get_by_test_id("gate-state")).to_contain_text("exact-match of the draft")
    refused = httpx.post(f"{loom_server}/api/workflows/{wf}/publish", json={})
    assert refused.status_code == 409 and "gates" in refused.json()["detail"]

    panel.get_by_test_id("gate-run").click()
    view = page.get_by_test_id("run-view")
    expect(view.get_by_test_id("run-status")).to_have_text("succeeded", timeout=60_000)
    expect(view.get_by_test_id("aggregates").get_by_test_id("score-exact-match-draft")).to_contain_text("0.500")
    assert httpx.post(f"{loom_server}/api/workflows/{wf}/publish", json={}).status_code == 201
