"""The agent loop: ask the model, run the tools it calls (concurrently), feed the results back, repeat until
an answer or the step limit. Every model call and tool call is recorded in the turn's trace and emitted as an
event while it happens.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agents import react
from agents.model_client import chat_tools
from agents.spec import AgentConfig
from agents.tools import AgentTool, ToolFailed, render_result, search
from engine.spec import Usage
from modelhub.gateway import ChatResult

log = logging.getLogger(__name__)
Emit = Callable[..., None]  # emit(event_type, /, **fields)


@dataclass
class TurnResult:
    """How a turn ended: ``succeeded``, ``failed`` (model error) or ``step_limit``; with its trace."""

    status: str
    answer: str
    error: str | None
    usage: Usage
    trace: list[dict[str, Any]] = field(default_factory=list)
    elapsed_ms: float = 0.0


def step_limit_message(max_steps: int) -> str:
    return (f"I stopped after {max_steps} tool step(s) without reaching an answer (this app's limit, "
            "max_steps). Please narrow the question or raise the limit.")


class Turn:
    """One user message answered by the agent."""

    def __init__(self, config: AgentConfig, gateway: Any, tools: list[AgentTool], *, knowledge: Any = None,
                 emit: Emit | None = None):
        self.config = config
        self.gateway = gateway
        self.tools = {t.name: t for t in tools}
        self.knowledge = knowledge
        self.emit: Emit = emit or (lambda kind, /, **fields: None)
        self.trace: list[dict[str, Any]] = []
        self.usage = Usage()

    async def run(self, query: str, history: list[dict[str, str]], files: list[dict[str, Any]] | None = None
                  ) -> TurnResult:
        started = time.perf_counter()
        try:
            messages = await self._opening(query, history, files or [])
            status, answer = await self._loop(messages)
            error = None
        except Exception as exc:  # a model or retrieval failure ends the turn with its message
            if not _expected(exc):
                log.exception("agent turn crashed")
            status, answer, error = "failed", "", str(exc) or type(exc).__name__
        elapsed = round((time.perf_counter() - started) * 1000, 3)
        return TurnResult(status, answer, error, self.usage, self.trace, elapsed)

    # -- messages ---------------------------------------------------------------------------------------
    async def _opening(self, query: str, history: list[dict[str, str]], files: list[dict[str, Any]]
                       ) -> list[dict[str, Any]]:
        system = self.config.persona.strip()
        if self.config.tool_calling == "react" and self.tools:
            system = (system + "\n\n" if system else "") + react.prompt(list(self.tools.values()))
        messages: list[dict[str, Any]] = [{"role": "system", "content": system}] if system else []
        knowledge = self.config.knowledge
        if knowledge.knowledge_bases and knowledge.mode == "auto":
            references = await self._retrieve(query)
            if references:
                text = "\n\n".join(f"[{i}] ({r['document']}) {r['content']}" for i, r in enumerate(references, 1))
                messages.append({"role": "system", "content": "Use the following reference material where it "
                                 f"helps, and say when it does not cover the question.\n<references>\n{text}\n"
                                 "</references>"})
        if files:
            listed = json.dumps([{k: f.get(k) for k in ("name", "file_id", "mime_type") if f.get(k)} for f in files],
                                ensure_ascii=False)
            messages.append({"role": "system", "content": "The user attached these files; pass one as is to a "
                             f"tool parameter that takes a file: {listed}"})
        window = history[len(history) - 2 * self.config.memory_window:] if self.config.memory_window else []
        return messages + window + [{"role": "user", "content": query}]

    async def _retrieve(self, query: str) -> list[dict[str, Any]]:
        started = time.perf_counter()
        hits = await search(self.config.knowledge, self.knowledge, query)
        step = {"kind": "retrieval", "query": query, "knowledge_bases": self.config.knowledge.knowledge_bases,
                "hits": hits, "elapsed_ms": _ms(started)}
        self.trace.append(step)
        self.emit("retrieval", **step)
        return hits

    # -- the loop ---------------------------------------------------------------------------------------
    async def _loop(self, messages: list[dict[str, Any]]) -> tuple[str, str]:
        native = self.config.tool_calling == "native"
        for step in range(1, self.config.max_steps + 2):
            reply = await self._ask(step, messages, native)
            calls = reply.tool_calls if native else react.parse(reply.text, step).calls
            if not calls:
                answer = reply.text if native else react.parse(reply.text, step).answer or ""
                if not native:  # ReAct text is not streamed (it holds the thoughts); send the answer whole
                    self.emit("text_chunk", step=step, delta=answer)
                return "succeeded", answer
            if step > self.config.max_steps:
                break
            results = await asyncio.gather(*(self._call_tool(step, call) for call in calls))
            if native:
                messages.append({"role": "assistant", "content": reply.text or None, "tool_calls": calls})
                messages.extend({"role": "tool", "tool_call_id": call_id, "content": text}
                                for call_id, _, text in results)
            else:
                messages.append({"role": "assistant", "content": reply.text})
                messages.append(react.observation([(name, text) for _, name, text in results]))
        message = step_limit_message(self.config.max_steps)
        self.emit("text_chunk", step=self.config.max_steps + 1, delta=message)
        return "step_limit", message

    async def _ask(self, step: int, messages: list[dict[str, Any]], native: bool) -> ChatResult:
        params = self.config.params.model_dump(exclude_none=True)
        tools = [t.schema() for t in self.tools.values()] if native and self.tools else None
        if not native and self.tools:
            params["stop"] = react.STOP
        record: dict[str, Any] = {"kind": "model", "step": step, "model": self.config.model,
                                  "messages": list(messages), "tools": [t for t in self.tools] if tools else []}
        self.emit("model_started", step=step, model=self.config.model)

        def delta(text: str) -> None:
            self.emit("text_chunk", step=step, delta=text)

        started = time.perf_counter()
        try:
            reply = await chat_tools(self.gateway, self.config.model, messages, params, tools,
                                     on_delta=delta if native else None)
        except Exception as exc:
            record.update(error=str(exc), latency_ms=_ms(started))
            self.trace.append(record)
            self.emit("model_finished", step=step, error=str(exc), latency_ms=record["latency_ms"])
            raise
        self.usage.add(reply.usage)
        record.update(text=reply.text, tool_calls=reply.tool_calls, usage=reply.usage.as_dict(),
                      latency_ms=reply.latency_ms, first_token_ms=reply.first_token_ms,
                      finish_reason=reply.finish_reason)
        self.trace.append(record)
        self.emit("model_finished", step=step, usage=record["usage"], latency_ms=reply.latency_ms,
                  finish_reason=reply.finish_reason, tool_calls=len(reply.tool_calls))
        return reply

    async def _call_tool(self, step: int, call: dict[str, Any]) -> tuple[str, str, str]:
        """Run one call; any failure becomes an ``{"error": ...}`` result the model can react to."""
        function = call.get("function") or {}
        call_id, name = call.get("id") or f"call_{step}", str(function.get("name") or "")
        raw = function.get("arguments")
        self.emit("tool_call", step=step, call_id=call_id, tool=name, arguments=raw)
        started = time.perf_counter()
        record: dict[str, Any] = {"kind": "tool", "step": step, "call_id": call_id, "tool": name,
                                  "arguments": raw, "started_at": time.time()}
        tool = self.tools.get(name)
        try:
            if tool is None:
                raise ToolFailed(f"there is no tool named '{name}' (tools: {', '.join(self.tools) or 'none'})")
            record.update(kind_of=tool.kind, source=tool.source)
            arguments = _arguments(raw)
            record["arguments"] = arguments
            output = await asyncio.wait_for(tool.call(arguments), self.config.tool_timeout_s)
            record["run_id"] = output.run_id
            value, error = output.value, None
        except TimeoutError:
            value, error = None, f"the tool did not finish within {self.config.tool_timeout_s:g} s"
        except Exception as exc:
            if isinstance(exc, ToolFailed):
                record["run_id"] = exc.run_id
            elif not _expected(exc):
                log.warning("tool %s raised %s", name, type(exc).__name__, exc_info=exc)
            value, error = None, str(exc) or type(exc).__name__
        text, truncated, size = render_result({"error": error} if error else value, self.config.result_budget)
        record.update(result=text, error=error, truncated=truncated, size=size, elapsed_ms=_ms(started))
        self.trace.append(record)
        self.emit("tool_result", step=step, call_id=call_id, tool=name, result=text, error=error,
                  truncated=truncated, elapsed_ms=record["elapsed_ms"], run_id=record.get("run_id"))
        return call_id, name, text


def _expected(exc: Exception) -> bool:
    """Loom's own errors carry a message for the user; anything else is a bug worth a traceback in the log."""
    return type(exc).__module__.split(".")[0] in ("engine", "server", "knowledge", "nodes")


def _arguments(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    if raw in (None, ""):
        return {}
    try:
        value = json.loads(raw)
    except (TypeError, json.JSONDecodeError) as exc:
        raise ToolFailed(f"the arguments are not valid JSON ({exc}); send a JSON object") from None
    if not isinstance(value, dict):
        raise ToolFailed("the arguments must be a JSON object")
    return value


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
