"""``question-classifier``: one model call picks one of N named classes; each class is a handle, plus ``else``.

The model is asked for ``{"class_id": …, "class_name": …}`` (JSON mode where it takes it). Its reply is read
tolerantly (``pick_class``): JSON with the id or name, else the bare id, name or list number (quotes, labels
such as ``意图：`` and Chinese punctuation ignored), else the class whose id or name the reply mentions last.
A reply that names no class takes ``else``.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from pydantic import Field, StringConstraints, field_validator

from engine import templates
from engine.errors import Issue
from engine.models import NodeDef, Strict
from engine.spec import NodeContext, NodeResult, NodeSpec, Services
from nodes.llm_tasks import TaskModel, ask, find_json, model_issues, query_issues, strip_reasoning

ELSE = "else"
RESERVED_HANDLES = {"else", "error", "out"}


class QuestionClass(Strict):
    """A class: its id is the handle its outgoing edge uses; its name (and description) is what the model sees."""

    id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    description: str = ""

    @field_validator("id")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value in RESERVED_HANDLES:
            raise ValueError(f"'{value}' is reserved; choose another class id")
        return value


class Example(Strict):
    """A few-shot example: a text and the id of the class it belongs to (``else`` for none)."""

    input: Annotated[str, StringConstraints(min_length=1)]
    class_id: str


class QuestionClassifierConfig(TaskModel):
    """The classes, in order, and optional few-shot examples; ``else`` is implicit."""

    classes: list[QuestionClass] = Field(min_length=1)
    examples: list[Example] = Field(default_factory=list)


def handles(config: QuestionClassifierConfig) -> list[str]:
    return [c.id for c in config.classes] + [ELSE]


def outputs(node: NodeDef, config: QuestionClassifierConfig, services: Services | None) -> dict[str, str]:
    return {"class_id": "string", "class_name": "string", "text": "string", "usage": "object"}


def check(node: NodeDef, config: QuestionClassifierConfig, services: Services | None) -> list[Issue]:
    issues = query_issues(node, "classify") + model_issues(node, config, services)
    ids: set[str] = set()
    names: set[str] = set()
    for i, cls in enumerate(config.classes):
        if cls.id in ids:
            issues.append(Issue(node.id, f"config.classes[{i}].id", f"duplicate class id '{cls.id}'"))
        if cls.name.casefold() in names:
            issues.append(Issue(node.id, f"config.classes[{i}].name", f"duplicate class name '{cls.name}'"))
        ids.add(cls.id)
        names.add(cls.name.casefold())
    for i, example in enumerate(config.examples):
        if example.class_id != ELSE and example.class_id not in ids:
            issues.append(Issue(node.id, f"config.examples[{i}].class_id",
                                f"no class with id '{example.class_id}' (use a class id or 'else')"))
    return issues


def _answer(cls: QuestionClass | None) -> str:
    if cls is None:
        return json.dumps({"class_id": ELSE, "class_name": ""})
    return json.dumps({"class_id": cls.id, "class_name": cls.name}, ensure_ascii=False)


def build_messages(config: QuestionClassifierConfig, inputs: dict[str, Any]) -> list[dict[str, str]]:
    """System prompt with the numbered classes and instructions, the few-shot turns, then the text."""
    lines = ["Classify the user's text into exactly one of these classes:"]
    for n, cls in enumerate(config.classes, 1):
        about = f" — {cls.description.strip()}" if cls.description.strip() else ""
        lines.append(f'{n}. class_id "{cls.id}", class_name "{cls.name}"{about}')
    instructions = templates.render(config.instructions, inputs).strip()
    if instructions:
        lines += ["", instructions]
    lines += ["", 'Answer with JSON only: {"class_id": "...", "class_name": "..."}. '
              'If no class fits, answer {"class_id": "else", "class_name": ""}.']
    messages = [{"role": "system", "content": "\n".join(lines)}]
    by_id = {c.id: c for c in config.classes}
    for example in config.examples:
        messages.append({"role": "user", "content": example.input})
        messages.append({"role": "assistant", "content": _answer(by_id.get(example.class_id))})
    messages.append({"role": "user", "content": templates.to_text(inputs.get("query"))})
    return messages


# -- reading the reply ----------------------------------------------------------------------------------
_EDGE_CHARS = " \t\r\n\"'`“”‘’「」『』《》【】[]()（）<>.,。，、！!？?;；:：*"
_LABEL = re.compile(r"^[^\s:：]{1,16}\s*[:：]\s*")  # "意图：", "class:", "答案:"
_NUMBERED = re.compile(r"^[(（\[]?(\d{1,3})[)）\].、:：]?\s*")
_JSON_KEYS = ("class_id", "id", "class_name", "class", "name", "category", "label", "intent", "意图", "类别")


def _clean(text: str) -> str:
    return text.strip(_EDGE_CHARS).casefold()


def _exact(text: str, classes: list[QuestionClass]) -> QuestionClass | None:
    """The class the whole answer names: its id, its name, or its number in the prompt's list."""
    tries = [_clean(text)]
    tries.append(_clean(_LABEL.sub("", text.strip(_EDGE_CHARS))))
    for candidate in tries:
        for cls in classes:
            if candidate in (cls.id.casefold(), cls.name.casefold()):
                return cls
        numbered = _NUMBERED.match(candidate)
        if numbered:
            rest = _clean(candidate[numbered.end():])
            n = int(numbered.group(1))
            if 1 <= n <= len(classes) and (not rest or rest in (classes[n - 1].id.casefold(),
                                                                classes[n - 1].name.casefold())):
                return classes[n - 1]
    return None


def _mentions(text: str, classes: list[QuestionClass]) -> QuestionClass | None:
    """The class named last in the reply (a name inside a longer class name does not count)."""
    folded = text.casefold()
    spans: list[tuple[int, int, QuestionClass]] = []
    for cls in classes:
        for key in {cls.id.casefold(), cls.name.casefold()}:
            # ASCII words must stand alone ("bill" is not in "billing"); CJK names have no word boundaries.
            pattern = rf"(?<![a-z0-9_]){re.escape(key)}(?![a-z0-9_])" if key.isascii() else re.escape(key)
            spans += [(m.start(), m.end(), cls) for m in re.finditer(pattern, folded)]
    kept = [s for s in spans if not any(o[0] <= s[0] and s[1] <= o[1] and (o[1] - o[0]) > (s[1] - s[0])
                                        for o in spans)]
    return max(kept, key=lambda s: s[0])[2] if kept else None


def pick_class(text: str, classes: list[QuestionClass]) -> QuestionClass | None:
    """The class the model's reply names, or ``None`` (the ``else`` handle)."""
    body = strip_reasoning(text)
    value = find_json(body)
    if isinstance(value, dict):
        said = [str(value[k]) for k in _JSON_KEYS if isinstance(value.get(k), (str, int)) and value.get(k) != ""]
        if str(value.get("class_id", "")).casefold() == ELSE:
            return None
        for answer in said:
            found = _exact(answer, classes)
            if found is not None:
                return found
        body = " ".join(said)
    elif isinstance(value, str):
        body = value
    return _exact(body, classes) or _mentions(body, classes)


async def run(ctx: NodeContext, config: QuestionClassifierConfig) -> NodeResult:
    text, usage = await ask(ctx, config, build_messages(config, ctx.inputs))
    cls = pick_class(text, config.classes)
    values = {"class_id": cls.id if cls else ELSE, "class_name": cls.name if cls else "", "text": text,
              "usage": usage.as_dict()}
    return NodeResult(outputs=values, branch=values["class_id"], usage=usage)


def default_branch(default_outputs: dict[str, Any]) -> str:
    """With ``on_error`` default outputs, the class they name (``class_id``), else ``else``."""
    return str(default_outputs.get("class_id", ELSE))


SPEC = NodeSpec(type="question-classifier", title="Question classifier", config_model=QuestionClassifierConfig,
                run=run, outputs=outputs, handles=handles, check=check, default_timeout_s=300,
                default_branch=default_branch)
