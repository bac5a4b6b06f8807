"""The server's side of evaluation candidates (``evaluation.repository.CandidateFactory``) and judge model: a
model is called through the gateway by its deployment or registered-endpoint name; a workflow runs at a published
version or its draft through the run manager (the answer is the end node's named output, else ``answer``, else
its only output); an agent app answers one turn of its loop, draft or published. Each answer carries its tokens
and latency."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from agents.loop import Turn
from agents.spec import AgentConfig
from engine.errors import DefinitionError
from engine.graph import validate
from evaluation.errors import CandidateError, JudgeError
from evaluation.repository import Candidate, Output
from evaluation.schemas import AgentCandidate, CandidateSpec, EvalItem, ModelCandidate, WorkflowCandidate
from modelhub.gateway import Gateway, ModelError
from server.agents.skills import resolve
from server.agents.store import agent_store
from server.errors import NotFoundError
from server.runs import RunRequest
from server.state import AppState

RUN_SOURCE = "evaluation"


def gateway_of(state: AppState) -> Gateway:
    gateway = state.services.llm
    if not isinstance(gateway, Gateway):
        raise CandidateError("no model gateway is configured on this server")
    return gateway


def model_messages(item: EvalItem, system_prompt: str | None) -> list[dict[str, Any]]:
    """The chat messages for one item: the system prompt (the candidate's, else the item's), its history, its query."""
    system = system_prompt if system_prompt is not None else item.inputs.get("system")
    messages: list[dict[str, Any]] = [{"role": "system", "content": str(system)}] if system else []
    history = item.inputs.get("history") or []
    if not isinstance(history, list):
        raise CandidateError(f"item {item.item_id!r}: 'history' must be a list of {{role, content}} messages")
    messages += [{"role": str(m.get("role")), "content": str(m.get("content", ""))} for m in history
                 if isinstance(m, dict)]
    return [*messages, {"role": "user", "content": query_of(item)}]


def query_of(item: EvalItem) -> str:
    """The question a model or agent is asked: the ``query`` input, else the item's only input."""
    if "query" in item.inputs:
        return str(item.inputs["query"])
    others = [k for k in item.inputs if k not in ("history", "system")]
    if len(others) == 1:
        return str(item.inputs[others[0]])
    raise CandidateError(f"item {item.item_id!r} has no 'query' input (inputs: {', '.join(item.inputs) or 'none'})")


def answer_of(outputs: Mapping[str, Any], wanted: str | None) -> str:
    """The answer among a workflow's outputs: the named one, else ``answer``, else the only one."""
    if wanted is not None:
        if wanted not in outputs:
            raise CandidateError(f"the workflow has no output {wanted!r} (outputs: {', '.join(outputs) or 'none'})")
        value = outputs[wanted]
    elif "answer" in outputs:
        value = outputs["answer"]
    elif len(outputs) == 1:
        value = next(iter(outputs.values()))
    else:
        raise CandidateError("the workflow has several outputs and none is 'answer'; name the one to score "
                             f"(output: one of {', '.join(outputs) or 'none'})")
    return value if isinstance(value, str) else "" if value is None else str(value)


def start_variables(definition: dict[str, Any]) -> list[str]:
    """The names of the variables a workflow's start node declares."""
    for node in definition.get("nodes") or []:
        if isinstance(node, dict) and node.get("type") == "start":
            variables = (node.get("config") or {}).get("variables") or []
            return [str(v.get("name")) for v in variables if isinstance(v, dict)]
    return []


def workflow_inputs(item: EvalItem, declared: list[str]) -> dict[str, Any]:
    """An item's inputs as a workflow's start variables: ``history`` and ``system`` (a dialogue's context) only
    when declared, and ``query`` into the only variable when that one has another name. Any other undeclared
    input is passed on, so the run names it."""
    inputs = {k: v for k, v in item.inputs.items() if k in declared or k not in ("history", "system")}
    if "query" in inputs and "query" not in declared and len(declared) == 1 and declared[0] not in inputs:
        inputs[declared[0]] = inputs.pop("query")
    return inputs


class ModelAnswer:
    """A deployed model or registered endpoint, called through the gateway."""

    def __init__(self, gateway: Gateway, spec: ModelCandidate):
        self.gateway, self.spec = gateway, spec

    async def generate(self, item: EvalItem) -> Output:
        result = await self.gateway.chat(self.spec.model, model_messages(item, self.spec.system_prompt),
                                         dict(self.spec.params))
        return Output(result.text, result.usage.prompt_tokens, result.usage.completion_tokens,
                      result.latency_ms / 1000)


class WorkflowAnswer:
    """A workflow at one version (or its draft), run once per item through the run manager."""

    def __init__(self, state: AppState, spec: WorkflowCandidate, definition: dict[str, Any]):
        self.state, self.spec, self.definition = state, spec, definition
        try:
            self.graph = validate(definition, state.catalog, state.services)
        except DefinitionError as exc:
            issues = "; ".join(f"{i.node_id}: {i.message}" for i in exc.issues[:3])
            raise CandidateError(f"workflow {spec.workflow_id!r} cannot run: {issues or exc}") from None
        self.chat = definition.get("mode") == "chat"
        self.declared = start_variables(definition)

    async def generate(self, item: EvalItem) -> Output:
        sys: dict[str, Any] = {}
        if self.chat:
            sys = {"query": query_of(item), "history": item.inputs.get("history") or []}
            inputs = {k: v for k, v in item.inputs.items() if k in self.declared}
        else:
            inputs = workflow_inputs(item, self.declared)
        request = RunRequest(workflow_id=self.spec.workflow_id, graph=self.graph, definition=self.definition,
                             inputs=inputs, source=RUN_SOURCE, version=self.spec.version, sys=sys)
        started = time.monotonic()
        live = await self.state.runs.start(request)
        final = await self.state.runs.wait(live)
        if final.get("status") != "succeeded":
            raise CandidateError(f"the workflow run {final.get('run_id')} {final.get('status')}: "
                                 f"{final.get('error') or 'no error given'}")
        usage = final.get("usage") or {}
        return Output(answer_of(final.get("outputs") or {}, self.spec.output), int(usage.get("prompt_tokens", 0)),
                      int(usage.get("completion_tokens", 0)), time.monotonic() - started)


class AgentAnswer:
    """An agent app (its draft or published config) answering each item as a fresh one-turn conversation."""

    def __init__(self, state: AppState, spec: AgentCandidate, config: AgentConfig):
        self.state, self.spec, self.config = state, spec, config
        self._tools: Any = None

    async def generate(self, item: EvalItem) -> Output:
        if self._tools is None:
            self._tools = await resolve(self.state, self.config, None)
        history = item.inputs.get("history") or []
        started = time.monotonic()
        turn = Turn(self.config, self.state.services.llm, self._tools, knowledge=self.state.services.knowledge,
                    emit=lambda kind, /, **fields: None)
        result = await turn.run(query_of(item), history if isinstance(history, list) else [], [])
        if result.status != "succeeded":
            raise CandidateError(f"the agent turn {result.status}: {result.error or 'no error given'}")
        return Output(result.answer, result.usage.prompt_tokens, result.usage.completion_tokens,
                      time.monotonic() - started)


class ServerCandidates:
    """``CandidateFactory``: resolves a candidate's names to a model, a workflow version or an agent app."""

    def __init__(self, state: AppState):
        self.state = state

    def build(self, spec: CandidateSpec) -> Candidate:
        if isinstance(spec, ModelCandidate):
            return self._model(spec)
        if isinstance(spec, WorkflowCandidate):
            return WorkflowAnswer(self.state, spec, self.workflow_definition(spec.workflow_id, spec.version))
        return AgentAnswer(self.state, spec, self._agent(spec))

    def _model(self, spec: ModelCandidate) -> ModelAnswer:
        gateway = gateway_of(self.state)
        if spec.version is not None:
            raise CandidateError(f"candidate {spec.candidate_id!r}: a model is called by its deployment or endpoint "
                                 "name; name the deployment serving the version instead of giving 'version'")
        try:
            gateway.resolve(spec.model)
        except ModelError as exc:
            raise CandidateError(f"candidate {spec.candidate_id!r}: {exc}") from None
        return ModelAnswer(gateway, spec)

    def workflow_definition(self, workflow_id: str, version: int | None) -> dict[str, Any]:
        try:
            if version is None:
                return dict(self.state.store.get_workflow(workflow_id).definition)
            return dict(self.state.store.get_version(workflow_id, version).definition)
        except NotFoundError as exc:
            raise CandidateError(str(exc)) from None

    def _agent(self, spec: AgentCandidate) -> AgentConfig:
        agents = agent_store(self.state.store)
        try:
            row = agents.get(spec.app_id)
        except NotFoundError as exc:
            raise CandidateError(str(exc)) from None
        if spec.version is None:
            return AgentConfig.model_validate(row.config)
        if row.published is None or row.version != spec.version:
            raise CandidateError(f"agent app {spec.app_id!r} has no published version {spec.version} "
                                 f"(published: {row.version or 'none'})")
        return AgentConfig.model_validate(row.published)


class GatewayJudge:
    """``JudgeModel``: a chat model of the gateway, deterministic (temperature 0)."""

    def __init__(self, gateway: Gateway, model: str):
        self.gateway, self.model = gateway, model

    async def complete(self, messages: Sequence[Mapping[str, str]]) -> str:
        try:
            result = await self.gateway.chat(self.model, [dict(m) for m in messages], {"temperature": 0})
        except ModelError as exc:
            raise JudgeError(f"the judge model {self.model!r} failed: {exc}") from None
        return result.text
