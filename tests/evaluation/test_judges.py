"""LLM-as-judge against a scripted judge: reply parsing, rubrics, and pairwise position swapping."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from evaluation.errors import JudgeError
from evaluation.judges import (
    PairwiseJudge,
    ScoreJudge,
    default_rubric,
    parse_score,
    parse_winner,
    position_bias_rate,
    win_rate,
)
from evaluation.schemas import EvalItem
from tests.evaluation.doubles import ScriptedJudge

ITEM = EvalItem(item_id="1", inputs={"query": "《静夜思》的作者是谁？"}, reference="李白")


@pytest.mark.parametrize(("reply", "score", "reason"), [
    ('{"score": 4, "reason": "基本正确"}', 4.0, "基本正确"),
    ('好的。\n```json\n{"score": 5, "reason": "完全正确"}\n```', 5.0, "完全正确"),
    ('{"评分": 3, "理由": "有遗漏"}', 3.0, "有遗漏"),
    ("评分：2\n理由：答非所问", 2.0, "评分：2\n理由：答非所问"),
    ("I would give it 4/5.", 4.0, "I would give it 4/5."),
    ("这个回答可以得3分。", 3.0, "这个回答可以得3分。"),
    ("Score: **5**", 5.0, "Score: **5**"),
    ("1", 1.0, "1"),
], ids=["json", "fenced", "zh-keys", "zh-text", "slash", "fen", "markdown", "bare"])
def test_parse_score(reply: str, score: float, reason: str) -> None:
    assert parse_score(reply) == (score, reason)


@pytest.mark.parametrize(("reply", "message"), [
    ("我觉得还行", "has no score from 1 to 5: '我觉得还行'"),
    ('{"score": 9, "reason": "x"}', "score 9 is outside 1–5"),
    ('{"score": "high"}', "score 'high' is not a number"),
    ("共10分", "has no score"),
], ids=["no-number", "out-of-range", "not-number", "ten"])
def test_unparseable_scores_are_clear_errors(reply: str, message: str) -> None:
    with pytest.raises(JudgeError) as info:
        parse_score(reply)
    assert message in str(info.value)


@pytest.mark.parametrize(("reply", "winner"), [
    ('{"winner": "A", "reason": "更完整"}', "A"),
    ('{"winner": "b"}', "B"),
    ('{"winner": "tie"}', "tie"),
    ("[[B]]", "B"),
    ("回答A更好，因为……", "A"),
    ("Winner: B", "B"),
    ("两者同样好，平局。", "tie"),
], ids=["json-a", "json-b", "json-tie", "brackets", "zh", "en", "zh-tie"])
def test_parse_winner(reply: str, winner: str) -> None:
    assert parse_winner(reply)[0] == winner


def test_unparseable_winner() -> None:
    with pytest.raises(JudgeError, match="names no winner"):
        parse_winner("都不错")
    with pytest.raises(JudgeError, match="is not A, B or tie"):
        parse_winner('{"winner": "C+"}')


async def test_score_judge_sends_rubric_question_reference_and_answer() -> None:
    judge_model = ScriptedJudge(lambda messages: '{"score": 5, "reason": "与参考答案一致"}')
    result = await ScoreJudge(judge_model).score(ITEM, "李白")
    assert (result.score, result.reason) == (5.0, "与参考答案一致")
    system, user = judge_model.requests[0]
    assert default_rubric("score", "zh") in system["content"] and '"score"' in system["content"]
    assert "《静夜思》的作者是谁？" in user["content"] and "参考答案：\n李白" in user["content"]


async def test_edited_rubric_and_english() -> None:
    judge_model = ScriptedJudge(lambda messages: "Score: 2")
    judge = ScoreJudge(judge_model, rubric="Only brevity matters.", language="en")
    assert (await judge.score(ITEM, "Li Bai, a Tang poet")).score == 2.0
    assert "Only brevity matters." in judge_model.requests[0][0]["content"]
    assert "Reference answer:" in judge_model.requests[0][1]["content"].replace("：", ":")


def _answers(messages: Sequence[Mapping[str, str]]) -> tuple[str, str]:
    text = messages[1]["content"]
    a = text.split("回答A：\n")[1].split("\n\n回答B")[0]
    b = text.split("回答B：\n")[1]
    return a, b


async def test_pairwise_judges_both_orders() -> None:
    # a fair judge: prefers the answer that says 李白 wherever it stands
    fair = ScriptedJudge(lambda m: '{"winner": "A"}' if "李白" in _answers(m)[0] else '{"winner": "B"}')
    outcome = await PairwiseJudge(fair).compare(ITEM, "李白", "杜甫")
    assert (outcome.verdict, outcome.consistent, outcome.first, outcome.second) == ("win", True, "win", "win")
    assert [_answers(m) for m in fair.requests] == [("李白", "杜甫"), ("杜甫", "李白")]
    losing = await PairwiseJudge(fair).compare(ITEM, "杜甫", "李白")
    assert losing.verdict == "loss" and losing.consistent


async def test_position_biased_judge_gives_ties_and_a_bias_rate() -> None:
    always_a = ScriptedJudge(lambda m: '{"winner": "A", "reason": "A 在前"}')
    judge = PairwiseJudge(always_a)
    outcomes = [await judge.compare(ITEM, "李白", "杜甫"), await judge.compare(ITEM, "杜甫", "李白")]
    assert [(o.verdict, o.consistent, o.first, o.second) for o in outcomes] == [
        ("tie", False, "win", "loss"), ("tie", False, "win", "loss")]
    assert position_bias_rate(outcomes) == 1.0
    assert win_rate(outcomes) == {"win": 0.0, "tie": 1.0, "loss": 0.0, "score": 0.5}
    assert position_bias_rate([]) is None
