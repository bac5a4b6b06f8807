"""What user code may do: RestrictedPython compilation, the builtins it sees, guards, and safe modules.

This is the language layer of the sandbox. It runs inside the worker process (``worker.py``), which adds
the operating-system layer (rlimits, no network, no files, audit hooks). ``compile_code`` is also used by
the host at save time: compiling never executes user code.
"""

from __future__ import annotations

import ast
import builtins
import operator
import re
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from RestrictedPython import compile_restricted_exec, safe_builtins
from RestrictedPython.Guards import (
    guarded_iter_unpack_sequence, guarded_unpack_sequence, safer_getattr, safer_getattr_raise,
)
from RestrictedPython.transformer import INSPECT_ATTRIBUTES

from nodes.sandbox.errors import SandboxCompileError

FILENAME = "<code>"
MAX_CODE_CHARS = 100_000

ALLOWED_MODULES = ("json", "re", "math", "datetime", "random", "collections", "itertools", "functools",
                   "string", "statistics", "decimal", "hashlib", "base64", "uuid")

# Public names that still reach too far: a format engine with attribute lookups, and script entry points.
_HIDDEN_MODULE_NAMES = {"string": {"Formatter"}, "base64": {"main", "test"}}

# Builtins users expect beyond RestrictedPython's safe set. RestrictedPython leaves out the ones that
# iterate in C because Zope guards each item; here every reachable object is already the user's own.
_EXTRA_BUILTINS = ("all", "any", "bytes", "bytearray", "dict", "enumerate", "filter", "format", "frozenset",
                   "iter", "list", "map", "max", "min", "next", "reversed", "set", "sorted", "sum", "tuple",
                   "zip", "staticmethod", "classmethod", "property", "StopAsyncIteration", "NameError")
_DROPPED_BUILTINS = ("__build_class__", "id", "SystemExit", "KeyboardInterrupt", "GeneratorExit")
# Names people try that the sandbox deliberately lacks; used to explain a NameError.
UNAVAILABLE = {"open", "eval", "exec", "compile", "globals", "locals", "vars", "dir", "input", "breakpoint",
               "type", "object", "memoryview", "exit", "quit", "help", "super", "delattr"}


@dataclass(frozen=True)
class CompileProblem:
    """A syntax or policy error in user code (1-based line, column when known)."""

    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else ""
        if self.line and self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}" if where else self.message


_RP_LINE = re.compile(r"^Line (\d+): (.*)$", re.S)


def problems(code: str) -> tuple[types.CodeType | None, list[CompileProblem]]:
    """Compile ``code`` under the policy; return the code object or every problem found."""
    if len(code) > MAX_CODE_CHARS:
        return None, [CompileProblem(f"code is {len(code):,} characters, over the limit of {MAX_CODE_CHARS:,}")]
    try:
        tree = ast.parse(code, filename=FILENAME)
    except SyntaxError as exc:
        kind = type(exc).__name__
        label = "syntax error" if kind == "SyntaxError" else kind
        return None, [CompileProblem(f"{label}: {exc.msg}", exc.lineno, exc.offset)]
    except (ValueError, MemoryError, RecursionError) as exc:  # null bytes, absurd nesting
        return None, [CompileProblem(f"cannot parse the code: {exc}")]
    try:
        result = compile_restricted_exec(tree, filename=FILENAME)
    except (SyntaxError, RecursionError, MemoryError) as exc:
        return None, [CompileProblem(f"cannot compile the code: {exc}")]
    found = []
    for error in result.errors:
        error = error.replace(", that is forbidden to access in RestrictedPython.",
                              " and cannot be used in code nodes.")
        match = _RP_LINE.match(error)
        found.append(CompileProblem(*(match.group(2), int(match.group(1))) if match else (error,)))
    return (result.code if not found else None), found


def compile_code(code: str) -> types.CodeType:
    """Compile ``code`` or raise ``SandboxCompileError`` for its first problem."""
    compiled, found = problems(code)
    if compiled is None:
        first = found[0] if found else CompileProblem("the code did not compile")
        raise SandboxCompileError(str(first), line=first.line, column=first.column)
    return compiled


def contract_problems(code: str) -> list[CompileProblem]:
    """Save-time checks beyond compiling: allowed imports, and a top-level ``def main(args)``."""
    try:
        tree = ast.parse(code, filename=FILENAME)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return []  # reported by ``problems``
    found = [CompileProblem(f"module '{name}' is not allowed in code nodes; allowed: {', '.join(ALLOWED_MODULES)}",
                            node.lineno)
             for node in ast.walk(tree) for name in _imported(node) if name not in ALLOWED_MODULES]
    mains = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == "main"]
    if not mains:
        return found + [CompileProblem("the code must define a function `def main(args: dict) -> dict`")]
    main = mains[-1]
    if isinstance(main, ast.AsyncFunctionDef):
        return found + [CompileProblem("main must be a plain function (`def`, not `async def`)", main.lineno)]
    params = main.args.posonlyargs + main.args.args
    required = len(params) - len(main.args.defaults)
    if main.args.vararg is None and not params or required > 1:
        found.append(CompileProblem("main must take one argument, the inputs dict: `def main(args: dict)`",
                                    main.lineno))
    return found


def _imported(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and not node.level and node.module:
        return [node.module]
    return []


# -- runtime guards (used inside the worker) -------------------------------------------------------------

def _check_attribute(name: Any) -> None:
    if type(name) is not str:
        raise TypeError("attribute name must be a string")
    if name in INSPECT_ATTRIBUTES:
        raise AttributeError(f'"{name}" is a restricted name and cannot be used in code nodes')


def guarded_getattr(obj: Any, name: str) -> Any:
    """``obj.name`` for user code: no ``_``-names, no frame/code internals, no ``str.format``."""
    _check_attribute(name)
    return safer_getattr_raise(obj, name)


def _user_getattr(obj: Any, name: str, *default: Any) -> Any:
    _check_attribute(name)
    if len(default) > 1:
        raise TypeError(f"getattr expected at most 3 arguments, got {2 + len(default)}")
    if default:
        return safer_getattr(obj, name, default[0])
    return safer_getattr_raise(obj, name)


_NO_ATTR = object()


def _user_hasattr(obj: Any, name: str) -> bool:
    try:
        return _user_getattr(obj, name, _NO_ATTR) is not _NO_ATTR
    except (AttributeError, NotImplementedError):
        return False


def guarded_getitem(obj: Any, key: Any) -> Any:
    if isinstance(obj, types.ModuleType):
        raise TypeError("modules cannot be indexed")
    return obj[key]


def guarded_getiter(obj: Any) -> Any:
    if isinstance(obj, (types.ModuleType, types.FrameType, types.CodeType)):
        raise TypeError(f"cannot iterate over {type(obj).__name__}")
    return iter(obj)


_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow, "<<=": operator.ilshift,
    ">>=": operator.irshift, "|=": operator.ior, "^=": operator.ixor, "&=": operator.iand,
    "@=": operator.imatmul,
}


def inplace(op: str, target: Any, value: Any) -> Any:
    return _INPLACE[op](target, value)


def apply(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


class PrintLog:
    """Collects ``print()`` output for the trace, capped so a print loop cannot eat memory."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.parts: list[str] = []
        self.size = 0
        self.truncated = False

    def __call__(self, _getattr: Any = None) -> "PrintLog":
        # RestrictedPython calls ``_print_(_getattr_)`` once per function; share one log per run.
        return self

    def write(self, text: str) -> None:
        if self.truncated:
            return
        room = self.max_bytes - self.size
        if len(text) > room:
            text, self.truncated = text[:max(room, 0)], True
        self.parts.append(text)
        self.size += len(text)

    def _call_print(self, *objects: Any, sep: str | None = " ", end: str | None = "\n",
                    file: Any = None, flush: bool = False) -> None:
        if file is not None:
            raise TypeError("print(file=...) is not supported in code nodes")
        builtins.print(*objects, sep=sep, end=end, file=self)

    def lines(self) -> list[str]:
        text = "".join(self.parts)
        out = text.splitlines()
        if self.truncated:
            out.append(f"... (print output truncated at {self.max_bytes:,} characters)")
        return out


class Importer:
    """``import`` for user code: the allow-listed modules, each as a read-only copy of its public names."""

    # C code in the standard library imports these through the running frame's ``__import__``
    # (``date.strftime`` needs ``time``, ``datetime.strptime`` needs ``_strptime``). Such calls pass a list
    # as ``fromlist``; an ``import`` statement passes None or a tuple, and user code cannot call
    # ``__import__`` itself (RestrictedPython rejects ``_``-names), so users still get the allow-list only.
    INTERNAL = ("_strptime", "time")

    def __init__(self, modules: dict[str, types.ModuleType]):
        self.modules = modules
        self.internal = {name: sys.modules[name] for name in self.INTERNAL if name in sys.modules}

    def __call__(self, name: str, globals: Any = None, locals: Any = None, fromlist: Any = (),
                 level: int = 0) -> types.ModuleType:
        if type(fromlist) is list and name in self.internal:
            return self.internal[name]
        if level:
            raise ImportError("relative imports are not available in code nodes")
        module = self.modules.get(name)
        if module is None:
            raise ImportError(f"module '{name}' is not allowed in code nodes; allowed: {', '.join(ALLOWED_MODULES)}")
        return module


def public_copy(module: types.ModuleType) -> types.ModuleType:
    """A new module holding only ``module``'s public, non-module names (``json.codecs`` would open files)."""
    names = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
    hidden = _HIDDEN_MODULE_NAMES.get(module.__name__, set())
    copy = types.ModuleType(module.__name__)
    for name in names:
        value = getattr(module, name, None)
        if name.startswith("_") or name in hidden or isinstance(value, types.ModuleType):
            continue
        # Freeze shared containers so one run cannot change what the next run sees.
        if isinstance(value, (set, list, dict)):
            value = frozenset(value) if isinstance(value, set) else tuple(value) if isinstance(value, list) \
                else types.MappingProxyType(dict(value))
        setattr(copy, name, value)
    return copy


def make_globals(modules: dict[str, types.ModuleType], log: PrintLog) -> dict[str, Any]:
    """Fresh globals for one run: curated builtins, the guards RestrictedPython's output calls, a print log."""
    user_classes: set[type] = set()

    def metaclass(name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> type:
        cls = types.new_class(name, bases, exec_body=lambda ns: ns.update(namespace))
        user_classes.add(cls)
        return cls

    def write_guard(obj: Any) -> Any:
        # Writes go to the user's own data only: dicts, lists and instances of classes they defined.
        if type(obj) in (dict, list) or type(obj) in user_classes:
            return obj
        raise TypeError(f"cannot modify attributes or items of {type(obj).__name__} objects")

    def user_setattr(obj: Any, name: str, value: Any) -> None:
        if not isinstance(name, str) or name.startswith("_"):
            raise AttributeError(f"cannot set attribute {name!r}")
        setattr(write_guard(obj), name, value)

    names = {k: v for k, v in safe_builtins.items() if k not in _DROPPED_BUILTINS}
    names.update({name: getattr(builtins, name) for name in _EXTRA_BUILTINS})
    names.update(__build_class__=builtins.__build_class__, __import__=Importer(modules),
                 getattr=_user_getattr, hasattr=_user_hasattr, setattr=user_setattr)
    return {
        "__builtins__": names, "__name__": "__sandbox__", "__metaclass__": metaclass,
        "_getattr_": guarded_getattr, "_getitem_": guarded_getitem, "_getiter_": guarded_getiter,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence, "_unpack_sequence_": guarded_unpack_sequence,
        "_write_": write_guard, "_inplacevar_": inplace, "_apply_": apply, "_print_": log,
    }
