"""Blind manual review: reviewers see each item's answers under shuffled labels (A, B) with no candidate names,
the same labels on every visit; their verdicts are mapped back to the candidates, and agreement across reviewers
is reported (models: the scripted server, test double — one always right, one half right)."""

from __future__ import annotations

from engine.spec import Services
from tests.server.conftest import asgi_client, running_app
from tests.server.evaluation_helpers import ITEMS, finished, gateway, responder, upload_set

REFERENCE = {i["id"]: i["reference"] for i in ITEMS}


async def test_reviews_are_blind_stable_and_their_agreement_is_reported(data_dir, openai_server):
    openai_server.respond_with(responder())
    llm = gateway(openai_server.url)
    async with running_app(data_dir, services=Services(llm=llm)) as app, asgi_client(app) as client:
        set_id = await upload_set(client)
        created = await client.post("/api/evaluation/runs", json={"set_id": set_id, "candidates": [
            {"kind": "model", "candidate_id": "alpha-cand", "model": "good"},
            {"kind": "model", "candidate_id": "beta-cand", "model": "bad"}]})
        run_id = created.json()["run_id"]
        assert (await finished(client, run_id))["status"] == "succeeded"

        pages = {}
        for reviewer in ("ann", "bob"):
            page = await client.get(f"/api/evaluation/runs/{run_id}/review", params={"reviewer": reviewer})
            assert page.status_code == 200
            assert "alpha-cand" not in page.text and "beta-cand" not in page.text and "good" not in page.text
            again = await client.get(f"/api/evaluation/runs/{run_id}/review", params={"reviewer": reviewer})
            assert again.json() == page.json()  # stable labels for a reviewer
            pages[reviewer] = page.json()["items"]
        assert [[a["label"] for a in item["answers"]] for item in pages["ann"]] == [["A", "B"]] * 4

        # ann passes exactly the right answers; bob also passes the wrong "Lyon" (one disagreement in 8)
        for reviewer, lenient in (("ann", set()), ("bob", {"Lyon"})):
            for item in pages[reviewer]:
                for answer in item["answers"]:
                    right = answer["output"] == REFERENCE[item["item_id"]] or answer["output"] in lenient
                    posted = await client.post(f"/api/evaluation/runs/{run_id}/reviews", json={
                        "reviewer": reviewer, "item_id": item["item_id"], "label": answer["label"],
                        "verdict": "pass" if right else "fail", "flagged": answer["output"] == "Lyon",
                        "note": "checked"})
                    assert posted.status_code == 201 and "candidate_id" not in posted.json()
        seen = (await client.get(f"/api/evaluation/runs/{run_id}/review", params={"reviewer": "ann"})).json()
        assert all(a["review"]["note"] == "checked" for item in seen["items"] for a in item["answers"])

        report = (await client.get(f"/api/evaluation/runs/{run_id}/agreement")).json()
        verdicts = report["verdict"]
        assert verdicts["reviewers"] == ["ann", "bob"] and verdicts["units"] == 8
        assert verdicts["percent"] == 7 / 8 and verdicts["method"] == "cohen"
        # kappa: observed 7/8; ann passes 6/8, bob 7/8 → expected 6/8·7/8 + 2/8·1/8 = 44/64
        assert abs(verdicts["kappa"] - (7 / 8 - 44 / 64) / (1 - 44 / 64)) < 1e-9
        summary = {c["candidate_id"]: c for c in report["candidates"]}
        assert summary["alpha-cand"]["pass_rate"] == 1.0
        assert summary["beta-cand"]["pass_rate"] == 5 / 8  # ann 2 of 4, bob 3 of 4
        assert summary["beta-cand"]["flagged"] == 2

        bad_label = await client.post(f"/api/evaluation/runs/{run_id}/reviews", json={
            "reviewer": "ann", "item_id": "q1", "label": "Z", "verdict": "pass"})
        assert bad_label.status_code == 400 and "label" in bad_label.json()["detail"]
        nothing = await client.post(f"/api/evaluation/runs/{run_id}/reviews", json={
            "reviewer": "ann", "item_id": "q1", "label": "A"})
        assert nothing.status_code == 400 and "verdict" in nothing.json()["detail"]
        unknown = await client.post(f"/api/evaluation/runs/{run_id}/reviews", json={
            "reviewer": "ann", "item_id": "zz", "label": "A", "verdict": "pass"})
        assert unknown.status_code == 400 and "item_id" in unknown.json()["detail"]
    await llm.aclose()
