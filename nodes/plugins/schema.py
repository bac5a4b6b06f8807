"""What a plugin declares: tools with typed parameters and typed outputs (engine type names)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

from engine.types import VarType

PluginKind = Literal["builtin", "openapi"]
ParamLocation = Literal["path", "query", "header", "body"]

# Engine type → JSON Schema, for agent tool calling and the console's forms.
_FILE_SCHEMA = {"type": "object", "properties": {
    "name": {"type": "string"}, "file_id": {"type": "string"}, "url": {"type": "string"},
    "mime_type": {"type": "string"}, "size": {"type": "integer"}}, "required": ["name"]}


def type_json_schema(var_type: str) -> dict[str, Any]:
    """The JSON Schema of an engine type (``array[string]`` → ``{"type": "array", "items": ...}``)."""
    if var_type == "any":
        return {}
    if var_type == "file":
        return dict(_FILE_SCHEMA)
    if var_type.startswith("array["):
        return {"type": "array", "items": type_json_schema(var_type[len("array["):-1])}
    return {"type": var_type}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Param(_Model):
    """A tool parameter."""

    name: str = Field(min_length=1, max_length=128)
    type: VarType = "string"
    extra_types: list[VarType] = Field(default_factory=list)  # also accepted, e.g. a URL string for a file
    required: bool = False
    default: Any = None
    description: str = ""
    enum: list[Any] | None = None
    location: ParamLocation | None = None  # OpenAPI tools: where the value goes in the request

    @property
    def types(self) -> tuple[str, ...]:
        """Every engine type this parameter accepts."""
        return (self.type, *self.extra_types)

    def json_schema(self) -> dict[str, Any]:
        if self.extra_types:
            schema: dict[str, Any] = {"anyOf": [type_json_schema(t) for t in self.types]}
        else:
            schema = type_json_schema(self.type)
        if self.description:
            schema["description"] = self.description
        if self.default is not None:
            schema["default"] = self.default
        if self.enum:
            schema["enum"] = list(self.enum)
        return schema


class Output(_Model):
    """A declared tool output."""

    name: str
    type: VarType = "any"
    description: str = ""


class ToolSchema(_Model):
    """A tool: its parameters and outputs."""

    model_config = ConfigDict(extra="ignore")  # a dump carries the computed schemas; reading it back drops them
    name: str
    description: str = ""
    parameters: list[Param] = Field(default_factory=list)
    outputs: list[Output] = Field(default_factory=list)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.parameters if p.name == name), None)

    @property
    def output_types(self) -> dict[str, str]:
        """Output name → engine type, as the plugin node declares them to the engine."""
        return {o.name: o.type for o in self.outputs}

    @computed_field  # type: ignore[prop-decorator]
    @property
    def input_schema(self) -> dict[str, Any]:
        """The parameters as one JSON Schema object (OpenAI-style tool calling uses this)."""
        return {"type": "object",
                "properties": {p.name: p.json_schema() for p in self.parameters},
                "required": [p.name for p in self.parameters if p.required],
                "additionalProperties": False}

    @computed_field  # type: ignore[prop-decorator]
    @property
    def output_schema(self) -> dict[str, Any]:
        """The outputs as one JSON Schema object."""
        return {"type": "object", "properties": {
            o.name: {**type_json_schema(o.type), **({"description": o.description} if o.description else {})}
            for o in self.outputs}}


class PluginInfo(_Model):
    """A plugin as the registry lists it. Never carries credentials, only whether some are stored."""

    name: str
    description: str = ""
    kind: PluginKind = "builtin"
    tools: list[ToolSchema] = Field(default_factory=list)
    base_url: str | None = None
    allow_hosts: list[str] = Field(default_factory=list)
    security_schemes: list[str] = Field(default_factory=list)
    has_credentials: bool = False

    def tool(self, name: str) -> ToolSchema | None:
        return next((t for t in self.tools if t.name == name), None)
