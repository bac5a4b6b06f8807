"""What running user code may touch: the builtins it sees, the guards RestrictedPython's output calls, and
the allow-listed modules (as the proxies of ``proxies.py``). With ``compiler.py`` this is the language layer
of the sandbox; it runs inside the sandbox's child process, which adds the operating-system layer
(``confine.py``). Only the standard library, RestrictedPython and sibling modules are imported here.
"""

from __future__ import annotations

import builtins
import operator
import types
from abc import ABCMeta
from collections.abc import Callable
from typing import Any

from RestrictedPython import safe_builtins
from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence
from RestrictedPython.transformer import INSPECT_ATTRIBUTES

from .proxies import (
    FILENAME, REPLACEMENTS, USER_CLASSES, Function, Module, freeze_classes, is_user_code, module_names, wrap,
)

__all__ = ["ALLOWED_MODULES", "FILENAME", "UNAVAILABLE", "PrintLog", "load_modules", "make_globals",
           "public_names", "reset_run_state"]

ALLOWED_MODULES = ("json", "re", "math", "datetime", "random", "collections", "itertools", "functools",
                   "string", "statistics", "decimal", "hashlib", "base64", "uuid")

# Public names that still reach too far: a format engine with attribute lookups, and script entry points.
_HIDDEN_MODULE_NAMES = {"string": {"Formatter"}, "base64": {"main", "test"}}

# Builtins users expect beyond RestrictedPython's safe set. RestrictedPython leaves out the ones that
# iterate in C because Zope guards each item; here every reachable object is already the user's own.
_EXTRA_BUILTINS = ("all", "any", "bytes", "bytearray", "dict", "enumerate", "filter", "format", "frozenset",
                   "iter", "list", "map", "max", "min", "next", "reversed", "set", "sorted", "sum", "tuple",
                   "zip", "staticmethod", "classmethod", "property", "StopAsyncIteration", "NameError")
_DROPPED_BUILTINS = ("__build_class__", "id", "SystemExit", "KeyboardInterrupt", "GeneratorExit", "delattr",
                     "_getattr_")
# Names people try that the sandbox deliberately lacks; used to explain a NameError.
UNAVAILABLE = {"open", "eval", "exec", "compile", "globals", "locals", "vars", "dir", "input", "breakpoint",
               "type", "object", "memoryview", "exit", "quit", "help", "super", "delattr"}

_WRAPPED_KINDS = frozenset({types.FunctionType, types.MethodType, types.BuiltinFunctionType, types.ModuleType})
_FORMAT_NAMES = frozenset({"format", "format_map", "vformat"})
_FORMAT_REFUSED = "Using the format*() methods of `str` is not safe"


# -- runtime guards (used inside the worker) -------------------------------------------------------------

def _check_attribute(name: Any) -> None:
    if type(name) is not str:
        raise TypeError("attribute name must be a string")
    if name in INSPECT_ATTRIBUTES:
        raise AttributeError(f'"{name}" is a restricted name and cannot be used in code nodes')
    if name.startswith("_"):
        raise AttributeError(f'"{name}" is an invalid attribute name because it starts with "_"')


def _read(obj: Any, name: str) -> Any:
    """``obj.name`` for a checked ``name``, as user code may hold it (see ``proxies.wrap``)."""
    if type(obj) is Module:
        return getattr(obj, name)
    if isinstance(obj, types.ModuleType):  # a real module, however it was reached
        raise AttributeError(f"cannot read '{name}' of a module; modules are only available through import")
    if name in _FORMAT_NAMES:
        # ``'{0.__class__}'.format(x)`` walks attributes; so do UserString's and any subclass's format.
        if isinstance(obj, str) or isinstance(obj, type) and issubclass(obj, str):
            raise NotImplementedError(_FORMAT_REFUSED)
        value = getattr(obj, name)
        if not is_user_code(value):
            raise NotImplementedError(_FORMAT_REFUSED)
        return value
    value = getattr(obj, name)
    if isinstance(value, types.ModuleType):
        raise AttributeError(f"'{name}' is a module; modules are only available through import")
    if name == "register" and isinstance(obj, ABCMeta) and obj not in USER_CLASSES:
        raise TypeError("cannot register classes with library classes in code nodes")
    return wrap(value)


def guarded_getattr(obj: Any, name: str) -> Any:
    """``obj.name`` for user code: no ``_``-names, frame/code internals, ``format`` gadgets or modules."""
    _check_attribute(name)
    return _read(obj, name)


def _user_getattr(obj: Any, name: str, *default: Any) -> Any:
    if len(default) > 1:
        raise TypeError(f"getattr expected at most 3 arguments, got {2 + len(default)}")
    _check_attribute(name)
    try:
        return _read(obj, name)
    except AttributeError:
        if default:
            return default[0]
        raise


def _user_hasattr(obj: Any, name: str) -> bool:
    if type(name) is not str:
        raise TypeError("attribute name must be a string")
    try:
        guarded_getattr(obj, name)
    except (AttributeError, NotImplementedError):
        return False
    return True


def _user_setattr(obj: Any, name: Any, value: Any, write_guard: Callable[[Any], Any]) -> None:
    if type(name) is not str or name.startswith("_"):
        raise AttributeError(f"cannot set attribute {name!r}")
    setattr(write_guard(obj), name, value)


def guarded_getitem(obj: Any, key: Any) -> Any:
    value = obj[key]  # (modules, real or proxies, cannot be indexed)
    return wrap(value) if type(value) in _WRAPPED_KINDS else value  # inline: item access is hot


def guarded_getiter(obj: Any) -> Any:
    if isinstance(obj, (types.ModuleType, Module, types.FrameType, types.CodeType)):
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

    def write(self, text: str) -> None:
        if self.truncated:
            return
        room = self.max_bytes - self.size
        if len(text) > room:
            text, self.truncated = text[:max(room, 0)], True
        self.parts.append(text)
        self.size += len(text)

    def print(self, *objects: Any, sep: str | None = " ", end: str | None = "\n", file: Any = None,
              flush: bool = False) -> None:
        if file is not None:
            raise TypeError("print(file=...) is not supported in code nodes")
        builtins.print(*objects, sep=sep, end=end, file=self)

    def lines(self) -> list[str]:
        text = "".join(self.parts)
        out = text.splitlines()
        if self.truncated:
            out.append(f"... (print output truncated at {self.max_bytes:,} characters)")
        return out


class _Printer:
    """What RestrictedPython's ``_print_(_getattr_)`` returns: ``print`` is its ``_call_print``, a proxy."""

    __slots__ = ("_call_print",)

    def __init__(self, log: PrintLog):
        self._call_print = Function(log.print)

    def __call__(self, _getattr: Any = None) -> _Printer:
        return self  # one printer per run, whatever function asks


class Importer:
    """``import`` for user code: the allow-listed modules, as ``Module`` proxies of their public names."""

    # C code in the standard library imports these through the running frame's ``__import__``
    # (``date.strftime`` needs ``time``, ``datetime.strptime`` needs ``_strptime``). Such calls pass a list
    # as ``fromlist``; an ``import`` statement passes None or a tuple, and user code cannot call
    # ``__import__`` itself (RestrictedPython rejects ``_``-names), so users still get the allow-list only.
    INTERNAL = ("_strptime", "time")

    __slots__ = ("_modules", "_internal")

    def __init__(self, modules: dict[str, Module]):
        import sys
        self._modules = modules
        self._internal = {name: sys.modules[name] for name in self.INTERNAL if name in sys.modules}

    def __call__(self, name: str, globals: Any = None, locals: Any = None, fromlist: Any = (),
                 level: int = 0) -> Any:
        if type(fromlist) is list and name in self._internal:
            return self._internal[name]
        if level:
            raise ImportError("relative imports are not available in code nodes")
        module = self._modules.get(name)
        if module is None:
            raise ImportError(f"module '{name}' is not allowed in code nodes; allowed: {', '.join(ALLOWED_MODULES)}")
        # ``from json import decoder``: every name must be one of the proxy's, so CPython never falls back
        # to ``sys.modules['json.decoder']``.
        names = module_names(module)
        for attr in fromlist or ():
            if attr not in names:
                raise ImportError(f"cannot import name '{attr}' from '{name}'")
        return module


def _expose(value: Any) -> Any:
    """A module's public value as user code gets it: classes as they are, callables as proxies,
    containers frozen (so one run cannot change what the next sees)."""
    if isinstance(value, type) or type(value) is Function:
        return value
    if callable(value):
        return Function(value)
    if isinstance(value, set):
        return frozenset(value)
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, dict):
        return types.MappingProxyType(dict(value))
    return value


def public_names(module: types.ModuleType) -> list[str]:
    """The names user code gets from ``module``: public ones, minus modules (``json.codecs`` would open
    files) and the hidden ones. Also used at save time, for ``from json import decoder``."""
    names = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
    hidden = _HIDDEN_MODULE_NAMES.get(module.__name__, set())
    return [name for name in names if not name.startswith("_") and name not in hidden
            and not isinstance(getattr(module, name, None), types.ModuleType)]


def module_proxy(module: types.ModuleType) -> Module:
    """A ``Module`` proxy of ``module``'s public names."""
    label = module.__name__
    return Module(label, {name: _expose(REPLACEMENTS.get((label, name), getattr(module, name, None)))
                          for name in public_names(module)})


_DECIMAL_CONTEXTS = ("DefaultContext", "BasicContext", "ExtendedContext")
_decimal_saved: list[tuple[Any, Any]] = []


def load_modules() -> dict[str, Any]:
    """Import the allow-listed modules once (in the zygote, before any run) and wrap them for user code."""
    import decimal
    import importlib
    modules = {name: module_proxy(importlib.import_module(name)) for name in ALLOWED_MODULES}
    classes = [Function, Module, _Printer, Importer]
    for module in modules.values():
        for value in module_names(module).values():
            classes.append(value if isinstance(value, type) else type(value))
    freeze_classes(classes)
    _decimal_saved[:] = [(getattr(decimal, name), getattr(decimal, name).copy()) for name in _DECIMAL_CONTEXTS]
    return modules


def reset_run_state() -> None:
    """Per-run resets: a fresh random seed, and decimal's shared contexts (``DefaultContext`` is what
    ``decimal.Context()`` copies) back to how they were loaded."""
    import decimal
    import random
    random.seed()
    for live, saved in _decimal_saved:
        live.prec, live.rounding, live.Emin, live.Emax = saved.prec, saved.rounding, saved.Emin, saved.Emax
        live.capitals, live.clamp = saved.capitals, saved.clamp
        live.clear_flags()
        for signal, on in saved.traps.items():
            live.traps[signal] = on
    decimal.setcontext(decimal.Context())


def make_globals(modules: dict[str, Any], log: PrintLog) -> dict[str, Any]:
    """Fresh globals for one run: curated builtins, the guards RestrictedPython's output calls, a print log."""
    user_classes: set[type] = set()

    def metaclass(name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> type:
        cls = types.new_class(name, bases, exec_body=lambda ns: ns.update(namespace))
        user_classes.add(cls)
        USER_CLASSES.add(cls)
        return cls

    def write_guard(obj: Any) -> Any:
        # Writes go to the user's own data only: dicts, lists and instances of classes they defined.
        if type(obj) in (dict, list) or type(obj) in user_classes:
            return obj
        raise TypeError(f"cannot modify attributes or items of {type(obj).__name__} objects")

    def user_setattr(obj: Any, name: Any, value: Any) -> None:
        _user_setattr(obj, name, value, write_guard)

    names = {k: v for k, v in safe_builtins.items() if k not in _DROPPED_BUILTINS}
    names.update({name: getattr(builtins, name) for name in _EXTRA_BUILTINS})
    # The guards are Python functions (with ``__globals__``): user code gets them as proxies too.
    names.update(__build_class__=builtins.__build_class__, __import__=Importer(modules),
                 getattr=Function(_user_getattr), hasattr=Function(_user_hasattr), setattr=Function(user_setattr))
    return {
        "__builtins__": names, "__name__": "__sandbox__", "__metaclass__": metaclass,
        "_getattr_": guarded_getattr, "_getitem_": guarded_getitem, "_getiter_": guarded_getiter,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence, "_unpack_sequence_": guarded_unpack_sequence,
        "_write_": write_guard, "_inplacevar_": inplace, "_apply_": apply, "_print_": _Printer(log),
    }
