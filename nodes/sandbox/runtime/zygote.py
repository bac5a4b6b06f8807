"""The sandbox worker process: confine itself, then run jobs from the host one at a time.

Started by ``pool.py`` as ``python -I -B -c BOOT SETTINGS`` in a new session, an empty working directory
and a scrubbed environment. It imports everything it will ever need first, because once confined it
can neither open files nor import modules.
"""

from __future__ import annotations

import decimal
import importlib
import json
import os
import random
import sys
import types
from collections import OrderedDict
from typing import Any

from nodes.sandbox import compiler
from nodes.sandbox.runtime import confine, output, policy, protocol
from nodes.sandbox.errors import SandboxCompileError

MAX_MESSAGE_CHARS = 2_000
MAX_TRACEBACK_LINES = 30
MAX_SOURCE_CHARS = 200  # of each source line quoted in a traceback
_COMPILED_CACHE_SIZE = 64
# Imported lazily by the standard library; loaded now, while imports are still possible.
_WARM_IMPORTS = ("_strptime", "time", "encodings.idna", "encodings.utf_16", "encodings.utf_32", "encodings.latin_1",
                 "encodings.cp1252", "encodings.gbk", "encodings.gb2312", "encodings.gb18030", "encodings.big5",
                 "encodings.utf_8_sig", "unicodedata")


class Worker:
    """One confined interpreter serving jobs over its stdin/stdout pipes."""

    def __init__(self, settings: dict[str, Any]):
        self.limits = confine.Limits(memory_mb=settings["memory_mb"], cpu_seconds=settings["cpu_seconds"],
                                     max_executions=settings["max_executions"])
        self.max_output_bytes = settings["max_output_bytes"]
        self.max_output_depth = settings["max_output_depth"]
        self.max_log_bytes = settings["max_log_bytes"]
        self.compiled: OrderedDict[str, types.CodeType] = OrderedDict()
        # The protocol gets private descriptors; fd 1 and 2 go nowhere, so stray C-level writes cannot
        # corrupt the stream.
        self.fd_in = os.dup(0)
        self.fd_out = os.dup(1)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.close(null)
        self.modules = policy.load_modules()
        for name in _WARM_IMPORTS:
            importlib.import_module(name)

    def serve(self) -> None:
        applied = confine.confine(self.limits)
        self.send(protocol.encode({"ready": True, "pid": os.getpid(), **applied}))
        while True:
            body = self.receive()
            if body is None:
                return
            confine.cpu_budget(self.limits.cpu_seconds)
            self.send(self.handle(protocol.decode(body)))

    # -- jobs -----------------------------------------------------------------------------------------
    def handle(self, job: dict[str, Any]) -> bytes:
        log = policy.PrintLog(self.max_log_bytes)
        code, args = job["code"], job["args"]
        policy.reset_run_state()  # one run's random.seed() must not make the next run predictable
        try:
            compiled = self.compile(code)
            namespace = policy.make_globals(self.modules, log)
            exec(compiled, namespace)
            main = namespace.get("main")
            if not isinstance(main, types.FunctionType):
                raise SandboxCompileError("the code must define a function `def main(args: dict) -> dict`")
            text = output.dump(main(args), max_bytes=self.max_output_bytes, max_depth=self.max_output_depth)
        except SandboxCompileError as exc:
            return self.failure("compile", str(exc), log, line=exc.line, column=exc.column)
        except output.OutputProblem as exc:
            return self.failure("limit" if exc.limit else "output", str(exc), log)
        except MemoryError:
            return self.failure("limit", f"the code ran out of memory (limit {self.limits.memory_mb} MB)", log)
        except BaseException as exc:  # the user's exception, whatever it is
            return self.failure("runtime", describe(exc, args), log, traceback=user_traceback(exc, code))
        logs = json.dumps(log.lines(), ensure_ascii=False)
        body = f'{{"ok": true, "logs": {logs}, "value": {text}}}'.encode()
        return protocol.HEADER.pack(len(body)) + body

    def compile(self, code: str) -> types.CodeType:
        compiled = self.compiled.get(code)
        if compiled is None:
            compiled = compiler.compile_code(code)
            self.compiled[code] = compiled
            if len(self.compiled) > _COMPILED_CACHE_SIZE:
                self.compiled.popitem(last=False)
        else:
            self.compiled.move_to_end(code)
        return compiled

    def failure(self, kind: str, message: str, log: policy.PrintLog, **extra: Any) -> bytes:
        return protocol.encode({"ok": False, "kind": kind, "message": message, "logs": log.lines(), **extra})

    # -- pipes ----------------------------------------------------------------------------------------
    def receive(self) -> bytes | None:
        header = self._read(protocol.HEADER.size)
        if header is None:
            return None
        (size,) = protocol.HEADER.unpack(header)
        return self._read(size)

    def _read(self, size: int) -> bytes | None:
        chunks, left = [], size
        while left:
            chunk = os.read(self.fd_in, min(left, 1 << 20))
            if not chunk:
                return None
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def send(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd_out, view):]


def describe(exc: BaseException, args: dict[str, Any]) -> str:
    """``Type: message``, with a hint for the usual mistakes."""
    name = type(exc).__name__
    if isinstance(exc, NameError) and not isinstance(exc, UnboundLocalError):
        missing = getattr(exc, "name", None)
        if missing in args:
            return f"name '{missing}' is not defined — inputs are in args, e.g. args.get('{missing}')"
        if missing in policy.UNAVAILABLE:
            return f"'{missing}' is not available in code nodes"
    try:
        text = str(exc)
    except Exception:  # a broken __str__ must not hide the error
        text = ""
    if len(text) > MAX_MESSAGE_CHARS:
        text = text[:MAX_MESSAGE_CHARS] + "…"
    return f"{name}: {text}" if text else name


def user_traceback(exc: BaseException, code: str) -> list[str]:
    """The frames of the user's own code, most recent last, repeats collapsed like CPython does."""
    source = code.splitlines()
    frames = []
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == compiler.FILENAME:
            frames.append((tb.tb_lineno, tb.tb_frame.f_code.co_name))
        tb = tb.tb_next
    lines: list[str] = []
    previous, repeats = None, 0
    for frame in frames + [None]:
        if frame == previous:
            repeats += 1
            continue
        if repeats:
            lines.append(f"[previous line repeated {repeats} more times]")
        repeats, previous = 0, frame
        if frame is not None:
            line, function = frame
            text = source[line - 1].strip()[:MAX_SOURCE_CHARS] if 0 < line <= len(source) else ""
            lines.append(f"line {line}, in {function}: {text}")
    return lines[-MAX_TRACEBACK_LINES:]


def main() -> None:
    Worker(json.loads(sys.argv[1])).serve()


if __name__ == "__main__":
    main()
