"""Test doubles at evaluation's process boundaries: a scripted candidate (stands in for a model server, a workflow
run or an agent app) and a scripted judge model. Both speak the Protocols of evaluation.repository."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence

from evaluation.errors import CandidateError
from evaluation.repository import Candidate, Output
from evaluation.schemas import CandidateSpec, EvalItem


class ScriptedCandidate:
    """Answers each item from a script; ``fail`` lists item ids it raises on; tracks calls and concurrency."""

    def __init__(self, answers: Mapping[str, str], fail: Sequence[str] = (), delay_s: float = 0.0,
                 tokens: tuple[int, int] = (10, 5)) -> None:
        self.answers = dict(answers)
        self.fail = set(fail)
        self.delay_s = delay_s
        self.tokens = tokens
        self.calls: list[str] = []
        self.active = 0
        self.peak = 0

    async def generate(self, item: EvalItem) -> Output:
        self.calls.append(item.item_id)
        self.active += 1
        self.peak = max(self.peak, self.active)
        try:
            await asyncio.sleep(self.delay_s)
            if item.item_id in self.fail:
                raise RuntimeError(f"upstream returned 500 for {item.item_id}")
            return Output(self.answers[item.item_id], self.tokens[0], self.tokens[1], latency_s=0.25)
        finally:
            self.active -= 1


class ScriptedFactory:
    """Builds the scripted candidate registered under each candidate_id."""

    def __init__(self, candidates: Mapping[str, Candidate]) -> None:
        self.candidates = dict(candidates)

    def build(self, spec: CandidateSpec) -> Candidate:
        try:
            return self.candidates[spec.candidate_id]
        except KeyError:
            raise CandidateError(f"candidate {spec.candidate_id!r}: no such deployment") from None


class ScriptedJudge:
    """Replies to each judge request with ``reply(messages)``; keeps the requests."""

    def __init__(self, reply: Callable[[Sequence[Mapping[str, str]]], str]) -> None:
        self.reply = reply
        self.requests: list[Sequence[Mapping[str, str]]] = []

    async def complete(self, messages: Sequence[Mapping[str, str]]) -> str:
        self.requests.append(messages)
        return self.reply(messages)
