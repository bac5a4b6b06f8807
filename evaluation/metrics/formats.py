"""Format checks that need no reference: a regular expression, JSON (against a JSON Schema), length limits.

Each scores 1 when the output passes and 0 when it does not; the corpus score is the pass rate.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any, Literal

import jsonschema
from jsonschema.exceptions import SchemaError
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from evaluation.metrics.base import Metric
from evaluation.metrics.text import word_tokens

_FENCE = re.compile(r"^\s*```[A-Za-z0-9_-]*\s*\n(.*?)\n?\s*```\s*$", re.DOTALL)


class RegexParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pattern: str
    mode: Literal["search", "fullmatch"] = "search"
    ignore_case: bool = False

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        return value


class RegexMatch(Metric[RegexParams]):
    name = "regex"
    description = "1 when the output matches the pattern (search anywhere, or the whole output)"
    params_model = RegexParams
    needs_reference = False

    def item(self, pred: str, ref: str, params: RegexParams) -> float:
        flags = re.IGNORECASE if params.ignore_case else 0
        regex = re.compile(params.pattern, flags)
        found = regex.fullmatch(pred.strip()) if params.mode == "fullmatch" else regex.search(pred)
        return float(found is not None)


class JsonParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    json_schema: dict[str, Any] | None = Field(default=None, alias="schema")  # None: any JSON value passes
    strip_fences: bool = True  # accept a reply wrapped in a ```json … ``` block

    @field_validator("json_schema", mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        if isinstance(value, str):  # from the command line: --param schema='{"type": "object"}'
            try:
                return json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValueError(f"not JSON: {exc.msg} at column {exc.colno}") from None
        return value

    @field_validator("json_schema")
    @classmethod
    def _valid_schema(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            try:
                jsonschema.validators.validator_for(value).check_schema(value)
            except SchemaError as exc:
                raise ValueError(f"not a valid JSON Schema: {exc.message}") from None
        return value


@lru_cache(maxsize=32)
def _validator(schema_text: str) -> Any:
    schema = json.loads(schema_text)
    return jsonschema.validators.validator_for(schema)(schema)


def json_problem(text: str, schema: dict[str, Any] | None, strip_fences: bool = True) -> str | None:
    """Why ``text`` is not JSON valid against ``schema``, or None when it is."""
    fenced = _FENCE.match(text) if strip_fences else None
    body = fenced.group(1) if fenced else text
    try:
        value = json.loads(body)
    except json.JSONDecodeError as exc:
        return f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
    if schema is None:
        return None
    error = next(iter(_validator(json.dumps(schema, sort_keys=True)).iter_errors(value)), None)
    if error is None:
        return None
    where = "/".join(str(part) for part in error.absolute_path) or "(root)"
    return f"at {where}: {error.message}"


class JsonSchemaValid(Metric[JsonParams]):
    name = "json-schema"
    description = "1 when the output is JSON (valid against the schema when one is given)"
    params_model = JsonParams
    needs_reference = False

    def item(self, pred: str, ref: str, params: JsonParams) -> float:
        return float(json_problem(pred, params.json_schema, params.strip_fences) is None)


class LengthParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)
    unit: Literal["chars", "words"] = "chars"

    @model_validator(mode="after")
    def _bounds(self) -> LengthParams:
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        return self


def text_length(text: str, unit: Literal["chars", "words"] = "chars") -> int:
    """``chars``: characters other than whitespace (a Chinese character, a letter, a digit or a punctuation mark
    is one each; full-width and half-width alike). ``words``: how Chinese word counts are usually given — each
    CJK character is one, each run of Latin letters or digits is one, punctuation is none."""
    if unit == "chars":
        return sum(1 for char in text if not char.isspace())
    return len(word_tokens(text))


class LengthLimit(Metric[LengthParams]):
    name = "length"
    description = "1 when the output's length is within [min, max] (Chinese-aware characters or words)"
    params_model = LengthParams
    needs_reference = False

    def item(self, pred: str, ref: str, params: LengthParams) -> float:
        length = text_length(pred, params.unit)
        too_short = params.min is not None and length < params.min
        too_long = params.max is not None and length > params.max
        return float(not (too_short or too_long))
