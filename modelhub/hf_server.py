"""The ``transformers`` backend: an OpenAI-compatible server for a local causal LM and its PEFT LoRA adapters.

For development on CPU, so a fine-tuned adapter can be tried without a GPU. It speaks the part of vLLM's
API Loom uses: ``/health``, ``/v1/models``, ``/v1/chat/completions`` (streaming included),
``/v1/load_lora_adapter`` and ``/v1/unload_lora_adapter``. One generation at a time.

    python -m modelhub.hf_server --model DIR --served-model-name NAME --port 8001 [--lora-modules a=DIR ...]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field
from sse_starlette import EventSourceResponse, ServerSentEvent

# Used when a tokenizer carries no chat template of its own.
FALLBACK_TEMPLATE = ("{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
                     "{% if add_generation_prompt %}assistant:{% endif %}")


class ChatRequest(BaseModel):
    """The OpenAI chat-completions fields this backend honours (others are accepted and ignored)."""

    model_config = ConfigDict(extra="allow")

    model: str
    messages: list[dict[str, Any]]
    stream: bool = False
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = Field(None, gt=0)
    seed: int | None = None
    stop: list[str] | str | None = None


class LoraRequest(BaseModel):
    """vLLM's runtime adapter request."""

    lora_name: str
    lora_path: str | None = None


class ServeError(Exception):
    """A request this server cannot honour; carries the HTTP status."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class Engine:
    """A loaded model with its adapters; ``generate`` picks the adapter by served name."""

    def __init__(self, model_path: str, served_name: str, loras: dict[str, str]):
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.served_name = served_name
        self.tokenizer = AutoTokenizer.from_pretrained(model_path)
        self.model: Any = AutoModelForCausalLM.from_pretrained(model_path)
        self.model.eval()
        self.adapters: dict[str, str] = {}
        self.lock = threading.Lock()
        for name, path in loras.items():
            self.load(name, path)

    def load(self, name: str, path: str) -> None:
        from peft import PeftModel

        if name in self.adapters or name == self.served_name:
            raise ServeError(400, f"The lora adapter '{name}' has already been loaded.")
        if not (Path(path) / "adapter_config.json").is_file():
            raise ServeError(400, f"Loading lora {name} failed: No adapter found for {path}")
        with self.lock:
            if isinstance(self.model, PeftModel):
                self.model.load_adapter(path, adapter_name=name)
            else:
                self.model = PeftModel.from_pretrained(self.model, path, adapter_name=name)
            self.model.eval()
            self.adapters[name] = path

    def unload(self, name: str) -> None:
        if name not in self.adapters:
            raise ServeError(404, f"The lora adapter '{name}' cannot be found.")
        with self.lock:
            self.model.delete_adapter(name)
            del self.adapters[name]

    def models(self) -> dict[str, Any]:
        data = [{"id": self.served_name, "object": "model", "owned_by": "loom", "parent": None}]
        data += [{"id": n, "object": "model", "owned_by": "loom", "root": p, "parent": self.served_name}
                 for n, p in self.adapters.items()]
        return {"object": "list", "data": data}

    def _inputs(self, messages: list[dict[str, Any]]) -> Any:
        template = None if getattr(self.tokenizer, "chat_template", None) else FALLBACK_TEMPLATE
        text = self.tokenizer.apply_chat_template(messages, chat_template=template, tokenize=False,
                                                  add_generation_prompt=True)
        return self.tokenizer(text, return_tensors="pt")

    @contextlib.contextmanager
    def _adapter(self, name: str) -> Iterator[None]:
        if name != self.served_name and name not in self.adapters:
            raise ServeError(404, f"The model `{name}` does not exist.")
        with self.lock:
            if not self.adapters:
                yield
            elif name == self.served_name:
                with self.model.disable_adapter():
                    yield
            else:
                self.model.set_adapter(name)
                yield

    def generate(self, request: ChatRequest, streamer: Any = None) -> tuple[str, int, int]:
        """Text, prompt tokens, completion tokens."""
        import torch

        inputs = self._inputs(request.messages)
        options: dict[str, Any] = {"max_new_tokens": request.max_tokens or 64, "streamer": streamer,
                                   "pad_token_id": self.tokenizer.pad_token_id or self.tokenizer.eos_token_id}
        if request.temperature:  # temperature 0 (or unset): greedy, identical answers
            options.update(do_sample=True, temperature=request.temperature, top_p=request.top_p or 1.0)
        else:
            options["do_sample"] = False
        if request.seed is not None:
            torch.manual_seed(request.seed)
        with self._adapter(request.model), torch.inference_mode():
            output = self.model.generate(**inputs, **options)
        new = output[0][inputs["input_ids"].shape[1]:]
        text = self.tokenizer.batch_decode(new[None], skip_special_tokens=True)[0]
        return _cut(text, request.stop), int(inputs["input_ids"].shape[1]), int(new.shape[0])


def _cut(text: str, stop: list[str] | str | None) -> str:
    for word in [stop] if isinstance(stop, str) else stop or []:
        if word and word in text:
            text = text[:text.index(word)]
    return text


def build_app(engine: Engine) -> FastAPI:
    """The HTTP API over one engine."""
    app = FastAPI(title="Loom transformers backend")

    @app.exception_handler(ServeError)
    async def serve_error(request: Any, exc: ServeError) -> JSONResponse:
        return JSONResponse({"object": "error", "message": str(exc), "code": exc.status}, status_code=exc.status)

    @app.get("/health")
    def health() -> PlainTextResponse:
        return PlainTextResponse("")

    @app.get("/v1/models")
    def models() -> dict[str, Any]:
        return engine.models()

    @app.post("/v1/load_lora_adapter")
    def load(body: LoraRequest) -> PlainTextResponse:
        engine.load(body.lora_name, body.lora_path or "")
        return PlainTextResponse(f"Success: LoRA adapter '{body.lora_name}' added successfully.")

    @app.post("/v1/unload_lora_adapter")
    def unload(body: LoraRequest) -> PlainTextResponse:
        engine.unload(body.lora_name)
        return PlainTextResponse(f"Success: LoRA adapter '{body.lora_name}' removed successfully.")

    @app.post("/v1/chat/completions", response_model=None)
    def chat(body: ChatRequest) -> dict[str, Any] | EventSourceResponse:
        if body.model != engine.served_name and body.model not in engine.adapters:
            raise ServeError(404, f"The model `{body.model}` does not exist.")
        if body.stream:
            return EventSourceResponse(_stream(engine, body), sep="\n")  # with comment pings while it thinks
        text, prompt, completion = engine.generate(body)
        return {"id": f"chatcmpl-{uuid.uuid4().hex[:12]}", "object": "chat.completion", "created": int(time.time()),
                "model": body.model, "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                                  "finish_reason": "stop"}],
                "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                          "total_tokens": prompt + completion}}

    return app


def _stream(engine: Engine, body: ChatRequest) -> Iterator[ServerSentEvent]:
    from transformers import TextIteratorStreamer

    streamer = TextIteratorStreamer(engine.tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=600)
    result: dict[str, Any] = {}

    def work() -> None:
        try:
            result["value"] = engine.generate(body, streamer)
        except Exception as exc:  # reported in the stream, where the client is listening
            result["error"] = str(exc)
            streamer.end()

    ident = f"chatcmpl-{uuid.uuid4().hex[:12]}"

    def data(payload: dict[str, Any] | str) -> ServerSentEvent:
        return ServerSentEvent(payload if isinstance(payload, str) else json.dumps(payload), sep="\n")

    def chunk(delta: dict[str, Any], finish: str | None = None) -> ServerSentEvent:
        return data({"id": ident, "object": "chat.completion.chunk", "model": body.model,
                     "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    yield chunk({"role": "assistant", "content": ""})
    for piece in streamer:
        if piece:
            yield chunk({"content": piece})
    thread.join()
    if "error" in result:
        yield data({"error": {"message": result["error"]}})
        return
    _, prompt, completion = result["value"]
    yield chunk({}, "stop")
    if (body.model_extra or {}).get("stream_options", {}).get("include_usage"):
        yield data({"id": ident, "object": "chat.completion.chunk", "model": body.model, "choices": [],
                    "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                              "total_tokens": prompt + completion}})
    yield data("[DONE]")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Loom transformers backend (OpenAI-compatible, CPU)")
    parser.add_argument("--model", required=True, help="local model directory")
    parser.add_argument("--served-model-name", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--lora-modules", nargs="*", default=[], help="NAME=DIR ...")
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        print(f"ignoring options the transformers backend does not use: {' '.join(unknown)}", flush=True)
    loras = dict(item.split("=", 1) for item in args.lora_modules)
    print(f"loading {args.model} as '{args.served_model_name}' with adapters {list(loras) or 'none'}", flush=True)
    engine = Engine(args.model, args.served_model_name, loras)
    uvicorn.run(build_app(engine), host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
