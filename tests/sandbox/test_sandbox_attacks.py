"""The attack suite: hostile code must fail with a clear error, and the host must stay untouched."""

from __future__ import annotations

import pytest

from nodes.sandbox import (
    SandboxCompileError, SandboxError, SandboxLimitError, SandboxPool, SandboxRuntimeError, SandboxTimeoutError,
)

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("host_intact")]

NOT_ALLOWED = r"module '{}' is not allowed in code nodes"
UNDERSCORE = r'"{}" is an invalid (attribute|variable) name because it starts with "_"'
RESTRICTED = r'"{}" is a restricted name and cannot be used in code nodes'


def main_returning(expression: str, *, prelude: str = "") -> str:
    return f"{prelude}\ndef main(args):\n    return {{'x': {expression}}}\n"


ATTACKS = [
    # imports of modules that reach the system
    ("import-os", "import os\ndef main(args):\n    return {'x': os.getcwd()}",
     SandboxRuntimeError, NOT_ALLOWED.format("os")),
    ("import-sys", "import sys\ndef main(args):\n    return {'x': sys.path}", SandboxRuntimeError,
     NOT_ALLOWED.format("sys")),
    ("import-subprocess", "import subprocess\ndef main(args):\n    return {'x': subprocess.run(['id'])}",
     SandboxRuntimeError, NOT_ALLOWED.format("subprocess")),
    ("import-socket", "import socket\ndef main(args):\n    return {'x': socket.create_connection(('1.1.1.1', 80))}",
     SandboxRuntimeError, NOT_ALLOWED.format("socket")),
    ("import-ctypes", "import ctypes\ndef main(args):\n    return {'x': ctypes.CDLL(None).system(b'id')}",
     SandboxRuntimeError, NOT_ALLOWED.format("ctypes")),
    ("import-importlib", "import importlib\ndef main(args):\n    return {'x': importlib.import_module('os')}",
     SandboxRuntimeError, NOT_ALLOWED.format("importlib")),
    ("from-os-import", "from os import system\ndef main(args):\n    return {'x': system('id')}",
     SandboxRuntimeError, NOT_ALLOWED.format("os")),
    ("dunder-import", main_returning("__import__('os').system('id')"), SandboxCompileError,
     UNDERSCORE.format("__import__")),
    ("module-reexport-json-codecs",
     main_returning("json.codecs.open('/tmp/loom-sandbox-pwned', 'w').write('x')", prelude="import json"),
     SandboxRuntimeError, r"module 'json' has no attribute 'codecs'"),
    ("module-reexport-uuid-os", main_returning("uuid.os.environ", prelude="import uuid"), SandboxRuntimeError,
     r"module 'uuid' has no attribute 'os'"),
    ("module-via-exception-obj",
     "import json\ndef main(args):\n    try:\n        json.nope\n    except AttributeError as e:\n"
     "        return {'x': e.obj.codecs}", SandboxRuntimeError, r"module 'json' has no attribute 'codecs'"),
    ("module-private-random-os", main_returning("random._os.system('id')", prelude="import random"),
     SandboxCompileError, UNDERSCORE.format("_os")),
    # builtins that are not there
    ("open-read", main_returning("open('/etc/passwd').read()"), SandboxRuntimeError,
     r"'open' is not available in code nodes"),
    ("open-write", main_returning("open('/tmp/loom-sandbox-pwned', 'w').write('x')"), SandboxRuntimeError,
     r"'open' is not available"),
    ("eval", main_returning("eval('1 + 1')"), SandboxCompileError, r"Eval calls are not allowed"),
    ("exec", "def main(args):\n    exec('import os')\n    return {}", SandboxCompileError,
     r"Exec calls are not allowed"),
    ("compile", main_returning("compile('1', 'f', 'eval')"), SandboxRuntimeError, r"'compile' is not available"),
    ("globals", main_returning("globals()"), SandboxRuntimeError, r"'globals' is not available"),
    ("builtins-name", main_returning("__builtins__"), SandboxCompileError, UNDERSCORE.format("__builtins__")),
    # introspection walks
    ("subclasses-walk", main_returning("().__class__.__bases__[0].__subclasses__()"), SandboxCompileError,
     UNDERSCORE.format("__subclasses__")),
    ("getattr-dunder", main_returning("getattr((), '__class__')"), SandboxRuntimeError,
     r'"__class__" is an invalid attribute name'),
    ("function-globals", main_returning("main.__globals__"), SandboxCompileError, UNDERSCORE.format("__globals__")),
    ("function-code", main_returning("(lambda: 0).__code__"), SandboxCompileError, UNDERSCORE.format("__code__")),
    ("generator-frame", main_returning("(i for i in [1]).gi_frame.f_back"), SandboxCompileError,
     RESTRICTED.format("f_back")),
    ("generator-frame-getattr", main_returning("getattr((i for i in [1]), 'gi_frame')"), SandboxRuntimeError,
     RESTRICTED.format("gi_frame")),
    ("traceback-frame",
     "def main(args):\n    try:\n        1 / 0\n    except Exception as e:\n"
     "        return {'x': e.__traceback__.tb_frame}",
     SandboxCompileError, RESTRICTED.format("tb_frame")),
    ("frame-back-getattr", main_returning("getattr(getattr(e, 'tb_frame'), 'f_back')", prelude="e = None"),
     SandboxRuntimeError, RESTRICTED.format("tb_frame")),
    # format-string tricks
    ("str-format-attr", main_returning("'{0.__class__.__mro__}'.format(1)"), SandboxRuntimeError,
     r"format\*\(\) methods of `str` is not safe"),
    ("str-format-map", main_returning("'{x.__class__}'.format_map({'x': 1})"), SandboxRuntimeError,
     r"format\*\(\) methods of `str` is not safe"),
    ("str-format-unbound", main_returning("str.format('{0.__class__}', 1)"), SandboxRuntimeError,
     r"format\*\(\) methods of `str` is not safe"),
    ("string-formatter", main_returning("string.Formatter().format('{0.__class__}', 1)", prelude="import string"),
     SandboxRuntimeError, r"module 'string' has no attribute 'Formatter'"),
    ("fstring-attr", main_returning("f'{args.__class__}'"), SandboxCompileError, UNDERSCORE.format("__class__")),
    # type and metaclass tricks
    ("type-three-args", main_returning("type('X', (), {'y': 1})"), SandboxRuntimeError,
     r"'type' is not available in code nodes"),
    ("metaclass-keyword", "class M:\n    pass\nclass X(metaclass=M):\n    pass\ndef main(args):\n    return {}",
     SandboxCompileError, r'The keyword argument "metaclass" is not allowed'),
    ("dunder-method",
     "class X:\n    def __getattribute__(self, name):\n        return 1\ndef main(args):\n    return {}",
     SandboxCompileError, UNDERSCORE.format("__getattribute__")),
    ("patch-module", "import json\ndef main(args):\n    json.dumps = None\n    return {}", SandboxRuntimeError,
     r"cannot modify attributes or items of module objects"),
    ("setattr-module", main_returning("setattr(json, 'loads', None)", prelude="import json"), SandboxRuntimeError,
     r"cannot modify attributes or items of module objects"),
    # decorators and lambdas reaching dunders
    ("decorator-dunder", "@(lambda f: f.__globals__)\ndef main(args):\n    return {}", SandboxCompileError,
     UNDERSCORE.format("__globals__")),
    ("lambda-getattr-dunder", main_returning("(lambda f: getattr(f, '__globals__'))(main)"), SandboxRuntimeError,
     r'"__globals__" is an invalid attribute name'),
    # resources
    ("infinite-loop", "def main(args):\n    while True:\n        pass", SandboxTimeoutError,
     r"code ran longer than 1 s and was stopped"),
    ("deep-recursion", "def f(n):\n    return f(n + 1)\ndef main(args):\n    return {'x': f(0)}",
     SandboxRuntimeError, r"RecursionError: maximum recursion depth exceeded"),
    ("memory-string", main_returning("'x' * 10**10"), SandboxLimitError, r"ran out of memory \(limit 256 MB\)"),
    ("memory-list", main_returning("[0] * 10**9"), SandboxLimitError, r"ran out of memory"),
    ("memory-growth", "def main(args):\n    hoard = []\n    while True:\n        hoard.append('x' * 10**6)",
     SandboxLimitError, r"ran out of memory"),
    ("big-int-power", main_returning("10 ** 10 ** 10"), SandboxTimeoutError, r"code ran longer than"),
    ("fork-bomb", "import os\ndef main(args):\n    while True:\n        os.fork()", SandboxRuntimeError,
     NOT_ALLOWED.format("os")),
    ("huge-output", main_returning("'a' * 5_000_000"), SandboxLimitError,
     r"output is 5,000,0\d\d bytes, over the limit of 1,000,000 bytes"),
    ("deep-output", "def main(args):\n    x = []\n    for _ in range(100):\n        x = [x]\n    return {'x': x}",
     SandboxLimitError, r"output 'x(\[0\])+' is nested more than 20 levels deep"),
    ("cyclic-output", "def main(args):\n    x = []\n    x.append(x)\n    return {'x': x}", SandboxLimitError,
     r"nested more than 20 levels"),
    ("non-json-output", main_returning("{1, 2}"), SandboxRuntimeError, r"output 'x' is a set; return JSON values"),
    ("signals", "import signal\ndef main(args):\n    signal.raise_signal(9)\n    return {}", SandboxRuntimeError,
     NOT_ALLOWED.format("signal")),
    ("environment", "import os\ndef main(args):\n    return {'x': dict(os.environ)}", SandboxRuntimeError,
     NOT_ALLOWED.format("os")),
    ("exit", "def main(args):\n    exit(1)", SandboxRuntimeError, r"'exit' is not available"),
]


@pytest.mark.parametrize(("code", "error", "pattern"), [a[1:] for a in ATTACKS], ids=[a[0] for a in ATTACKS])
async def test_attack_fails_with_a_clear_error(pool: SandboxPool, code: str, error: type[SandboxError],
                                               pattern: str) -> None:
    # Payloads expected to time out get 1 s; the others get ample time, so a loaded machine cannot turn a
    # memory error into a timeout.
    timeout = 1 if error is SandboxTimeoutError else 20
    with pytest.raises(error, match=pattern):
        await pool.run(code, {"str1": "a"}, timeout_s=timeout)


async def test_the_suite_is_big_enough() -> None:
    assert len(ATTACKS) >= 30


async def test_after_the_suite_a_normal_script_still_runs(pool: SandboxPool) -> None:
    code = "import json\ndef main(args):\n    print('ok')\n    return {'output': json.dumps(args['x'])}"
    for _ in range(4):  # more runs than workers: every slot is healthy
        result = await pool.run(code, {"x": [1, "二"]})
        assert result.value == {"output": '[1, "\\u4e8c"]'}
        assert result.logs == ["ok"]
