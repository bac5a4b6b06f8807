"""The language layer's proxies, checked from the inside: what ``policy.load_modules()`` hands out holds no
real function, module or writable library class. Each check runs in a fresh interpreter, because loading
the policy freezes the standard library's classes for the rest of the process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def _inside(script: str) -> Any:
    """Run ``script`` (trusted test code) in a fresh interpreter with the policy loaded; its JSON output."""
    prelude = "import json, types\nfrom nodes.sandbox.runtime import policy, proxies\nmodules = policy.load_modules()\n"
    done = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
                           + prelude + textwrap.dedent(script)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_modules_hold_only_proxies_classes_and_plain_values() -> None:
    found = _inside("""
        real = (types.FunctionType, types.MethodType, types.BuiltinFunctionType, types.ModuleType)
        leaks, names = [], {}
        for label, module in modules.items():
            names[label] = hasattr(module, '__name__') or hasattr(module, '__dict__')
            for name, value in proxies.module_names(module).items():
                if isinstance(value, real):
                    leaks.append(f'{label}.{name}')
                if type(value) is proxies.Function:
                    for attr in ('__globals__', '__wrapped__', '__self__', '__func__', '__call__', '__closure__'):
                        if hasattr(value, attr):
                            leaks.append(f'{label}.{name}.{attr}')
        print(json.dumps({'leaks': leaks, 'names': names, 'sqrt': modules['math'].sqrt(9.0)}))
    """)
    assert found["leaks"] == []
    assert not any(found["names"].values())  # no __name__ for IMPORT_FROM to fall back on sys.modules with
    assert found["sqrt"] == 3.0


def test_library_classes_are_read_only_even_to_library_code() -> None:
    found = _inside("""
        import collections, decimal, json, random, re, string, uuid
        out = {}
        for cls in (json.JSONEncoder, string.Template, collections.UserDict, collections.Counter, random.Random,
                    uuid.UUID, re.RegexFlag, modules['functools'].singledispatch):
            try:
                setattr(cls, 'item_separator', ';')  # what a helper like update_wrapper would do
                out[cls.__name__] = 'changed'
            except TypeError:
                out[cls.__name__] = 'refused'
        class Mine(json.JSONEncoder):
            pass
        Mine.item_separator = ';'  # the user's own subclasses stay theirs
        out['subclass'] = Mine().encode([1, 2])
        out['flags'] = str(re.I | re.M)
        print(json.dumps(out))
    """)
    assert found.pop("subclass") == "[1;2]"
    assert found.pop("flags") == "re.IGNORECASE|re.MULTILINE"
    assert set(found.values()) == {"refused"}, found


def test_decimal_contexts_are_restored_for_each_run() -> None:
    found = _inside("""
        import decimal
        decimal.DefaultContext.prec = 3
        decimal.DefaultContext.traps[decimal.Inexact] = True
        decimal.BasicContext.clear_traps()
        policy.reset_run_state()
        print(json.dumps([str(decimal.DefaultContext), str(decimal.BasicContext), str(decimal.getcontext())]))
    """)
    assert found == [str(decimal_context()) for decimal_context in (_default, _basic, _default)]


def _default() -> Any:
    import decimal
    return decimal.Context()


def _basic() -> Any:
    import decimal
    return decimal.BasicContext.copy()


def test_importing_a_name_a_module_does_not_hand_out_is_refused_at_save_time() -> None:
    from nodes.sandbox.compiler import contract_problems
    code = ("from json import dumps, decoder\nfrom collections import abc, Counter\nfrom string import Formatter\n"
            "def main(args):\n    return {}")
    assert [str(problem) for problem in contract_problems(code)] == [
        "line 1: cannot import name 'decoder' from 'json'",
        "line 2: cannot import name 'abc' from 'collections'",
        "line 3: cannot import name 'Formatter' from 'string'",
    ]
