"""Compiling user code under the sandbox policy, and the save-time checks of the code node's contract.

RestrictedPython rewrites the code so attribute, item and iteration access go through the guards in
``policy.py`` and rejects ``_``-names, frame internals, ``exec``/``eval``. Compiling never runs user code,
so the host uses this module at save time; the worker uses it before every (uncached) run.
"""

from __future__ import annotations

import ast
import functools
import importlib
import itertools
import re
import types
from dataclasses import dataclass
from typing import Any

from RestrictedPython import RestrictingNodeTransformer, compile_restricted_exec

from nodes.sandbox.errors import SandboxCompileError
from nodes.sandbox.runtime.policy import ALLOWED_MODULES, FILENAME, public_names

MAX_CODE_CHARS = 100_000


class _Transformer(RestrictingNodeTransformer):
    """RestrictedPython's policy, plus ``counts[k] += 1`` and ``self.total += x``, which it refuses.

    ``target op= value`` on an item or attribute becomes ``obj = ...; obj[key] = obj[key] op value`` with
    fresh local names, so the container and key are evaluated once and every access is guarded as usual.
    (As with ``a = a + b``, the item is rebound, not updated in place.)
    """

    _counter = itertools.count()

    def visit_AugAssign(self, node: ast.AugAssign) -> Any:
        target = node.target
        if not isinstance(target, (ast.Subscript, ast.Attribute)):
            return super().visit_AugAssign(node)
        n = next(self._counter)
        obj = f"loom_aug_obj{n}"
        statements: list[ast.stmt] = [ast.Assign([ast.Name(obj, ast.Store())], target.value)]
        if isinstance(target, ast.Subscript):
            key = f"loom_aug_key{n}"
            statements.append(ast.Assign([ast.Name(key, ast.Store())], target.slice))

            def place(ctx: ast.expr_context) -> ast.expr:
                return ast.Subscript(ast.Name(obj, ast.Load()), ast.Name(key, ast.Load()), ctx)
        else:
            attr = target.attr

            def place(ctx: ast.expr_context) -> ast.expr:
                return ast.Attribute(ast.Name(obj, ast.Load()), attr, ctx)
        statements.append(ast.Assign([place(ast.Store())], ast.BinOp(place(ast.Load()), node.op, node.value)))
        for statement in statements:
            ast.copy_location(statement, node)
            ast.fix_missing_locations(statement)
        return [self.visit(statement) for statement in statements]


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


_TOO_DEEP = ("the code is nested too deeply to compile (an expression or block inside hundreds of others): "
             "split it into smaller expressions or functions")
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
    except (RecursionError, MemoryError):
        return None, [CompileProblem(_TOO_DEEP)]
    except ValueError as exc:  # null bytes
        return None, [CompileProblem(f"cannot parse the code: {exc}")]
    try:
        result = compile_restricted_exec(tree, filename=FILENAME, policy=_Transformer)
    except (RecursionError, MemoryError):
        return None, [CompileProblem(_TOO_DEEP)]
    except SyntaxError as exc:
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
    """Save-time checks beyond compiling: allowed imports and names, and a top-level ``def main(args)``."""
    try:
        tree = ast.parse(code, filename=FILENAME)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return []  # reported by ``problems``
    found = [CompileProblem(f"module '{name}' is not allowed in code nodes; allowed: {', '.join(ALLOWED_MODULES)}",
                            node.lineno)
             for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
             for name in _imported(node) if name not in ALLOWED_MODULES]
    found += [CompileProblem(f"cannot import name '{alias.name}' from '{node.module}'", node.lineno)
              for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and not node.level
              and node.module in ALLOWED_MODULES
              for alias in node.names if alias.name not in _importable(node.module)]
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


def free_names(code: str) -> set[str]:
    """Names the code reads but never binds (not builtins-aware): ``str1`` in ``return {'o': str1}``."""
    try:
        tree = ast.parse(code, filename=FILENAME)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return set()
    loaded: set[str] = set()
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
    return loaded - bound


@functools.cache
def _importable(module: str) -> frozenset[str]:
    """What ``from module import name`` may name (an allow-listed standard library module)."""
    return frozenset(public_names(importlib.import_module(module)))


def _imported(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and not node.level and node.module:
        return [node.module]
    return []
