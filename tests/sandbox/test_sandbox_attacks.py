"""The attack suite: hostile code fails with a clear error (or does nothing harmful), the host stays untouched,
no secret of the host shows up, and the next run of another app sees the pristine library.

Every payload runs against both ``pool`` (all layers) and ``language_pool`` (the language layer alone), so
each layer is shown to hold by itself. This file has the harness and the payloads aimed at the system
(imports, files, sockets, processes, resources); ``test_sandbox_language_escapes.py`` has the ones aimed at
the language layer's own walls (proxies, functools, format strings, frames, classes).
"""

from __future__ import annotations

import base64
import collections
import datetime
import decimal
import functools
import hashlib
import itertools
import json
import math
import os
import random
import re
import shutil
import statistics
import string
import textwrap
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from nodes.sandbox import (
    SandboxCompileError,
    SandboxError,
    SandboxLimitError,
    SandboxPool,
    SandboxRuntimeError,
    SandboxTimeoutError,
)
from tests.sandbox.conftest import SECRET

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("host_intact")]

NOT_ALLOWED = r"module '{}' is not allowed in code nodes"
UNDERSCORE = r'"{}" is an invalid (attribute|variable) name because it starts with "_"'
RESTRICTED = r'"{}" is a restricted name and cannot be used in code nodes'
NOT_AVAILABLE = r"'{}' is not available in code nodes"
FORMAT = r"format\*\(\) methods of `str` is not safe"
BOMB = (SandboxLimitError, SandboxTimeoutError)  # which limit trips first depends on the layers and the load

# A file holding the host's secret where an app's data would be; payloads get its path in their args.
LOOM_DB = Path(f"/tmp/loom-sandbox-attack-{os.getpid()}/loom.db")
ARGS = {"str1": "a", "db": str(LOOM_DB), "host_pid": os.getpid()}  # the server, whose environ holds SECRET


@dataclass(frozen=True)
class Attack:
    """One payload and what must happen: ``error`` (a class or classes, and where the language layer refuses
    it, a ``pattern`` for the message), or, with ``error`` None, a run that returns exactly ``value``."""

    id: str
    code: str
    error: type[SandboxError] | tuple[type[SandboxError], ...] | None = None
    pattern: str | None = None
    value: dict[str, Any] | None = None
    timeout: float = 20  # ample, so a loaded machine cannot turn another error into a timeout


def refused(id: str, code: str, error: type[SandboxError], pattern: str) -> Attack:
    return Attack(id, textwrap.dedent(code), error, pattern)


def fails(id: str, code: str, error: type[SandboxError] | tuple[type[SandboxError], ...],
          timeout: float = 20) -> Attack:
    return Attack(id, textwrap.dedent(code), error, timeout=timeout)


def harmless(id: str, code: str, value: dict[str, Any]) -> Attack:
    return Attack(id, textwrap.dedent(code), value=value)


def main_returning(expression: str, *, prelude: str = "") -> str:
    return f"{prelude}\ndef main(args):\n    return {{'x': {expression}}}\n"


# The other app: run right after every payload, it must find the library as it always is.
VICTIM = """\
import json, random, decimal, string, re, functools, collections, math, datetime, statistics, hashlib, base64
import uuid, itertools
def main(args):
    return {
        'dumps': json.dumps({'a': 1, 'b': [1, 2]}), 'loads': json.loads('{"a": [1, 2.5]}'),
        'separators': [json.JSONEncoder.item_separator, json.JSONEncoder.key_separator],
        'indent': json.dumps([1], indent=1), 'encoder': json.JSONEncoder().encode({'k': None}),
        'letters': string.ascii_letters, 'digits': string.digits, 'punctuation': string.punctuation,
        'template': string.Template('$a-${b}').substitute(a='x', b='y'), 'delimiter': string.Template.delimiter,
        'context': str(decimal.getcontext()), 'default_context': str(decimal.DefaultContext),
        'third': str(decimal.Decimal(1) / 3),
        'seeded_by_attacker': random.random() == random.Random(1).random(),
        'seeded': random.Random(7).randint(1, 1000),
        'counter': collections.Counter('abca').most_common(1), 'pi': math.pi, 'sqrt': math.sqrt(2),
        'date': datetime.date(2024, 5, 6).strftime('%A %Y'), 'mean': statistics.mean([1, 2, 4]),
        'sha': hashlib.sha256(b'x').hexdigest(), 'b64': base64.b64encode(b'loom').decode(),
        'uuid': str(uuid.uuid5(uuid.NAMESPACE_DNS, 'loom')), 'assigned': list(functools.WRAPPER_ASSIGNMENTS),
        'chain': list(itertools.chain([1], [2])), 're': re.sub(r'a+', '-', 'caaab'), 'flags': str(re.I | re.M),
        'user_string': str(collections.UserString('ab') + 'c'), 'user_dict': dict(collections.UserDict(a=1)),
        'partial': functools.partial(max, 3)(1), 'ordered': list(collections.OrderedDict(b=1, a=2)),
    }
"""


def _pristine() -> dict[str, Any]:
    """What the victim returns in an untouched interpreter (the same expressions, in this process)."""
    return {
        "dumps": json.dumps({"a": 1, "b": [1, 2]}), "loads": {"a": [1, 2.5]}, "separators": [", ", ": "],
        "indent": "[\n 1\n]", "encoder": '{"k": null}',
        "letters": string.ascii_letters, "digits": string.digits, "punctuation": string.punctuation,
        "template": "x-y", "delimiter": "$",
        "context": str(decimal.Context()), "default_context": str(decimal.Context()), "third": "0." + "3" * 28,
        "seeded_by_attacker": False, "seeded": random.Random(7).randint(1, 1000),
        "counter": [["a", 2]], "pi": math.pi, "sqrt": math.sqrt(2), "date": "Monday 2024",
        "mean": statistics.mean([1, 2, 4]), "sha": hashlib.sha256(b"x").hexdigest(),
        "b64": base64.b64encode(b"loom").decode(), "uuid": str(uuid.uuid5(uuid.NAMESPACE_DNS, "loom")),
        "assigned": list(functools.WRAPPER_ASSIGNMENTS), "chain": [1, 2], "re": "c-b",
        "flags": str(re.I | re.M), "user_string": "abc", "user_dict": {"a": 1}, "partial": 3,
        "ordered": list(collections.OrderedDict(b=1, a=2)),
    }


PRISTINE = _pristine()
assert datetime.date(2024, 5, 6).strftime("%A") == "Monday" and list(itertools.chain([1], [2])) == [1, 2]


async def check_attack(sandbox: SandboxPool, attack: Attack) -> None:
    """Run ``attack``, check its outcome and that no secret leaked, then run the victim."""
    try:
        result = await sandbox.run(attack.code, ARGS, timeout_s=attack.timeout)
    except SandboxError as exc:
        shown = [str(exc), *getattr(exc, "logs", []), *getattr(exc, "traceback", [])]
        assert not any(SECRET in text for text in shown), "the host's secret leaked into an error"
        assert attack.error is not None, f"expected {attack.value!r}, got {type(exc).__name__}: {exc}"
        assert isinstance(exc, attack.error), f"expected {attack.error}, got {type(exc).__name__}: {exc}"
        if attack.pattern:
            assert re.search(attack.pattern, str(exc)), f"{str(exc)!r} does not match {attack.pattern!r}"
    else:
        assert SECRET not in json.dumps(result.value) + json.dumps(result.logs), "the host's secret leaked"
        assert attack.error is None, f"expected {attack.error}, but the run returned {result.value!r}"
        assert result.value == attack.value
    victim = await sandbox.run(VICTIM, {}, timeout_s=20)
    assert victim.value == PRISTINE


@pytest.fixture(scope="module", autouse=True)
def loom_db() -> Iterator[Path]:
    """An app database with the secret in it, where a payload knows to look."""
    LOOM_DB.parent.mkdir(exist_ok=True)
    LOOM_DB.write_bytes(b"SQLite format 3\x00" + SECRET.encode())
    LOOM_DB.with_name("loom.db-wal").write_bytes(SECRET.encode())
    yield LOOM_DB
    shutil.rmtree(LOOM_DB.parent, ignore_errors=True)


@pytest.fixture(params=["pool", "language_pool"])
def sandbox(request: pytest.FixtureRequest) -> SandboxPool:
    """Each payload runs against all layers and against the language layer alone."""
    return request.getfixturevalue(request.param)


def _try_all(*attempts: str) -> str:
    """A ``main`` that tries each expression, records the exception type, and returns them all."""
    body = "".join(f"    try:\n        out.append(repr({attempt}))\n    except Exception as e:\n"
                   f"        out.append(repr(e).split('(')[0])\n" for attempt in attempts)
    return f"def main(args):\n    out = []\n{body}    return {{'x': out}}\n"


SYSTEM_ATTACKS = [
    # imports of modules that reach the system
    refused("import-os", "import os\ndef main(args):\n    return {'x': os.getcwd()}", SandboxRuntimeError,
            NOT_ALLOWED.format("os")),
    refused("import-sys", "import sys\ndef main(args):\n    return {'x': sys.path}", SandboxRuntimeError,
            NOT_ALLOWED.format("sys")),
    refused("import-subprocess", "import subprocess\ndef main(args):\n    return {'x': subprocess.run(['id'])}",
            SandboxRuntimeError, NOT_ALLOWED.format("subprocess")),
    refused("import-ctypes", "import ctypes\ndef main(args):\n    return {'x': ctypes.CDLL(None).system(b'id')}",
            SandboxRuntimeError, NOT_ALLOWED.format("ctypes")),
    refused("import-private-ctypes", "import _ctypes\ndef main(args):\n    return {}", SandboxCompileError,
            UNDERSCORE.format("_ctypes")),
    refused("import-importlib", "import importlib\ndef main(args):\n    return {'x': importlib.import_module('os')}",
            SandboxRuntimeError, NOT_ALLOWED.format("importlib")),
    refused("from-os-import", "from os import system\ndef main(args):\n    return {'x': system('id')}",
            SandboxRuntimeError, NOT_ALLOWED.format("os")),
    refused("import-posix-fstat", "import posix\ndef main(args):\n"
            "    return {'x': [posix.fstat(fd) for fd in range(3, 65)]}",
            SandboxRuntimeError, NOT_ALLOWED.format("posix")),
    refused("fd-leak-os-read", "import os\ndef main(args):\n    out = []\n    for fd in range(3, 65):\n"
            "        try:\n            out.append(os.read(fd, 4096).decode('latin-1'))\n        except OSError:\n"
            "            pass\n    return {'x': out}", SandboxRuntimeError, NOT_ALLOWED.format("os")),
    refused("list-proc-self-fd", "import os\ndef main(args):\n    return {'x': os.listdir('/proc/self/fd')}",
            SandboxRuntimeError, NOT_ALLOWED.format("os")),
    refused("import-builtins",
            "import builtins\ndef main(args):\n    return {'x': builtins.open('/etc/passwd').read()}",
            SandboxCompileError, r'"builtins" is a reserved name'),
    refused("import-gc-old-runs", "import gc\ndef main(args):\n    return {'x': [repr(o) for o in gc.get_objects()]}",
            SandboxRuntimeError, NOT_ALLOWED.format("gc")),
    refused("import-inspect", "import inspect\ndef main(args):\n    return {'x': inspect.stack()}",
            SandboxRuntimeError, NOT_ALLOWED.format("inspect")),
    refused("import-pickle", "import pickle\ndef main(args):\n    return {'x': pickle.loads(b'cos\\nsystem\\n.')}",
            SandboxRuntimeError, NOT_ALLOWED.format("pickle")),
    refused("import-copy", "import copy\ndef main(args):\n    return {'x': copy.copy(args)}", SandboxRuntimeError,
            NOT_ALLOWED.format("copy")),
    refused("import-time", "import time\ndef main(args):\n    return {'x': time.time()}", SandboxRuntimeError,
            NOT_ALLOWED.format("time")),
    refused("import-private-strptime", "import _strptime\ndef main(args):\n    return {}", SandboxCompileError,
            UNDERSCORE.format("_strptime")),
    refused("import-dotted-submodule", "import json.decoder\ndef main(args):\n    return {}", SandboxRuntimeError,
            NOT_ALLOWED.format("json.decoder")),
    refused("dunder-import", main_returning("__import__('os').system('id')"), SandboxCompileError,
            UNDERSCORE.format("__import__")),
    # files: /proc of the worker and of its parent (the server's environment), /etc/passwd, the app database
    refused("read-proc-self-environ", main_returning("open('/proc/self/environ').read()"), SandboxRuntimeError,
            NOT_AVAILABLE.format("open")),
    refused("read-proc-parent-environ", "import os\ndef main(args):\n"
            "    return {'x': open(f'/proc/{os.getppid()}/environ').read()}", SandboxRuntimeError,
            NOT_ALLOWED.format("os")),
    refused("read-proc-self-maps", main_returning("open('/proc/self/maps').read()"), SandboxRuntimeError,
            NOT_AVAILABLE.format("open")),
    refused("read-proc-parent-cmdline", main_returning("open('/proc/1/cmdline').read()"), SandboxRuntimeError,
            NOT_AVAILABLE.format("open")),
    refused("read-etc-passwd", main_returning("open('/etc/passwd').read()"), SandboxRuntimeError,
            NOT_AVAILABLE.format("open")),
    refused("read-loom-db", main_returning("open(args['db'], 'rb').read().decode('latin-1')"), SandboxRuntimeError,
            NOT_AVAILABLE.format("open")),
    refused("read-loom-db-pathlib", "import pathlib\ndef main(args):\n"
            "    return {'x': pathlib.Path(args['db']).read_text('latin-1')}", SandboxRuntimeError,
            NOT_ALLOWED.format("pathlib")),
    refused("read-loom-db-io", "import io\ndef main(args):\n    return {'x': io.open(args['db']).read()}",
            SandboxRuntimeError, NOT_ALLOWED.format("io")),
    refused("read-via-json-codecs", main_returning("json.codecs.open(args['db']).read()", prelude="import json"),
            SandboxRuntimeError, r"module 'json' has no attribute 'codecs'"),
    refused("write-marker", main_returning("open('/tmp/loom-sandbox-pwned', 'w').write('x')"), SandboxRuntimeError,
            NOT_AVAILABLE.format("open")),
    harmless("files-every-route", _try_all("open(args['db'])", "json.codecs", "uuid.os", "random.os",
                                           "base64.binascii", "hashlib.sys")
             .replace("def main", "import json, uuid, random, base64, hashlib\ndef main"),
             {"x": ["NameError", "AttributeError", "AttributeError", "AttributeError", "AttributeError",
                    "AttributeError"]}),
    refused("module-reexport-uuid-os", main_returning("uuid.os.environ", prelude="import uuid"), SandboxRuntimeError,
            r"module 'uuid' has no attribute 'os'"),
    refused("module-private-random-os", main_returning("random._os.system('id')", prelude="import random"),
            SandboxCompileError, UNDERSCORE.format("_os")),
    refused("environment", "import os\ndef main(args):\n    return {'x': dict(os.environ)}", SandboxRuntimeError,
            NOT_ALLOWED.format("os")),
    # sockets of every family
    refused("socket-inet", "import socket\ndef main(args):\n"
            "    return {'x': socket.create_connection(('1.1.1.1', 80))}", SandboxRuntimeError,
            NOT_ALLOWED.format("socket")),
    refused("socket-inet6", "import socket\ndef main(args):\n"
            "    return {'x': socket.socket(socket.AF_INET6).connect(('::1', 80))}", SandboxRuntimeError,
            NOT_ALLOWED.format("socket")),
    refused("socket-unix", "import socket\ndef main(args):\n"
            "    return {'x': socket.socket(socket.AF_UNIX).connect('/run/docker.sock')}", SandboxRuntimeError,
            NOT_ALLOWED.format("socket")),
    refused("socket-netlink", "import socket\ndef main(args):\n    return {'x': socket.socket(16, 3, 0)}",
            SandboxRuntimeError, NOT_ALLOWED.format("socket")),
    refused("socket-private-module", "import _socket\ndef main(args):\n    return {}", SandboxCompileError,
            UNDERSCORE.format("_socket")),
    refused("urllib", "import urllib.request\ndef main(args):\n"
            "    return {'x': urllib.request.urlopen('http://127.0.0.1:8000/v1/apps').read()}", SandboxRuntimeError,
            NOT_ALLOWED.format("urllib.request")),
    # processes and threads
    refused("fork-bomb", "import os\ndef main(args):\n    while True:\n        os.fork()", SandboxRuntimeError,
            NOT_ALLOWED.format("os")),
    refused("threading", "import threading\ndef main(args):\n    threading.Thread(target=print).start()\n"
            "    return {}", SandboxRuntimeError, NOT_ALLOWED.format("threading")),
    refused("private-thread", "import _thread\ndef main(args):\n    return {}", SandboxCompileError,
            UNDERSCORE.format("_thread")),
    refused("multiprocessing", "import multiprocessing\ndef main(args):\n"
            "    return {'x': multiprocessing.Process(target=print).start()}", SandboxRuntimeError,
            NOT_ALLOWED.format("multiprocessing")),
    refused("signals", "import signal\ndef main(args):\n    signal.raise_signal(9)\n    return {}", SandboxRuntimeError,
            NOT_ALLOWED.format("signal")),
    refused("resource-limits", "import resource\ndef main(args):\n"
            "    resource.setrlimit(resource.RLIMIT_AS, (-1, -1))\n    return {}", SandboxRuntimeError,
            NOT_ALLOWED.format("resource")),
    # builtins that are not there
    refused("eval", main_returning("eval('1 + 1')"), SandboxCompileError, r"Eval calls are not allowed"),
    refused("exec", "def main(args):\n    exec('import os')\n    return {}", SandboxCompileError,
            r"Exec calls are not allowed"),
    refused("compile", main_returning("compile('1', 'f', 'eval')"), SandboxRuntimeError,
            NOT_AVAILABLE.format("compile")),
    refused("globals", main_returning("globals()"), SandboxRuntimeError, NOT_AVAILABLE.format("globals")),
    refused("vars", main_returning("vars(json)", prelude="import json"), SandboxRuntimeError,
            NOT_AVAILABLE.format("vars")),
    refused("dir", main_returning("dir(json)", prelude="import json"), SandboxRuntimeError,
            NOT_AVAILABLE.format("dir")),
    refused("breakpoint", main_returning("breakpoint()"), SandboxCompileError, r'"breakpoint"'),
    refused("builtins-name", main_returning("__builtins__"), SandboxCompileError, UNDERSCORE.format("__builtins__")),
    refused("exit", "def main(args):\n    exit(1)", SandboxRuntimeError, NOT_AVAILABLE.format("exit")),
    refused("print-to-file", "def main(args):\n    print('x', file=args)\n    return {}", SandboxRuntimeError,
            r"print\(file=...\) is not supported"),
    # resources
    fails("infinite-loop", "def main(args):\n    while True:\n        pass", SandboxTimeoutError, timeout=1),
    refused("deep-recursion", "def f(n):\n    return f(n + 1)\ndef main(args):\n    return {'x': f(0)}",
            SandboxRuntimeError, r"RecursionError: maximum recursion depth exceeded"),
    fails("deep-json", "import json\ndef main(args):\n    x = []\n    for _ in range(200000):\n        x = [x]\n"
          "    return {'x': json.dumps(x)}", SandboxRuntimeError),
    fails("memory-string", main_returning("'x' * 10**10"), SandboxLimitError),
    fails("memory-list", main_returning("[0] * 10**9"), SandboxLimitError),
    fails("memory-growth", "def main(args):\n    hoard = []\n    while True:\n        hoard.append('x' * 10**6)",
          BOMB, timeout=5),
    fails("memory-bytearray", main_returning("len(bytearray(10**10))"), SandboxLimitError),
    fails("memory-bytearray-growth", "def main(args):\n    b = bytearray()\n    while True:\n"
          "        b += bytes(10**7)", BOMB, timeout=5),
    fails("memory-expandtabs", main_returning("len('\\t'.expandtabs(2**30))"), SandboxLimitError),
    fails("memory-itertools-count", main_returning("len(list(itertools.count()))", prelude="import itertools"),
          BOMB, timeout=5),
    fails("big-int-power", main_returning("10 ** 10 ** 10"), BOMB, timeout=1),
    fails("big-int-10-10-8", main_returning("len(str(10 ** 10 ** 8))"), (*BOMB, SandboxRuntimeError), timeout=1),
    refused("big-int-str", main_returning("str(10 ** 5000)"), SandboxRuntimeError, r"ValueError: Exceeds the limit"),
    fails("factorial", main_returning("math.factorial(10**8) > 0", prelude="import math"), BOMB, timeout=1),
    fails("decimal-precision", "import decimal\ndef main(args):\n"
          "    with decimal.localcontext(prec=10**8, Emax=decimal.MAX_EMAX):\n"
          "        return {'x': str(decimal.Decimal(2) ** 10**8)[:5]}", BOMB, timeout=1),
    fails("regex-backtracking", main_returning("bool(re.match('(a+)+$', 'a' * 64 + 'b'))", prelude="import re"),
          SandboxTimeoutError, timeout=1),
    fails("sorted-generated", main_returning("sorted(random.random() for _ in range(10**9))[0]",
                                             prelude="import random"), BOMB, timeout=1),
    fails("pbkdf2", main_returning("hashlib.pbkdf2_hmac('sha256', b'x', b'y', 10**9).hex()",
                                   prelude="import hashlib"), BOMB, timeout=1),
    refused("huge-output", main_returning("'a' * 5_000_000"), SandboxLimitError,
            r"output is 5,000,0\d\d bytes, over the limit of 1,000,000 bytes"),
    refused("deep-output",
            "def main(args):\n    x = []\n    for _ in range(100):\n        x = [x]\n    return {'x': x}",
            SandboxLimitError, r"output 'x(\[0\])+' is nested more than 20 levels deep"),
    refused("cyclic-output", "def main(args):\n    x = []\n    x.append(x)\n    return {'x': x}", SandboxLimitError,
            r"nested more than 20 levels"),
    refused("non-json-output", main_returning("{1, 2}"), SandboxRuntimeError,
            r"output 'x' is a set; return JSON values"),
]


@pytest.mark.parametrize("attack", SYSTEM_ATTACKS, ids=[attack.id for attack in SYSTEM_ATTACKS])
async def test_system_attack(sandbox: SandboxPool, attack: Attack) -> None:
    await check_attack(sandbox, attack)


async def test_after_the_suite_a_normal_script_still_runs(pool: SandboxPool) -> None:
    code = "import json\ndef main(args):\n    print('ok')\n    return {'output': json.dumps(args['x'])}"
    for _ in range(4):  # more runs than workers: every slot is healthy
        result = await pool.run(code, {"x": [1, "二"]})
        assert result.value == {"output": '[1, "\\u4e8c"]'}
        assert result.logs == ["ok"]
