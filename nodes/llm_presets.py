"""Inference presets from the seed best-practice docs (table 4-6 and its scenario examples).

The seed docs recommend temperature 0.3, top_p 1 and presence_penalty 0 by default; for question answering a
low temperature (0 for identical answers every time); for text generation a higher temperature (change
temperature *or* top_p, not both) and a positive presence_penalty when the output repeats itself.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class Preset(BaseModel):
    """A named set of inference params an LLM node can pick (its own ``params`` still win)."""

    name: str
    title: str
    description: str
    params: dict[str, Any]


PRESETS: dict[str, Preset] = {p.name: p for p in (
    Preset(name="balanced", title="通用（建议值）",
           description="The seed docs' recommended values: temperature 0.3, top_p 1, presence_penalty 0.",
           params={"temperature": 0.3, "top_p": 1.0, "presence_penalty": 0.0}),
    Preset(name="qa", title="知识问答",
           description="Open or retrieval-grounded questions: answers should be certain and unique, "
                       "so temperature 0 gives the same answer every time.",
           params={"temperature": 0.0, "top_p": 1.0, "presence_penalty": 0.0}),
    Preset(name="generation", title="文本生成",
           description="Copywriting, press text, creative writing: more variety (a higher temperature, top_p "
                       "left at 1) and a presence penalty against repetitive output.",
           params={"temperature": 0.9, "top_p": 1.0, "presence_penalty": 0.5}),
    Preset(name="deterministic-json", title="结构化输出",
           description="Extraction into JSON: no randomness, no topic pressure.",
           params={"temperature": 0.0, "top_p": 1.0, "presence_penalty": 0.0, "frequency_penalty": 0.0}),
)}
ALIASES = {"知识问答": "qa", "文本生成": "generation", "通用": "balanced", "结构化输出": "deterministic-json"}


def get(name: str) -> Preset:
    """A preset by name or Chinese title; ``KeyError`` with the known names otherwise."""
    preset = PRESETS.get(ALIASES.get(name, name))
    if preset is None:
        raise KeyError(f"unknown inference preset '{name}'; known: {', '.join(PRESETS)}")
    return preset
