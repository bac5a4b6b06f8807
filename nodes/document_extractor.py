"""``document-extractor``: the text of the uploaded file(s) in input ``files`` through the knowledge parsers.

One file (``multiple: false``) gives ``text`` as a string; a list of files (``multiple: true``) gives a list
of strings, one per file, in order. Each file is parsed in a child process with memory and time limits
(``knowledge.isolation``), at most ``MAX_FILE_BYTES`` per file, and the text is cut to ``max_chars``.
"""

from __future__ import annotations

import asyncio

from pydantic import Field

from engine.errors import Issue, NodeError
from engine.models import NodeDef, Strict
from engine.spec import NodeContext, NodeResult, NodeSpec, RefUse, Services
from nodes.file_inputs import file_values, read_file

INPUT = "files"
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_FILES = 50
MAX_CHARS = 1_000_000


class DocumentExtractorConfig(Strict):
    """``multiple``: the input is a list of files; ``max_chars``: the most text kept per file."""

    multiple: bool = False
    max_chars: int = Field(MAX_CHARS, ge=1, le=MAX_CHARS)


def outputs(node: NodeDef, config: DocumentExtractorConfig, services: Services | None) -> dict[str, str]:
    return {"text": "array[string]" if config.multiple else "string"}


def refs(node: NodeDef, config: DocumentExtractorConfig, services: Services | None) -> list[RefUse]:
    expected = ("array[file]",) if config.multiple else ("file",)
    purpose = "a list of files (multiple)" if config.multiple else "one file (set multiple for a list)"
    return [RefUse(f"inputs.{name}", source, expected if name == INPUT else ("any",), purpose)
            for name, source in node.inputs.items()]


def check(node: NodeDef, config: DocumentExtractorConfig, services: Services | None) -> list[Issue]:
    issues = []
    if INPUT not in node.inputs:
        issues.append(Issue(node.id, "inputs", f"a document extractor reads the file input '{INPUT}'; add it"))
    for name in sorted(set(node.inputs) - {INPUT}):
        issues.append(Issue(node.id, f"inputs.{name}", f"a document extractor has one input, '{INPUT}'"))
    return issues


async def _extract(ctx: NodeContext, value: dict[str, object], max_chars: int) -> str:
    from knowledge.errors import ParseError  # the parsers load heavy libraries; import on first use
    from knowledge.isolation import parse_isolated
    from knowledge.limits import ParseLimits

    filename, data = await read_file(ctx.services.files, value, INPUT)
    try:
        doc = await asyncio.to_thread(parse_isolated, filename, data, ParseLimits(max_bytes=MAX_FILE_BYTES))
    except ParseError as exc:
        raise NodeError(f"cannot read {exc}", retryable=False) from None
    return doc.text[:max_chars]


async def run(ctx: NodeContext, config: DocumentExtractorConfig) -> NodeResult:
    raw = ctx.inputs.get(INPUT)
    if config.multiple and raw is not None and not isinstance(raw, list):
        raise NodeError(f"input '{INPUT}' should be a list of files (multiple is set)", retryable=False)
    if not config.multiple and isinstance(raw, list):
        raise NodeError(f"input '{INPUT}' is a list; set multiple to read a list of files", retryable=False)
    values = file_values(raw, INPUT)
    if len(values) > MAX_FILES:
        raise NodeError(f"input '{INPUT}' has {len(values)} files; the limit is {MAX_FILES}", retryable=False)
    texts = [await _extract(ctx, value, config.max_chars) for value in values]
    if config.multiple:
        return NodeResult(outputs={"text": texts})
    if not texts:
        raise NodeError(f"input '{INPUT}' has no file", retryable=False)
    return NodeResult(outputs={"text": texts[0]})


SPEC = NodeSpec(type="document-extractor", title="Document extractor", config_model=DocumentExtractorConfig,
                run=run, outputs=outputs, check=check, refs=refs)
