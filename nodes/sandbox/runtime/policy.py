"""What running user code may touch: the builtins it sees, the guards RestrictedPython's output calls, and
the allow-listed modules. With ``compiler.py`` this is the language layer of the sandbox; it runs inside the
worker process (``worker.py``), which adds the operating-system layer (``confine.py``).
"""

from __future__ import annotations

import builtins
import operator
import sys
import types
from collections.abc import Callable
from typing import Any

from RestrictedPython import safe_builtins
from RestrictedPython.Guards import (
    guarded_iter_unpack_sequence, guarded_unpack_sequence, safer_getattr, safer_getattr_raise,
)
from RestrictedPython.transformer import INSPECT_ATTRIBUTES

FILENAME = "<code>"  # the file name user code is compiled under: frames with it are the user's own

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


# -- runtime guards (used inside the worker) -------------------------------------------------------------

def _check_attribute(name: Any) -> None:
    if type(name) is not str:
        raise TypeError("attribute name must be a string")
    if name in INSPECT_ATTRIBUTES:
        raise AttributeError(f'"{name}" is a restricted name and cannot be used in code nodes')


def _no_module(name: str, value: Any) -> Any:
    # A real module object is a way out (``json.codecs.open``, ``uuid.os.environ``), however it was reached,
    # e.g. through an exception's ``obj``. Users get modules only from ``import``, as public copies.
    if isinstance(value, types.ModuleType):
        raise AttributeError(f"'{name}' is a module; modules are only available through import")
    return value


def guarded_getattr(obj: Any, name: str) -> Any:
    """``obj.name`` for user code: no ``_``-names, no frame/code internals, no ``str.format``, no modules."""
    _check_attribute(name)
    return _no_module(name, safer_getattr_raise(obj, name))


def _user_getattr(obj: Any, name: str, *default: Any) -> Any:
    _check_attribute(name)
    if len(default) > 1:
        raise TypeError(f"getattr expected at most 3 arguments, got {2 + len(default)}")
    if default:
        return _no_module(name, safer_getattr(obj, name, default[0]))
    return _no_module(name, safer_getattr_raise(obj, name))


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


def load_modules() -> dict[str, Any]:
    """Import the allow-listed modules once (in the zygote, before any run) and wrap them for user code."""
    import importlib
    return {name: public_copy(importlib.import_module(name)) for name in ALLOWED_MODULES}


def reset_run_state() -> None:
    """Per-run resets in a fresh child: forked children share the zygote's random state and decimal context."""
    import decimal
    import random
    random.seed()
    decimal.setcontext(decimal.Context())


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
