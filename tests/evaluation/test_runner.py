"""The runner against the in-memory store and scripted candidates and judge: bounded concurrency, progress,
per-sample failures, cost, cancel, and resuming after a restart without redoing finished samples."""

from __future__ import annotations

import pytest

from evaluation.memory import MemoryRepository
from evaluation.runner import EvalRunner
from evaluation.schemas import (
    EvalItem,
    EvalRun,
    EvalSet,
    JudgeConfig,
    MetricSpec,
    ModelCandidate,
    SampleResult,
    WorkflowCandidate,
)
from tests.evaluation.doubles import ScriptedCandidate, ScriptedFactory, ScriptedJudge

ITEMS = [EvalItem(item_id=f"q{n}", inputs={"query": f"问题{n}"}, reference=ref, tags=[tag])
         for n, (ref, tag) in enumerate([("李白", "诗人"), ("杜甫", "诗人"), ("北京", "地理"), ("长江", "地理")])]
BASE = {"q0": "李白", "q1": "李商隐", "q2": "上海", "q3": "长江"}  # 2 of 4 right
TUNED = {"q0": "李白", "q1": "杜甫", "q2": "北京", "q3": "<think>最长的河</think>长江"}  # 4 of 4, one with reasoning


def store(*, metrics: list[MetricSpec] | None = None, judge: JudgeConfig | None = None,
          concurrency: int = 2) -> MemoryRepository:
    repo = MemoryRepository()
    repo.save_set(EvalSet(set_id="s", name="诗词与地理"), ITEMS)
    repo.save_run(EvalRun(run_id="r", set_id="s", concurrency=concurrency, judge=judge,
                          candidates=[ModelCandidate(candidate_id="base", model="qwen"),
                                      WorkflowCandidate(candidate_id="tuned", workflow_id="wf", version=2)],
                          metrics=metrics or [MetricSpec(name="exact-match"), MetricSpec(name="bleu")]))
    return repo


async def test_runs_every_candidate_on_every_item_with_bounded_concurrency() -> None:
    repo = store()
    base, tuned = ScriptedCandidate(BASE, delay_s=0.01), ScriptedCandidate(TUNED, delay_s=0.01)
    seen: list[int] = []
    run = await EvalRunner(repo, ScriptedFactory({"base": base, "tuned": tuned}),
                           on_progress=lambda r: seen.append(r.progress.done)).run("r")
    assert run.status == "succeeded" and run.error is None
    assert run.progress.total == 8 and run.progress.done == 8
    assert seen == sorted(seen) and seen[-1] == 8
    assert max(base.peak, tuned.peak) <= 2 and base.peak + tuned.peak >= 2
    scores = {(r.candidate_id, r.item_id): r.scores["exact-match"] for r in repo.results("r")}
    assert [scores[("base", i.item_id)] for i in ITEMS] == [1, 0, 0, 1]
    assert [scores[("tuned", i.item_id)] for i in ITEMS] == [1, 1, 1, 1]  # the <think> block is not scored
    assert run.cost["base"].samples == 4 and run.cost["base"].tokens_in == 40 and run.cost["base"].tokens_out == 20
    assert run.cost["tuned"].latency_s == pytest.approx(1.0) and run.cost["tuned"].wall_s > 0


async def test_a_failed_sample_is_recorded_and_retried_on_resume() -> None:
    repo = store()
    flaky = ScriptedCandidate(TUNED, fail=["q2"])
    run = await EvalRunner(repo, ScriptedFactory({"base": ScriptedCandidate(BASE), "tuned": flaky})).run("r")
    assert run.status == "succeeded" and run.progress.failed == 1 and run.cost["tuned"].errors == 1
    failed = next(r for r in repo.results("r", "tuned") if r.item_id == "q2")
    assert failed.error == "upstream returned 500 for q2" and failed.output is None and failed.scores == {}

    repo.update_run("r", status="failed")  # e.g. an operator re-queues it
    healed = ScriptedCandidate(TUNED)
    base_again = ScriptedCandidate(BASE)
    run = await EvalRunner(repo, ScriptedFactory({"base": base_again, "tuned": healed})).run("r")
    assert healed.calls == ["q2"] and base_again.calls == []
    assert run.status == "succeeded" and run.cost["tuned"].errors == 0 and run.cost["tuned"].samples == 4


async def test_resume_after_a_restart_skips_finished_samples() -> None:
    repo = store(concurrency=1)
    first = {"base": ScriptedCandidate(BASE), "tuned": ScriptedCandidate(TUNED)}
    runner = EvalRunner(repo, ScriptedFactory(first))

    def stop_after_three(run: EvalRun) -> None:
        if run.progress.done == 3:
            runner.cancel()

    runner.on_progress = stop_after_three
    run = await runner.run("r")
    assert run.status == "cancelled" and len(repo.results("r")) == 3
    # the process "restarts": a new runner and new candidates over the same store
    second = {"base": ScriptedCandidate(BASE), "tuned": ScriptedCandidate(TUNED)}
    run = await EvalRunner(repo, ScriptedFactory(second)).run("r")
    assert run.status == "succeeded" and len(repo.results("r")) == 8
    assert len(second["base"].calls) + len(second["tuned"].calls) == 5
    assert not set(first["base"].calls) & set(second["base"].calls)
    assert all("exact-match" in r.scores for r in repo.results("r"))


async def test_cancel_from_the_store_stops_the_run() -> None:
    repo = store(concurrency=1)

    class CancelsOnSecondCall(ScriptedCandidate):
        async def generate(self, item: EvalItem):  # type: ignore[no-untyped-def]
            if len(self.calls) == 1:
                repo.update_run("r", status="cancelled")  # the API cancels while the runner works
            return await super().generate(item)

    candidate = CancelsOnSecondCall(BASE)
    run = await EvalRunner(repo, ScriptedFactory({"base": candidate, "tuned": ScriptedCandidate(TUNED)})).run("r")
    assert run.status == "cancelled" and len(repo.results("r")) == 2


async def test_score_judge_and_pairwise_judge_in_a_run() -> None:
    def grader(messages) -> str:  # type: ignore[no-untyped-def]
        answer = messages[1]["content"].split("待评回答：\n")[1]
        reference = messages[1]["content"].split("参考答案：\n")[1].split("\n\n")[0]
        return '{"score": 5, "reason": "正确"}' if answer == reference else '{"score": 2, "reason": "错误"}'

    repo = store(judge=JudgeConfig(model="judge"))
    judge = ScriptedJudge(grader)
    run = await EvalRunner(repo, ScriptedFactory({"base": ScriptedCandidate(BASE), "tuned": ScriptedCandidate(TUNED)}),
                           judge_model=judge).run("r")
    assert run.status == "succeeded" and run.progress.total == 16 and run.progress.done == 16
    judged = {(r.candidate_id, r.item_id): r.scores["judge"] for r in repo.results("r")}
    assert [judged[("base", i.item_id)] for i in ITEMS] == [5, 2, 2, 5]
    assert [r.judge_reasons["judge"] for r in repo.results("r", "tuned")] == ["正确"] * 4
    # resuming a finished judgement asks the judge nothing more
    repo.update_run("r", status="running")
    await EvalRunner(repo, ScriptedFactory({"base": ScriptedCandidate(BASE), "tuned": ScriptedCandidate(TUNED)}),
                     judge_model=judge).run("r")
    assert len(judge.requests) == 8

    def prefers_the_right_answer(messages) -> str:  # type: ignore[no-untyped-def]
        text = messages[1]["content"]
        reference = text.split("参考答案：\n")[1].split("\n\n")[0]
        first = text.split("回答A：\n")[1].split("\n\n")[0]
        second = text.split("回答B：\n")[1]
        if (first == reference) == (second == reference):
            return '{"winner": "tie"}'
        return '{"winner": "A"}' if first == reference else '{"winner": "B"}'

    repo = store(judge=JudgeConfig(model="judge", mode="pairwise", baseline="base"))
    run = await EvalRunner(repo, ScriptedFactory({"base": ScriptedCandidate(BASE), "tuned": ScriptedCandidate(TUNED)}),
                           judge_model=ScriptedJudge(prefers_the_right_answer)).run("r")
    assert run.progress.total == 12 and run.progress.done == 12
    verdicts = {r.item_id: r.pairwise.verdict for r in repo.results("r", "tuned") if r.pairwise}
    assert verdicts == {"q0": "tie", "q1": "win", "q2": "win", "q3": "tie"}
    assert all(r.pairwise is None for r in repo.results("r", "base"))


@pytest.mark.parametrize(("metrics", "judge_model", "factory", "message"), [
    ([MetricSpec(name="blue")], None, None, "unknown metric 'blue'"),
    ([MetricSpec(name="length")], None, None, "give min, max or both"),
    (None, "missing", None, "has a judge (judge) but no judge model"),
    (None, None, {"base": ScriptedCandidate(BASE)}, "candidate 'tuned': no such deployment"),
], ids=["metric", "params", "judge", "candidate"])
async def test_a_run_that_cannot_start_fails_with_the_reason(metrics, judge_model, factory, message) -> None:  # type: ignore[no-untyped-def]
    repo = store(metrics=metrics, judge=JudgeConfig(model="judge") if judge_model else None)
    candidates = factory or {"base": ScriptedCandidate(BASE), "tuned": ScriptedCandidate(TUNED)}
    run = await EvalRunner(repo, ScriptedFactory(candidates)).run("r")
    assert run.status == "failed" and message in (run.error or "")


async def test_a_run_where_every_sample_fails_is_failed() -> None:
    repo = store()
    down = {"base": ScriptedCandidate(BASE, fail=list(BASE)), "tuned": ScriptedCandidate(TUNED, fail=list(TUNED))}
    run = await EvalRunner(repo, ScriptedFactory(down)).run("r")
    assert run.status == "failed" and "every sample failed; first error: upstream returned 500" in (run.error or "")


async def test_a_judge_that_is_down_leaves_errors_that_a_resume_fills_in() -> None:
    repo = store(judge=JudgeConfig(model="judge"))

    def down(messages) -> str:  # type: ignore[no-untyped-def]
        raise ConnectionError("judge endpoint refused the connection")

    factory = ScriptedFactory({"base": ScriptedCandidate(BASE), "tuned": ScriptedCandidate(TUNED)})
    run = await EvalRunner(repo, factory, judge_model=ScriptedJudge(down)).run("r")
    assert run.status == "succeeded" and run.progress.failed == 8
    reasons = {r.judge_reasons["judge"] for r in repo.results("r")}
    assert reasons == {"error: judge model failed: judge endpoint refused the connection"}
    assert all("judge" not in r.scores for r in repo.results("r"))
    repo.update_run("r", status="queued")  # run it again (a succeeded run is left as it is)
    run = await EvalRunner(repo, factory, judge_model=ScriptedJudge(lambda m: "评分：4")).run("r")
    assert all(r.scores["judge"] == 4.0 for r in repo.results("r"))


async def test_an_unexpected_failure_marks_the_run_failed_and_is_raised() -> None:
    class BrokenStore(MemoryRepository):
        def upsert_result(self, result: SampleResult) -> None:
            raise OSError("disk full")

    repo = BrokenStore()
    repo.save_set(EvalSet(set_id="s", name="x"), ITEMS)
    repo.save_run(EvalRun(run_id="r", set_id="s", candidates=[ModelCandidate(candidate_id="base", model="q")]))
    with pytest.raises(OSError):
        await EvalRunner(repo, ScriptedFactory({"base": ScriptedCandidate(BASE)})).run("r")
    stored = repo.get_run("r")
    assert stored is not None and stored.status == "failed" and stored.error == "internal error: OSError: disk full"
