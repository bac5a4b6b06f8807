"""No state crosses runs: each run is a fresh fork of a zygote that never ran user code.

Run A is plain, unrestricted Python (as if the language layer had fallen): it rewrites every module object it
can reach, fills caches, plants objects for ``gc`` to find, writes files in its scratch directory and /tmp,
and leaves its arguments (another app's secret) in memory. Run B, for another app, must see none of it.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from nodes.sandbox import SandboxError, SandboxPool

pytestmark = pytest.mark.asyncio(loop_scope="module")

APP_A_SECRET = "app-a-private-input-5d1e"

FUNCTIONS = r'''
import gc, json, os, random, sys, string, decimal, functools, collections
# What the child needs to send its reply; everything else is fair game.
KEEP = ("json", "_json", "os", "posix", "sys", "builtins", "loom_sandbox", "marshal", "struct", "_struct",
        "codecs", "_codecs", "encodings", "io", "_io", "abc", "_abc", "math", "types", "stat", "_stat",
        "posixpath", "genericpath", "errno", "gc", "re", "_sre", "collections", "_collections", "functools",
        "decimal", "_decimal", "_pydecimal", "random", "_random", "_sha512", "hashlib", "_hashlib", "numbers")

def poison(args, separators=True):
    decimal.getcontext().prec = 2
    random.seed(1)
    touched = 0
    for name, module in list(sys.modules.items()):
        if module is None or name.split(".")[0] in KEEP:
            continue
        for attr in list(vars(module)):
            if not attr.startswith("__"):
                try:
                    setattr(module, attr, "POISONED")
                    touched += 1
                except Exception:
                    pass
    sys.modules["builtins"].sorted = lambda *a, **k: ["POISONED"]
    if separators:
        json.JSONEncoder.item_separator = "POISONED"
    gc.garbage.append([args["secret"]] * 3)
    sys.modules["planted"] = type(sys)("planted")
    sys.modules["planted"].secret = args["secret"]
    os.environ["PLANTED"] = args["secret"]
    for path in ("planted.txt", "/tmp/planted.txt"):
        with open(path, "w") as handle:
            handle.write(args["secret"])
    os.mkdir("/tmp/planted-dir")
    os.chmod("/tmp/planted-dir", 0)
    return touched

def listing(path):
    names = list(os.listdir(path))
    names.sort()  # the builtin sorted may be poisoned
    return names

def check(args):
    needle = args["reversed_secret"][::-1]
    holders = [obj for obj in gc.get_objects() if isinstance(obj, (list, dict))
               and any(isinstance(item, str) and needle in item
                       for item in (obj.values() if isinstance(obj, dict) else obj))]
    return {
        "dumps": json.dumps({"a": [1, 2]}),
        "sorted": sorted([2, 1]),
        "prec": decimal.getcontext().prec,
        "planted_module": "planted" in sys.modules,
        "garbage": len(gc.garbage),
        "env": "PLANTED" in os.environ,
        "scratch": listing("."),
        "tmp": listing("/tmp"),
        "random_differs": random.random() != random.Random(1).random(),
        "holders": len(holders),  # containers holding the secret (its args hold it reversed only)
    }
'''
POISON = FUNCTIONS + "def main(args):\n    poison(args)\n    return {'ok': True}\n"
POISON_THEN_CHECK = FUNCTIONS + ("def main(args):\n    touched = poison(args, separators=False)\n"
                                 "    return dict(check(args), touched=touched)\n")
CHECK = FUNCTIONS + "def main(args):\n    return check(args)\n"
PRISTINE = {"dumps": '{"a": [1, 2]}', "sorted": [1, 2], "prec": 28, "planted_module": False, "garbage": 0,
            "env": False, "scratch": [], "tmp": ["run"], "random_differs": True, "holders": 0}
ARGS = {"secret": APP_A_SECRET, "reversed_secret": APP_A_SECRET[::-1]}


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def plain_pool() -> AsyncIterator[SandboxPool]:
    async with SandboxPool(size=1, language=False) as pool:
        yield pool


async def test_the_poison_is_real_and_the_check_sees_it(plain_pool: SandboxPool) -> None:
    inside = (await plain_pool.run(POISON_THEN_CHECK, ARGS)).value
    assert inside["touched"] > 1000  # it rewrote the interpreter's modules
    assert {key: inside[key] for key in PRISTINE} == {
        "dumps": '{"a": [1, 2]}', "sorted": ["POISONED"], "prec": 2, "planted_module": True, "garbage": 1,
        "env": True, "scratch": ["planted.txt"], "tmp": ["planted-dir", "planted.txt", "run"],
        "random_differs": False, "holders": inside["holders"]}
    assert inside["holders"] >= 1


async def test_a_poisoned_run_leaves_nothing_for_the_next_app(plain_pool: SandboxPool) -> None:
    with contextlib.suppress(SandboxError):  # poisoned JSON separators may garble its own reply
        await plain_pool.run(POISON, ARGS)
    after = await plain_pool.run(CHECK, {"secret": "", "reversed_secret": APP_A_SECRET[::-1]})
    assert after.value == PRISTINE


async def test_every_run_gets_a_fresh_random_state(plain_pool: SandboxPool) -> None:
    code = "import random\ndef main(args):\n    return {'x': random.random()}"
    values = {(await plain_pool.run(code, {})).value["x"] for _ in range(5)}
    assert len(values) == 5
