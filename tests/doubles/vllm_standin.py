"""Test double: a stand-in for the ``vllm`` executable (``vllm serve MODEL ...``), standard library only.

It parses vLLM's command line, logs it, and serves vLLM's HTTP API on 127.0.0.1: ``/health``, ``/v1/models``
(the served model plus LoRA adapters), ``/v1/chat/completions`` (JSON and SSE streaming; the answer is
``[served name] <last user message>`` so tests see which adapter answered), ``/v1/load_lora_adapter`` and
``/v1/unload_lora_adapter`` (only when ``VLLM_ALLOW_RUNTIME_LORA_UPDATING`` is true, as in vLLM).
``GET /standin/info`` returns the argv, the environment it cares about, and the chat requests it got.

Flags for misbehaving on purpose: ``--standin-crash-on-start``, ``--standin-hang-on-start``,
``--standin-startup-s S``, ``--standin-crash-after-s S`` (with ``--standin-once-marker FILE``: only the
first time), ``--standin-ignore-sigterm``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ENV_KEYS = ("CUDA_VISIBLE_DEVICES", "VLLM_ALLOW_RUNTIME_LORA_UPDATING")


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="vllm")
    parser.add_argument("command", choices=["serve"])
    parser.add_argument("model")
    parser.add_argument("--served-model-name", nargs="+")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--max-model-len", type=int)
    parser.add_argument("--gpu-memory-utilization", type=float)
    parser.add_argument("--tensor-parallel-size", type=int)
    parser.add_argument("--enable-lora", action="store_true")
    parser.add_argument("--max-loras", type=int)
    parser.add_argument("--max-lora-rank", type=int)
    parser.add_argument("--lora-modules", nargs="+", default=[])
    parser.add_argument("--standin-crash-on-start", action="store_true")
    parser.add_argument("--standin-hang-on-start", action="store_true")
    parser.add_argument("--standin-startup-s", type=float, default=0.0)
    parser.add_argument("--standin-crash-after-s", type=float)
    parser.add_argument("--standin-once-marker")
    parser.add_argument("--standin-ignore-sigterm", action="store_true")
    return parser.parse_args(argv)


class StandIn:
    """The served model and adapters, and what was asked of them."""

    def __init__(self, args: argparse.Namespace, argv: list[str]):
        self.args, self.argv = args, argv
        self.served = (args.served_model_name or [args.model])[0]
        self.loras: dict[str, str] = dict(m.split("=", 1) for m in args.lora_modules)
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def runtime_updates(self) -> bool:
        return os.environ.get("VLLM_ALLOW_RUNTIME_LORA_UPDATING", "").lower() in ("true", "1")

    def models(self) -> dict[str, Any]:
        data = [{"id": self.served, "object": "model", "owned_by": "vllm", "root": self.args.model, "parent": None,
                 "max_model_len": self.args.max_model_len}]
        data += [{"id": name, "object": "model", "owned_by": "vllm", "root": path, "parent": self.served}
                 for name, path in self.loras.items()]
        return {"object": "list", "data": data}


def handler(state: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt: str, *args: Any) -> None:
            print(f"INFO: {self.address_string()} {fmt % args}", flush=True)

        def send(self, status: int, payload: Any, content_type: str = "application/json") -> None:
            data = (payload if isinstance(payload, str) else json.dumps(payload)).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def error(self, status: int, message: str, kind: str = "BadRequestError") -> None:
            self.send(status, {"object": "error", "message": message, "type": kind, "code": status})

        def do_GET(self) -> None:
            if self.path == "/health":
                self.send(200, "", "text/plain")
            elif self.path == "/v1/models":
                self.send(200, state.models())
            elif self.path == "/standin/info":
                self.send(200, {"argv": state.argv, "env": {k: os.environ.get(k) for k in ENV_KEYS},
                                "pid": os.getpid(), "pgid": os.getpgid(0), "requests": state.requests})
            else:
                self.error(404, f"no route {self.path}", "NotFoundError")

        def do_POST(self) -> None:
            try:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            except json.JSONDecodeError:
                return self.error(400, "invalid JSON")
            if self.path in ("/v1/load_lora_adapter", "/v1/unload_lora_adapter") and not state.runtime_updates():
                return self.error(404, "Not Found", "NotFoundError")
            if self.path == "/v1/load_lora_adapter":
                name, path = body.get("lora_name"), body.get("lora_path")
                if name in state.loras:
                    return self.error(400, f"The lora adapter '{name}' has already been loaded.")
                if not path or not Path(path).is_dir():
                    return self.error(400, f"Loading lora {name} failed: No adapter found for {path}")
                state.loras[name] = path
                return self.send(200, f"Success: LoRA adapter '{name}' added successfully.", "text/plain")
            if self.path == "/v1/unload_lora_adapter":
                name = body.get("lora_name")
                if state.loras.pop(name, None) is None:
                    return self.error(404, f"The lora adapter '{name}' cannot be found.", "NotFoundError")
                return self.send(200, f"Success: LoRA adapter '{name}' removed successfully.", "text/plain")
            if self.path != "/v1/chat/completions":
                return self.error(404, f"no route {self.path}", "NotFoundError")
            model = body.get("model")
            if model != state.served and model not in state.loras:
                return self.error(404, f"The model `{model}` does not exist.", "NotFoundError")
            with state.lock:
                state.requests.append(body)
            user = next((m.get("content", "") for m in reversed(body.get("messages") or [])
                         if m.get("role") == "user"), "")
            text = f"[{model}] {user}"
            usage = {"prompt_tokens": len(user.split()) + 1, "completion_tokens": len(text.split()),
                     "total_tokens": len(user.split()) + 1 + len(text.split())}
            if body.get("stream"):
                return self.stream(model, text, usage, bool((body.get("stream_options") or {}).get("include_usage")))
            self.send(200, {"id": "chatcmpl-standin", "object": "chat.completion", "created": int(time.time()),
                            "model": model, "usage": usage,
                            "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                         "finish_reason": "stop"}]})

        def stream(self, model: str, text: str, usage: dict[str, int], include_usage: bool) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()

            def event(payload: Any) -> None:
                data = payload if isinstance(payload, str) else json.dumps(payload)
                self.wfile.write(f"data: {data}\n\n".encode())
                self.wfile.flush()

            def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
                return {"id": "chatcmpl-standin", "object": "chat.completion.chunk", "model": model,
                        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

            event(chunk({"role": "assistant", "content": ""}))
            for i in range(0, len(text), 4):
                event(chunk({"content": text[i:i + 4]}))
            event(chunk({}, "stop"))
            if include_usage:
                event({"id": "chatcmpl-standin", "object": "chat.completion.chunk", "model": model,
                       "choices": [], "usage": usage})
            event("[DONE]")
            self.close_connection = True

    return Handler


def crash_later(args: argparse.Namespace) -> None:
    marker = Path(args.standin_once_marker) if args.standin_once_marker else None
    if marker is not None and marker.exists():
        return
    if marker is not None:
        marker.write_text("crashed once")

    def crash() -> None:
        time.sleep(args.standin_crash_after_s)
        print("ERROR: engine core died unexpectedly (stand-in crash)", flush=True)
        os._exit(3)

    threading.Thread(target=crash, daemon=True).start()


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    args = parse(argv)
    print(f"INFO: vLLM stand-in: vllm {' '.join(argv)}", flush=True)
    print("INFO: env " + " ".join(f"{k}={os.environ.get(k)}" for k in ENV_KEYS), flush=True)
    if args.standin_ignore_sigterm:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    time.sleep(args.standin_startup_s)
    if args.standin_crash_on_start:
        print("ERROR: torch.OutOfMemoryError: CUDA out of memory (stand-in crash on start)", flush=True)
        sys.exit(1)
    if args.standin_hang_on_start:
        print("INFO: loading weights ... (stand-in hangs here)", flush=True)
        threading.Event().wait()
    server = ThreadingHTTPServer((args.host, args.port), handler(StandIn(args, argv)))
    server.daemon_threads = True
    if args.standin_crash_after_s is not None:
        crash_later(args)
    print(f"INFO: Uvicorn running on http://{args.host}:{args.port}", flush=True)
    server.serve_forever(poll_interval=0.05)


if __name__ == "__main__":
    main()
