"""One run, inside a fresh child: decode the job, run ``main(args)``, and say how it went.

With the language layer on, the code arrives compiled by the host under RestrictedPython (``marshal``) and
runs with the policy's globals; off (plain Python, for tests of the operating-system layer alone), the
source is compiled here and runs with the real builtins.
"""

from __future__ import annotations

import base64
import json
import marshal
import types
from typing import Any

from . import output, policy, protocol

MAX_MESSAGE_CHARS = 2_000
MAX_TRACEBACK_LINES = 30
MAX_SOURCE_CHARS = 200  # of each source line quoted in a traceback


class Job:
    def __init__(self, body: bytes, *, language: bool, modules: dict[str, Any] | None, settings: dict[str, Any]):
        message = json.loads(body)
        self.source: str = message["source"]
        self.args: dict[str, Any] = message["args"]
        compiled = message.get("compiled")
        self.code: types.CodeType | None = marshal.loads(base64.b64decode(compiled)) if compiled else None
        self.language = language
        self.modules = modules
        self.memory_mb = settings["memory_mb"]
        self.max_output_bytes = settings["max_output_bytes"]
        self.max_output_depth = settings["max_output_depth"]
        self.log = policy.PrintLog(settings["max_log_bytes"])

    def run(self) -> bytes:
        """The reply frame: never raises, whatever the user's code does."""
        log = self.log
        try:
            main = self._main()
            text = output.dump(main(self.args), max_bytes=self.max_output_bytes, max_depth=self.max_output_depth)
        except _NoMain as exc:
            return self._failure("compile", str(exc))
        except output.OutputProblem as exc:
            return self._failure("limit" if exc.limit else "output", str(exc))
        except MemoryError:
            return self._failure("limit", f"the code ran out of memory (limit {self.memory_mb} MB)")
        except BaseException as exc:  # the user's exception, whatever it is
            return self._failure("runtime", describe(exc, self.args),
                                 traceback=user_traceback(exc, self.source))
        logs = json.dumps(log.lines(), ensure_ascii=False)
        body = f'{{"ok": true, "logs": {logs}, "value": {text}}}'.encode()
        return protocol.HEADER.pack(len(body)) + body

    def _main(self) -> Any:
        if self.language:
            if self.code is None:  # the pool always sends the policy-compiled code on this layer
                raise RuntimeError("no compiled code was sent")
            namespace = policy.make_globals(self.modules or {}, self.log)
            exec(self.code, namespace)
        else:  # plain Python: the operating-system layer alone stands between this code and the host
            import builtins
            import sys
            sys.stdout = self.log
            namespace = {"__name__": "__sandbox__", "__builtins__": builtins}
            exec(compile(self.source, policy.FILENAME, "exec"), namespace)
        main = namespace.get("main")
        if not isinstance(main, types.FunctionType):
            raise _NoMain("the code must define a function `def main(args: dict) -> dict`")
        return main

    def _failure(self, kind: str, message: str, **extra: Any) -> bytes:
        return protocol.encode({"ok": False, "kind": kind, "message": message, "logs": self.log.lines(), **extra})


class _NoMain(Exception):
    pass


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
        if tb.tb_frame.f_code.co_filename == policy.FILENAME:
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
