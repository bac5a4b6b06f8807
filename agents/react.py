"""The ReAct-style fallback for models without native tool calling: tools described in the prompt, calls
written as ``Action: {json}`` lines, results fed back as ``Observation`` messages (see docs/agents.md)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from agents.tools import AgentTool

STOP = ["\nObservation"]

PROMPT = """You can use tools. To call one or more tools, write one line per call, exactly:
Action: {{"tool": "<tool name>", "arguments": {{<the arguments as a JSON object>}}}}
then stop writing; the results come back in a message starting with "Observation".
You may think first on a line starting with "Thought:". When you can answer the user, write:
Final Answer: <your answer>

Tools:
{tools}"""

_ACTION = re.compile(r"^\s*Action\s*:\s*", re.M)
_FINAL = re.compile(r"^\s*Final Answer\s*:\s*", re.M)


@dataclass
class Parsed:
    """A ReAct reply: tool calls to make, or the final answer."""

    calls: list[dict[str, Any]] = field(default_factory=list)  # OpenAI-style tool_calls
    answer: str | None = None


def prompt(tools: list[AgentTool]) -> str:
    lines = [f"- {t.name}: {t.description}\n  arguments (JSON Schema): "
             f"{json.dumps(t.parameters, ensure_ascii=False)}" for t in tools]
    return PROMPT.format(tools="\n".join(lines))


def parse(text: str, step: int) -> Parsed:
    """Read ``Action:`` lines (each a JSON object) or ``Final Answer:``; plain text counts as the answer."""
    final = _FINAL.search(text)
    actions = list(_ACTION.finditer(text))
    if final and (not actions or final.start() < actions[0].start()):
        return Parsed(answer=text[final.end():].strip())
    calls = []
    decoder = json.JSONDecoder()
    for index, match in enumerate(actions):
        try:
            value, _ = decoder.raw_decode(text, match.end())
        except json.JSONDecodeError:
            value = {"tool": "", "arguments": text[match.end():].split("\n", 1)[0]}
        if not isinstance(value, dict):
            value = {"tool": "", "arguments": value}
        arguments = value.get("arguments", {})
        calls.append({"id": f"react_{step}_{index}", "type": "function",
                      "function": {"name": str(value.get("tool") or value.get("name") or ""),
                                   "arguments": arguments if isinstance(arguments, str) else
                                   json.dumps(arguments, ensure_ascii=False)}})
    if calls:
        return Parsed(calls=calls)
    return Parsed(answer=text.strip())


def observation(results: list[tuple[str, str]]) -> dict[str, str]:
    """The user message carrying tool results back: one ``Observation [tool]:`` block per call."""
    return {"role": "user", "content": "\n".join(f"Observation [{name}]: {text}" for name, text in results)}
