"""LLM-as-judge, in the two modes the seeds describe (000 ch. 3, 基于大模型的评测: 评分模式与对比模式).

- **Scoring**: the judge reads the question, the reference (when there is one) and the answer, and gives a score
  from 1 to 5 with its reasons. The rubric (what makes a 5 or a 1) is editable; the reply format is fixed by the
  frame around it so it can be parsed: JSON ``{"score": n, "reason": "..."}`` first, then a bare score
  ("评分：4", "4分", "Score: 4/5").
- **Pairwise**: the judge compares answer A with answer B. Each pair is judged twice with the positions swapped;
  when the two orders disagree the verdict is a tie, and the share of such pairs is the position-bias rate.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from evaluation.errors import JudgeError
from evaluation.repository import JudgeModel
from evaluation.schemas import EvalItem, JudgeMode, Language, PairVerdict, PairwiseOutcome

Winner = Literal["A", "B", "tie"]

DEFAULT_RUBRICS: dict[tuple[JudgeMode, Language], str] = {
    ("score", "zh"): (
        "请从正确性、完整性、相关性和表达四个方面评价回答：\n"
        "5分：完全正确、完整，紧扣问题，表达清晰；\n"
        "4分：基本正确，有少量遗漏或表达瑕疵；\n"
        "3分：部分正确，有明显遗漏或无关内容；\n"
        "2分：大部分错误或答非所问，仅少量可用信息；\n"
        "1分：完全错误、有害，或没有回答问题。\n"
        "有参考答案时，以参考答案为准判断事实是否正确，但不要求措辞一致。"),
    ("score", "en"): (
        "Judge the answer on correctness, completeness, relevance and clarity:\n"
        "5: fully correct and complete, on topic, clearly written;\n"
        "4: mostly correct, with small omissions or wording flaws;\n"
        "3: partly correct, with clear omissions or off-topic content;\n"
        "2: mostly wrong or off the question, little usable information;\n"
        "1: wrong, harmful, or does not answer the question.\n"
        "When a reference answer is given, use it to decide what is factually correct; wording need not match."),
    ("pairwise", "zh"): (
        "请比较两个回答哪个更好：更正确、更完整、更紧扣问题、表达更清晰者胜。"
        "不要因为回答的先后顺序或长短而偏向任何一方；两者同样好或同样差时判为平局。"),
    ("pairwise", "en"): (
        "Decide which answer is better: more correct, more complete, more on point and clearer wins. "
        "Do not favour an answer for its position or its length; call it a tie when both are equally good or bad."),
}

_SCORE_FRAME = {
    "zh": "你是一名严格、公正的评测员。\n{rubric}\n\n只输出一个 JSON 对象："
          "{{\"score\": 1到5的整数, \"reason\": \"评分理由\"}}",
    "en": "You are a strict, fair evaluator.\n{rubric}\n\nReply with one JSON object only: "
          "{{\"score\": an integer from 1 to 5, \"reason\": \"why\"}}",
}
_PAIR_FRAME = {
    "zh": "你是一名严格、公正的评测员。\n{rubric}\n\n只输出一个 JSON 对象：{{\"winner\": \"A\" 或 \"B\" 或 \"tie\", "
          "\"reason\": \"理由\"}}",
    "en": "You are a strict, fair evaluator.\n{rubric}\n\nReply with one JSON object only: "
          "{{\"winner\": \"A\" or \"B\" or \"tie\", \"reason\": \"why\"}}",
}
_LABELS = {
    "zh": {"question": "问题", "reference": "参考答案", "answer": "待评回答", "A": "回答A", "B": "回答B"},
    "en": {"question": "Question", "reference": "Reference answer", "answer": "Answer to judge",
           "A": "Answer A", "B": "Answer B"},
}


def default_rubric(mode: JudgeMode, language: Language = "zh") -> str:
    return DEFAULT_RUBRICS[(mode, language)]


def question_text(item: EvalItem) -> str:
    """What the candidate was asked: the ``query`` input, else every input as JSON."""
    query = item.inputs.get("query")
    if isinstance(query, str) and set(item.inputs) <= {"query", "history", "system"}:
        return query
    return json.dumps(item.inputs, ensure_ascii=False)


def _excerpt(reply: str, limit: int = 200) -> str:
    flat = " ".join(reply.split())
    return flat if len(flat) <= limit else flat[:limit] + "…"


def _json_objects(reply: str) -> Iterable[dict[str, Any]]:
    decoder = json.JSONDecoder()
    for start in [match.start() for match in re.finditer(r"\{", reply)]:
        try:
            value, _ = decoder.raw_decode(reply[start:])
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            yield value


_SCORE_KEYS = ("score", "rating", "分数", "评分", "得分")
_SCORE_TEXT = [re.compile(pattern, re.IGNORECASE) for pattern in (
    r"(?:score|rating|评分|分数|得分)\s*[:：=是为]?\s*\**\s*([1-5](?:\.\d+)?)(?!\d)",
    r"(?<![\d.])([1-5](?:\.\d+)?)\s*(?:/\s*5|分)(?!\d)",
    r"^\s*\**([1-5])\**\s*$",
)]


def parse_score(reply: str) -> tuple[float, str]:
    """(score 1–5, reason) from a judge's reply; :class:`JudgeError` quoting the reply when there is none."""
    for found in _json_objects(reply):
        for key in _SCORE_KEYS:
            if key in found:
                try:
                    value = float(found[key])
                except (TypeError, ValueError):
                    raise JudgeError(f"the judge's score {found[key]!r} is not a number: {_excerpt(reply)!r}") from None
                if not 1 <= value <= 5:
                    raise JudgeError(f"the judge's score {value:g} is outside 1–5: {_excerpt(reply)!r}")
                reason = found.get("reason", found.get("reasons", found.get("理由", "")))
                return value, str(reason)
    for pattern in _SCORE_TEXT:
        match = pattern.search(reply)
        if match:
            return float(match.group(1)), reply.strip()
    raise JudgeError(f"the judge's reply has no score from 1 to 5: {_excerpt(reply)!r}")


_WINNER_TEXT = [
    (re.compile(r"\[\[\s*(A|B|tie|C)\s*\]\]", re.IGNORECASE), None),
    (re.compile(r"(?:winner|胜者|更好的是|获胜)\s*[:：是为]?\s*(?:回答|answer)?\s*([AB])\b", re.IGNORECASE), None),
    (re.compile(r"(?:回答|answer)\s*([AB])\s*(?:更好|胜|is better|wins)", re.IGNORECASE), None),
    (re.compile(r"平局|打平|tie\b|draw\b|同样好|一样好", re.IGNORECASE), "tie"),
]


def _winner(token: str) -> Winner | None:
    text = token.strip().upper()
    if text == "A":
        return "A"
    if text == "B":
        return "B"
    return "tie" if text in ("TIE", "C", "DRAW", "平局", "NONE") else None


def parse_winner(reply: str) -> tuple[Winner, str]:
    """("A" | "B" | "tie", reason) from a pairwise judge's reply; :class:`JudgeError` when it names no winner."""
    for found in _json_objects(reply):
        raw = found.get("winner", found.get("胜者"))
        if raw is not None:
            winner = _winner(str(raw))
            if winner is not None:
                return winner, str(found.get("reason", found.get("理由", "")))
            raise JudgeError(f"the judge's winner {raw!r} is not A, B or tie: {_excerpt(reply)!r}")
    for pattern, fixed in _WINNER_TEXT:
        match = pattern.search(reply)
        if match:
            return _winner(fixed or match.group(1)) or "tie", reply.strip()
    raise JudgeError(f"the judge's reply names no winner (A, B or tie): {_excerpt(reply)!r}")


@dataclass(frozen=True)
class JudgeScore:
    score: float
    reason: str


class ScoreJudge:
    """Scores one answer from 1 to 5 with reasons."""

    def __init__(self, model: JudgeModel, rubric: str | None = None, language: Language = "zh") -> None:
        self.model = model
        self.language = language
        self.rubric = rubric or default_rubric("score", language)

    def messages(self, item: EvalItem, answer: str) -> list[dict[str, str]]:
        names = _LABELS[self.language]
        parts = [f"{names['question']}：\n{question_text(item)}"]
        if item.reference:
            parts.append(f"{names['reference']}：\n{item.reference}")
        parts.append(f"{names['answer']}：\n{answer}")
        return [{"role": "system", "content": _SCORE_FRAME[self.language].format(rubric=self.rubric)},
                {"role": "user", "content": "\n\n".join(parts)}]

    async def score(self, item: EvalItem, answer: str) -> JudgeScore:
        reply = await self.model.complete(self.messages(item, answer))
        value, reason = parse_score(reply)
        return JudgeScore(value, reason)


def _from_candidate(winner: Winner, candidate_is: Literal["A", "B"]) -> PairVerdict:
    if winner == "tie":
        return "tie"
    return "win" if winner == candidate_is else "loss"


class PairwiseJudge:
    """Compares a candidate's answer with the baseline's, in both orders."""

    def __init__(self, model: JudgeModel, rubric: str | None = None, language: Language = "zh") -> None:
        self.model = model
        self.language = language
        self.rubric = rubric or default_rubric("pairwise", language)

    def messages(self, item: EvalItem, first: str, second: str) -> list[dict[str, str]]:
        names = _LABELS[self.language]
        parts = [f"{names['question']}：\n{question_text(item)}"]
        if item.reference:
            parts.append(f"{names['reference']}：\n{item.reference}")
        parts += [f"{names['A']}：\n{first}", f"{names['B']}：\n{second}"]
        return [{"role": "system", "content": _PAIR_FRAME[self.language].format(rubric=self.rubric)},
                {"role": "user", "content": "\n\n".join(parts)}]

    async def compare(self, item: EvalItem, answer: str, baseline: str) -> PairwiseOutcome:
        """The candidate's verdict against the baseline: judged as A, then as B; disagreement is a tie."""
        first_reply = await self.model.complete(self.messages(item, answer, baseline))
        second_reply = await self.model.complete(self.messages(item, baseline, answer))
        first_winner, first_reason = parse_winner(first_reply)
        second_winner, second_reason = parse_winner(second_reply)
        first = _from_candidate(first_winner, "A")
        second = _from_candidate(second_winner, "B")
        return PairwiseOutcome(verdict=first if first == second else "tie", consistent=first == second,
                               first=first, second=second, reasons=[first_reason, second_reason])


def position_bias_rate(outcomes: Sequence[PairwiseOutcome]) -> float | None:
    """The share of pairs whose verdict changed when the positions were swapped (None without pairs)."""
    if not outcomes:
        return None
    return sum(not outcome.consistent for outcome in outcomes) / len(outcomes)


def win_rate(outcomes: Sequence[PairwiseOutcome]) -> Mapping[str, float]:
    """Shares of wins, ties and losses, and the win rate counting a tie as half."""
    total = len(outcomes) or 1
    wins = sum(o.verdict == "win" for o in outcomes)
    ties = sum(o.verdict == "tie" for o in outcomes)
    losses = sum(o.verdict == "loss" for o in outcomes)
    return {"win": wins / total, "tie": ties / total, "loss": losses / total, "score": (wins + ties / 2) / total}
