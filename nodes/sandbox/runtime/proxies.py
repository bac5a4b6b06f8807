"""What user code holds instead of the standard library's modules and functions.

A real function object is a way out of the language layer: its ``__globals__`` hold the real builtins and
``sys``, and library helpers read such attributes for their caller (``functools.update_wrapper(f, g,
updated=('__globals__',))``). User code never gets one. Modules are ``Module`` proxies holding only public
names; library functions and methods are ``Function`` proxies that can be called and do nothing else (their
results are wrapped in turn); ``functools``' helpers that read attributes by name or evaluate annotations are
replaced by safe versions; and the library's classes are made immutable, so no helper can rewrite them for
the next run. Only the standard library is imported here: this module runs inside the sandbox.
"""

from __future__ import annotations

import functools
import operator
import re
import types
import weakref
from typing import Any

FILENAME = "<code>"  # the file name user code is compiled under: frames with it are the user's own

# Classes the user's code defined (filled by the ``class`` statement's metaclass in ``policy``).
USER_CLASSES: weakref.WeakSet[type] = weakref.WeakSet()

_FUNCTION, _METHOD, _MODULE = types.FunctionType, types.MethodType, types.ModuleType
_BUILTIN = types.BuiltinFunctionType


def is_user_code(value: Any) -> bool:
    """Is ``value`` a function (or a method bound to one) that the user's own code defined?"""
    if type(value) is _METHOD:
        value = value.__func__
    return type(value) is _FUNCTION and value.__code__.co_filename == FILENAME


class Function:
    """A library function or method as user code sees it: callable, with no attributes at all."""

    __slots__ = ("_target",)

    def __init__(self, target: Any, /):
        _set_target(self, target)

    def __call__(self, /, *args: Any, **kwargs: Any) -> Any:
        return wrap(_target_of(self)(*args, **kwargs))

    def __getattribute__(self, name: str) -> Any:
        if name == "__class__":
            return Function
        raise AttributeError(f"'function' object has no attribute '{name}'")

    def __setattr__(self, name: str, value: Any) -> None:
        raise TypeError("cannot modify attributes or items of function objects")

    __delattr__ = __setattr__  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(_target_of(self))

    def __eq__(self, other: Any) -> Any:
        # Never compare the target with a user object: its ``__eq__`` would be handed the real function.
        if type(other) is not Function:
            return NotImplemented
        return _target_of(self) == _target_of(other)

    def __hash__(self) -> int:
        return hash(_target_of(self))


Function.__name__ = Function.__qualname__ = "function"
_target_of = Function.__dict__["_target"].__get__
_set_target = Function.__dict__["_target"].__set__


def wrap(value: Any) -> Any:
    """``value`` as user code may hold it: library functions and methods become ``Function`` proxies."""
    kind = type(value)
    if kind is _FUNCTION:
        return value if value.__code__.co_filename == FILENAME else Function(value)
    if kind is _METHOD:
        return value if is_user_code(value) else Function(value)
    if kind is _BUILTIN and isinstance(value.__self__, _MODULE):  # math.sqrt: its __self__ is the module
        return Function(value)
    if kind is _MODULE:
        raise TypeError("modules are only available through import")
    return value


class Module:
    """An allow-listed module as user code sees it: its public names, read-only, and nothing else.

    It has no ``__name__``, so ``from json import decoder`` cannot fall back to ``sys.modules['json.decoder']``.
    """

    __slots__ = ("_label", "_names")

    def __init__(self, label: str, names: dict[str, Any], /):
        _set_label(self, label)
        _set_names(self, types.MappingProxyType(dict(names)))

    def __getattribute__(self, name: str) -> Any:
        names = _names_of(self)
        if name in names:
            return names[name]
        if name == "__class__":
            return Module
        raise AttributeError(f"module '{_label_of(self)}' has no attribute '{name}'")

    def __setattr__(self, name: str, value: Any) -> None:
        raise TypeError("cannot modify attributes or items of module objects")

    __delattr__ = __setattr__  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<module '{_label_of(self)}'>"


Module.__name__ = Module.__qualname__ = "module"
_label_of, _set_label = Module.__dict__["_label"].__get__, Module.__dict__["_label"].__set__
_names_of, _set_names = Module.__dict__["_names"].__get__, Module.__dict__["_names"].__set__


def module_names(module: Module) -> types.MappingProxyType[str, Any]:
    return _names_of(module)  # type: ignore[no-any-return]  # a slot descriptor's __get__, untyped


# -- functools, made safe --------------------------------------------------------------------------------

def _standard(names: Any, allowed: tuple[str, ...], what: str) -> tuple[str, ...]:
    names = tuple(names)  # once: an iterator must not say one thing to the check and another to the copy
    if not all(type(name) is str and name in allowed for name in names):
        raise TypeError(f"functools: {what} may only name {', '.join(allowed)} in code nodes")
    return names  # type: ignore[no-any-return]  # checked above: a tuple of allowed str


def _check_wrapped(wrapped: Any) -> None:
    if not is_user_code(wrapped):
        raise TypeError("functools.update_wrapper / wraps only wrap functions defined in the code node")


def update_wrapper(wrapper: Any, wrapped: Any, assigned: Any = functools.WRAPPER_ASSIGNMENTS,
                   updated: Any = functools.WRAPPER_UPDATES) -> Any:
    """``functools.update_wrapper`` between the code's own functions, with the standard attributes only."""
    assigned = _standard(assigned, functools.WRAPPER_ASSIGNMENTS, "assigned")
    updated = _standard(updated, functools.WRAPPER_UPDATES, "updated")
    _check_wrapped(wrapped)
    if not (is_user_code(wrapper) or type(wrapper) in USER_CLASSES):
        raise TypeError("functools.update_wrapper / wraps only update functions and objects of the code node")
    return functools.update_wrapper(wrapper, wrapped, assigned, updated)


def wraps(wrapped: Any, assigned: Any = functools.WRAPPER_ASSIGNMENTS,
          updated: Any = functools.WRAPPER_UPDATES) -> functools.partial[Any]:
    """``functools.wraps`` on top of the safe ``update_wrapper``."""
    assigned = _standard(assigned, functools.WRAPPER_ASSIGNMENTS, "assigned")
    updated = _standard(updated, functools.WRAPPER_UPDATES, "updated")
    _check_wrapped(wrapped)
    return functools.partial(update_wrapper, wrapped=wrapped, assigned=assigned, updated=updated)


def _is_class(cls: Any) -> bool:
    if isinstance(cls, types.UnionType):
        return all(isinstance(arg, type) for arg in cls.__args__)
    return isinstance(cls, type) and not isinstance(cls, types.GenericAlias)


_DOTTED_NAME = re.compile(r"[A-Za-z]\w*(\.[A-Za-z]\w*)*")
_GUARDED_ATTRIBUTE = re.compile(r"_getattr_\(([A-Za-z][\w.]*), '([A-Za-z]\w*)'\)")


def _annotation_class(func: Any, annotation: Any) -> Any:
    """The class an annotation names, looked up (never evaluated): ``int``, ``json.JSONDecodeError``,
    ``int | str``. User code is compiled with postponed annotations, so they arrive as strings."""
    if not isinstance(annotation, str):
        return annotation
    while True:  # RestrictedPython has turned ``json.JSONDecodeError`` into ``_getattr_(json, 'JSONDecodeError')``
        plain = _GUARDED_ATTRIBUTE.sub(r"\1.\2", annotation)
        if plain == annotation:
            break
        annotation = plain
    parts = [part.strip() for part in annotation.split("|")]
    if not all(_DOTTED_NAME.fullmatch(part) for part in parts):
        return annotation
    namespace = func.__globals__
    found = []
    for part in parts:
        first, *rest = part.split(".")
        builtins = namespace.get("__builtins__")
        value = namespace[first] if first in namespace else builtins.get(first) if type(builtins) is dict else None
        for name in rest:
            value = getattr(value, name, None)
        if value is None:
            return annotation
        found.append(value)
    return functools.reduce(operator.or_, found) if len(found) > 1 else found[0]


def _register(register: Any, cls: Any, func: Any) -> Any:
    # functools reads a plain ``@register``'s class from the annotations with ``typing.get_type_hints``,
    # which evaluates string annotations with an unrestricted ``eval``. Here the annotation must name a class.
    if func is None and not _is_class(cls):
        func = cls
        annotations = getattr(func, "__annotations__", None) if is_user_code(func) else None
        if not annotations:
            raise TypeError(f"Invalid first argument to `register()`: {func!r}. Use either "
                            "`@register(some_class)` or plain `@register` on an annotated function.")
        name, annotation = next(iter(dict(annotations).items()))
        cls = _annotation_class(func, annotation)
        if not _is_class(cls):
            raise TypeError(f"Invalid annotation for {name!r}. {annotation!r} is not a class.")
    if not _is_class(cls):
        raise TypeError(f"Invalid first argument to `register()`. {cls!r} is not a class or union type.")
    if func is None:
        return lambda func: register(cls, func)
    return register(cls, func)


class SingleDispatch:
    """``functools.singledispatch`` for code nodes: call it, ``register``, ``dispatch``, ``registry``."""

    __slots__ = ("_dispatcher",)

    def __init__(self, func: Any):
        self._dispatcher = functools.singledispatch(func)

    def __call__(self, /, *args: Any, **kwargs: Any) -> Any:
        return self._dispatcher(*args, **kwargs)

    def register(self, cls: Any, func: Any = None) -> Any:
        return _register(self._dispatcher.register, cls, func)

    def dispatch(self, cls: Any) -> Any:
        return self._dispatcher.dispatch(cls)

    @property
    def registry(self) -> types.MappingProxyType[Any, Any]:
        return self._dispatcher.registry


class SingleDispatchMethod(functools.singledispatchmethod):  # type: ignore[type-arg]  # generic in stubs only
    """``functools.singledispatchmethod`` whose ``register`` takes classes only, as above."""

    def register(self, cls: Any, method: Any = None) -> Any:
        return _register(self.dispatcher.register, cls, method)


SingleDispatch.__name__ = SingleDispatch.__qualname__ = "singledispatch"
SingleDispatchMethod.__name__ = SingleDispatchMethod.__qualname__ = "singledispatchmethod"

REPLACEMENTS: dict[tuple[str, str], Any] = {
    ("functools", "update_wrapper"): update_wrapper, ("functools", "wraps"): wraps,
    ("functools", "singledispatch"): SingleDispatch, ("functools", "singledispatchmethod"): SingleDispatchMethod,
}


# -- library classes are read-only -----------------------------------------------------------------------

_HEAPTYPE, _IMMUTABLETYPE = 1 << 9, 1 << 8


def freeze_classes(classes: list[type]) -> int:
    """Mark the library's own classes (and their bases) immutable, as CPython's built-in types are.

    The guards already refuse ``json.JSONEncoder.item_separator = ...``; this also stops library code that
    sets attributes for its caller. Returns how many classes were frozen (0 where ctypes is missing).
    """
    try:
        import ctypes
    except ImportError:
        return 0
    offset = 21 * ctypes.sizeof(ctypes.c_void_p)  # PyTypeObject.tp_flags in a release build
    frozen = 0
    seen: set[type] = set()
    for cls in classes:
        for base in cls.__mro__:
            if base in seen or base is object:
                continue
            seen.add(base)
            flags = base.__flags__
            if not flags & _HEAPTYPE or flags & _IMMUTABLETYPE:
                continue
            field = ctypes.c_ulong.from_address(id(base) + offset)
            if field.value != flags:  # not the layout this code expects: leave the class alone
                continue
            field.value = flags | _IMMUTABLETYPE
            ctypes.pythonapi.PyType_Modified(ctypes.py_object(base))
            frozen += 1
    return frozen
