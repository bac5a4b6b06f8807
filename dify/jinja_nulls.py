"""How a Jinja2 template node writes a null: Dify's writes ``None`` (Python's Jinja2); a Loom template node
may write other text (``null_text``, nothing by default). The export spells that text into each plain
``{{ name }}`` as ``{{ name if name is not none else "text" }}``, and the import reads it back."""

from __future__ import annotations

import json
import re

DIFY_NULL_TEXT = "None"
PLAIN = re.compile(r"\{\{(\s*)([A-Za-z_][A-Za-z0-9_]*)(\s*)\}\}")
GUARDED = re.compile(r'\{\{(\s*)([A-Za-z_][A-Za-z0-9_]*) if \2 is not none else ("(?:[^"\\]|\\.)*")(\s*)\}\}')


def guard(template: str, null_text: str) -> str:
    """The template as Dify's Jinja2 must read it to write ``null_text`` for a null ``{{ name }}``."""
    if null_text == DIFY_NULL_TEXT:
        return template
    literal = json.dumps(null_text, ensure_ascii=False)
    return PLAIN.sub(lambda m: f"{{{{{m.group(1)}{m.group(2)} if {m.group(2)} is not none else {literal}"
                               f"{m.group(3)}}}}}", template)


def unguard(template: str) -> tuple[str, str]:
    """A Dify template and the null text it means: guards written by :func:`guard` (all with one text, and no
    plain placeholder beside them) go back to plain placeholders; otherwise the template as it is and ``None``."""
    texts = {json.loads(m.group(3)) for m in GUARDED.finditer(template)}
    if len(texts) != 1 or PLAIN.search(template):
        return template, DIFY_NULL_TEXT
    return GUARDED.sub(lambda m: f"{{{{{m.group(1)}{m.group(2)}{m.group(4)}}}}}", template), texts.pop()
